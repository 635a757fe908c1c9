"""The world model's merge rules: confirm, move, forget, and never judge a closed container's contents absent."""

import dataclasses

import numpy as np
import pytest

from groundplan.execution.world_model import Sighting, WorldModel
from groundplan.types.camera import Frame, Intrinsics, look_at_pose
from groundplan.types.scene import Scene, SceneObject
from groundplan.types.state import WorldState

APPLE_AT = (2.0, 0.0, 0.95)


def room(*objects: SceneObject) -> Scene:
    return Scene("room", "kitchen", (5.0, 5.0), list(objects))


def counter() -> SceneObject:
    return SceneObject("countertop_1", "CounterTop", (2.0, 0.0, 0.45), (1.5, 0.6, 0.9))


def table() -> SceneObject:
    return SceneObject("diningtable_1", "DiningTable", (0.0, 3.0, 0.4), (1.4, 0.9, 0.8))


def fridge(open_: bool) -> SceneObject:
    return SceneObject("fridge_1", "Fridge", (2.0, 0.5, 0.8), (0.7, 0.7, 1.6), state={"open": open_})


def apple(parent: str = "countertop_1", at=APPLE_AT, assumed: bool = False) -> SceneObject:
    # as large as a melon, so that a view 2 m away shows it (a small thing far off may go unseen)
    return SceneObject("apple_1", "Apple", at, (0.3, 0.3, 0.3), parent=parent, support_assumed=assumed)


def view(target=APPLE_AT, depth: float = 12.0) -> Frame:
    """A camera 2.3 m from the apple looking at `target`; `depth`: how far it sees before something is in the way."""
    k = Intrinsics()
    return Frame(np.zeros((k.height, k.width, 3), np.uint8), np.full((k.height, k.width), depth, np.float32),
                 np.full((k.height, k.width), -1, np.int32), [], k, look_at_pose((0.0, 0.0, 1.5), target))


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


def seen(*objects: SceneObject, frames=None) -> Sighting:
    return Sighting(room(*objects), [view()] if frames is None else frames)


def test_a_frame_sees_what_is_in_front_of_it_and_not_what_is_hidden_or_behind():
    assert view().sees(APPLE_AT, 0.3, 15)
    assert not view(depth=1.0).sees(APPLE_AT, 0.3, 15)  # something stands in front of it
    assert not view(target=(-2.0, 0.0, 0.5)).sees(APPLE_AT, 0.3, 15)  # behind the camera
    assert not view().sees(APPLE_AT, 0.05, 15)  # too small to be sure of at 2.3 m


def test_seen_objects_are_new_or_confirmed_at_their_detection_score(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), dataclasses.replace(apple(), score=0.8)))
    assert model.beliefs["apple_1"].confidence == 0.8 and model.beliefs["apple_1"].confirmed == 0.0
    clock.t = 5.0
    model.perceived(seen(counter(), apple()))
    belief = model.beliefs["apple_1"]
    assert (belief.confidence, belief.confirmed) == (1.0, 5.0)
    assert [o.id for o in model.scene().objects] == ["countertop_1", "apple_1"]


def test_an_object_seen_somewhere_else_moves_and_keeps_the_states_the_robot_read(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), table(), apple()))
    model.acted(WorldState(located={"apple_1": "countertop_1"}, flags={"apple_1": frozenset({"cold"})}), ["apple_1"])
    # perception reports where things are; its state flags are not a reading
    moved = apple("diningtable_1", at=(0.0, 3.0, 0.95))
    model.perceived(seen(counter(), table(), moved, frames=[view(), view(target=moved.position)]))
    obj = model.scene().get("apple_1")
    assert obj.parent == "diningtable_1" and obj.position == moved.position and obj.flag("cold")


def test_a_support_perception_only_assumed_does_not_move_a_known_object(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), table(), apple()))
    model.perceived(seen(counter(), table(), apple("diningtable_1", assumed=True)))
    assert model.scene().get("apple_1").parent == "countertop_1"
    assert not model.scene().get("apple_1").support_assumed


