"""What several command modules share: the default scene, the `--goal` option and printing scenes and plans."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groundplan.types.goals import Goal
    from groundplan.types.scene import Scene

DEMO_SCENE = "kitchen_demo"
GOAL_HELP = ("an explicit goal in the planner's goal language, 'FAMILY OBJECT [TARGET] [STATES]' clauses joined by "
             "' ; ' over categories or the scene's ids, e.g. 'pick_heat_then_place Mug Fridge'")


DEFAULT_STRATEGY = "llm-grounded"  # planning.registry's default, named here so the parser imports no planner


def add_planner_options(parser: argparse.ArgumentParser) -> None:
    """`--strategy`, `--model` and `--goal`: how a command reads a request, the same for every command."""
    parser.add_argument("--strategy", default=DEFAULT_STRATEGY,
                        help="llm-grounded, llm+p, llm (raw model), template, classical (needs --goal)")
    parser.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    parser.add_argument("--goal", help=GOAL_HELP)


def read_goal(args: argparse.Namespace, scene: Scene) -> Goal | None:
    """The goal of `--goal`, else `--instruction` read by `--strategy` as `plan` reads it; None for neither."""
    goal = goal_from_args(args, scene)
    if goal is not None or not getattr(args, "instruction", None):
        return goal
    from groundplan.planning.registry import make_strategy

    return make_strategy(args.strategy, model=args.model).read(scene, args.instruction)


def goal_from_args(args: argparse.Namespace, scene: Scene) -> Goal | None:
    """The goal of `--goal`, or None when it was not given."""
    if not getattr(args, "goal", None):
        return None
    from groundplan.language.prompt import parse_goal

    return parse_goal(args.goal, scene)


def print_scene(scene: Scene) -> None:
    print(f"scene {scene.id} ({scene.room_type}, {scene.size[0]:.1f} x {scene.size[1]:.1f} m, "
          f"{len(scene.objects)} objects)")
    from groundplan.types.catalog import default_catalog

    catalog = default_catalog()
    for obj in scene.objects:
        relation = catalog.get(scene.get(obj.parent).category).relation if obj.parent else None
        where = f" {relation or 'on'} {obj.parent}" if obj.parent else ""
        if obj.support_assumed:  # perception did not see what it rests on
            where = f"{where or ' on the floor'} (assumed)"
        flags = ", ".join(k if v else f"not {k}" for k, v in obj.state.items())
        print(f"  {obj.id:<18} {obj.category:<14}{where}{f'  [{flags}]' if flags else ''}")


def print_result(result) -> None:
    print(f"\ninstruction: {result.instruction}")
    print(f"strategy:    {result.strategy}  ({result.planning_time:.2f} s)")
    if result.refused:
        print(f"refused:     {result.refusal_reason}")
        return
    print(f"goal:        {result.goal}")
    if result.already_done:
        print(result.answer)
    print(result.report.summary())
