import pytest
from unified_planning.io import PDDLReader

from groundplan.language.plan_text import parse_plan
from groundplan.planning.classical import solve
from groundplan.types.goals import family_goal
from groundplan.types.scene import load_scene, scene_names
from groundplan.world.pddl_io import PddlFiles, check_pddl_plan, export_pddl, validate_pddl


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


# Classic STRIPS benchmark domains (IPC blocksworld, 4 operators; gripper), written out here.
BLOCKSWORLD = """
(define (domain blocksworld)
  (:requirements :strips)
  (:predicates (clear ?x) (on-table ?x) (arm-empty) (holding ?x) (on ?x ?y))
  (:action pick-up :parameters (?ob)
    :precondition (and (clear ?ob) (on-table ?ob) (arm-empty))
    :effect (and (holding ?ob) (not (clear ?ob)) (not (on-table ?ob)) (not (arm-empty))))
  (:action put-down :parameters (?ob)
    :precondition (holding ?ob)
    :effect (and (clear ?ob) (arm-empty) (on-table ?ob) (not (holding ?ob))))
  (:action stack :parameters (?ob ?underob)
    :precondition (and (clear ?underob) (holding ?ob))
    :effect (and (arm-empty) (clear ?ob) (on ?ob ?underob) (not (clear ?underob)) (not (holding ?ob))))
  (:action unstack :parameters (?ob ?underob)
    :precondition (and (on ?ob ?underob) (clear ?ob) (arm-empty))
    :effect (and (holding ?ob) (clear ?underob) (not (on ?ob ?underob)) (not (clear ?ob)) (not (arm-empty)))))
"""
BLOCKS_PROBLEM = """
(define (problem sussman) (:domain blocksworld)
  (:objects a b c)
  (:init (on-table a) (on-table b) (on c a) (clear b) (clear c) (arm-empty))
  (:goal (and (on a b) (on b c))))
"""
GRIPPER = """
(define (domain gripper-strips)
  (:predicates (room ?r) (ball ?b) (gripper ?g) (at-robby ?r) (at ?b ?r) (free ?g) (carry ?o ?g))
  (:action move :parameters (?from ?to)
    :precondition (and (room ?from) (room ?to) (at-robby ?from))
    :effect (and (at-robby ?to) (not (at-robby ?from))))
  (:action pick :parameters (?obj ?room ?gripper)
    :precondition (and (ball ?obj) (room ?room) (gripper ?gripper) (at ?obj ?room) (at-robby ?room) (free ?gripper))
    :effect (and (carry ?obj ?gripper) (not (at ?obj ?room)) (not (free ?gripper))))
  (:action drop :parameters (?obj ?room ?gripper)
    :precondition (and (ball ?obj) (room ?room) (gripper ?gripper) (carry ?obj ?gripper) (at-robby ?room))
    :effect (and (at ?obj ?room) (free ?gripper) (not (carry ?obj ?gripper)))))
"""
GRIPPER_PROBLEM = """
(define (problem gripper-2) (:domain gripper-strips)
  (:objects rooma roomb ball1 ball2 left right)
  (:init (room rooma) (room roomb) (ball ball1) (ball ball2) (gripper left) (gripper right)
         (at-robby rooma) (free left) (free right) (at ball1 rooma) (at ball2 rooma))
  (:goal (and (at ball1 roomb) (at ball2 roomb))))
"""
KNOWN_PLANS = [  # (domain, problem, plan, index of the first invalid step or None, goal reached)
    (BLOCKSWORLD, BLOCKS_PROBLEM,
     "(unstack c a)\n(put-down c)\n(pick-up b)\n(stack b c)\n(pick-up a)\n(stack a b)", None, True),
    (BLOCKSWORLD, BLOCKS_PROBLEM, "(pick-up a)\n(stack a b)", 0, False),  # c is on a
    (BLOCKSWORLD, BLOCKS_PROBLEM, "(unstack c a)\n(pick-up b)", 1, False),  # the arm is full
    (BLOCKSWORLD, BLOCKS_PROBLEM, "(unstack c a)\n(put-down c)\n(pick-up a)\n(stack a b)", None, False),
    (GRIPPER, GRIPPER_PROBLEM,
     "(pick ball1 rooma left)\n(pick ball2 rooma right)\n(move rooma roomb)\n"
     "(drop ball1 roomb left)\n(drop ball2 roomb right)", None, True),
    (GRIPPER, GRIPPER_PROBLEM, "(pick ball1 rooma left)\n(pick ball2 rooma left)", 1, False),  # left is full
    (GRIPPER, GRIPPER_PROBLEM, "(move rooma roomb)\n(pick ball1 roomb left)", 1, False),  # ball1 is in rooma
    (GRIPPER, GRIPPER_PROBLEM, "(pick ball1 rooma left)\n(move rooma roomb)\n(drop ball1 roomb left)", None, False),
]


