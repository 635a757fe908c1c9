"""The PyBullet simulation: state read-back, rendering, and every task family executed by physics."""

import math

import numpy as np
import pytest

from groundplan.planning.registry import make_strategy
from groundplan.sim.camera import render
from groundplan.sim.faults import FaultConfig
from groundplan.sim.state import observe
from groundplan.sim.task import SimTaskConfig, run_sim_task
from groundplan.sim.world import SimWorld
from groundplan.types.camera import look_at_pose, sweep_poses
from groundplan.types.catalog import ROOM_TYPES
from groundplan.types.grid import CLEARANCE
from groundplan.types.results import ResultCode
from groundplan.types.scene import load_scene, scene_names
from groundplan.types.state import WorldState
from groundplan.world.generator import generate_scene
from groundplan.world.navigation import approach_pose
from groundplan.world.tasks import Task


@pytest.fixture(scope="module")
def planner():
    return make_strategy("classical")


def test_state_read_back_matches_every_shipped_scene():
    for name in scene_names():
        scene = load_scene(name)
        with SimWorld(scene) as world:
            observed, truth = observe(world), WorldState.from_scene(scene)
            assert observed.located == truth.located, name
            assert {k: v for k, v in observed.flags.items() if v} == {k: v for k, v in truth.flags.items() if v}, name
            assert observed.holding is None and observed.robot_at is None


def test_rendering_agrees_with_ground_truth(kitchen):
    with SimWorld(kitchen) as world:
        frames = [render(world, pose) for pose in sweep_poses(kitchen.size[0] / 2, kitchen.size[1] / 2, 8)]
        seen = set()
        for frame in frames:
            assert frame.rgb.shape == (240, 320, 3) and frame.depth.shape == (240, 320)
            assert set(frame.labels) <= {o.id for o in kitchen.objects}
            seen |= frame.visible_ids()
            for oid in frame.visible_ids(min_pixels=30):
                if not world.bodies[oid].is_item:
                    continue
                # back-projected pixels of an item land on the item: intrinsics, pose and depth agree
                centre = frame.points(frame.mask(oid)).mean(axis=0)
                assert np.linalg.norm(centre - np.array(world.position(oid))) < max(kitchen.get(oid).size) + 0.05, oid
        assert len(seen) >= len(kitchen.objects) // 2
        # every object whose centre is in view and unoccluded appears in the segmentation
        for frame in frames:
            k, world_to_cam = frame.intrinsics, np.linalg.inv(frame.pose)
            for obj in kitchen.objects:
                x, y, z = (world_to_cam @ np.append(world.position(obj.id), 1.0))[:3]
                if z <= 0.1:
                    continue
                u, v = int(k.fx * x / z + k.cx), int(k.fy * y / z + k.cy)
                if 0 <= u < k.width and 0 <= v < k.height and abs(frame.depth[v, u] - z) < 0.02:
                    assert frame.labels[frame.segmentation[v, u]] == obj.id


def test_look_at_pose_is_an_optical_frame():
    pose = look_at_pose((0, 0, 1), (1, 0, 1))
    assert np.allclose(pose[:3, 2], [1, 0, 0]) and np.allclose(pose[:3, 1], [0, 0, -1])  # z ahead, y down


