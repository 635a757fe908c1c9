import random

import pytest

from groundplan.errors import GroundplanError, InstructionError
from groundplan.language.instructions import load_templates, phrasing_key, render_instruction, templates_for
from groundplan.planning.registry import make_strategy
from groundplan.planning.template import parse_instruction
from groundplan.types.goals import FAMILIES, family_goal

# (family, object, target) that the demo kitchen can do
KITCHEN_TASKS = [
    ("pick_and_place", "Egg", "DiningTable"),
    ("pick_clean_then_place", "Plate", "CounterTop"),
    ("pick_heat_then_place", "Mug", "Fridge"),
    ("pick_cool_then_place", "Cup", "DiningTable"),
    ("pick_two_obj_and_place", "Lettuce", "DiningTable"),
    ("open", "Fridge", None),
    ("close", "Cabinet", None),
    ("turn_on", "Microwave", None),
]


def test_every_family_and_state_set_has_phrasings():
    keys = {phrasing_key(f, states) for f, spec in FAMILIES.items() for states in spec.state_sets}
    assert set(load_templates()) == keys


@pytest.mark.parametrize("family, obj, target", KITCHEN_TASKS)
def test_template_reader_recovers_every_training_phrasing(kitchen, family, obj, target):
    rng = random.Random(0)
    for index in templates_for(family, "train"):
        instruction = render_instruction(family, obj, target, rng, kitchen, template_index=index)
        goal = parse_instruction(instruction.text, kitchen)
        assert (goal.family, goal.slots.get("object"), goal.slots.get("target")) == (family, obj, target), \
            instruction.text


def test_look_at_in_light_in_a_bedroom():
    from groundplan.types.scene import load_scene

    bedroom = load_scene("bedroom_demo")
    goal = parse_instruction("Examine the alarm clock under the desk lamp", bedroom)
    assert goal.family == "look_at_obj_in_light" and goal.slots == {"object": "AlarmClock", "target": "DeskLamp"}


def test_classical_and_template_agree(kitchen):
    template, classical = make_strategy("template"), make_strategy("classical")
    by_text = template.plan(kitchen, "Put a hot mug in the fridge")
    by_goal = classical.plan(kitchen, goal=family_goal("pick_heat_then_place", "Mug", "Fridge"))
    assert by_text.success and by_goal.success
    assert by_text.steps == by_goal.steps  # the optimal engine is deterministic
    assert by_text.report.goal_reached


def test_refusals_say_why(kitchen):
    template = make_strategy("template")
    absent = template.plan(kitchen, "Put the laptop in the fridge")
    assert absent.refused and "no Laptop" in absent.refusal_reason
    unknown = template.plan(kitchen, "Put the banana in the fridge")
    assert unknown.refused and "'banana' is not an object I know" in unknown.refusal_reason
    vague = template.plan(kitchen, "Do something useful")
    assert vague.refused and "no word in it names a known object" in vague.refusal_reason
    with pytest.raises(InstructionError, match="empty"):
        template.plan(kitchen, "   ")
    with pytest.raises(GroundplanError, match="unknown planner strategy 'magic'"):
        make_strategy("magic")


def test_impossible_requests_are_refused(kitchen):
    result = make_strategy("template").plan(kitchen, "Heat the salt shaker and put it on the table")
    assert result.refused and result.refusal_reason == "a SaltShaker cannot be heated"
    with pytest.raises(InstructionError, match="a DiningTable cannot be opened"):
        family_goal("open", "DiningTable")


def test_unreachable_goal_is_refused(tiny):
    # a pan does not fit in the microwave, so it cannot be heated there and placed back in it
    result = make_strategy("classical").plan(tiny, goal=family_goal("pick_and_place", "Pan", "Microwave"))
    assert result.refused and "unreachable" in result.refusal_reason


CONCURRENT_JOBS = [("kitchen_demo", ("pick_heat_then_place", "Mug", "Fridge")), ("bedroom_demo", ("open", "Drawer")),
                   ("kitchen_2", ("open", "Fridge")), ("living_room_demo", ("turn_on", "FloorLamp"))] * 2


def _plan_in_process(job) -> bool:
    from groundplan.planning.classical import solve
    from groundplan.types.scene import load_scene
    from groundplan.world.domain import Domain
    from groundplan.world.validator import Validator

    scene, goal = load_scene(job[0]), family_goal(*job[1])
    domain = Domain()
    return Validator(domain).validate(scene, solve(domain, scene, goal), goal).success


def test_planners_in_other_processes_do_not_mix_their_tasks():
    """Fast Downward's intermediate file must not be shared through the working directory."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        assert all(pool.map(_plan_in_process, CONCURRENT_JOBS))


def test_planning_from_several_threads(domain, validator):
    """ROS nodes serve on several threads; unified-planning is used by one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from groundplan.planning.classical import solve
    from groundplan.types.scene import load_scene

    def plan(job):
        scene, goal = load_scene(job[0]), family_goal(*job[1])
        return validator.validate(scene, solve(domain, scene, goal), goal).success

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(plan, CONCURRENT_JOBS))


def test_explicit_goals_read_categories_ids_and_states(kitchen):
    from groundplan.language.prompt import goal_text, parse_goal

    by_category = parse_goal("pick_heat_then_place Mug Fridge", kitchen)
    assert by_category.atoms == family_goal("pick_heat_then_place", "Mug", "Fridge").atoms
    assert by_category.description == "pick_heat_then_place mug fridge"  # what the model is told when replanning
    by_id = parse_goal("pick_and_place mug_1 fridge_1", kitchen)
    assert str(by_id) == "(in_receptacle mug_1 fridge_1)"
    both = parse_goal("close fridge ; deliver mug filled hot", kitchen)
    assert [a.predicate for a in both.atoms] == ["open", "in", "filled", "hot"]
    for bad, words in (("", "empty"), ("refuse vague", "must start with a task family"),
                       ("deliver mug warm", "'warm' is not a state"), ("open toaster", "cannot be opened"),
                       ("pick_and_place mug_1", "needs an object and a target")):
        with pytest.raises(InstructionError, match=words):
            parse_goal(bad, kitchen)
    template = parse_instruction("Put a hot mug in the fridge", kitchen)  # a family goal with no goal line
    assert parse_goal(goal_text(template), kitchen).atoms == template.atoms


def test_malformed_skills_are_named():
    from groundplan.types.actions import step_problem

    assert step_problem("goto", ("fridge_1",)) == ""
    assert "unknown skill 'fly'" in step_problem("fly", ("fridge_1",))
    assert "goto takes 1 argument (target), got 2" in step_problem("goto", ("a", "b"))
