"""People's requests: the task library and needs table as data, delivery, devices, liquids, and refusals."""

import dataclasses
from collections import Counter

import pytest

from groundplan.errors import InstructionError
from groundplan.language.library import LibraryError, applies, helpful_goals, load_requests
from groundplan.language.prompt import Refusal, goal_of, parse_goal_line
from groundplan.language.reading import contradicts
from groundplan.planning import classical
from groundplan.planning.registry import make_strategy
from groundplan.types.actions import Step
from groundplan.types.catalog import ROOM_TYPES
from groundplan.types.examples import Example
from groundplan.types.goals import Atom, Goal, family_goal
from groundplan.types.scene import load_scene
from groundplan.types.state import WorldState


def test_library_has_thirty_composite_tasks_over_all_rooms():
    requests = load_requests()
    assert len(requests.tasks) >= 30
    rooms = Counter(room for task in requests.tasks.values() for room in task.rooms)
    assert all(rooms[room] >= 4 for room in ROOM_TYPES), rooms
    assert sum(t.held_out for t in requests.tasks.values()) >= 5
    assert sum(len(t.clauses) > 1 for t in requests.tasks.values()) >= 25  # composite, not single steps


@pytest.mark.parametrize("name", sorted(load_requests().tasks))
@pytest.mark.slow
def test_every_library_task_is_plannable_in_a_generated_room(domain, validator, generated_rooms, name):
    task = load_requests().tasks[name]
    goal = goal_of(task.clauses)
    for scene in (s for room in task.rooms for s in generated_rooms[room]):
        if not applies(task.goal, scene):
            continue
        try:
            steps = classical.solve(domain, scene, goal)
        except Exception:  # noqa: BLE001 - unreachable in this room (e.g. no water); another may do
            continue
        assert validator.validate(scene, steps, goal).success
        return
    pytest.fail(f"{name}: no generated room of {task.rooms} can do {task.goal!r}")


def test_needs_map_to_the_first_goal_the_room_has(catalog):
    requests = load_requests()
    assert len(requests.needs) >= 10
    dark = requests.needs["dark"]
    bedroom = load_scene("bedroom_demo")
    # a light switch and a desk lamp, no floor lamp or curtains: in the table's order of preference
    assert helpful_goals(dark, bedroom) == ["turn_on lightswitch", "turn_on desklamp"]
    bathroom = load_scene("bathroom_demo")
    assert helpful_goals(requests.needs["bored"], bathroom) == []  # nothing here helps: refuse as unmet
    assert Refusal("unmet", "bored").error(bathroom).__class__ is InstructionError


def test_a_need_is_met_by_any_goal_that_helps_but_not_one_already_met(validator):
    from groundplan.learning.planner_data import accepted_goals

    bedroom = load_scene("bedroom_demo")
    state = WorldState.from_scene(bedroom)
    example = Example(split="test", room=bedroom.room_type, seed=0, scene=bedroom.id, kind="need", family="dark",
                      instruction="it is dark in here", goal="turn_on lightswitch", state=state.to_dict(), plan=())
    lamp = goal_of(parse_goal_line("turn_on desklamp"))
    assert [g.description for g in accepted_goals(example, bedroom, validator)] == [
        "turn_on lightswitch", "turn_on desklamp"]
    lamp_on = validator.validate(bedroom, classical.solve(validator.domain, bedroom, lamp), lamp).final_state
    example = dataclasses.replace(example, state=lamp_on.to_dict())  # the desk lamp is on, and still it is dark
    assert [g.description for g in accepted_goals(example, bedroom, validator)] == ["turn_on lightswitch"]
    task = dataclasses.replace(example, kind="library", state=state.to_dict())
    assert len(accepted_goals(task, bedroom, validator)) == 1  # only a need has alternatives


def test_vague_requests_ask_back_and_name_no_category():
    from groundplan.errors import ClarificationNeeded

    requests = load_requests()
    assert len(requests.vague) >= 10 and len(requests.impossible) >= 8
    assert isinstance(Refusal("vague").error(load_scene("kitchen_demo")), ClarificationNeeded)
    assert any(v.unless_absent == "Thermostat" for v in requests.vague)