# (family, room, seed, object, target, states): one executed task per family, and people's requests
# (delivery, liquids, room devices) in every room type
FAMILY_TASKS = [
    ("pick_and_place", "kitchen", 161, "Tomato", "CounterTop", ()),
    ("pick_clean_then_place", "kitchen", 103, "Knife", "Cabinet", ()),
    ("pick_heat_then_place", "kitchen", 103, "Egg", "Cabinet", ()),
    ("pick_cool_then_place", "kitchen", 161, "Bowl", "Cabinet", ()),
    ("look_at_obj_in_light", "bedroom", 103, "Laptop", "DeskLamp", ()),
    ("pick_two_obj_and_place", "kitchen", 106, "Fork", "Fridge", ()),
    ("open", "kitchen", 161, "Fridge", None, ()),
    ("close", "kitchen", 104, "Fridge", None, ()),
    ("turn_on", "bedroom", 100, "DeskLamp", None, ()),
    ("turn_off", "kitchen", 161, "StoveBurner", None, ()),
    ("deliver", "living_room", 103, "RemoteControl", None, ()),
    ("deliver", "bedroom", 102, "Blanket", None, ()),
    ("deliver", "kitchen", 103, "Mug", None, ("filled", "hot")),
    ("deliver", "bathroom", 7027, "Towel", None, ()),  # the person faces a wall: come up to from behind
    ("fill", "kitchen", 161, "Kettle", None, ("hot",)),
    ("water", "kitchen", 161, "HousePlant", None, ()),
    ("slice", "kitchen", 107, "Apple", None, ()),
    ("open", "living_room", 105, "Curtains", None, ()),
    ("close", "bedroom", 105, "Blinds", None, ()),
    ("turn_on", "living_room", 103, "SpaceHeater", None, ()),
    ("turn_on", "bathroom", 103, "ShowerHead", None, ()),
    ("pick_and_place", "kitchen", 108, "Egg", "Pan", ()),  # an item that holds items
    ("pick_and_place", "kitchen", 109, "Potato", "Pot", ()),  # in a closed cabinet
    ("cook", "kitchen", 108, "Egg", "Pan", ()),  # the pan carried to the burner with the egg on it
    ("cook", "kitchen", 104, "Potato", "Pot", ()),  # water poured into the pot first
    ("wipe", "kitchen", 100, "DiningTable", None, ()),
    ("wipe", "bathroom", 7027, "SinkBasin", None, ()),
    ("take_out", "kitchen", 2, "GarbageBag", None, ()),  # out of the bin and out of the room
    ("water", "living_room", 127, "HousePlant", None, ()),  # no tap: from a watering can filled before
]


def run(planner, room, seed, family, obj, target, faults=None, max_replans=3, states=(), **kw):
    scene = generate_scene(room, seed)
    config = SimTaskConfig(faults=faults or FaultConfig(), gif=False)
    config.executor.max_replans = max_replans
    return scene, run_sim_task(scene, planner, goal=Task(family, obj, target, states).goal(), config=config, **kw)


@pytest.mark.parametrize("family, room, seed, obj, target, states", FAMILY_TASKS)
def test_every_family_executes_in_physics(planner, family, room, seed, obj, target, states):
    scene, episode = run(planner, room, seed, family, obj, target, max_replans=0, states=states)
    result = episode.result
    assert result.code == ResultCode.SUCCESS, result.message
    assert result.replans == 0 and all(r.code == ResultCode.SUCCESS for r in result.executed)
    # the goal holds in the state read back from geometry, not in the planner's prediction
    final = planner.validator.validate(scene, [], Task(family, obj, target, states).goal(), result.final_state)
    assert final.goal_reached


def test_every_domain_action_has_a_skill():
    from groundplan.sim.skills import SimSkills
    from groundplan.types.actions import ACTIONS

    assert [a for a in ACTIONS if not callable(getattr(SimSkills, f"_{a}", None))] == []


def test_a_wipe_that_never_touches_the_surface_fails(planner, monkeypatch):
    from groundplan.sim import skills

    monkeypatch.setattr(skills, "WIPE_DEPTHS", (-0.4,))  # strokes in the air in front of the table
    _, episode = run(planner, "kitchen", 100, "wipe", "DiningTable", None, max_replans=0)
    assert episode.result.code != ResultCode.SUCCESS
    assert "touched diningtable_1 at 0 of 5 points" in episode.result.message


def test_every_person_can_be_come_up_to():
    """The approach pose to a person lies inside the room, also where they face a wall closely."""
    behind = 0
    for room in ROOM_TYPES:
        for seed in range(7000, 7040):
            scene = generate_scene(room, seed)
            w, d = scene.size
            for person in scene.of_category("Person"):
                x, y, yaw = approach_pose(scene, person.id)
                assert CLEARANCE <= x <= w - CLEARANCE and CLEARANCE <= y <= d - CLEARANCE, (scene.id, x, y)
                ahead = (-math.sin(person.yaw), math.cos(person.yaw))
                behind += (x - person.position[0]) * ahead[0] + (y - person.position[1]) * ahead[1] < 0
    assert behind  # bathroom_7027 among them


def codes(result):
    return [r.code for r in result.executed]


