"""People's requests carried out in PyBullet: liquids poured and composite library tasks, read back from the physics."""

import dataclasses

import pytest

from groundplan.language.library import applies, load_requests
from groundplan.language.prompt import goal_of
from groundplan.planning import classical
from groundplan.planning.registry import make_strategy
from groundplan.sim.task import SimTaskConfig, run_sim_task
from groundplan.types.goals import Atom, Goal
from groundplan.types.results import ResultCode
from groundplan.world.navigation import unreachable_fixtures


def test_a_glass_of_water_poured_in_physics(domain, generated_rooms):
    """A full mug beside an empty cup: the robot pours one into the other, read back from the sim."""
    planner = make_strategy("classical")
    scene = next(s for s in generated_rooms["kitchen"] if not unreachable_fixtures(s) and any(
        m.parent == c.parent for m in s.of_category("Mug") for c in s.of_category("Cup")))
    mug = next(m for m in scene.of_category("Mug") if any(c.parent == m.parent for c in scene.of_category("Cup")))
    cup = next(c for c in scene.of_category("Cup") if c.parent == mug.parent)
    objects = [dataclasses.replace(o, state={**o.state, "filled": o.id == mug.id}) if o.id in (mug.id, cup.id) else o
               for o in scene.objects]
    scene = dataclasses.replace(scene, objects=objects)
    config = SimTaskConfig(gif=False)
    config.executor.max_replans = 0
    episode = run_sim_task(scene, planner, goal=Goal((Atom("filled", (cup.id,)),)), config=config)
    assert episode.result.code == ResultCode.SUCCESS, episode.result.message
    assert "pour" in [r.step.action for r in episode.result.executed]
    assert episode.result.final_state.has(cup.id, "filled") and not episode.result.final_state.has(mug.id, "filled")


@pytest.mark.parametrize("name", ["make_coffee", "movie_night_blinds", "cosy_evening",
                                  "restock_bathroom", "remote_and_tv"])
def test_composite_tasks_execute_in_physics(generated_rooms, name):
    planner = make_strategy("classical")
    task = load_requests().tasks[name]
    goal = goal_of(task.clauses)
    for scene in (s for room in task.rooms for s in generated_rooms[room]):
        if not applies(task.goal, scene) or unreachable_fixtures(scene):
            continue
        try:
            classical.solve(planner.domain, scene, goal)
        except Exception:  # noqa: BLE001 - not reachable in this room
            continue
        config = SimTaskConfig(gif=False)
        episode = run_sim_task(scene, planner, goal=goal, config=config)
        assert episode.result.code == ResultCode.SUCCESS, (scene.id, episode.result.message)
        assert planner.validator.validate(scene, [], goal, episode.result.final_state).goal_reached
        return
    pytest.fail(f"no room for {name}")
