"""Frames -> detections -> 3D objects -> relations -> ids: the Scene the planner consumes.

`perceive` works on frames from anywhere (the simulator's renderer, a robot's capture_views).
`room` carries what the robot knows before looking: the map (id, room type, size) and its own
pose. `known`, when given, is the world model whose ids perceived objects are anchored to.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np

from groundplan.errors import PerceptionError
from groundplan.perception.anchoring import anchor
from groundplan.perception.detect import Detection, Detector
from groundplan.perception.fusion import FusedObject, FusionConfig, confirm, fuse, lift, within
from groundplan.perception.relations import assumed_support, infer_parents
from groundplan.perception.views import ViewConfig
from groundplan.types.camera import Frame, Intrinsics
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.scene import Scene, SceneObject

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PerceptionConfig:
    views: ViewConfig = field(default_factory=ViewConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    # the camera views are taken with (simulated_frames, perception_node's capture requests): at 640x480
    # small things (a pen, a key) have the pixels the detector needs; it was trained on 320x240 renders,
    # where the same things looked half as big
    intrinsics: Intrinsics = field(default_factory=lambda: Intrinsics(640, 480))


@dataclass
class Perception:
    scene: Scene
    detections: list[list[Detection]]  # per view
    seconds: dict[str, float]  # detect, fuse
    failed_views: dict[int, str] = field(default_factory=dict)  # view index -> why it was skipped


def perceive(frames: list[Frame], detector: Detector, room: Scene, known: Scene | None = None,
             catalog: Catalog | None = None, config: PerceptionConfig | None = None,
             on_view=None) -> Perception:
    """Detect in every frame, lift, fuse, relate and anchor; `on_view(i, n, detections)` reports progress."""
    catalog = catalog or default_catalog()
    config = config or PerceptionConfig()
    start = time.perf_counter()
    frames = list(frames)
    detections: list[list[Detection]] = []
    failed: dict[int, str] = {}
    for i, frame in enumerate(frames):  # one at a time, so progress can be reported per view
        problem = None
        try:
            frames[i] = frame = checked_frame(frame)
        except ValueError as exc:
            problem = str(exc)
        if problem is None:
            try:
                found = detector.detect([frame])[0]
            except Exception as exc:  # one bad view must not cost the others: note it and go on
                problem = f"the detector failed: {exc!r}"
        if problem is not None:
            log.warning("view %d skipped: %s", i, problem)
            failed[i], found = problem, []
        detections.append(found)
        if on_view is not None:
            on_view(i, len(frames), found)
    if frames and len(failed) == len(frames):
        raise PerceptionError(f"every one of the {len(frames)} views failed; the first: {failed[0]}")
    detect_s = time.perf_counter() - start
    start = time.perf_counter()
    lifted = [x for view, (frame, dets) in enumerate(zip(frames, detections)) for d in dets
              if (x := lift(frame, d, view, catalog, config.fusion)) is not None]
    objects = confirm(fuse(lifted, catalog, config.fusion), frames, config.fusion, skip=failed)
    if config.fusion.room_bounds:
        objects = within(objects, room.size)
    scene = build_scene(objects, room, known, catalog)
    return Perception(scene, detections, {"detect": detect_s, "fuse": time.perf_counter() - start}, failed)


def checked_frame(frame: Frame) -> Frame:
    """The frame with depth holes (NaN, 0) marked as far away, where lifting drops them.

    Raises ValueError where a view cannot be used: images that disagree in size, a pose that is not
    finite, or no valid depth at all.
    """
    h, w = frame.depth.shape[:2] if frame.depth.ndim == 2 else (0, 0)
    if frame.rgb.shape[:2] != (h, w) or h == 0 or w == 0:
        raise ValueError(f"colour {frame.rgb.shape[:2]} and depth {frame.depth.shape} images differ in size")
    if not np.isfinite(frame.pose).all():
        raise ValueError("the camera pose is not finite")
    valid = np.isfinite(frame.depth) & (frame.depth > 0)
    if not valid.any():
        raise ValueError("the depth image has no valid pixel")
    if valid.all():
        return frame
    return replace(frame, depth=np.where(valid, frame.depth, frame.intrinsics.far).astype(np.float32))


def build_scene(objects: list[FusedObject], room: Scene, known: Scene | None = None,
                catalog: Catalog | None = None) -> Scene:
    catalog = catalog or default_catalog()
    ids = anchor([o.category for o in objects], [o.position for o in objects], known)
    parents = infer_parents(objects, catalog)
    out = []
    for i, (obj, oid, parent) in enumerate(zip(objects, ids, parents)):
        state = dict(known.get(oid).state) if known is not None and oid in known else {}
        assumed = parent is None and catalog.get(obj.category).is_item
        if assumed:  # its support went unseen (hidden, or missed): say where it is taken to rest
            parent = assumed_support(i, objects, catalog)
        out.append(SceneObject(oid, obj.category, obj.position, obj.size, obj.yaw, ids[parent] if parent is not None
                               else None, state=state, score=obj.score, label=",".join(obj.labels),
                               support_assumed=assumed))
    return Scene(room.id, room.room_type, room.size, out, room.robot_pose, room.seed)
