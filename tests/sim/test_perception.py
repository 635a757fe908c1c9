"""Perception: dataset labels, a tiny training run, back-projection, fusion, relations, anchoring, matching."""

import dataclasses

import numpy as np
import pytest

from groundplan.errors import GroundplanError
from groundplan.eval.perception_bench import match, truth
from groundplan.learning.detector_data import DatasetConfig, build_dataset, class_names, yolo_boxes
from groundplan.perception.anchoring import anchor
from groundplan.perception.detect import Detection, GroundTruthDetector, UltralyticsDetector
from groundplan.perception.fusion import FusedObject, FusionConfig, confirm, fuse, lift, within
from groundplan.perception.pipeline import PerceptionConfig, perceive
from groundplan.perception.views import ViewConfig
from groundplan.sim.camera import render, simulated_frames
from groundplan.sim.world import SimWorld
from groundplan.types.camera import look_at_pose
from groundplan.types.scene import load_scene


@pytest.fixture(scope="module")
def kitchen_world():
    with SimWorld(load_scene("kitchen_demo")) as world:
        yield world


@pytest.fixture(scope="module")
def kitchen_frames(kitchen_world):
    return simulated_frames(kitchen_world, PerceptionConfig(views=ViewConfig("blockwise_center")))


def _apple_views(world):
    """Two cameras 90 degrees apart, both looking at the apple from 1 m."""
    apple = np.asarray(world.position("apple_1"))
    poses = [look_at_pose(apple + offset, apple) for offset in ([0.0, -0.8, 0.6], [-0.8, 0.0, 0.6])]
    return apple, [render(world, pose) for pose in poses]


def test_dataset_labels_match_the_segmentation(tmp_path, kitchen_world):
    data = build_dataset(tmp_path, DatasetConfig(scenes_per_room={"train": 1}, views_per_scene=2))
    assert data.is_file() and (tmp_path / "manifest.json").is_file()
    labels = sorted((tmp_path / "labels" / "train").glob("*.txt"))
    assert len(labels) == 8 and len(list((tmp_path / "images" / "train").glob("*.png"))) == 8
    # resuming may add scenes, but rooms drawn with other settings carry the same names: never mixed in
    build_dataset(tmp_path, DatasetConfig(scenes_per_room={"train": 1, "val": 1}, views_per_scene=2))
    with pytest.raises(GroundplanError, match="scenery"):
        build_dataset(tmp_path, DatasetConfig(scenes_per_room={"train": 1}, views_per_scene=2, scenery=0.0))
    # and the labelling itself, on a frame whose objects we know
    classes = class_names()
    _, (frame, _) = _apple_views(kitchen_world)
    boxes = yolo_boxes(frame, kitchen_world.scene, classes, min_pixels=20)
    apple = frame.mask("apple_1")
    v, u = np.nonzero(apple)
    h, w = apple.shape
    expected = ((u.min() + u.max() + 1) / 2 / w, (v.min() + v.max() + 1) / 2 / h)
    mine = [b for b in boxes if classes[b[0]] == "Apple"]
    assert len(mine) == 1 and np.allclose(mine[0][1:3], expected, atol=1e-6)
    assert {classes[b[0]] for b in boxes} <= {kitchen_world.scene.get(i).category for i in frame.visible_ids(20)}


@pytest.mark.slow
def test_tiny_training_run(tmp_path):
    from groundplan.learning.detector_train import TrainConfig, train_detector

    data = build_dataset(tmp_path / "data", DatasetConfig(scenes_per_room={"train": 1, "val": 1}, views_per_scene=2))
    config = TrainConfig(epochs=1, hours=0, batch=4, workers=0)
    weights = train_detector(data, tmp_path / "out", config)
    assert weights.is_file() and weights.with_suffix(".metrics.json").is_file()
    # run again on a finished run: nothing to resume (ultralytics would fail looking for another dataset)
    assert train_detector(data, tmp_path / "out", config) == weights
    detector = UltralyticsDetector(weights)  # loads, and its classes ground to the catalog
    assert set(detector.categories.values()) == set(class_names())


def test_back_projection_lands_on_the_object(kitchen_world):
    apple, frames = _apple_views(kitchen_world)
    size = kitchen_world.scene.get("apple_1").size
    for view, frame in enumerate(frames):
        mask = frame.mask("apple_1")
        lifted = lift(frame, Detection("Apple", "Apple", 0.9, (0, 0, 0, 0), mask), view, kitchen_world.catalog)
        assert lifted is not None
        assert np.all(np.abs(lifted.points - apple) <= np.asarray(size) / 2 + 0.01)


