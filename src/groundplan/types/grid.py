"""The navigation grid: free floor cells of a room for the robot's footprint, and A* paths over them."""

from __future__ import annotations

import heapq
import math

import numpy as np

from groundplan.types.scene import Scene

CELL = 0.1  # grid resolution (m)
ROBOT_BASE_HALF = 0.25  # half side of the robot's square base (m)
FLAT = 0.03  # m: nothing lower stops the base
CLEARANCE = ROBOT_BASE_HALF * math.sqrt(2) + 0.02  # robot footprint radius plus a margin


class Grid:
    """Free floor cells, with every free-standing fixture inflated by the robot's radius."""

    def __init__(self, scene: Scene, obstacles: list[tuple[tuple, tuple]] = ()):
        """`obstacles`: extra world AABBs (lo, hi) to keep clear of, such as doors swung open."""
        self.scene = scene
        self.nx = int(math.ceil(scene.size[0] / CELL))
        self.ny = int(math.ceil(scene.size[1] / CELL))
        xs = (np.arange(self.nx) + 0.5) * CELL
        ys = (np.arange(self.ny) + 0.5) * CELL
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        free = (gx > CLEARANCE) & (gx < scene.size[0] - CLEARANCE) & (gy > CLEARANCE) & (gy < scene.size[1] - CLEARANCE)
        for obj in scene.objects:
            if obj.parent is not None or obj.position[2] > 1.0:  # items, mounted things, wall switches
                continue
            if obj.position[2] + obj.size[2] / 2 < FLAT:  # the floor itself, a rug: driven over
                continue
            c, s = math.cos(obj.yaw), math.sin(obj.yaw)
            lx = (gx - obj.position[0]) * c + (gy - obj.position[1]) * s
            ly = -(gx - obj.position[0]) * s + (gy - obj.position[1]) * c
            free &= ~((np.abs(lx) < obj.size[0] / 2 + CLEARANCE) & (np.abs(ly) < obj.size[1] / 2 + CLEARANCE))
        for lo, hi in obstacles:
            inside_x = (gx > lo[0] - CLEARANCE) & (gx < hi[0] + CLEARANCE)
            free &= ~(inside_x & (gy > lo[1] - CLEARANCE) & (gy < hi[1] + CLEARANCE))
        self.free = free

    def cell(self, x: float, y: float) -> tuple[int, int]:
        return (min(max(int(x / CELL), 0), self.nx - 1), min(max(int(y / CELL), 0), self.ny - 1))

    def nearest_free(self, cell: tuple[int, int]) -> tuple[int, int] | None:
        idx = np.argwhere(self.free)
        if len(idx) == 0:
            return None
        d = np.hypot(idx[:, 0] - cell[0], idx[:, 1] - cell[1])
        i, j = idx[int(np.argmin(d))]
        return int(i), int(j)

    def reachable(self, start: tuple[float, float], goals: list[tuple[float, float]]) -> bool:
        """Whether every goal's nearest free cell lies in the free region of the start's (a flood fill)."""
        from scipy.ndimage import label

        s = self.nearest_free(self.cell(*start))
        if s is None:
            return not goals
        regions, _ = label(self.free, structure=np.ones((3, 3)))  # 8-connected, as `path` moves
        return all((g := self.nearest_free(self.cell(*xy))) is not None and regions[g] == regions[s] for xy in goals)

    def path(self, start: tuple[float, float], goal: tuple[float, float]) -> list[tuple[float, float]] | None:
        """Waypoints from start to goal, or None when no path exists."""
        s, g = self.nearest_free(self.cell(*start)), self.nearest_free(self.cell(*goal))
        if s is None or g is None:
            return None
        frontier = [(0.0, s)]
        came: dict[tuple[int, int], tuple[int, int] | None] = {s: None}
        cost = {s: 0.0}
        while frontier:
            _, cur = heapq.heappop(frontier)
            if cur == g:
                break
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    nxt = (cur[0] + di, cur[1] + dj)
                    if (di or dj) and 0 <= nxt[0] < self.nx and 0 <= nxt[1] < self.ny and self.free[nxt]:
                        new = cost[cur] + math.hypot(di, dj)
                        if new < cost.get(nxt, math.inf):
                            cost[nxt] = new
                            came[nxt] = cur
                            heapq.heappush(frontier, (new + math.hypot(nxt[0] - g[0], nxt[1] - g[1]), nxt))
        if g not in came:
            return None
        cells = []
        cur: tuple[int, int] | None = g
        while cur is not None:
            cells.append(cur)
            cur = came[cur]
        cells.reverse()
        points = [((i + 0.5) * CELL, (j + 0.5) * CELL) for i, j in _corners(cells)]
        return [*points[1:], goal] if len(points) > 1 else [goal]


def _corners(cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the cells where the path turns."""
    if len(cells) < 3:
        return cells
    out = [cells[0]]
    for a, b, c in zip(cells, cells[1:], cells[2:]):
        if (b[0] - a[0], b[1] - a[1]) != (c[0] - b[0], c[1] - b[1]):
            out.append(b)
    out.append(cells[-1])
    return out
