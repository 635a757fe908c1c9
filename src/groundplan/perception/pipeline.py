"""Frames -> detections -> 3D objects -> relations -> ids: the Scene the planner consumes.

`perceive` works on frames from anywhere (the simulator's renderer, a robot's capture_views).
`room` carries what the robot knows before looking: the map (id, room type, size) and its own
pose. `known`, when given, is the world model whose ids perceived objects are anchored to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from groundplan.perception.anchoring import anchor
from groundplan.perception.detect import Detection, Detector
from groundplan.perception.fusion import FusedObject, FusionConfig, fuse, lift
from groundplan.perception.relations import infer_parents
from groundplan.perception.views import ViewConfig, view_poses
from groundplan.sim.camera import Frame, Intrinsics, render
from groundplan.sim.world import SimWorld
from groundplan.world.catalog import Catalog, default_catalog
from groundplan.world.scene import Scene, SceneObject


@dataclass(frozen=True)
class PerceptionConfig:
    views: ViewConfig = field(default_factory=ViewConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    intrinsics: Intrinsics = field(default_factory=Intrinsics)


@dataclass
class Perception:
    scene: Scene
    detections: list[list[Detection]]  # per view
    seconds: dict[str, float]  # detect, fuse


def perceive(frames: list[Frame], detector: Detector, room: Scene, known: Scene | None = None,
             catalog: Catalog | None = None, config: PerceptionConfig | None = None,
             on_view=None) -> Perception:
    """Detect in every frame, lift, fuse, relate and anchor; `on_view(i, n, detections)` reports progress."""
    catalog = catalog or default_catalog()
    config = config or PerceptionConfig()
    start = time.perf_counter()
    detections: list[list[Detection]] = []
    for i, frame in enumerate(frames):  # one at a time, so progress can be reported per view
        detections.extend(detector.detect([frame]))
        if on_view is not None:
            on_view(i, len(frames), detections[-1])
    detect_s = time.perf_counter() - start
    start = time.perf_counter()
    lifted = [x for view, (frame, dets) in enumerate(zip(frames, detections)) for d in dets
              if (x := lift(frame, d, view, catalog, config.fusion)) is not None]
    objects = fuse(lifted, catalog, config.fusion)
    scene = build_scene(objects, room, known, catalog)
    return Perception(scene, detections, {"detect": detect_s, "fuse": time.perf_counter() - start})


def build_scene(objects: list[FusedObject], room: Scene, known: Scene | None = None,
                catalog: Catalog | None = None) -> Scene:
    ids = anchor([o.category for o in objects], [o.position for o in objects], known)
    parents = infer_parents(objects, catalog)
    out = []
    for obj, oid, parent in zip(objects, ids, parents):
        state = dict(known.get(oid).state) if known is not None and oid in known else {}
        out.append(SceneObject(oid, obj.category, obj.position, obj.size, obj.yaw, ids[parent] if parent is not None
                               else None, state=state, score=obj.score, label=",".join(obj.labels)))
    return Scene(room.id, room.room_type, room.size, out, room.robot_pose, room.seed)


def simulated_frames(world: SimWorld, config: PerceptionConfig | None = None) -> list[Frame]:
    """Render the views of the configured strategy in a simulated world."""
    config = config or PerceptionConfig()
    return [render(world, pose, config.intrinsics) for pose in view_poses(world.scene, config.views)]