def test_box_detection_keeps_the_object_not_the_background(kitchen_world):
    apple, frames = _apple_views(kitchen_world)
    v, u = np.nonzero(frames[0].mask("apple_1"))
    box = (int(u.min()) - 3, int(v.min()) - 3, int(u.max()) + 4, int(v.max()) + 4)  # a loose box
    lifted = lift(frames[0], Detection("Apple", "Apple", 0.9, box), 0, kitchen_world.catalog)
    assert np.linalg.norm(lifted.points.mean(axis=0) - apple) < 0.05


def test_two_views_of_one_object_fuse_into_one(kitchen_world):
    apple, frames = _apple_views(kitchen_world)
    lifted = [lift(f, Detection("Apple", "Apple", 0.8, (0, 0, 0, 0), f.mask("apple_1")), i, kitchen_world.catalog)
              for i, f in enumerate(frames)]
    objects = fuse(lifted)
    assert len(objects) == 1
    assert objects[0].views == [0, 1] and objects[0].score == pytest.approx(0.96)
    assert np.linalg.norm(np.subtract(objects[0].position, apple)) < 0.03


def test_ground_truth_pipeline_recovers_the_visible_scene(kitchen_world, kitchen_frames):
    true = truth(kitchen_world)
    result = perceive(kitchen_frames, GroundTruthDetector({o.id: o.category for o in true.objects}), true,
                      known=true)
    pairs, false_positives, _ = match(result.scene, true)
    visible = set().union(*(f.visible_ids(20) for f in kitchen_frames))
    assert not false_positives
    assert {t for _, t, _ in pairs} == visible
    assert np.median([d for _, _, d in pairs]) < 0.05
    # anchored ids are the world's, and items sit where the world has them
    for obj in result.scene.objects:
        assert obj.id in true
        if obj.parent and kitchen_world.catalog.get(obj.category).is_item:
            assert obj.parent == true.get(obj.id).parent, obj.id


def test_a_view_that_fails_is_skipped_and_the_rest_are_used(kitchen_world, kitchen_frames):
    from groundplan.errors import PerceptionError

    true = truth(kitchen_world)
    detector = GroundTruthDetector({o.id: o.category for o in true.objects})
    frames = list(kitchen_frames)
    frames[0] = dataclasses.replace(frames[0], depth=np.full_like(frames[0].depth, np.nan))
    frames[1] = dataclasses.replace(frames[1], depth=frames[1].depth[:10])
    holes = frames[2].depth.copy()
    holes[::2] = np.nan  # half its rows lost: still usable
    frames[2] = dataclasses.replace(frames[2], depth=holes)
    result = perceive(frames, detector, true, known=true)
    assert set(result.failed_views) == {0, 1}
    assert "no valid pixel" in result.failed_views[0] and "differ in size" in result.failed_views[1]
    pairs, false_positives, _ = match(result.scene, true)
    visible = set().union(*(f.visible_ids(20) for f in kitchen_frames[2:]))
    assert not false_positives and {t for _, t, _ in pairs} >= visible
    with pytest.raises(PerceptionError, match="every one of the 2 views failed"):
        perceive(frames[:2], detector, true, known=true)


def test_anchoring_keeps_known_ids_and_mints_new_ones(kitchen):
    apple = kitchen.of_category("Apple")[0]
    near = tuple(np.add(apple.position, (0.1, 0.0, 0.0)))
    far = tuple(np.add(apple.position, (3.0, 3.0, 0.0)))
    ids = anchor(["Apple", "Apple", "Mug"], [near, far, (0.0, 0.0, 0.0)], kitchen)
    assert ids[0] == apple.id
    assert ids[1] not in kitchen and ids[1].startswith("apple_")
    assert ids[2] not in kitchen and ids[1] != ids[2]
    assert anchor(["Apple"], [near], None) == ["apple_1"]
    # a fixture seen only in part (a fridge by its open door) lands off its centre by most of its size
    fridge = kitchen.of_category("Fridge")[0]
    off = tuple(np.add(fridge.position, (0.9 * max(fridge.size), 0.0, 0.0)))
    assert anchor(["Fridge"], [off], kitchen) == [fridge.id]


