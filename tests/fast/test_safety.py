"""Safety rules (config/safety.yaml): each rule rejects its steps, planners go around them or refuse."""

import pytest

from groundplan.errors import PlanningError
from groundplan.planning.classical import solve
from groundplan.types.actions import Step
from groundplan.types.goals import family_goal
from groundplan.types.scene import Scene, SceneObject
from groundplan.world.domain import Domain
from groundplan.world.safety import SafetyRuleError, SafetyRules, load_safety_rules
from groundplan.world.validator import Validator


def _obj(id_, cat, parent=None, **state):
    return SceneObject(id_, cat, (0.0, 0.0, 0.5), (0.2, 0.2, 0.2), parent=parent, state=state)


@pytest.fixture(scope="module")
def room():
    return Scene(id="safety", room_type="kitchen", size=(5.0, 5.0), objects=[
        _obj("countertop_1", "CounterTop"),
        _obj("microwave_1", "Microwave", parent="countertop_1", open=True, on=False),
        _obj("stoveburner_1", "StoveBurner", parent="countertop_1", on=True),
        _obj("sofa_1", "Sofa"),
        _obj("spoon_1", "Spoon", parent="countertop_1"),
        _obj("cellphone_1", "CellPhone", parent="sofa_1"),
        _obj("mug_1", "Mug", parent="countertop_1"),
        _obj("pan_1", "Pan", parent="countertop_1"),
        _obj("butterknife_1", "ButterKnife", parent="countertop_1"),
    ]).check(supported=False)


@pytest.fixture(scope="module")
def safe():
    return Validator(Domain())


@pytest.fixture(scope="module")
def unsafe():
    return Validator(Domain(safety=SafetyRules()))


def steps(*texts):
    out = []
    for text in texts:
        action, *rest = text.split()
        out.append(Step(action, tuple(w for w in rest if "_" in w)))
    return out


CASES = {  # rule -> a plan whose last step breaks it (and only it)
    "no_metal_in_microwave": ("goto countertop_1", "pickup spoon_1 from countertop_1", "goto microwave_1",
                              "put spoon_1 in microwave_1"),
    "no_metal_in_microwave ": ("goto sofa_1", "pickup cellphone_1 from sofa_1", "goto microwave_1",
                               "put cellphone_1 in microwave_1"),
    "no_empty_running_microwave": ("goto microwave_1", "turn_on microwave_1"),
    "no_empty_running_microwave  ": ("goto countertop_1", "pickup mug_1 from countertop_1", "goto microwave_1",
                                     "put mug_1 in microwave_1", "turn_on microwave_1",
                                     "pickup mug_1 from microwave_1"),
    "no_put_on_running_stove": ("goto countertop_1", "pickup pan_1 from countertop_1", "goto stoveburner_1",
                                "put pan_1 in stoveburner_1"),
    "no_knife_on_seats": ("goto countertop_1", "pickup butterknife_1 from countertop_1", "goto sofa_1",
                          "put butterknife_1 in sofa_1"),
}


@pytest.mark.parametrize("rule", CASES)
def test_each_rule_rejects_its_step_and_only_with_the_rules(rule, room, safe, unsafe):
    plan = steps(*CASES[rule])
    report = safe.validate(room, plan)
    bad = report.first_invalid
    assert bad is not None and bad.index == len(plan) - 1, report.summary()
    assert f"breaks safety rule {rule.strip()}" in bad.reason
    assert unsafe.validate(room, plan).valid  # the same steps are fine for the bare domain


def test_every_shipped_rule_is_tested():
    assert {r.id for r in load_safety_rules()} == {k.strip() for k in CASES}


def test_safe_steps_stay_allowed(room, safe):
    plan = steps("goto countertop_1", "pickup mug_1 from countertop_1", "goto microwave_1",
                 "put mug_1 in microwave_1", "turn_on microwave_1", "turn_off microwave_1",
                 "pickup mug_1 from microwave_1")
    assert safe.validate(room, plan).valid


def test_fast_downward_plans_around_a_rule(room, safe):
    plan = solve(safe.domain, room, family_goal("pick_and_place", "pan_1", "stoveburner_1", room))
    texts = [s.text for s in plan]
    assert "turn_off stoveburner_1" in texts
    assert texts.index("turn_off stoveburner_1") < texts.index("put pan_1 in stoveburner_1")
    assert safe.validate(room, plan).valid


def test_goal_that_needs_an_unsafe_step_is_refused_with_the_rule(room, safe):
    with pytest.raises(PlanningError, match="no safe plan.*no_metal_in_microwave"):
        solve(safe.domain, room, family_goal("pick_and_place", "spoon_1", "microwave_1", room))


def test_grounded_planner_refuses_an_unsafe_request(kitchen):
    from groundplan.planning.registry import make_strategy

    result = make_strategy("llm-grounded").plan(kitchen, "Put the spoon in the microwave")
    assert result.refused and "no_metal_in_microwave" in result.refusal_reason


@pytest.mark.parametrize("text, message", [
    ("rules: [{id: r, forbid: [{action: fly}]}]", "action must be one of"),
    ("rules: [{id: r, forbid: [{action: put, obj: {category: Spaceship}}]}]", "unknown categories"),
    ("rules: [{id: r, forbid: [{action: put, obj: {flags: [wet]}}]}]", "unknown flags"),
    ("rules: [{id: r, forbid: [{action: put, tool: {category: Knife}}]}]", "has no parameter"),
    ("rules: [{id: r, forbid: [{action: put, obj: {colour: red}}]}]", "unknown conditions"),
    ("rules: [{id: r, forbid: [{action: turn_on, target: {flags: [on]}}]}]", "must be a name"),
    ("rules: [{forbid: [{action: put}]}]", "needs an id"),
])
def test_malformed_rule_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(SafetyRuleError, match=message):
        load_safety_rules(path)
