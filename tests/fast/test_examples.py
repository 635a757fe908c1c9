"""Typed planner examples and the task-family table: stored data reads back exactly; the table is what goals say."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from groundplan.errors import GroundplanError, InstructionError
from groundplan.eval.suite import DEFAULT_SUITE
from groundplan.learning.planner_data import DataConfig, generate, load_examples
from groundplan.resources import share_dir
from groundplan.types.catalog import default_catalog
from groundplan.types.examples import Example, ExampleError
from groundplan.types.goals import FAMILIES, MODIFIERS, PERSON, family_goal, flag_family

SMALL_DATA = DataConfig(scenes={"train": 1, "val": 0, "test": 1}, tasks_per_scene=3, phrasings_per_task=1,
                        walks_per_scene=1, walk_length=4, workers=1)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("examples")
    generate(out, SMALL_DATA)
    return out


def test_every_generated_example_reads_back_and_writes_the_same_line(small_data):
    kinds = set()
    for split in ("train", "test"):
        lines = (small_data / f"{split}.jsonl").read_text().splitlines()
        assert lines
        for line in lines:
            example = Example.from_dict(json.loads(line))
            assert json.dumps(example.to_dict()) == line  # same keys, same order, same values
            assert example.split == split
            kinds.add(example.kind)
        assert [e.to_dict() for e in load_examples(small_data / f"{split}.jsonl")] == [json.loads(x) for x in lines]
    assert {"task", "refusal", "walk", "library", "need"} <= kinds


def test_examples_made_here_have_the_keys_of_their_kind():
    walk = Example(split="train", room="kitchen", seed=5000, scene="kitchen_5000", kind="walk", category="walk",
                   state={}, plan=["goto fridge_1"])
    assert list(walk.to_dict()) == ["split", "room", "seed", "scene", "kind", "category", "state", "plan"]
    assert walk.plan == ("goto fridge_1",) and walk.to_dict()["plan"] == ["goto fridge_1"]
    refusal = Example(split="test", room="kitchen", seed=7000, scene="kitchen_7000", kind="refusal",
                      category="refusal", instruction="Bring me a unicorn", state={}, goal="refuse unknown", plan=(),
                      family="deliver", template=0, refusal="unknown")
    assert "optimal" not in refusal.to_dict() and refusal.to_dict()["refusal"] == "unknown"
    assert Example.from_dict(refusal.to_dict()) == refusal


def test_the_stored_benchmark_suite_reads_back_exactly():
    raw = json.loads(gzip.decompress((share_dir() / DEFAULT_SUITE).read_bytes()))
    for case in raw["cases"]:
        example = Example.from_dict(case)
        assert example.to_dict() == case and list(example.to_dict()) == list(case)
        assert example.category == case.get("category", "household")  # suite v1 predates categories


def test_a_malformed_example_is_rejected_naming_the_key():
    good = {"split": "test", "room": "kitchen", "seed": 7000, "scene": "kitchen_7000", "kind": "task",
            "category": "household", "instruction": "Put an apple in the fridge", "state": {},
            "goal": "pick_and_place apple fridge", "plan": [], "family": "pick_and_place", "template": 0, "optimal": 4}
    assert Example.from_dict(good).to_dict() == good
    missing = {k: v for k, v in good.items() if k != "goal"}
    with pytest.raises(ExampleError, match=r"a 'task' example lacks key\(s\) 'goal'"):
        Example.from_dict(missing)
    with pytest.raises(GroundplanError, match=r"lacks key\(s\) 'seed'"):
        Example.from_dict({k: v for k, v in good.items() if k != "seed"})
    with pytest.raises(ExampleError, match=r"unknown example key\(s\) 'instructions'"):
        Example.from_dict(good | {"instructions": "typo"})


# ----------------------------------------------------------------------------- the family table


def test_families_keep_their_order():
    assert list(FAMILIES) == [
        "pick_and_place", "pick_clean_then_place", "pick_heat_then_place", "pick_cool_then_place",
        "look_at_obj_in_light", "pick_two_obj_and_place", "open", "close", "turn_on", "turn_off",
        "deliver", "fill", "water", "slice", "heat", "cook", "wipe", "take_out"]
    assert all(name == spec.name for name, spec in FAMILIES.items())


def _example_slots(spec, states: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """A category the family can act on (affording `states` too) and a target for it."""
    catalog = default_catalog()
    wanted = {spec.needs} - {None} | {MODIFIERS[s] for s in states}
    obj = next(c for c in catalog if c.is_item != bool(spec.flag or spec.fixture_object)
               and all(c.has(a) for a in wanted))
    if spec.cooks:
        return obj.name, next(c.name for c in catalog if c.has("cooker") and c.can_hold(obj))
    if spec.places:
        return obj.name, next(c.name for c in catalog if c.can_hold(obj) and c.name != PERSON)
    if spec.lights:
        return obj.name, next(c.name for c in catalog if c.has("light_source"))
    return obj.name, None


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_family_table_says_what_its_goal_asks(family):
    spec = FAMILIES[family]
    obj, target = _example_slots(spec)
    goal = family_goal(family, obj, target)
    variables = dict(goal.variables)
    main = goal.atoms[0].args[0]
    assert variables[main] == obj and goal.family == family
    predicates = {(a.predicate, a.positive) for a in goal.atoms}
    if spec.result:
        assert any(a.predicate == spec.result and a.args == (main,) and a.positive for a in goal.atoms)
    if spec.flag:
        assert predicates == {(spec.flag, spec.flag_value)}
        assert flag_family(spec.flag, spec.flag_value) == family
    objects = {v for v, c in variables.items() if c == obj}
    assert len(objects) == (2 if spec.two_objects else 1)
    placed = [a for a in goal.atoms if a.predicate == "in"]
    if spec.places:
        assert {a.args[0] for a in placed} == objects and {variables[a.args[1]] for a in placed} == {target}
    elif spec.delivers:
        assert [variables[a.args[1]] for a in placed] == [PERSON]
    elif spec.cooks:
        assert [(a.args[0], variables[a.args[1]]) for a in placed] == [(main, target)]
    else:
        assert not placed
    if spec.lights:
        assert ("holding", True) in predicates and any(variables.get(a.args[0]) == target for a in goal.atoms
                                                        if a.predicate == "on")
    if spec.names_target:
        with pytest.raises(InstructionError, match="needs a"):
            family_goal(family, obj)
    for states in spec.state_sets:
        obj_s, target_s = _example_slots(spec, states)
        stated = family_goal(family, obj_s, target_s, states=states)
        assert [a.predicate for a in stated.atoms[len(goal.atoms):]] == list(states)
        assert all(a.args == (stated.atoms[0].args[0],) for a in stated.atoms[len(goal.atoms):])
    with pytest.raises(InstructionError, match="cannot also ask for"):
        family_goal(family, obj, target, states=("watered",))
    if spec.needs:
        lacking = next(c.name for c in default_catalog()
                       if c.is_item != bool(spec.flag or spec.fixture_object) and not c.has(spec.needs))
        with pytest.raises(InstructionError, match=f"cannot be {spec.participle}"):
            family_goal(family, lacking, target)


def test_unknown_family_lists_the_table():
    with pytest.raises(InstructionError, match="use one of pick_and_place, pick_clean_then_place"):
        family_goal("juggle", "Apple")