def test_an_object_missing_where_it_should_be_seen_loses_confidence_and_is_forgotten(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), apple()))
    clock.t = 1.0
    model.perceived(seen(counter()))
    assert model.beliefs["apple_1"].confidence == 0.5 and model.beliefs["apple_1"].confirmed == 0.0
    model.perceived(seen(counter()))
    assert "apple_1" not in model.beliefs and "countertop_1" in model.beliefs


@pytest.mark.parametrize("frames", [[], [view(depth=1.0)], [view(target=(0.0, -3.0, 0.5))]],
                         ids=["no views", "hidden", "out of view"])
def test_an_object_no_view_could_see_keeps_what_it_had(clock, frames):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), apple()))
    for _ in range(3):
        model.perceived(seen(counter(), frames=frames))
    assert model.beliefs["apple_1"].confidence == 1.0


def test_a_thing_with_known_contents_is_not_forgotten(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), apple()))
    for _ in range(3):
        model.perceived(seen(apple(), frames=[view(target=counter().position)]))
    assert "countertop_1" in model.beliefs


def test_what_the_robot_put_in_a_closed_fridge_stays_there_unseen(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), fridge(open_=True), apple()))
    clock.t = 10.0  # the robot puts the apple in the fridge, then closes it
    model.acted(WorldState(located={"apple_1": "fridge_1"}, flags={"fridge_1": frozenset({"open"})}),
                ["apple_1", "fridge_1"])
    model.acted(WorldState(located={"apple_1": "fridge_1"}), ["fridge_1"])
    assert not model.scene().get("fridge_1").flag("open")
    clock.t = 20.0  # every later look, straight at where the apple was and where the fridge is: never seen
    for _ in range(3):
        model.perceived(seen(counter(), fridge(open_=True), frames=[view(), view(target=fridge(True).position)]))
    belief = model.beliefs["apple_1"]
    assert belief.obj.parent == "fridge_1" and belief.confidence == 1.0 and belief.confirmed == 10.0
    assert not model.scene().get("fridge_1").flag("open")  # a known object keeps the states the robot read


def test_a_closed_containers_contents_are_never_judged_absent_an_open_ones_are(clock):
    inside = apple("fridge_1", at=(2.0, 0.5, 0.95))
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(fridge(open_=False), inside, frames=[]))
    for _ in range(3):
        model.perceived(seen(fridge(open_=False), frames=[view(target=inside.position)]))
    assert model.beliefs["apple_1"].confidence == 1.0
    model.acted(WorldState(flags={"fridge_1": frozenset({"open"})}), ["fridge_1"])
    model.perceived(seen(fridge(open_=True), frames=[view(target=inside.position)]))
    assert model.beliefs["apple_1"].confidence == 0.5


def test_an_object_the_robot_moved_is_not_missed_until_a_view_has_seen_it_where_it_went(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), table(), apple()))
    model.acted(WorldState(holding="apple_1", located={}), ["apple_1"])
    model.perceived(seen(counter(), table()))  # in the hand
    model.acted(WorldState(located={"apple_1": "diningtable_1"}), ["apple_1", "diningtable_1"])
    model.perceived(seen(counter(), table()))  # its old pose is in view, but it is not there any more
    assert model.beliefs["apple_1"].confidence == 1.0 and model.scene().get("apple_1").parent == "diningtable_1"
    model.perceived(seen(counter(), table(), apple("diningtable_1", at=(0.0, 3.0, 0.95))))
    model.perceived(seen(counter(), table(), frames=[view(target=(0.0, 3.0, 0.95))]))
    assert model.beliefs["apple_1"].confidence == 0.5  # seen there once: now it can be missed there


def test_containers_are_unexplored_until_looked_into(clock):
    model = WorldModel(room(), clock=clock)
    model.perceived(seen(counter(), fridge(open_=False), apple()))
    assert model.unexplored() == ["fridge_1"]
    model.perceived(seen(fridge(open_=True), frames=[]), inside="fridge_1")
    assert model.unexplored() == []
    assert WorldModel.from_scene(room(counter(), fridge(open_=False), apple())).unexplored() == []
