from unified_planning.io import PDDLReader

from groundplan.language.plan_text import parse_plan
from groundplan.planning.classical import solve
from groundplan.world.goals import family_goal
from groundplan.world.pddl_io import export_pddl, validate_pddl


def test_export_reads_back_and_validates(domain, kitchen, tmp_path):
    goal = family_goal("pick_heat_then_place", "Mug", "Fridge")
    steps = solve(domain, kitchen, goal)
    files = export_pddl(domain, kitchen, goal, tmp_path, steps)
    problem = PDDLReader().parse_problem(str(files.domain), str(files.problem))
    assert {a.name for a in problem.actions} >= {"goto", "pickup", "put", "heat"}
    assert len(problem.all_objects) == len(kitchen.objects)
    assert validate_pddl(files)
    # the same text without its last step misses the goal
    truncated = export_pddl(domain, kitchen, goal, tmp_path / "short", steps[:-1])
    assert not validate_pddl(truncated)


def test_invalid_step_fails_after_round_trip(domain, tiny, tmp_path):
    goal = family_goal("pick_and_place", "Apple", "Desk")
    steps = parse_plan("goto countertop_1\npickup apple_1 from countertop_1\nput apple_1 on desk_1", tiny)
    assert not validate_pddl(export_pddl(domain, tiny, goal, tmp_path, steps))
