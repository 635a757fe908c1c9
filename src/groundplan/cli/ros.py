"""Commands on the ROS 2 graph: `ros up`, `ros task`, `ros demo`, `ros check-driver` and `ros driver`."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from groundplan.resources import config_dir


@contextlib.contextmanager
def _params_file(args: argparse.Namespace) -> Iterator[Path]:
    """The graph's parameters file, with --set overrides in a copy that lives as long as the graph."""
    from groundplan.ros.runner import with_overrides

    path = Path(args.params_file) if args.params_file else config_dir() / f"{args.graph}.yaml"
    with tempfile.TemporaryDirectory(prefix="groundplan-params-") as tmp:
        yield with_overrides(path, args.set or [], Path(tmp))


def cmd_ros_up(args: argparse.Namespace) -> int:
    from groundplan.ros.runner import run_processes, run_single_process

    run = run_single_process if args.single_process else run_processes
    with _params_file(args) as params:
        return run(args.graph, params, args.namespace)


def cmd_ros_task(args: argparse.Namespace) -> int:
    from groundplan.ros.client import run_task

    code = run_task(args.instruction, args.strategy, args.skip_perception, args.timeout, args.cancel_after,
                    goal=args.goal)
    return 0 if code == 0 else 3


def cmd_ros_demo(args: argparse.Namespace) -> int:
    """The whole graph over real rclpy, as processes, and one instruction sent to it."""
    from groundplan.ros.client import run_task
    from groundplan.ros.runner import graph_processes

    args.graph = "sim"
    with _params_file(args) as params, graph_processes("sim", params):
        code = run_task(args.instruction, timeout=args.timeout, server_timeout=args.ready_timeout,
                        require_ready=True)
    return 0 if code == 0 else 3


def cmd_ros_check_driver(args: argparse.Namespace) -> int:
    """The driver contract's rules (docs/robot-driver.md), PASS or FAIL each, against a running driver."""
    from groundplan.ros.driver_check import CheckConfig, run_check

    config = CheckConfig(action=args.action, state_topic=args.state_topic, fixture=args.fixture,
                         answer_timeout=args.timeout, state_max_age=args.state_max_age, settle=args.settle)
    verdicts = run_check(config, args.namespace)
    for verdict in verdicts:
        print(verdict.line(), flush=True)
    failed = [v.rule.id for v in verdicts if not v.passed]
    print(f"\n{len(verdicts) - len(failed)} of {len(verdicts)} rules pass"
          + (f"; failing: {', '.join(failed)}" if failed else ""), flush=True)
    return 3 if failed else 0


def cmd_ros_driver(args: argparse.Namespace) -> int:
    """The reference driver (a robot with no physics) on a scene, until Ctrl-C."""
    from groundplan.ros.reference_driver import main

    ros_args = ["--ros-args", "-p", f"scene:={args.scene}", "-p", f"skill_delay:={float(args.skill_delay)}"]
    if args.namespace:
        ros_args += ["-r", f"__ns:=/{args.namespace.strip('/')}"]
    return main(["groundplan_reference_driver", *ros_args])


def _graph_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params-file", help="parameters YAML (default: config/GRAPH.yaml)")
    p.add_argument("--set", action="append", metavar="NODE.PARAM=VALUE", help="override one parameter")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `ros up|task|demo|check-driver|driver` to the top-level parser's subcommands."""
    ros = sub.add_parser("ros", help="the ROS 2 graph: start it, send it tasks").add_subparsers(
        dest="ros_command", required=True)
    up = ros.add_parser("up", help="start a graph without ros2 launch, from the launch files' YAML")
    up.add_argument("--graph", default="sim", help="sim (whole stack on PyBullet) or robot")
    up.add_argument("--namespace", default="")
    up.add_argument("--single-process", action="store_true", help="all nodes in one multi-threaded process")
    _graph_args(up)
    up.set_defaults(func=cmd_ros_up)
    task = ros.add_parser("task", help="send an instruction to execute_task and print feedback live")
    task.add_argument("instruction")
    task.add_argument("--strategy", default="")
    task.add_argument("--goal", default="", help="an explicit goal in the planner's goal language, e.g. "
                                                 "'pick_heat_then_place mug fridge' (the classical strategy needs one)")
    task.add_argument("--skip-perception", action="store_true")
    task.add_argument("--timeout", type=float, default=600.0)
    task.add_argument("--cancel-after", type=float, help="cancel the task after this many seconds")
    task.set_defaults(func=cmd_ros_task)
    rdemo = ros.add_parser("demo", help="start the simulated graph, run one instruction, stop")
    rdemo.add_argument("instruction", nargs="?", default="Put a hot mug in the fridge")
    rdemo.add_argument("--timeout", type=float, default=170.0)
    rdemo.add_argument("--ready-timeout", type=float, default=120.0,
                       help="seconds for the graph to come up (models load while its nodes configure)")
    _graph_args(rdemo)
    rdemo.set_defaults(func=cmd_ros_demo)
    check = ros.add_parser("check-driver", help="check a robot driver (execute_skill + world/state) against the "
                                                "contract in docs/robot-driver.md; it moves the robot")
    check.add_argument("--action", default="execute_skill", help="the execute_skill action's name")
    check.add_argument("--namespace", default="", help="the driver's namespace")
    check.add_argument("--state-topic", default="world/state")
    check.add_argument("--fixture", default="", help="the fixture to go to (default: the receptacle farthest "
                                                     "from the robot); the session also goes to another one")
    check.add_argument("--timeout", type=float, default=120.0, help="seconds a skill may take to answer")
    check.add_argument("--state-max-age", type=float, default=5.0,
                       help="seconds a state may be old (as executor_node's state_max_age)")
    check.add_argument("--settle", type=float, default=2.0,
                       help="seconds to watch that nothing moves after a cancelled skill's answer")
    check.set_defaults(func=cmd_ros_check_driver)
    driver = ros.add_parser("driver", help="run the reference driver: a robot with no physics serving "
                                           "execute_skill and world/state for a scene")
    driver.add_argument("--scene", default="kitchen_demo")
    driver.add_argument("--skill-delay", type=float, default=0.0, help="wall seconds each skill takes")
    driver.add_argument("--namespace", default="")
    driver.set_defaults(func=cmd_ros_driver)
