"""What several command modules share: the default scene, the `--goal` option and printing scenes and plans."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from groundplan.errors import InstructionError

if TYPE_CHECKING:
    from groundplan.types.goals import Goal
    from groundplan.types.scene import Scene

DEMO_SCENE = "kitchen_demo"
GOAL_HELP = "an explicit goal 'FAMILY OBJECT [TARGET]', e.g. 'pick_heat_then_place Mug Fridge'"


def goal_from_args(args: argparse.Namespace, scene: Scene) -> Goal | None:
    """The goal of `--goal FAMILY OBJECT [TARGET]`, or None when it was not given."""
    if not getattr(args, "goal", None):
        return None
    from groundplan.types.goals import FAMILIES, family_goal

    parts = args.goal.split()
    if not parts or parts[0] not in FAMILIES:
        raise InstructionError(f"--goal must read 'FAMILY OBJECT [TARGET]' with FAMILY one of {', '.join(FAMILIES)}")
    return family_goal(parts[0], *parts[1:3], scene=scene)


def print_scene(scene: Scene) -> None:
    print(f"scene {scene.id} ({scene.room_type}, {scene.size[0]:.1f} x {scene.size[1]:.1f} m, "
          f"{len(scene.objects)} objects)")
    from groundplan.types.catalog import default_catalog

    catalog = default_catalog()
    for obj in scene.objects:
        relation = catalog.get(scene.get(obj.parent).category).relation if obj.parent else None
        where = f" {relation or 'on'} {obj.parent}" if obj.parent else ""
        flags = ", ".join(k if v else f"not {k}" for k, v in obj.state.items())
        print(f"  {obj.id:<18} {obj.category:<14}{where}{f'  [{flags}]' if flags else ''}")


def print_result(result) -> None:
    print(f"\ninstruction: {result.instruction}")
    print(f"strategy:    {result.strategy}  ({result.planning_time:.2f} s)")
    if result.refused:
        print(f"refused:     {result.refusal_reason}")
        return
    print(f"goal:        {result.goal}")
    print(result.report.summary())
