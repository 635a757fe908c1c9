"""Issue 20: items that hold items, cooking and heating as goals, wiping fixtures clean.

Each new goal gets a plan from `classical`, checked step by step and by unified-planning's validator after
the PDDL text round trip; each new action's preconditions are checked through the validator.
"""

import random

import pytest

from groundplan.language.plan_text import parse_plan
from groundplan.planning.classical import solve
from groundplan.types.actions import ACTIONS
from groundplan.types.goals import FAMILIES, family_goal
from groundplan.types.scene import Scene, SceneObject
from groundplan.world.pddl_io import export_pddl, validate_pddl
from groundplan.world.tasks import feasible_tasks


def _obj(id_, cat, parent=None, **state):
    return SceneObject(id_, cat, (0.0, 0.0, 0.5), (0.2, 0.2, 0.2), parent=parent, state=state)


@pytest.fixture(scope="module")
def home():
    """A kitchen with plates, bowls, pans, a pot, a toaster, a burner and a sponge; a box on the table."""
    return Scene(id="home", room_type="kitchen", size=(5.0, 5.0), objects=[
        _obj("countertop_1", "CounterTop"), _obj("diningtable_1", "DiningTable"),
        _obj("fridge_1", "Fridge", open=False),
        _obj("stoveburner_1", "StoveBurner", parent="countertop_1", on=False),
        _obj("toaster_1", "Toaster", parent="countertop_1", on=False),
        _obj("sinkbasin_1", "SinkBasin", parent="countertop_1"), _obj("faucet_1", "Faucet", parent="countertop_1"),
        _obj("microwave_1", "Microwave", parent="countertop_1", open=False, on=False),
        _obj("plate_1", "Plate", parent="diningtable_1"), _obj("bowl_1", "Bowl", parent="countertop_1"),
        _obj("pan_1", "Pan", parent="countertop_1"), _obj("pot_1", "Pot", parent="countertop_1"),
        _obj("box_1", "Box", parent="diningtable_1"), _obj("remotecontrol_1", "RemoteControl", parent="diningtable_1"),
        _obj("bread_1", "Bread", parent="countertop_1"), _obj("tomato_1", "Tomato", parent="fridge_1"),
        _obj("egg_1", "Egg", parent="fridge_1"), _obj("potato_1", "Potato", parent="countertop_1"),
        _obj("knife_1", "Knife", parent="countertop_1"),
        _obj("dishsponge_1", "DishSponge", parent="sinkbasin_1"),
    ]).check()


def run(validator, scene, text, goal=None):
    return validator.validate(scene, parse_plan(text, scene), goal)


# "Put the bread on the plate", "put the tomato in the bowl", "put the remote in the box", "fry it in the pan",
# "boil the potato", "toast the bread", "heat the potato", "clean the sink", "wipe the table".
REQUESTS = [
    ("pick_and_place", "Bread", "Plate"), ("pick_and_place", "Tomato", "Bowl"),
    ("pick_and_place", "RemoteControl", "Box"), ("pick_and_place", "Bowl", "Plate"),
    ("cook", "Egg", "Pan"), ("cook", "Potato", "Pot"), ("cook", "Bread", "Toaster"),
    ("heat", "Potato", None), ("wipe", "SinkBasin", None), ("wipe", "DiningTable", None),
]


@pytest.mark.parametrize("family, obj, target", REQUESTS)
def test_new_goals_plan_validate_and_round_trip(domain, validator, home, tmp_path, family, obj, target):
    goal = family_goal(family, obj, target)
    steps = solve(domain, home, goal)
    report = validator.validate(home, steps, goal)
    assert report.success, report.summary()
    assert validate_pddl(export_pddl(domain, home, goal, tmp_path, steps))
    # without its last step the plan misses the goal, in both checkers
    assert not validator.validate(home, steps[:-1], goal).goal_reached
    assert not validate_pddl(export_pddl(domain, home, goal, tmp_path / "short", steps[:-1]))


def test_food_goes_with_the_plate(validator, home):
    plan = ("goto countertop_1\npickup bread_1 from countertop_1\ngoto diningtable_1\nput bread_1 on plate_1\n"
            "pickup plate_1 from diningtable_1\ngoto countertop_1\nput plate_1 on countertop_1")
    report = run(validator, home, plan)
    assert report.valid, report.summary()
    final = report.final_state
    assert final.located["plate_1"] == "countertop_1" and final.located["bread_1"] == "plate_1"
    # and what is on the plate can be taken off it where the plate lies, then sliced there on it
    more = plan + "\npickup bread_1 from plate_1\nput bread_1 on plate_1\npickup knife_1 from countertop_1\n" \
                  "slice bread_1 with knife_1"
    report = run(validator, home, more)
    assert report.valid, report.summary()
    assert report.final_state.has("bread_1", "sliced")


@pytest.mark.parametrize("plan, reason", [
    # the plate is on the table; the robot is at the counter
    ("goto countertop_1\npickup bread_1 from countertop_1\nput bread_1 on plate_1", "the robot is not at plate_1"),
    # a held plate cannot take things (it lies nowhere), nor can a bowl hold a plate
    ("goto diningtable_1\npickup plate_1 from diningtable_1\ngoto countertop_1\nput plate_1 in bowl_1",
     "plate_1 does not fit in or on bowl_1"),
    ("goto countertop_1\npickup bread_1 from countertop_1\nput bread_1 in bowl_1",
     "bread_1 does not fit in or on bowl_1"),
    ("goto diningtable_1\npickup remotecontrol_1 from diningtable_1\nput remotecontrol_1 on remotecontrol_1",
     "cannot hold things"),
])
def test_item_receptacle_preconditions(validator, home, plan, reason):
    report = run(validator, home, plan)
    bad = report.first_invalid
    assert bad is not None and bad.index == len(plan.splitlines()) - 1, report.summary()
    assert reason in bad.reason