def test_slipping_grasp_is_detected_and_replanned(planner):
    faults = FaultConfig(slip=1.0, target="tomato_1")
    _, episode = run(planner, "kitchen", 161, "pick_and_place", "Tomato", "CounterTop", faults)
    assert ("slip", "tomato_1") in episode.faults
    assert ResultCode.EFFECT_MISSING in codes(episode.result)
    assert episode.result.success and episode.result.replans >= 1


def test_object_moved_by_someone_else_is_found_again(planner):
    faults = FaultConfig(move=1.0, target="tomato_1")
    _, episode = run(planner, "kitchen", 161, "pick_and_place", "Tomato", "CounterTop", faults)
    assert [k for k, _ in episode.faults] == ["move"]
    assert ResultCode.PRECONDITION_FAILED in codes(episode.result)
    assert episode.result.success


def test_door_that_sticks_once_is_opened_on_retry(planner):
    faults = FaultConfig(stick=1.0, target="fridge_1")
    _, episode = run(planner, "kitchen", 161, "open", "Fridge", None, faults)
    assert ResultCode.EFFECT_MISSING in codes(episode.result) and episode.result.success


def test_door_stuck_for_good_stops_with_the_right_code(planner):
    faults = FaultConfig(stick=1.0, target="fridge_1", sticky=True)
    _, episode = run(planner, "kitchen", 161, "open", "Fridge", None, faults, max_replans=2)
    assert episode.result.code == ResultCode.EFFECT_MISSING and episode.result.replans == 2
    assert "fridge_1 open" in episode.result.message


def test_removed_object_with_a_spare_is_replaced(planner):
    scene = generate_scene("kitchen", 102)
    assert len(scene.of_category("Fork")) >= 2
    faults = FaultConfig(remove=1.0, target="fork_1")
    _, episode = run(planner, "kitchen", 102, "pick_and_place", "Fork", "Fridge", faults)
    assert episode.faults == [("remove", "fork_1")]
    assert episode.result.success and "fork_1" not in episode.result.final_state.located


def test_removed_object_without_a_spare_ends_planning_failed(planner):
    faults = FaultConfig(remove=1.0, target="tomato_1")
    _, episode = run(planner, "kitchen", 102, "pick_and_place", "Tomato", "CounterTop", faults)
    assert episode.result.code == ResultCode.PLANNING_FAILED
    assert "no new plan" in episode.result.message


def test_cancel_leaves_record_and_world_consistent(planner, tmp_path):
    from groundplan.execution.record import read_record

    calls = {"n": 0}

    def cancel_after_first_step():
        calls["n"] += 1
        return calls["n"] > 1

    _, episode = run(planner, "kitchen", 161, "pick_and_place", "Tomato", "CounterTop",
                     run_dir=tmp_path, should_cancel=cancel_after_first_step)
    assert episode.result.code == ResultCode.CANCELLED
    events = read_record(tmp_path / "record.jsonl")
    assert events[0]["event"] == "start" and events[-1]["event"] == "end" and events[-1]["code"] == "CANCELLED"
    assert events[-1]["state"] == episode.result.final_state.to_dict()
    assert (tmp_path / "before.png").is_file() and (tmp_path / "after.png").is_file()


def test_timeout_is_typed(planner):
    scene = generate_scene("kitchen", 161)
    config = SimTaskConfig(gif=False)
    config.executor.step_timeout = 1e-4
    episode = run_sim_task(scene, planner, goal=Task("open", "Fridge", None).goal(), config=config)
    assert episode.result.code == ResultCode.TIMEOUT


def test_a_malformed_skill_is_invalid_request_with_a_message(kitchen):
    from groundplan.sim.skills import SimSkills
    from groundplan.types.actions import Step

    world = SimWorld(kitchen)
    try:
        skills = SimSkills(world)
        for step, words in ((Step("fly", ("fridge_1",)), "unknown skill 'fly'"),
                            (Step("goto", ("fridge_1", "fridge_1")), "goto takes 1 argument"),
                            (Step("goto", ("dragon_1",)), "unknown objects")):
            outcome = skills.execute(step)
            assert outcome.code == ResultCode.INVALID_REQUEST and words in outcome.message, outcome.message
    finally:
        world.close()
