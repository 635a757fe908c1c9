"""Which tasks of each family a scene affords: the sampler behind tests, data and benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass

from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.goals import PERSON, Goal, afforded_state_sets, family_goal
from groundplan.types.scene import Scene
from groundplan.world.validator import Validator

_PROCESS = {"pick_clean_then_place": ("cleanable", "wash_place"), "pick_heat_then_place": ("heatable", "heat_source"),
            "pick_cool_then_place": ("coolable", "cool_source")}
# What the scene must have for a state to be reachable: a fixture or an item with this affordance.
_STATE_SOURCES = {"filled": ("water_source", "brewer"), "hot": ("heat_source", "brewer"), "cold": ("cool_source",),
                  "clean": ("wash_place",), "sliced": ("slicer",)}


@dataclass(frozen=True)
class Task:
    family: str
    obj: str  # category
    target: str | None  # category
    states: tuple[str, ...] = ()  # further states the object must end in

    def goal(self, scene: Scene | None = None) -> Goal:
        return family_goal(self.family, self.obj, self.target, scene, states=self.states)


def feasible_tasks(scene: Scene, family: str, catalog: Catalog | None = None) -> list[Task]:
    """Tasks of `family` whose objects exist in the scene and that are not already done."""
    catalog = catalog or default_catalog()
    present = {c: scene.of_category(c) for c in sorted(scene.categories())}
    cats = {c: catalog.get(c) for c in present}
    items = [c for c in present if cats[c].is_item]
    fixtures = [c for c in present if not cats[c].is_item]

    def has_fixture(affordance: str) -> bool:
        return any(cats[f].has(affordance) for f in fixtures)

    def targets(item: str) -> list[str]:
        homes = {o.parent for o in present[item]}
        return [f for f in fixtures if cats[f].can_hold(cats[item]) and f != PERSON
                and not all(o.id in homes for o in present[f])]

    def reachable(state: str) -> bool:
        return any(cats[c].has(a) for c in present for a in _STATE_SOURCES[state])

    def state_sets(item: str) -> list[tuple[str, ...]]:
        return [states for states in afforded_state_sets(family, cats[item]) if all(map(reachable, states))]

    tasks: list[Task] = []
    if family == "pick_and_place":
        for item in items:
            tasks += [Task(family, item, t, states) for t in targets(item) for states in state_sets(item)]
    elif family == "deliver":
        if PERSON in present:
            tasks += [Task(family, item, None, states) for item in items for states in state_sets(item)]
    elif family in ("fill", "water", "slice"):
        ability, tool = {"fill": ("fillable", "filled"), "water": ("waterable", "filled"),
                         "slice": ("sliceable", "sliced")}[family]
        if reachable(tool) and (family != "water" or any(cats[i].has("fillable") for i in items)):
            tasks += [Task(family, item, None, states) for item in items if cats[item].has(ability)
                      for states in state_sets(item)]
    elif family in _PROCESS:
        ability, source = _PROCESS[family]
        if not has_fixture(source):
            return []
        tasks += [Task(family, item, t) for item in items if cats[item].has(ability) for t in targets(item)]
    elif family == "pick_two_obj_and_place":
        for item in items:
            if len(present[item]) >= 2:
                tasks += [Task(family, item, t) for t in targets(item)]
    elif family == "look_at_obj_in_light":
        lights = [f for f in fixtures if cats[f].has("light_source")]
        tasks += [Task(family, item, light) for item in items for light in lights]
    else:
        flag, wanted, ability = {"open": ("open", False, "openable"), "close": ("open", True, "openable"),
                                 "turn_on": ("on", False, "toggleable"), "turn_off": ("on", True, "toggleable")}[family]
        tasks += [Task(family, f, None) for f in fixtures if cats[f].has(ability)
                  and any(o.flag(flag) == wanted for o in present[f])]
    return tasks


def sample_task(scene: Scene, family: str, rng: random.Random, validator: Validator | None = None) -> Task | None:
    """A random feasible task of `family` whose goal does not already hold."""
    validator = validator or Validator()
    tasks = feasible_tasks(scene, family, validator.domain.catalog)
    rng.shuffle(tasks)
    for task in tasks:
        if not validator.validate(scene, [], task.goal()).goal_reached:
            return task
    return None