def test_malformed_library_files_name_the_entry(tmp_path):
    good_needs = tmp_path / "needs.yaml"
    good_needs.write_text("needs: {}\n")
    bad = tmp_path / "lib.yaml"
    bad.write_text('tasks:\n  tidy:\n    rooms: [kitchen]\n    goal: "teleport apple moon"\n    phrasings: [a, b]\n')
    with pytest.raises(LibraryError, match="task 'tidy'.*teleport"):
        load_requests(bad, good_needs)
    bad.write_text('tasks:\n  tidy:\n    rooms: [garage]\n    goal: "open fridge"\n    phrasings: [a, b]\n')
    with pytest.raises(LibraryError, match="rooms"):
        load_requests(bad, good_needs)
    bad.write_text('tasks:\n  tidy:\n    rooms: [kitchen]\n    goal: "open fridge"\n    phrasings: [only one]\n')
    with pytest.raises(LibraryError, match="phrasings"):
        load_requests(bad, good_needs)


def test_goal_lines_carry_states_and_refusals():
    answer = parse_goal_line("deliver mug filled hot ; turn_on television")
    assert [c.text for c in answer] == ["deliver mug filled hot", "turn_on television"]
    goal = goal_of(answer)
    assert {a.predicate for a in goal.atoms} == {"in", "filled", "hot", "on"}
    assert ("?p_0", "Person") in goal.variables
    for bad in ("deliver mug boiling", "deliver", "pick_and_place apple"):
        with pytest.raises(InstructionError):
            parse_goal_line(bad)
    with pytest.raises(InstructionError, match="cannot be filled"):
        family_goal("deliver", "Apple", states=("filled",))
    assert parse_goal_line("refuse unmet cold") == Refusal("unmet", "cold")
    assert parse_goal_line("refuse vague") == Refusal("vague")


@pytest.mark.parametrize("category, flag", [
    ("Blinds", "open"), ("Curtains", "open"), ("SpaceHeater", "on"), ("Thermostat", "on"), ("ShowerHead", "on"),
    ("Faucet", "on"), ("Television", "on"), ("FloorLamp", "on"), ("DeskLamp", "on"), ("LightSwitch", "on"),
    ("CoffeeMachine", "on"), ("Toaster", "on"), ("StoveBurner", "on"), ("Microwave", "on"),
])
@pytest.mark.slow
def test_every_device_can_be_switched_both_ways(domain, validator, generated_rooms, category, flag):
    scene = next(s for room in ROOM_TYPES for s in generated_rooms[room] if s.of_category(category))
    for positive in (True, False):
        obj = scene.of_category(category)[0].id
        state = WorldState.from_scene(scene)
        flags = set(state.flags.get(obj, frozenset()))
        state.flags[obj] = frozenset(flags - {flag} if positive else flags | {flag})
        goal = Goal((Atom(flag, (obj,), positive),))
        steps = classical.solve(domain, scene, goal, state)
        assert [s.action for s in steps][-1] == {("open", True): "open", ("open", False): "close",
                                                 ("on", True): "turn_on", ("on", False): "turn_off"}[(flag, positive)]
        assert validator.validate(scene, steps, goal, state).success


def test_pouring_moves_the_water_and_a_tap_fills(domain, validator, kitchen):
    state = WorldState.from_scene(kitchen)
    mug, cup = "mug_1", "cup_1"
    place = state.located[cup]
    state.located[mug] = place
    state.flags[mug] = frozenset({"filled"})
    steps = classical.solve(domain, kitchen, Goal((Atom("filled", (cup,)),)), state)
    assert [s.action for s in steps] == ["goto", "pickup", "pour"]  # shorter than a trip to the tap
    report = validator.validate(kitchen, steps, state=state)
    assert report.final_state.has(cup, "filled") and not report.final_state.has(mug, "filled")
    # pouring needs something in the hand to pour, and a cup that is empty
    assert not validator.validate(kitchen, [Step("goto", (place,)), Step("pour", (mug, cup))], state=state).valid
    tap = classical.solve(domain, kitchen, family_goal("fill", "Bowl"))
    assert tap[-1].text == "fill bowl_1 at faucet_1"


