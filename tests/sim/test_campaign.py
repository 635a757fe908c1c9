"""The execution campaign: task draw, faults that land where they should, resuming, GIFs of failures."""

import json
from pathlib import Path

import pytest

from groundplan.eval.campaign import KINDS, CampaignConfig, Episode, boxed_in, choose_cases, run_campaign, run_episode
from groundplan.eval.suite import load_suite
from groundplan.sim.state import observe
from groundplan.sim.world import SimWorld
from groundplan.world.generator import generate_scene
from groundplan.world.navigation import unreachable_fixtures


@pytest.fixture(scope="module")
def suite():
    return load_suite()


def case(suite, case_id):
    return next(c for c in suite.cases if c.id == case_id)


def test_the_draw_covers_every_room_kind_and_family(suite):
    cases = choose_cases(suite, 100, 16)
    tasks = [c for c in cases if c.kind != "refusal"]
    assert len(tasks) == 100 and len(cases) == 116
    assert {suite.scene(c).room_type for c in tasks} == {"kitchen", "bedroom", "bathroom", "living_room"}
    assert {c.kind for c in tasks} == set(KINDS)
    suite_families = {c.family for c in suite.cases if c.kind == "task"}
    assert {c.family for c in tasks if c.kind == "task"} == suite_families
    assert not any(boxed_in(suite, c) for c in tasks)  # refusals never drive


def test_generated_rooms_keep_every_fixture_reachable():
    # before the generator checked, 114 of 400 rooms had a fixture the base could not drive to
    for room in ("kitchen", "bedroom", "bathroom", "living_room"):
        for seed in range(25):
            scene = generate_scene(room, seed)
            assert unreachable_fixtures(scene) == [], scene.id


def test_a_slipped_item_falls_where_it_was_picked_from(suite):
    scene = suite.scene(case(suite, "0148"))  # a soap bar in a sink basin
    with SimWorld(scene) as world:
        from groundplan.sim.faults import FaultConfig, FaultInjector
        from groundplan.sim.skills import SimSkills
        from groundplan.types.actions import Step

        skills = SimSkills(world, FaultInjector(FaultConfig(slip=1.0)))
        assert skills.execute(Step("goto", ("sinkbasin_1",))).ok
        skills.execute(Step("pickup", ("soapbar_1", "sinkbasin_1")))
        state = observe(world)
        # released while the fingers still held it, the bar hung in the air and was later flung away
        assert state.holding is None and state.located.get("soapbar_1") == "sinkbasin_1"


@pytest.mark.parametrize("fault", ["slip=1", "move=1,target=soapbar_1"])
def test_a_fault_is_replanned_around_and_without_replanning_fails(suite, fault):
    c = case(suite, "0148")
    kind = fault.split("=")[0]
    done = run_episode(suite, c, Episode(c.id, kind, fault, replans=3))
    assert done["fired"] and done["reached"] and done["replans"] >= 1, done
    assert done["goal"] == "deliver soapbar"  # the goal the task was given, through the replan
    stopped = run_episode(suite, c, Episode(c.id, f"{kind} (no replanning)", fault, replans=0))
    assert not stopped["reached"] and stopped["failed_skill"] == "pickup", stopped


def test_a_loaded_pan_carried_to_the_burner_stays_in_the_hand(suite):
    """Suite case 0135 (cook an apple in a pan): the pan, apple inside, is carried from a cabinet to the burner.

    It used to swing into the robot's own arm as the arm tucked for the drive, and was torn from the hand."""
    c = case(suite, "0135")
    row = run_episode(suite, c, Episode(c.id, "no faults", "", replans=0))
    assert row["reached"] and row["code"] == "SUCCESS", row["message"]


def test_removing_the_only_item_ends_typed_and_counts_as_handled(suite):
    c = case(suite, "0148")
    row = run_episode(suite, c, Episode(c.id, "remove", "remove=1,target=soapbar_1", replans=3))
    assert row["fired"] and not row["reached"] and row["handled"]
    assert row["code"] == "PLANNING_FAILED" and "soapbar_1" in row["message"]


def test_the_campaign_resumes_and_records_failures(suite, tmp_path):
    config = CampaignConfig(tasks=1, refusals=1, faults=("slip",), film_ablations=True)
    rows = run_campaign("", tmp_path, config)
    by = {r["condition"]: r for r in rows if r["kind"] != "refusal"}
    assert set(by) == {"request", "no faults", "slip", "slip (no replanning)"}
    assert by["no faults"]["reached"] and by["slip"]["reached"]
    refusal = next(r for r in rows if r["kind"] == "refusal")
    assert refusal["condition"] == "request" and refusal["reached"] and not refusal["steps"]
    failed = by["slip (no replanning)"]
    assert not failed["handled"] and (Path(failed["run_dir"]) / "execution.gif").is_file()
    lines = (tmp_path / "episodes.jsonl").read_text().splitlines()
    again = run_campaign("", tmp_path, config)  # nothing left to run: the same rows, no new lines
    assert (tmp_path / "episodes.jsonl").read_text().splitlines() == lines
    assert sorted(json.dumps(r, sort_keys=True) for r in again) == sorted(json.dumps(r, sort_keys=True) for r in rows)


@pytest.fixture(scope="module")
def grounded():
    from groundplan.planning.registry import make_strategy

    return make_strategy("llm-grounded")


@pytest.mark.parametrize("fault", ["slip=1", "move=1,target=mug_1", "stick=1"])
def test_a_task_keeps_its_goal_through_every_replan(grounded, fault, tmp_path):
    """`groundplan run "Put the mug in the fridge" --faults slip=1,limit=1 --seed 3` once read the request
    again mid-task and gave up on a new goal (two mugs in the fridge); across fault types and seeds the
    task must reach the goal it was given or end with a typed reason, pursuing that goal throughout.
    """
    from groundplan.execution.record import read_record
    from groundplan.sim.faults import FaultConfig
    from groundplan.sim.task import SimTaskConfig, run_sim_task
    from groundplan.types.scene import load_scene

    kitchen = load_scene("kitchen_demo")
    for seed in range(5):
        folder = tmp_path / f"{fault.split('=')[0]}-{seed}"
        config = SimTaskConfig(faults=FaultConfig.parse(f"{fault},limit=1", seed=seed), gif=False)
        outcome = run_sim_task(kitchen, grounded, "Put the mug in the fridge", run_dir=folder, config=config)
        events = read_record(folder / "record.jsonl")
        goals = {e["goal"] for e in events if e["event"] == "plan"}
        assert len(goals) == 1 and None not in goals, (seed, goals)
        assert outcome.result.success or outcome.result.code.name in ("PLANNING_FAILED", "EFFECT_MISSING"), outcome
        if outcome.faults and fault.startswith(("slip", "stick")):
            assert outcome.result.success and outcome.result.replans >= 1, (seed, outcome.result.message)