@pytest.mark.parametrize("domain_text, problem_text, plan_text, failed, goal", KNOWN_PLANS)
def test_validator_agrees_on_public_benchmark_domains(tmp_path, domain_text, problem_text, plan_text,
                                                      failed, goal):
    files = PddlFiles(tmp_path / "domain.pddl", tmp_path / "problem.pddl", tmp_path / "plan.pddl")
    for path, text in zip((files.domain, files.problem, files.plan), (domain_text, problem_text, plan_text)):
        path.write_text(text)
    check = check_pddl_plan(files)
    assert check.failed_step == failed, check.summary()
    assert check.goal_reached == goal
    assert validate_pddl(files) == (failed is None and goal)


def _mutations(steps, rng):
    yield steps
    yield steps[:-1]  # misses the goal
    if len(steps) > 2:
        i = rng.randrange(1, len(steps) - 1)
        yield steps[:i] + steps[i + 1:]  # a step dropped
        yield steps[:i - 1] + [steps[i], steps[i - 1]] + steps[i + 1:]  # two steps swapped


@pytest.mark.parametrize("room, seed, family", [("kitchen", 11, "pick_heat_then_place"),
                                                ("living_room", 12, "pick_and_place"),
                                                ("bathroom", 14, "pick_clean_then_place")])
@pytest.mark.slow
def test_validator_and_pddl_text_round_trip_agree(domain, validator, tmp_path, room, seed, family):
    """Every verdict of groundplan's validator matches UP's plan validator on the exported PDDL text."""
    import random

    from groundplan.world.generator import generate_scene
    from groundplan.world.tasks import sample_task

    rng = random.Random(seed)
    scene = generate_scene(room, seed)
    goal = sample_task(scene, family, rng, validator).goal(scene)
    for n, steps in enumerate(_mutations(solve(domain, scene, goal), rng)):
        report = validator.validate(scene, steps, goal)
        files = export_pddl(domain, scene, goal, tmp_path / str(n), steps)
        check = check_pddl_plan(files)
        assert validate_pddl(files) == report.success == check.valid, report.summary()
        first = report.first_invalid
        assert check.failed_step == (first.index if first else None)


# Plans that fail on a static fact of the scene or on a safety rule with no state condition: the
# grounder drops such steps, and validate-pddl must still say which step fails and why.
STATIC_MUTATIONS = {
    "a light switch cannot be closed": ("goto lightswitch_1\nclose lightswitch_1", 1, "openable(lightswitch_1)"),
    "a sink basin is not a tap": ("goto diningtable_1\npickup mug_1 from diningtable_1\ngoto sinkbasin_1\n"
                                  "fill mug_1 at sinkbasin_1", 3, "water_source(sinkbasin_1)"),
    "metal in the microwave": ("goto drawer_1\nopen drawer_1\npickup butterknife_1 from drawer_1\ngoto microwave_1\n"
                               "heat butterknife_1 in microwave_1", 4, "unsafe_no_metal_in_microwave"),
}


