"""The robot's coordinate frames: their names and the fixed transforms between them, as 4x4 matrices.

The tree (REP 103 and 105; the arm's links hang from base_link, see groundplan.sim.description):

    map -> odom -> base_link -> mast_link -> head_camera_link -> head_camera_optical_frame
                            +-> panda_link0 -> ... (the arm on its lift)

Body frames point x forward, y left, z up; optical frames (as `groundplan.types.camera`) z ahead,
x right, y down. base_link is the centre of the base on the floor. A transform `parent -> child` is
the pose of the child in the parent, so composing down a chain gives the pose of its last frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from groundplan.types.camera import HEAD_HEIGHT, HEAD_PITCH

MAP = "map"
ODOM = "odom"
BASE = "base_link"
MAST = "mast_link"
HEAD_CAMERA = "head_camera_link"
HEAD_OPTICAL = "head_camera_optical_frame"
BASE_HEIGHT = 0.3  # the base box, floor to top (m); the mast stands on it

# An optical frame in its camera's body frame: optical x = -body y, y = -body z, z = body x.
OPTICAL_IN_BODY = np.array([[0.0, 0.0, 1.0, 0.0],
                            [-1.0, 0.0, 0.0, 0.0],
                            [0.0, -1.0, 0.0, 0.0],
                            [0.0, 0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class FrameLink:
    """One edge of the tree: the pose of `child` in `parent`."""

    parent: str
    child: str
    transform: np.ndarray  # (4, 4)


def capture_frame(index: int) -> str:
    """The optical frame of the `index`-th view of one capture_views request (a camera at a free pose)."""
    return f"capture_view_{index}_optical_frame"


def translation(x: float, y: float, z: float) -> np.ndarray:
    out = np.eye(4)
    out[:3, 3] = x, y, z
    return out


def planar(x: float, y: float, yaw: float) -> np.ndarray:
    """A pose on the floor: at (x, y, 0), turned by `yaw` about z."""
    c, s = math.cos(yaw), math.sin(yaw)
    out = translation(x, y, 0.0)
    out[:2, :2] = [[c, -s], [s, c]]
    return out


def pitched(angle: float) -> np.ndarray:
    """A rotation about y: a positive angle tips the x axis down."""
    c, s = math.cos(angle), math.sin(angle)
    out = np.eye(4)
    out[0, 0], out[0, 2], out[2, 0], out[2, 2] = c, s, -s, c
    return out


def head_camera_links(pitch: float = HEAD_PITCH) -> list[FrameLink]:
    """base_link -> mast_link -> head_camera_link -> head_camera_optical_frame, all fixed."""
    return [FrameLink(BASE, MAST, translation(0.0, 0.0, BASE_HEIGHT)),
            FrameLink(MAST, HEAD_CAMERA, translation(0.0, 0.0, HEAD_HEIGHT - BASE_HEIGHT) @ pitched(pitch)),
            FrameLink(HEAD_CAMERA, HEAD_OPTICAL, OPTICAL_IN_BODY)]


def compose(links: list[FrameLink]) -> np.ndarray:
    """The pose of the last child in the first parent, for links that form a chain."""
    out = np.eye(4)
    for before, after in zip(links, links[1:]):
        if before.child != after.parent:
            raise ValueError(f"{before.parent}->{before.child} is not followed by {after.parent}->{after.child}")
    for link in links:
        out = out @ link.transform
    return out


def head_camera_pose(x: float, y: float, yaw: float, pitch: float = HEAD_PITCH) -> np.ndarray:
    """The head camera's optical frame in the map, for the base at (x, y, yaw)."""
    return planar(x, y, yaw) @ compose(head_camera_links(pitch))