def test_nothing_nests_into_a_cycle(validator, home):
    """A bowl on the plate: the plate cannot then go into the bowl (the bowl does not lie on a fixture)."""
    plan = ("goto countertop_1\npickup bowl_1 from countertop_1\ngoto diningtable_1\nput bowl_1 on plate_1\n"
            "pickup box_1 from diningtable_1\nput box_1 on bowl_1")
    report = run(validator, home, plan)
    assert report.first_invalid is not None and report.first_invalid.index == 5


def test_cook_preconditions(validator, home):
    egg_in_pan = ("goto fridge_1\nopen fridge_1\npickup egg_1 from fridge_1\ngoto countertop_1\nput egg_1 in pan_1\n")
    # the pan on the counter, not on a burner
    report = run(validator, home, egg_in_pan + "cook egg_1 in pan_1")
    assert "not on a burner that is on" in report.first_invalid.reason
    # on the burner, but the burner is off
    on_burner = egg_in_pan + "pickup pan_1 from countertop_1\ngoto stoveburner_1\nput pan_1 on stoveburner_1\n"
    assert "not on a burner that is on" in run(validator, home, on_burner + "cook egg_1 in pan_1").first_invalid.reason
    report = run(validator, home, on_burner + "turn_on stoveburner_1\ncook egg_1 in pan_1")
    assert report.valid and report.final_state.has("egg_1", "cooked") and report.final_state.has("egg_1", "hot")
    # a pot boils only with water in it
    potato = ("goto countertop_1\npickup potato_1 from countertop_1\nput potato_1 in pot_1\npickup pot_1 from "
              "countertop_1\ngoto stoveburner_1\nput pot_1 on stoveburner_1\nturn_on stoveburner_1\n"
              "cook potato_1 in pot_1")
    assert "pot_1 has no water in it" in run(validator, home, potato).first_invalid.reason
    # a knife is not food, a bowl is not a pan
    knife = run(validator, home, "goto countertop_1\ncook knife_1 in pan_1")
    assert "cannot be heated" in knife.first_invalid.reason
    assert "not a pan, pot or toaster" in run(validator, home, "goto countertop_1\ncook potato_1 in bowl_1"
                                             ).first_invalid.reason


def test_wipe_preconditions(validator, home):
    sponge = "goto sinkbasin_1\npickup dishsponge_1 from sinkbasin_1\n"
    report = run(validator, home, sponge + "wipe sinkbasin_1 with dishsponge_1")
    assert report.valid and report.final_state.has("sinkbasin_1", "clean")
    bad = run(validator, home, "goto countertop_1\npickup knife_1 from countertop_1\nwipe countertop_1 with knife_1")
    assert "not a sponge or cloth" in bad.first_invalid.reason
    bad = run(validator, home, sponge + "wipe fridge_1 with dishsponge_1")
    assert "the robot is not at fridge_1" in bad.first_invalid.reason and "cannot be wiped" in bad.first_invalid.reason


def test_every_action_has_a_plan_using_it(domain, home):
    used = set()
    for family, obj, target in REQUESTS:
        used |= {s.action for s in solve(domain, home, family_goal(family, obj, target))}
    assert {"cook", "wipe", "put", "pickup", "fill", "heat"} <= used
    assert {"cook", "wipe"} <= set(ACTIONS)


def test_the_task_sampler_offers_the_new_families(home):
    assert {(t.obj, t.target) for t in feasible_tasks(home, "cook")} >= {("Egg", "Pan"), ("Potato", "Pot"),
                                                                         ("Bread", "Toaster")}
    assert {t.obj for t in feasible_tasks(home, "wipe")} >= {"SinkBasin", "DiningTable", "CounterTop"}
    assert "Potato" in {t.obj for t in feasible_tasks(home, "heat")}
    assert ("Bread", "Plate") in {(t.obj, t.target) for t in feasible_tasks(home, "pick_and_place")}
    for family in ("heat", "cook", "wipe"):
        assert FAMILIES[family]


def test_planner_data_has_the_new_concepts(home):
    from groundplan.learning.planner_data import DataConfig, ExampleMaker

    config = DataConfig(tasks_per_scene=40, phrasings_per_task=1, midplan_share=0.0, two_step_per_scene=0,
                        refusals_per_scene=0, library_per_scene=0, needs_per_scene=0, vague_per_scene=0,
                        switches_per_scene=0, walks_per_scene=0)
    examples = ExampleMaker(config).examples_in("train", home, random.Random(0))
    families = {e.family for e in examples}
    assert {"heat", "cook", "wipe"} <= families, families
    assert any(e.family == "pick_and_place" and e.goal.split()[2] in ("plate", "bowl", "box", "pan", "pot")
               for e in examples)
    for e in examples:
        if e.family in ("cook", "wipe"):
            assert any(step.startswith(e.family) for step in e.plan)
