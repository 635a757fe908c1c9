"""Where the robot stands to look around: TaPA's four view-collection strategies.

Every strategy returns standing points on free floor the robot can reach from where it is; at
each point the camera sweeps 360 degrees in V views.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from groundplan.types.camera import sweep_poses
from groundplan.types.grid import CELL, Grid
from groundplan.types.scene import Scene

STRATEGIES = ("traversal", "random", "overall_center", "blockwise_center")


@dataclass(frozen=True)
class ViewConfig:
    strategy: str = "blockwise_center"
    spacing: float = 1.0  # traversal: grid spacing G (m)
    count: int = 4  # random: number of points N
    fraction: float = 0.0  # random: or this share of the traversal points, when > 0
    max_blocks: int = 6  # blockwise_center: largest k the elbow rule considers
    views: int = 8  # V views per 360 degree sweep
    seed: int = 0


def reachable_cells(scene: Scene, grid: Grid | None = None) -> np.ndarray:
    """(n, 2) centres of the free cells connected to the robot's start."""
    grid = grid or Grid(scene)
    start = grid.nearest_free(grid.cell(*scene.robot_pose[:2]))
    if start is None:
        return np.zeros((0, 2))
    seen = {start}
    frontier = [start]
    while frontier:
        i, j = frontier.pop()
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            n = (i + di, j + dj)
            if 0 <= n[0] < grid.nx and 0 <= n[1] < grid.ny and grid.free[n] and n not in seen:
                seen.add(n)
                frontier.append(n)
    cells = np.array(sorted(seen), float)
    return (cells + 0.5) * CELL


def _nearest(cells: np.ndarray, point) -> tuple[float, float]:
    i = int(np.argmin(np.hypot(*(cells - np.asarray(point)).T)))
    return float(cells[i, 0]), float(cells[i, 1])


def _elbow(inertias: list[float]) -> int:
    """K at the elbow: where the drop in inertia slows most (k counts from 1)."""
    if len(inertias) < 3:
        return len(inertias)
    drops = -np.diff(inertias)
    return int(np.argmax(drops[:-1] - drops[1:])) + 2


def standing_points(scene: Scene, config: ViewConfig | None = None) -> list[tuple[float, float]]:
    config = config or ViewConfig()
    if config.strategy not in STRATEGIES:
        raise ValueError(f"unknown view strategy {config.strategy!r}; choose one of {', '.join(STRATEGIES)}")
    cells = reachable_cells(scene)
    if len(cells) == 0:
        return []
    if config.strategy == "overall_center":
        return [_nearest(cells, cells.mean(axis=0))]
    lattice = sorted({_nearest(cells, (x, y))
                      for x in np.arange(config.spacing / 2, scene.size[0], config.spacing)
                      for y in np.arange(config.spacing / 2, scene.size[1], config.spacing)
                      if np.hypot(*(cells - (x, y)).T).min() <= config.spacing / 2})
    if config.strategy == "traversal":
        return lattice
    if config.strategy == "random":
        n = max(1, round(config.fraction * len(lattice))) if config.fraction > 0 else config.count
        rng = random.Random(config.seed)
        return [tuple(map(float, cells[i])) for i in sorted(rng.sample(range(len(cells)), min(n, len(cells))))]
    from sklearn.cluster import KMeans

    fits = [KMeans(k, n_init=4, random_state=config.seed).fit(cells)
            for k in range(1, min(config.max_blocks, len(cells)) + 1)]
    best = fits[_elbow([f.inertia_ for f in fits]) - 1]
    return sorted({_nearest(cells, c) for c in best.cluster_centers_})


def view_poses(scene: Scene, config: ViewConfig | None = None) -> list[np.ndarray]:
    """Camera poses (4x4, optical frame) of every view of the strategy."""
    config = config or ViewConfig()
    return [pose for x, y in standing_points(scene, config) for pose in sweep_poses(x, y, config.views)]
