"""Perception benchmark: object-list precision and recall per room type and view strategy.

Held-out generated scenes (the dataset's `test` seeds, never trained on) are built in PyBullet;
each view strategy's frames go through the detector and fusion; perceived objects are matched
one-to-one to the simulator's objects of the same category by centre distance (Hungarian, within
a gate). Ground truth positions are the simulated bodies' (items settle where physics puts them).
Recall is given over all objects and over those visible in at least one frame (an apple in a
closed fridge cannot be seen by any strategy).
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from tqdm import tqdm

from groundplan.learning.detector_data import DatasetConfig, split_scenes
from groundplan.perception.detect import Detector, GroundTruthDetector, UltralyticsDetector
from groundplan.perception.pipeline import PerceptionConfig, perceive
from groundplan.perception.views import STRATEGIES, ViewConfig
from groundplan.sim.camera import simulated_frames
from groundplan.sim.world import SimWorld
from groundplan.types.catalog import ROOM_TYPES
from groundplan.types.scene import Scene

log = logging.getLogger(__name__)

GATE = 0.3  # m between centres, or half the true object's largest dimension if that is more
MIN_PIXELS = 20  # an object counts as visible with this many pixels in one frame


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    visible: int = 0  # ground-truth objects seen in some frame
    visible_found: int = 0
    views: int = 0
    scenes: int = 0
    errors_cm: list[float] = field(default_factory=list)
    detect_s: float = 0.0
    fuse_s: float = 0.0

    def add(self, other: Score) -> None:
        for name in ("tp", "fp", "fn", "visible", "visible_found", "views", "scenes", "detect_s", "fuse_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors_cm += other.errors_cm

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def visible_recall(self) -> float:
        return self.visible_found / max(1, self.visible)


def truth(world: SimWorld) -> Scene:
    """The scene with every object where the simulator has it."""
    objects = [dataclasses.replace(o, position=tuple(float(v) for v in world.position(o.id)))
               for o in world.scene.objects if o.id in world.bodies]
    return Scene(world.scene.id, world.scene.room_type, world.scene.size, objects, world.scene.robot_pose)


def match(perceived: Scene, true: Scene) -> tuple[list[tuple[str, str, float]], list[str], list[str]]:
    """(perceived id, true id, distance m) pairs, unmatched perceived ids, unmatched true ids."""
    pairs, fps, fns = [], [], []
    for category in sorted(perceived.categories() | true.categories()):
        mine, theirs = perceived.of_category(category), true.of_category(category)
        used_m, used_t = set(), set()
        if mine and theirs:
            cost = np.array([[np.linalg.norm(np.subtract(m.position, t.position)) for t in theirs] for m in mine])
            for r, c in zip(*linear_sum_assignment(cost)):
                if cost[r, c] <= max(GATE, 0.5 * max(theirs[c].size)):
                    pairs.append((mine[r].id, theirs[c].id, float(cost[r, c])))
                    used_m.add(r)
                    used_t.add(c)
        fps += [m.id for i, m in enumerate(mine) if i not in used_m]
        fns += [t.id for i, t in enumerate(theirs) if i not in used_t]
    return pairs, fps, fns


def score_scene(world: SimWorld, detector: Detector, config: PerceptionConfig) -> Score:
    true = truth(world)
    frames = simulated_frames(world, config)
    result = perceive(frames, detector, true, catalog=world.catalog, config=config)
    pairs, fps, fns = match(result.scene, true)
    visible = set().union(*(f.visible_ids(MIN_PIXELS) for f in frames)) & {o.id for o in true.objects}
    found = {t for _, t, _ in pairs}
    return Score(len(pairs), len(fps), len(fns), len(visible), len(visible & found), len(frames), 1,
                 [d * 100 for _, _, d in pairs], result.seconds["detect"], result.seconds["fuse"])


def run_benchmark(backend: str = "ultralytics", weights: str | None = None, per_room: int = 2,
                  strategies: tuple[str, ...] = STRATEGIES, views: int = ViewConfig.views,
                  scenery: float = DatasetConfig.scenery) -> dict[tuple[str, str], Score]:
    """Scores keyed by (strategy, room type)."""
    scores: dict[tuple[str, str], Score] = {}
    detector = UltralyticsDetector(weights) if backend == "ultralytics" else None
    scenes = split_scenes("test", per_room, scenery)
    with tqdm(total=len(scenes) * len(strategies), desc="perception benchmark", unit="run") as bar:
        for scene in scenes:
            with SimWorld(scene) as world:
                det = detector or GroundTruthDetector({o.id: o.category for o in scene.objects}, MIN_PIXELS)
                for strategy in strategies:
                    config = PerceptionConfig(views=ViewConfig(strategy=strategy, views=views))
                    scores.setdefault((strategy, scene.room_type), Score()).add(score_scene(world, det, config))
                    bar.update()
    return scores


def format_table(scores: dict[tuple[str, str], Score], backend: str) -> str:
    head = (f"Perception on held-out scenes ({backend} detector)\n"
            "| strategy | room | scenes | images/scene | precision | recall | recall (visible) | "
            "median error (cm) |\n|---|---|---|---|---|---|---|---|")
    lines = [head]
    for strategy in dict.fromkeys(s for s, _ in scores):
        total = Score()
        for room in ROOM_TYPES:
            if (strategy, room) in scores:
                s = scores[(strategy, room)]
                total.add(s)
                lines.append(_row(strategy, room, s))
        lines.append(_row(f"**{strategy}**", "all", total))
    return "\n".join(lines)


def _row(strategy: str, room: str, s: Score) -> str:
    error = f"{statistics.median(s.errors_cm):.1f}" if s.errors_cm else "-"
    return (f"| {strategy} | {room} | {s.scenes} | {s.views / max(1, s.scenes):.0f} | {s.precision:.3f} | "
            f"{s.recall:.3f} | {s.visible_recall:.3f} | {error} |")


def speed(scores: dict[tuple[str, str], Score]) -> str:
    total, by_strategy = Score(), {}
    for (strategy, _), s in scores.items():
        total.add(s)
        by_strategy.setdefault(strategy, Score()).add(s)
    per_strategy = ", ".join(
        f"{name} {1000 * s.fuse_s / max(1, s.scenes):.0f} ms ({s.views / max(1, s.scenes):.0f} views)"
        for name, s in by_strategy.items())
    k = PerceptionConfig().intrinsics  # what run_benchmark renders at
    return (f"detection: {total.views / max(total.detect_s, 1e-9):.1f} views/s at {k.width}x{k.height} "
            f"({total.views} views); fusion: {1000 * total.fuse_s / max(1, total.scenes):.0f} ms per scene "
            f"on average over {total.scenes} perceptions, {1000 * total.fuse_s / max(1, total.views):.1f} ms per view; "
            f"per scene by strategy: {per_strategy}")


def report(backend: str, weights: str | None, per_room: int, strategies: tuple[str, ...],
           views: int = ViewConfig.views, scenery: float = DatasetConfig.scenery) -> str:
    start = time.perf_counter()
    scores = run_benchmark(backend, weights, per_room, strategies, views, scenery)
    return (f"{format_table(scores, backend)}\nrooms with scenery {scenery:g}, {views} views a sweep\n\n"
            f"{speed(scores)}\n"
            f"benchmark wall time {time.perf_counter() - start:.0f} s")
