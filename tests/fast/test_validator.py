from groundplan.language.plan_text import parse_plan
from groundplan.types.goals import family_goal
from groundplan.world.validator import Verdict


def test_valid_plan_reaches_goal(validator, tiny):
    goal = family_goal("pick_cool_then_place", "Apple", "Desk")
    plan = parse_plan("goto countertop_1\npickup apple_1 from countertop_1\ngoto fridge_1\n"
                      "cool apple_1 in fridge_1\ngoto desk_1\nput apple_1 on desk_1", tiny)
    report = validator.validate(tiny, plan, goal)
    assert report.valid and report.goal_reached and report.success
    assert all(v.verdict == Verdict.VALID for v in report.verdicts)


def test_invalid_step_names_reason_and_later_steps_are_unchecked(validator, tiny):
    plan = parse_plan("goto fridge_1\npickup apple_2 from fridge_1\ngoto desk_1", tiny)
    report = validator.validate(tiny, plan)
    assert [v.verdict for v in report.verdicts] == [Verdict.VALID, Verdict.INVALID, Verdict.UNCHECKED]
    assert report.first_invalid.reason == "fridge_1 is closed"
    assert not report.valid


def test_goal_unmet(validator, tiny):
    goal = family_goal("pick_heat_then_place", "Apple", "Desk")
    plan = parse_plan("goto countertop_1\npickup apple_1 from countertop_1\ngoto desk_1\nput apple_1 on desk_1", tiny)
    report = validator.validate(tiny, plan, goal)
    assert report.valid and report.goal_reached is False and not report.success
    assert "is_hot" in report.unmet_goal


def test_pick_two_needs_two_distinct_objects(validator, tiny):
    goal = family_goal("pick_two_obj_and_place", "Apple", "Desk")
    one = "goto countertop_1\npickup apple_1 from countertop_1\ngoto desk_1\nput apple_1 on desk_1"
    assert validator.validate(tiny, parse_plan(one, tiny), goal).goal_reached is False
    two = one + "\ngoto fridge_1\nopen fridge_1\npickup apple_2 from fridge_1\ngoto desk_1\nput apple_2 on desk_1"
    assert validator.validate(tiny, parse_plan(two, tiny), goal).goal_reached is True


def test_look_at_in_light_goal(validator, tiny):
    goal = family_goal("look_at_obj_in_light", "Book", "DeskLamp")
    plan = "goto desk_1\npickup book_1 from desk_1\ngoto desklamp_1\nturn_on desklamp_1"
    assert validator.validate(tiny, parse_plan(plan, tiny), goal).success
    assert not validator.validate(tiny, parse_plan(plan + "\ngoto desk_1", tiny), goal).success


def test_instance_level_goals(validator, tiny):
    goal = family_goal("open", "fridge_1", scene=tiny)
    assert goal.variables == ()
    assert validator.validate(tiny, parse_plan("goto fridge_1\nopen fridge_1", tiny), goal).success
