"""Commands on the symbolic world: `scene generate|show`, `validate`, `export-pddl` and `validate-pddl`."""

from __future__ import annotations

import argparse
from pathlib import Path

from groundplan.cli.common import DEMO_SCENE, add_planner_options, print_scene, read_goal
from groundplan.errors import GroundplanError, InstructionError
from groundplan.types.catalog import ROOM_TYPES


def cmd_scene_generate(args: argparse.Namespace) -> int:
    from groundplan.world.generator import generate_scene

    scene = generate_scene(args.room, args.seed, scene_id=args.id)
    if args.output:
        print(f"wrote {scene.save(args.output)}")
    else:
        print_scene(scene)
    return 0


def cmd_scene_show(args: argparse.Namespace) -> int:
    from groundplan.types.scene import load_scene, scene_names

    if args.name is None:
        print("\n".join(scene_names()))
        return 0
    print_scene(load_scene(args.name))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from groundplan.language.plan_text import parse_plan
    from groundplan.types.scene import load_scene

    scene = load_scene(args.scene)
    try:
        text = Path(args.plan).read_text()
    except OSError as exc:
        raise GroundplanError(f"cannot read plan file {args.plan}: {exc.strerror}") from exc
    steps = parse_plan(text, scene)
    goal = read_goal(args, scene)
    from groundplan.world.validator import Validator

    report = Validator().validate(scene, steps, goal)
    print(report.summary())
    return 0 if report.success else 3


def cmd_export_pddl(args: argparse.Namespace) -> int:
    from groundplan.language.plan_text import parse_plan
    from groundplan.types.scene import load_scene

    scene = load_scene(args.scene)
    goal = read_goal(args, scene)
    if goal is None:
        raise InstructionError("export-pddl needs --instruction or --goal for the problem's goal")
    steps = parse_plan(Path(args.plan).read_text(), scene) if args.plan else None
    from groundplan.world.domain import Domain
    from groundplan.world.pddl_io import export_pddl

    files = export_pddl(Domain(), scene, goal, args.output, steps)
    for path in (files.domain, files.problem, files.plan):
        if path:
            print(f"wrote {path}")
    return 0


def cmd_validate_pddl(args: argparse.Namespace) -> int:
    from groundplan.world.pddl_io import PddlFiles, check_pddl_plan, validate_pddl

    files = PddlFiles(Path(args.domain), Path(args.problem), Path(args.plan))
    check = check_pddl_plan(files)
    print(check.summary())
    agrees = validate_pddl(files) == check.valid
    print(f"unified-planning's plan validator {'agrees' if agrees else 'DISAGREES'}")
    return 0 if check.valid and agrees else 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add `scene`, `validate`, `export-pddl` and `validate-pddl` to the top-level parser's subcommands."""
    scene = sub.add_parser("scene", help="generate or show scenes").add_subparsers(dest="scene_command", required=True)
    gen = scene.add_parser("generate", help="generate a random room")
    gen.add_argument("--room", choices=ROOM_TYPES, default="kitchen")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--id", help="scene id (default ROOM_SEED)")
    gen.add_argument("-o", "--output", help="write the scene YAML here instead of printing it")
    gen.set_defaults(func=cmd_scene_generate)
    show = scene.add_parser("show", help="list shipped scenes, or show one")
    show.add_argument("name", nargs="?")
    show.set_defaults(func=cmd_scene_show)

    val = sub.add_parser("validate", help="check a plan file step by step")
    val.add_argument("plan", help="plan text file, one step a line")
    val.add_argument("--scene", default=DEMO_SCENE)
    val.add_argument("--instruction", help="also check that the plan reaches this instruction's goal, as `plan` "
                                            "reads it with the same --strategy")
    add_planner_options(val)
    val.set_defaults(func=cmd_validate)

    exp = sub.add_parser("export-pddl", help="write domain, problem (and plan) as PDDL")
    exp.add_argument("--scene", default=DEMO_SCENE)
    exp.add_argument("--instruction", help="the problem's goal, as `plan` reads it with the same --strategy")
    add_planner_options(exp)
    exp.add_argument("--plan", help="plan text file to export as well")
    exp.add_argument("-o", "--output", default="pddl", help="output directory")
    exp.set_defaults(func=cmd_export_pddl)

    vpd = sub.add_parser("validate-pddl", help="check a PDDL plan against any PDDL domain and problem, step by step")
    vpd.add_argument("domain")
    vpd.add_argument("problem")
    vpd.add_argument("plan", help="one (action args) a line")
    vpd.set_defaults(func=cmd_validate_pddl)
