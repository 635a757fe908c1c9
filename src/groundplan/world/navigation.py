"""Where the robot stands to work at a fixture, and collision-free paths there (A* on a grid)."""

from __future__ import annotations

import math

from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.grid import CLEARANCE, Grid
from groundplan.types.scene import Scene

DRAWER_TRAVEL = 0.7  # a drawer pulls out by this share of its depth (the robot stands back by as much)
STANDOFF = 0.55  # base centre to the fixture's front face: the arm works 0.35-0.75 m ahead of its mount


def _heading(yaw: float) -> tuple[float, float]:
    return -math.sin(yaw), math.cos(yaw)


def approach_pose(scene: Scene, fixture_id: str, catalog: Catalog | None = None) -> tuple[float, float, float]:
    """Base pose (x, y, yaw) in front of a fixture, facing it; mounted fixtures use their host's front.

    A person who faces a wall too closely is come up to from behind. In front of a drawer the robot
    stands back by the drawer's travel, so it can pull it out.
    """
    obj = scene.get(fixture_id)
    cat = (catalog or default_catalog()).get(obj.category)
    host = scene.get(obj.parent) if obj.parent else obj
    hx, hy = _heading(host.yaw)
    # along the host's front, at the fixture's position
    c, s = math.cos(host.yaw), math.sin(host.yaw)
    lateral = (obj.position[0] - host.position[0]) * c + (obj.position[1] - host.position[1]) * s
    front = host.size[1] / 2 + STANDOFF
    if cat.has("openable") and cat.opening == "slide":
        front += DRAWER_TRAVEL * obj.size[1]
    x = host.position[0] + lateral * c + hx * front
    y = host.position[1] + lateral * s + hy * front
    w, d = scene.size
    if cat.placement == "free" and not (CLEARANCE <= x <= w - CLEARANCE and CLEARANCE <= y <= d - CLEARANCE):
        # somebody facing a wall is come up to from behind (the front strip of free-standing
        # fixtures is kept clear of furniture, not of walls)
        x = host.position[0] + lateral * c - hx * front
        y = host.position[1] + lateral * s - hy * front
        hx, hy = -hx, -hy
    return x, y, math.atan2(-hy, -hx)


def unreachable_fixtures(scene: Scene, catalog: Catalog | None = None) -> list[str]:
    """Fixtures whose approach pose the base cannot drive to from where it starts (a cramped room)."""
    catalog = catalog or default_catalog()
    grid = Grid(scene)
    return [o.id for o in scene.objects if not catalog.get(o.category).is_item
            and grid.path(scene.robot_pose[:2], approach_pose(scene, o.id, catalog)[:2]) is None]