@pytest.fixture(scope="module")
def grounded():
    return make_strategy("llm-grounded")


@pytest.mark.parametrize("scene_name, instruction, check", [
    ("kitchen_demo", "Bring me a mug", lambda r, s: any(s.located.get(m) == "person_1" for m in ("mug_1", "mug_2"))),
    ("kitchen_demo", "I'm thirsty", lambda r, s: any(s.located.get(o) == "person_1" and s.has(o, "filled")
                                                     for o in s.located)),
    ("kitchen_demo", "Fill the bowl with water", lambda r, s: s.has("bowl_1", "filled")),
    ("living_room_demo", "Hand me the laptop", lambda r, s: s.located.get("laptop_1") == "person_1"),
    ("living_room_demo", "It's dark in here", lambda r, s: any(
        "on" in f for o, f in s.flags.items() if o.startswith(("lightswitch", "floorlamp", "desklamp")))),
])
def test_the_model_plans_peoples_requests(grounded, validator, scene_name, instruction, check):
    scene = load_scene(scene_name)
    result = grounded.plan(scene, instruction)
    assert result.success, (instruction, result.refusal_reason, [s.text for s in result.steps])
    assert all(a in scene for s in result.steps for a in s.args)  # grounded: nothing made up
    final = validator.validate(scene, result.steps).final_state
    assert check(result, final), [s.text for s in result.steps]


TWO_PART = [("living_room_demo", "Time for a film, tv on and blinds down"),
            ("living_room_demo", "Switch off the lamp, and also could you shut a shades?"),
            ("living_room_demo", "Open the curtains and turn the floor lamp off"),
            ("kitchen_demo", "Shut the fridge and switch off the hob"),
            ("kitchen_demo", "Open a drawer and put the apple in the fridge"),
            ("bedroom_demo", "Open a chest of drawers and move the book to the bed")]


@pytest.mark.parametrize("scene_name, instruction", TWO_PART)
def test_a_goal_line_never_says_a_clause_twice_or_opposites(grounded, scene_name, instruction):
    scene = load_scene(scene_name)
    clauses = grounded.decode_goal(grounded.session(scene, instruction, None), scene, instruction)
    assert isinstance(clauses, Refusal) or (len(set(clauses)) == len(clauses)
                                            and not any(contradicts(c, clauses) for c in clauses)), clauses


@pytest.mark.parametrize("instruction, clarify, words", [
    ("Clean everything", True, "does not say what to do"),
    ("Fly to the moon", False, ""),
    pytest.param("Adjust the temperature", False, "thermostat", marks=pytest.mark.xfail(
        strict=True, reason="the shipped reader refuses as 'names nothing I know' instead of naming the missing "
                            "thermostat; open until it is retrained on the people-like phrasings")),
])
def test_the_model_refuses_or_asks_back(grounded, kitchen, instruction, clarify, words):
    result = grounded.plan(kitchen, instruction)
    assert result.refused and not result.steps, instruction
    assert result.needs_clarification == clarify, result.refusal_reason
    assert words in result.refusal_reason.lower()


@pytest.mark.slow
def test_planner_data_does_not_depend_on_the_hash_seed():
    """Two processes with other hash seeds make the same examples (sets of categories are ordered first)."""
    import os
    import subprocess
    import sys

    code = ("import json; from groundplan.learning.planner_data import ExampleMaker, DataConfig; "
            "examples = ExampleMaker(DataConfig()).scene_examples('test', 'bedroom', 7002); "
            "print(json.dumps([e.to_dict() for e in examples]))")
    outputs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outputs[0] and outputs[0] == outputs[1]
