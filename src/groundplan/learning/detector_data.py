"""Detector training data: views rendered from generated scenes, labelled from instance segmentation.

Each split draws its own scenes (disjoint seed ranges, so validation and test measure new rooms),
renders views from the view strategies' standing points with jittered height, pitch and heading,
and writes YOLO labels: one box per visible instance with at least `min_pixels` pixels, its class
the object's catalog category. Some doors and drawers are opened at random so that open
containers and what is inside them are seen too. The output is an ultralytics dataset folder
(images/, labels/, data.yaml) with a manifest of what made it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from PIL import Image
from tqdm import tqdm

from groundplan.errors import GroundplanError
from groundplan.perception.views import ViewConfig, standing_points
from groundplan.sim.camera import render
from groundplan.sim.world import SimWorld
from groundplan.types.camera import HEAD_HEIGHT, Frame, Intrinsics, look_at_pose
from groundplan.types.catalog import ROOM_TYPES, Catalog, default_catalog
from groundplan.types.scene import Scene
from groundplan.world.generator import GeneratorConfig, generate_scene

log = logging.getLogger(__name__)

# Seed ranges per split: generated scenes never overlap across splits or with the shipped demo
# scenes (seeds 0 and 1).
SPLIT_SEEDS = {"train": 1000, "val": 2000, "test": 3000}


@dataclass(frozen=True)
class DatasetConfig:
    scenes_per_room: dict[str, int] = dataclasses.field(default_factory=lambda: {"train": 12, "val": 2})
    views_per_scene: int = 24
    min_pixels: int = 20  # smallest visible part that gets a box
    open_probability: float = 0.3  # share of openable fixtures rendered open
    scenery: float = 0.5  # chance of each type the rooms are not laid out with (GeneratorConfig.scenery)
    width: int = 320
    height: int = 240
    seed: int = 0


def class_names(catalog: Catalog | None = None) -> list[str]:
    """Detector classes: every catalog category, in catalog order."""
    return [c.name for c in (catalog or default_catalog())]


def split_scenes(split: str, per_room: int, scenery: float = DatasetConfig.scenery) -> list[Scene]:
    """The split's generated rooms, with scenery (chairs, paintings, bottles) so that perception learns it too."""
    base, config = SPLIT_SEEDS[split], GeneratorConfig(scenery=scenery)
    return [generate_scene(room, base + i, f"{room}_{split}_{i}", config)
            for room in ROOM_TYPES for i in range(per_room)]


Box = tuple[int, float, float, float, float]  # class, cx, cy, w, h (normalised)


def yolo_boxes(frame: Frame, scene: Scene, classes: list[str], min_pixels: int) -> list[Box]:
    """One box per instance visible with at least `min_pixels` pixels."""
    boxes = []
    h, w = frame.segmentation.shape
    for index, oid in enumerate(frame.labels):
        v, u = np.nonzero(frame.segmentation == index)
        if len(u) < min_pixels or oid not in scene:
            continue
        x0, x1, y0, y1 = u.min(), u.max() + 1, v.min(), v.max() + 1
        boxes.append((classes.index(scene.get(oid).category),
                      (x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h))
    return boxes


def _with_doors_opened(scene: Scene, catalog: Catalog, rng: random.Random, probability: float) -> Scene:
    opened = dataclasses.replace(scene, objects=[dataclasses.replace(o, state=dict(o.state)) for o in scene.objects])
    for obj in opened.objects:
        if catalog.get(obj.category).has("openable") and rng.random() < probability:
            obj.state["open"] = True
    return opened


def training_poses(scene: Scene, count: int, rng: random.Random) -> list[np.ndarray]:
    """`count` camera poses at reachable standing points, with jittered height, pitch and heading."""
    points = standing_points(scene, ViewConfig(strategy="traversal", spacing=0.8))
    poses = []
    for _ in range(count):
        x, y = rng.choice(points)
        yaw, pitch = rng.uniform(0, 2 * math.pi), math.radians(rng.uniform(10, 45))
        eye = np.array([x, y, HEAD_HEIGHT + rng.uniform(-0.3, 0.2)])
        poses.append(look_at_pose(eye, eye + np.array([math.cos(yaw), math.sin(yaw), -math.tan(pitch)])))
    return poses


def _check_resumable(manifest: Path, config: dict) -> None:
    """Resuming may add scenes, but never mixes renders of other settings (other rooms under the same names)."""
    if not manifest.is_file():
        return
    before = {k: v for k, v in json.loads(manifest.read_text())["config"].items() if k != "scenes_per_room"}
    now = {k: v for k, v in json.loads(json.dumps(config)).items() if k != "scenes_per_room"}
    if before != now:
        changed = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        raise GroundplanError(f"{manifest.parent} holds a dataset rendered with other settings ({', '.join(changed)}); "
                              "render into a new folder (--out, or --data for training)")


def build_dataset(out: Path, config: DatasetConfig | None = None, catalog: Catalog | None = None) -> Path:
    """Render and label every split into `out`; return the data.yaml path. Re-running resumes."""
    config = config or DatasetConfig()
    catalog = catalog or default_catalog()
    classes = class_names(catalog)
    out = Path(out)
    k = Intrinsics(config.width, config.height)
    manifest: dict = {"config": dataclasses.asdict(config), "classes": classes, "splits": {}}
    _check_resumable(out / "manifest.json", manifest["config"])
    for split, per_room in config.scenes_per_room.items():
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        scenes = split_scenes(split, per_room, config.scenery)
        counts = {"scenes": [s.id for s in scenes], "images": 0, "boxes": 0}
        for scene in tqdm(scenes, desc=f"rendering {split}", unit="scene"):
            rng = random.Random(f"{config.seed}:{scene.id}")
            done = out / "labels" / split / f"{scene.id}_{config.views_per_scene - 1:03d}.txt"
            if not done.exists():  # a scene is finished when its last label file is written
                with SimWorld(_with_doors_opened(scene, catalog, rng, config.open_probability), catalog) as world:
                    for i, pose in enumerate(training_poses(scene, config.views_per_scene, rng)):
                        frame = render(world, pose, k)
                        Image.fromarray(frame.rgb).save(out / "images" / split / f"{scene.id}_{i:03d}.png")
                        boxes = yolo_boxes(frame, world.scene, classes, config.min_pixels)
                        lines = [f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}" for c, x, y, w, h in boxes]
                        (out / "labels" / split / f"{scene.id}_{i:03d}.txt").write_text("\n".join(lines) + "\n")
            for label in (out / "labels" / split).glob(f"{scene.id}_*.txt"):
                counts["images"] += 1
                counts["boxes"] += sum(1 for line in label.read_text().splitlines() if line.strip())
        manifest["splits"][split] = counts
    data = {"path": str(out.resolve()), "names": dict(enumerate(classes)),
            **{split: f"images/{split}" for split in config.scenes_per_room}}
    (out / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    log.info("dataset in %s: %s", out, {s: (c["images"], c["boxes"]) for s, c in manifest["splits"].items()})
    return out / "data.yaml"