def test_matching_counts_misses_and_inventions(kitchen):
    moved = dataclasses.replace(kitchen, objects=[dataclasses.replace(o) for o in kitchen.objects[1:]])
    moved.objects[0].position = tuple(np.add(moved.objects[0].position, (5.0, 5.0, 0.0)))
    moved.__post_init__()
    pairs, fps, fns = match(moved, kitchen)
    assert len(pairs) == len(kitchen.objects) - 2
    assert fps == [moved.objects[0].id]
    assert set(fns) == {kitchen.objects[0].id, moved.objects[0].id}


def _views_around(world, target, count=4):
    """`count` cameras 1 m from `target` between its -x and -y sides (those of the demo apple that are open)."""
    target = np.asarray(target)
    angles = np.linspace(0.0, np.pi / 2, count)
    return [render(world, look_at_pose(target + [-0.8 * np.cos(a), -0.8 * np.sin(a), 0.6], target)) for a in angles]


def test_an_object_the_other_views_contradict_is_dropped(kitchen_world):
    apple = np.asarray(kitchen_world.position("apple_1"))
    frames = _views_around(kitchen_world, apple)
    size = kitchen_world.scene.get("apple_1").size

    def seen_in(views, position=apple):
        return FusedObject("Apple", tuple(position), size, 0.9, views)

    assert all(f.visible_ids(20) >= {"apple_1"} for f in frames)  # every view sees the apple
    kept = confirm([seen_in([0, 1, 2]), seen_in([0])], frames)
    assert [o.views for o in kept] == [[0, 1, 2]]  # seen once by four views that all look at it: invented
    # views that cannot see the place (under the table top) are no evidence against a detection,
    # nor are views that failed
    hidden = apple - [0.0, 0.0, 0.35]
    assert confirm([seen_in([0], hidden)], frames, FusionConfig(confirm_pixels=5))
    assert confirm([seen_in([0])], frames, skip={1, 2, 3})


def test_nothing_beyond_the_walls_is_in_the_room():
    inside = FusedObject("Desk", (2.0, 0.4, 0.4), (1.3, 0.6, 0.8), 0.9, [0, 1])
    beyond = FusedObject("Desk", (-0.27, 2.6, 0.3), (0.2, 0.6, 0.5), 0.9, [2])  # a fragment completed through a wall
    assert within([inside, beyond], (4.0, 5.0)) == [inside]
    assert within([inside, beyond], (0.0, 0.0)) == [inside, beyond]  # a room of unknown extent keeps everything


def _block(centre, size, step=0.05):
    """Points on the surface of a box: what lifting gives for a fixture seen from every side."""
    axes = [np.arange(-s / 2, s / 2 + 1e-9, step) for s in size]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    on_surface = np.any(np.isclose(np.abs(grid), np.asarray(size) / 2, atol=step / 2), axis=1)
    return grid[on_surface] + centre


def test_a_fixture_mounted_on_another_may_share_its_space():
    from groundplan.perception.fusion import Lifted

    camera = np.array([0.0, -3.0, 1.5])
    counter = Lifted("CounterTop", 0.9, _block((0.0, 0.0, 0.45), (2.0, 0.6, 0.9)), camera, 0)
    sink = Lifted("SinkBasin", 0.9, _block((0.2, 0.0, 0.8), (0.5, 0.4, 0.2)), camera, 0)
    assert {o.category for o in fuse([counter, sink])} == {"CounterTop", "SinkBasin"}
    # a fixture that cannot stand on the counter competes for the space: the better supported stays
    fridge = Lifted("Fridge", 0.6, _block((0.0, 0.0, 0.45), (0.7, 0.6, 0.8)), camera, 1)
    assert {o.category for o in fuse([counter, fridge])} == {"CounterTop"}


def test_two_boxes_of_one_object_become_one():
    from groundplan.perception.fusion import Lifted

    # a table seen from either end: each view lifts its near half, too far apart to join as they
    # come (centres 0.8 m apart, no shared surface), and each box is completed across the other
    near = Lifted("DiningTable", 0.9, _block((-0.4, 0.0, 0.7), (0.75, 0.5, 0.1)), np.array([-3.0, 0.0, 1.5]), 0)
    far = Lifted("DiningTable", 0.9, _block((0.4, 0.0, 0.7), (0.75, 0.5, 0.1)), np.array([3.0, 0.0, 1.5]), 1)
    objects = fuse([near, far])
    assert len(objects) == 1 and objects[0].views == [0, 1]
