"""Each action's preconditions and effects, checked through the validator on a hand-made room."""

import pytest

from groundplan.language.plan_text import parse_plan
from groundplan.types.actions import ACTIONS
from groundplan.types.state import WorldState
from groundplan.world.validator import Verdict


def run(validator, scene, text, state=None):
    return validator.validate(scene, parse_plan(text, scene), state=state)


def test_every_action_is_in_the_up_problem(domain, tiny):
    problem = domain.build_problem(tiny)
    assert {a.name for a in problem.actions} == set(ACTIONS)


def test_goto_moves_the_robot_and_only_there(validator, tiny):
    report = run(validator, tiny, "goto fridge_1\ngoto countertop_1")
    assert report.valid and report.final_state.robot_at == "countertop_1"
    report = run(validator, tiny, "goto fridge_1\ngoto fridge_1")
    assert report.verdicts[1].reason == "the robot is already at fridge_1"


def test_pickup_and_put(validator, tiny):
    plan = "goto countertop_1\npickup apple_1 from countertop_1\ngoto desk_1\nput apple_1 on desk_1"
    report = run(validator, tiny, plan)
    assert report.valid
    assert report.final_state.located["apple_1"] == "desk_1" and report.final_state.holding is None
    report = run(validator, tiny, "goto countertop_1\npickup apple_1 from countertop_1")
    assert report.final_state.holding == "apple_1" and "apple_1" not in report.final_state.located


@pytest.mark.parametrize("plan, reason", [
    ("pickup apple_1 from countertop_1", "the robot is not at countertop_1"),
    ("goto desk_1\npickup apple_1 from desk_1", "apple_1 is not in or on desk_1"),
    ("goto fridge_1\npickup apple_2 from fridge_1", "fridge_1 is closed"),
    ("goto countertop_1\npickup apple_1 from countertop_1\npickup knife_1 from countertop_1",
     "the robot's hand is not empty (it holds apple_1)"),
    ("goto countertop_1\npickup pan_1 from countertop_1\ngoto microwave_1\nput pan_1 in microwave_1",
     "pan_1 does not fit in or on microwave_1"),
    ("goto countertop_1\nput apple_1 on countertop_1", "the robot is not holding apple_1"),
    ("goto countertop_1\npickup apple_1 from countertop_1\ngoto fridge_1\nput apple_1 in fridge_1",
     "fridge_1 is closed"),
])
def test_pickup_put_preconditions(validator, tiny, plan, reason):
    report = run(validator, tiny, plan)
    bad = report.first_invalid
    assert bad is not None and bad.index == len(plan.splitlines()) - 1
    assert reason in bad.reason


def test_open_close(validator, tiny):
    report = run(validator, tiny, "goto fridge_1\nopen fridge_1\npickup apple_2 from fridge_1\nclose fridge_1")
    assert report.valid and not report.final_state.has("fridge_1", "open")
    twice = run(validator, tiny, "goto fridge_1\nopen fridge_1\nopen fridge_1")
    assert "fridge_1 is already open" in twice.verdicts[2].reason
    assert "fridge_1 is closed" in run(validator, tiny, "goto fridge_1\nclose fridge_1").verdicts[1].reason
    assert "desk_1 cannot be opened" in run(validator, tiny, "goto desk_1\nopen desk_1").verdicts[1].reason


def test_toggle(validator, tiny):
    report = run(validator, tiny, "goto desklamp_1\nturn_on desklamp_1")
    assert report.valid and report.final_state.has("desklamp_1", "on")
    assert run(validator, tiny, "goto desklamp_1\nturn_on desklamp_1\nturn_off desklamp_1").valid
    assert "desklamp_1 is off" in run(validator, tiny, "goto desklamp_1\nturn_off desklamp_1").verdicts[1].reason
    assert "fridge_1 cannot be switched" in run(validator, tiny, "goto fridge_1\nturn_on fridge_1").verdicts[1].reason


def test_slice_needs_a_knife_in_hand_and_the_object_here(validator, tiny):
    ok = "goto countertop_1\npickup knife_1 from countertop_1\nslice apple_1 with knife_1"
    report = run(validator, tiny, ok)
    assert report.valid and report.final_state.has("apple_1", "sliced")
    assert "already sliced" in run(validator, tiny, ok + "\nslice apple_1 with knife_1").verdicts[3].reason
    held = "goto countertop_1\npickup knife_1 from countertop_1\n"
    reason = run(validator, tiny, held + "slice apple_2 with knife_1").verdicts[2].reason
    assert "apple_2 is not lying where the robot is" in reason
    held = "goto countertop_1\npickup mug_1 from countertop_1\n"
    reason = run(validator, tiny, held + "slice apple_1 with mug_1").verdicts[2].reason
    assert "mug_1 cannot cut things" in reason


def test_clean_heat_cool(validator, tiny):
    plan = ("goto countertop_1\npickup mug_1 from countertop_1\ngoto sinkbasin_1\nclean mug_1 in sinkbasin_1\n"
            "goto microwave_1\nheat mug_1 in microwave_1")
    report = run(validator, tiny, plan)
    assert report.valid
    assert report.final_state.has("mug_1", "clean") and report.final_state.has("mug_1", "hot")
    report = run(validator, tiny, plan + "\ngoto fridge_1\ncool mug_1 in fridge_1")
    assert report.final_state.has("mug_1", "cold") and not report.final_state.has("mug_1", "hot")
    bad = run(validator, tiny, "goto countertop_1\npickup mug_1 from countertop_1\nheat mug_1 in countertop_1")
    assert "countertop_1 cannot heat things" in bad.verdicts[2].reason
    bad = run(validator, tiny, "goto countertop_1\npickup book_1 from countertop_1")
    assert "book_1 is not in or on countertop_1" in bad.verdicts[1].reason


def test_plans_start_from_a_given_state(validator, tiny):
    state = WorldState.from_scene(tiny)
    state.robot_at, state.holding = "fridge_1", "apple_1"
    del state.located["apple_1"]
    report = run(validator, tiny, "open fridge_1\nput apple_1 in fridge_1", state=state)
    assert report.valid and report.final_state.located["apple_1"] == "fridge_1"


def test_wrong_argument_types_are_reported(validator, tiny):
    report = run(validator, tiny, "goto apple_1")
    assert report.verdicts[0].verdict == Verdict.INVALID
    assert "apple_1 is a Apple, not a place the robot can go to" in report.verdicts[0].reason