@pytest.mark.parametrize("name", sorted(STATIC_MUTATIONS))
def test_validate_pddl_names_the_failing_step_as_validate_does(domain, validator, kitchen, tmp_path, name):
    text, index, reason = STATIC_MUTATIONS[name]
    steps = parse_plan(text, kitchen)
    goal = family_goal("turn_off", "lightswitch_1", scene=kitchen)
    files = export_pddl(domain, kitchen, goal, tmp_path, steps)
    check = check_pddl_plan(files)
    report = validator.validate(kitchen, steps, goal)
    assert check.failed_step == index == report.first_invalid.index
    assert any(reason in unmet for unmet in check.unmet), check.unmet
    assert not validate_pddl(files)


@pytest.mark.slow  # 8 rooms, 5 plans each, both validators: about 80 s
@pytest.mark.parametrize("name", scene_names())
def test_validate_pddl_agrees_with_validate_on_random_steps(domain, validator, catalog, tmp_path, name):
    """Steps of the right kinds on random objects: most fail on a static fact or a safety rule."""
    import random

    from groundplan.types.actions import ACTIONS, Step

    rng, scene = random.Random(name), load_scene(name)
    items = [o.id for o in scene.objects if catalog.get(o.category).is_item]
    fixtures = [o.id for o in scene.objects if o.id not in items]
    switch = next(o.id for o in scene.objects if catalog.get(o.category).has("toggleable"))
    goal = family_goal("turn_off", switch, scene=scene)
    for n in range(5):
        steps = []
        for spec in rng.sample(list(ACTIONS.values()), 3):
            args = tuple(rng.choice(items if kind == "item" else fixtures) for _, kind in spec.params)
            # go to the fixture first, so that the step fails on the fixture and not on where the robot is
            steps += [Step("goto", args[-1:]), Step(spec.name, args)] if spec.params[-1][1] == "fixture" else [
                Step(spec.name, args)]
        files = export_pddl(domain, scene, goal, tmp_path / str(n), steps)
        check, report = check_pddl_plan(files), validator.validate(scene, steps, goal)
        first = report.first_invalid
        assert check.failed_step == (first.index if first else None), (check.summary(), report.summary())
        assert bool(check.unmet) == (first is not None)
        assert validate_pddl(files) == check.valid == report.success


@pytest.mark.parametrize("line, says", [
    ("(close lightswitch_1 fridge_1)", "close takes 1 arguments, got 2"),
    ("(pickup fridge_1 countertop_1)", "fridge_1 is a fridge, not the item pickup needs as its obj"),
    ("(fly lightswitch_1)", "there is no action 'fly'"),
    ("(goto fridge_9)", "there is no object 'fridge_9'"),
    ("1.0: (close lightswitch_1) [1.0]", "a start time; write one (action args) a line"),
])
def test_malformed_plan_lines_are_one_line_errors(domain, kitchen, tmp_path, capsys, line, says):
    from groundplan.cli import main

    files = export_pddl(domain, kitchen, family_goal("turn_off", "lightswitch_1", scene=kitchen), tmp_path)
    plan = tmp_path / "plan.pddl"
    plan.write_text(f"(goto lightswitch_1)\n{line}\n")
    assert main(["validate-pddl", str(files.domain), str(files.problem), str(plan)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err and "line 2" in err, err


def test_a_temporal_domain_is_a_one_line_error(tmp_path, capsys):
    from groundplan.cli import main

    texts = {"domain": "(define (domain d) (:requirements :durative-actions) (:predicates (a) (b))\n"
                       "  (:durative-action go :parameters () :duration (= ?duration 1)\n"
                       "    :condition (at start (a)) :effect (at end (b))))",
             "problem": "(define (problem p) (:domain d) (:init (a)) (:goal (b)))",
             "plan": "0.0: (go) [1.0]"}
    for name, text in texts.items():
        (tmp_path / f"{name}.pddl").write_text(text)
    assert main(["validate-pddl", *(str(tmp_path / f"{name}.pddl") for name in texts)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "CONTINUOUS_TIME" in err, err
