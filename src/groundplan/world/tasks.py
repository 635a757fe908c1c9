"""Which tasks of each family a scene affords: the sampler behind tests, data and benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass

from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.goals import FAMILIES, PERSON, Goal, afforded_state_sets, family_goal
from groundplan.types.scene import Scene
from groundplan.world.validator import Validator

# What the scene must have for a state to be reachable: a fixture or an item with this affordance.
_STATE_SOURCES = {"filled": ("water_source", "brewer"), "hot": ("heat_source", "brewer"), "cold": ("cool_source",),
                  "clean": ("wash_place",), "sliced": ("slicer",), "cooked": ("cooker",)}


def can_bring_about(state: str, scene: Scene, catalog: Catalog | None = None) -> bool:
    """Whether the room has what makes an object `state` ("sliced": a knife; "filled": a tap or a brewer)."""
    catalog = catalog or default_catalog()
    cats = {c: catalog.get(c) for c in scene.categories()}
    if state == "filled" and any(o.flag("filled") for o in scene.objects if cats[o.category].has("fillable")):
        return True  # water to pour: a watering can filled before, in a room without a tap
    return any(cat.has(a) for cat in cats.values() for a in _STATE_SOURCES[state])


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
        held_by = [i for i in items if i != item and cats[i].can_hold(cats[item])]  # a plate, a bowl, a box
        return [f for f in (*fixtures, *held_by) if cats[f].can_hold(cats[item]) and f != PERSON
                and not all(o.id in homes for o in present[f])]

    def reachable(state: str) -> bool:
        return can_bring_about(state, scene, catalog)

    def state_sets(item: str) -> list[tuple[str, ...]]:
        return [states for states in afforded_state_sets(family, cats[item]) if all(map(reachable, states))]

    spec = FAMILIES[family]
    if spec.fixture_object:  # a fixture brought into a state (wiped clean) with a tool
        if not any(cats[i].has(spec.tool) for i in items):
            return []
        return [Task(family, f, None) for f in fixtures if cats[f].has(spec.needs)
                and not all(o.flag(spec.result) for o in present[f])]
    if spec.cooks:  # in a pan or pot where a burner can heat it, or in a toaster
        def cooks_in(vessel: str, item: str) -> bool:
            cat = cats[vessel]
            if not cat.has("cooker") or not cat.can_hold(cats[item]):
                return False
            if cat.is_item:  # a pan or pot needs a burner it stands on (and a pot water to boil in)
                burners = [f for f in fixtures if cats[f].has("heat_source") and cats[f].can_hold(cat)]
                return bool(burners) and (not cat.has("fillable") or reachable("filled"))
            return True
        return [Task(family, item, vessel) for item in items if cats[item].has(spec.needs)
                for vessel in present if cooks_in(vessel, item)]
    if spec.flag:  # a fixture set the other way
        return [Task(family, f, None) for f in fixtures if cats[f].has(spec.needs)
                and any(o.flag(spec.flag) != spec.flag_value for o in present[f])]
    if spec.lights:
        lights = [f for f in fixtures if cats[f].has("light_source")]
        return [Task(family, item, light) for item in items for light in lights]
    if ((spec.source and not has_fixture(spec.source)) or (spec.delivers and PERSON not in present)
            or (spec.reaches and not reachable(spec.reaches))
            or (spec.tool and not any(cats[i].has(spec.tool) for i in items))):
        return []
    tasks: list[Task] = []
    for item in items:  # placed, delivered, or changed where it is
        if (spec.needs and not cats[item].has(spec.needs)) or (spec.two_objects and len(present[item]) < 2):
            continue
        tasks += [Task(family, item, t, states) for t in (targets(item) if spec.places else [None])
                  for states in state_sets(item)]
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
