"""Commands on the ROS 2 graph: `ros up`, `ros task` and `ros demo`."""

from __future__ import annotations

import argparse
from pathlib import Path

from groundplan.resources import config_dir


def _params_file(args: argparse.Namespace) -> Path:
    from groundplan.ros.runner import with_overrides

    path = Path(args.params_file) if args.params_file else config_dir() / f"{args.graph}.yaml"
    return with_overrides(path, args.set or [])


def cmd_ros_up(args: argparse.Namespace) -> int:
    from groundplan.ros.runner import run_processes, run_single_process

    run = run_single_process if args.single_process else run_processes
    return run(args.graph, _params_file(args), args.namespace)


def cmd_ros_task(args: argparse.Namespace) -> int:
    from groundplan.ros.client import run_task

    code = run_task(args.instruction, args.strategy, args.skip_perception, args.timeout, args.cancel_after)
    return 0 if code == 0 else 3


def cmd_ros_demo(args: argparse.Namespace) -> int:
    """The whole graph over real rclpy, as processes, and one instruction sent to it."""
    from groundplan.ros.client import run_task
    from groundplan.ros.runner import start_processes, stop_processes

    args.graph = "sim"
    params = _params_file(args)
    procs = start_processes("sim", params)
    try:
        code = run_task(args.instruction, timeout=args.timeout)
    finally:
        stop_processes(procs)
    return 0 if code == 0 else 3


def _graph_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params-file", help="parameters YAML (default: config/GRAPH.yaml)")
    p.add_argument("--set", action="append", metavar="NODE.PARAM=VALUE", help="override one parameter")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `ros up|task|demo` to the top-level parser's subcommands."""
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
    task.add_argument("--skip-perception", action="store_true")
    task.add_argument("--timeout", type=float, default=600.0)
    task.add_argument("--cancel-after", type=float, help="cancel the task after this many seconds")
    task.set_defaults(func=cmd_ros_task)
    rdemo = ros.add_parser("demo", help="start the simulated graph, run one instruction, stop")
    rdemo.add_argument("instruction", nargs="?", default="Put a hot mug in the fridge")
    rdemo.add_argument("--timeout", type=float, default=170.0)
    _graph_args(rdemo)
    rdemo.set_defaults(func=cmd_ros_demo)
