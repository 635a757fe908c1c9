"""Commands that plan for a person's request and execute it: `plan`, `run` and `demo`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from groundplan.cli.common import DEMO_SCENE, add_planner_options, goal_from_args, print_result, print_scene
from groundplan.errors import GroundplanError, InstructionError

if TYPE_CHECKING:
    from groundplan.types.goals import Goal
    from groundplan.types.scene import Scene

DEMO_INSTRUCTIONS = (
    "Put a hot mug in the fridge",
    "Could you wash the bowl and put it on the dining table?",
    "Put the banana in the fridge",
)


def cmd_plan(args: argparse.Namespace) -> int:
    from groundplan.types.scene import load_scene

    scene = load_scene(args.scene)  # a wrong scene is reported before the planners are imported
    goal = goal_from_args(args, scene)
    from groundplan.language.plan_text import format_plan
    from groundplan.planning.registry import make_strategy

    strategy = make_strategy(args.strategy, model=args.model)
    result = strategy.plan(scene, args.instruction or "", goal)
    print_result(result)
    if args.output and not result.refused:
        Path(args.output).write_text(format_plan(result.steps) + "\n")
        print(f"wrote {args.output}")
    return 0 if result.success else 3


def _execute(scene: Scene, instructions: list[str], goal: Goal | None, strategy, faults: str, seed: int,
             out: Path, gif: bool = True, perceive: bool = False) -> int:
    """Run the tasks one after another in one simulated world with one world model; 0 when all succeed."""
    from groundplan.execution.run_folder import RunFolder
    from groundplan.sim.faults import FaultConfig
    from groundplan.sim.task import SimSession, SimTaskConfig

    try:
        fault_config = FaultConfig.parse(faults or "", seed=seed)
    except ValueError as exc:
        raise GroundplanError(f"--faults: {exc}") from exc
    config = SimTaskConfig(faults=fault_config, gif=gif)
    ok = True
    with SimSession(scene, strategy, config, perceive=perceive) as session:
        for instruction in instructions:
            run_dir = RunFolder.create(out, scene.id).path
            episode = session.run(instruction, goal, run_dir)
            result = episode.result
            print(f"\nexecuting in PyBullet: {instruction or goal}")
            for rec in result.executed:
                note = f"  {rec.message}" if rec.message else ""
                print(f"  [{rec.attempt}.{rec.index + 1}] {rec.step.text:<42} {rec.code.name}{note}")
            if episode.faults:
                print(f"faults injected: {', '.join(f'{k} on {o}' for k, o in episode.faults)}")
            print(f"result: {result.code.name} ({result.message}); replans: {result.replans}")
            print(f"simulated {episode.sim_seconds:.1f} s in {episode.wall_seconds:.1f} s wall "
                  f"({episode.sim_seconds / max(episode.wall_seconds, 1e-9):.1f}x real time)")
            print(f"run folder: {run_dir}")
            ok = ok and result.success
    return 0 if ok else 3


def cmd_run(args: argparse.Namespace) -> int:
    from groundplan.types.scene import load_scene

    scene = load_scene(args.scene)
    goal = goal_from_args(args, scene)
    instructions = [i for i in args.instruction if i.strip()]
    if goal is None and not instructions:
        raise InstructionError("give an instruction or --goal to execute")
    if goal is not None and len(instructions) > 1:
        raise InstructionError("--goal is one task: give it with one instruction at most")
    from groundplan.planning.registry import make_strategy

    return _execute(scene, instructions or [""], goal, make_strategy(args.strategy, model=args.model), args.faults,
                    args.seed, Path(args.out), gif=not args.no_gif, perceive=args.perceive)


def cmd_demo(args: argparse.Namespace) -> int:
    from groundplan.types.scene import load_scene

    scene = load_scene(args.scene)
    from groundplan.planning.registry import DEFAULT_STRATEGY, make_strategy

    print_scene(scene)
    strategy = make_strategy(DEFAULT_STRATEGY)
    for instruction in DEMO_INSTRUCTIONS:
        print_result(strategy.plan(scene, instruction))
    return _execute(scene, [DEMO_INSTRUCTIONS[0]], None, strategy, args.faults, 0, Path(args.out))


def register(sub: argparse._SubParsersAction) -> None:
    """Add `plan`, `run` and `demo` to the top-level parser's subcommands."""
    plan = sub.add_parser("plan", help="plan for an instruction in a scene")
    plan.add_argument("instruction", nargs="?", default="")
    plan.add_argument("--scene", default=DEMO_SCENE, help="shipped scene name or scene file")
    add_planner_options(plan)
    plan.add_argument("-o", "--output", help="write the plan text here")
    plan.set_defaults(func=cmd_plan)

    run = sub.add_parser("run", help="plan and execute instructions, one task after another, in the PyBullet "
                                     "simulation")
    run.add_argument("instruction", nargs="*", default=[],
                     help="one task each, in one world: what a task did, the next knows")
    run.add_argument("--scene", default=DEMO_SCENE)
    add_planner_options(run)
    run.add_argument("--faults", default="", help="e.g. 'slip=1,limit=1' or 'stick=0.5,move=0.2' (seeded by --seed)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", default="runs", help="parent folder of the run folder")
    run.add_argument("--no-gif", action="store_true")
    run.add_argument("--perceive", action="store_true",
                     help="know only what the robot sees: look around before each task, remember what was seen and "
                          "done, open containers to look for what a request names (default: the scene file is known)")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="plan requests in the default scene and execute one in simulation")
    demo.add_argument("--scene", default=DEMO_SCENE)
    demo.add_argument("--faults", default="", help="inject faults into the executed task")
    demo.add_argument("--out", default="runs")
    demo.set_defaults(func=cmd_demo)
