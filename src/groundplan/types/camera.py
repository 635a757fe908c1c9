"""Camera frames and intrinsics, and camera poses, as plain data.

Conventions (as OpenCV and ROS optical frames): the camera looks along +z, x to the right, y
down; `pose` is the 4x4 camera-to-world transform; pixel (u, v) of a point (x, y, z) in the
camera frame is (fx x / z + cx, fy y / z + cy). A simulator or a robot driver fills `Frame`;
perception reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HEAD_HEIGHT = 1.45  # camera on the robot's mast (m)
HEAD_PITCH = math.radians(25)  # the head camera looks this far below the horizon


@dataclass(frozen=True)
class Intrinsics:
    width: int = 320
    height: int = 240
    fov_y: float = 60.0  # degrees
    near: float = 0.05
    far: float = 12.0

    @property
    def fy(self) -> float:
        return self.height / 2 / math.tan(math.radians(self.fov_y) / 2)

    @property
    def fx(self) -> float:
        return self.fy  # square pixels

    @property
    def cx(self) -> float:
        return self.width / 2

    @property
    def cy(self) -> float:
        return self.height / 2

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1.0]])


@dataclass
class Frame:
    rgb: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) float32, metres along the optical axis
    segmentation: np.ndarray  # (H, W) int32: index into `labels`, -1 for background
    labels: list[str]  # object ids
    intrinsics: Intrinsics
    pose: np.ndarray  # (4, 4) camera to world

    def mask(self, object_id: str) -> np.ndarray:
        if object_id not in self.labels:
            return np.zeros(self.segmentation.shape, bool)
        return self.segmentation == self.labels.index(object_id)

    def visible_ids(self, min_pixels: int = 1) -> set[str]:
        values, counts = np.unique(self.segmentation[self.segmentation >= 0], return_counts=True)
        return {self.labels[v] for v, c in zip(values, counts) if c >= min_pixels}

    def sees(self, position, reach: float, min_pixels: float) -> bool:
        """Whether this view should show an object of largest dimension `reach` centred at `position`.

        Its centre is in front of the camera and inside the image, it is more than `min_pixels`
        across, and nothing stands in front of its centre (the depth there reaches to within half
        its size and 10 cm of it).
        """
        x, y, z = (np.linalg.inv(self.pose) @ np.append(np.asarray(position, float), 1.0))[:3]
        k = self.intrinsics
        if z <= 0.1 or k.fx * reach / z < min_pixels:
            return False
        u, v = k.fx * x / z + k.cx - 0.5, k.fy * y / z + k.cy - 0.5
        h, w = self.depth.shape
        return 0 <= u < w and 0 <= v < h and bool(self.depth[int(v), int(u)] >= z - reach / 2 - 0.1)

    def points(self, mask: np.ndarray) -> np.ndarray:
        """World points of the masked pixels, back-projected with depth, intrinsics and pose."""
        return self.pixel_points(*np.nonzero(mask))

    def pixel_points(self, v: np.ndarray, u: np.ndarray) -> np.ndarray:
        """World points of the pixels at rows `v` and columns `u`."""
        z = self.depth[v, u]
        k = self.intrinsics
        cam = np.stack([(u + 0.5 - k.cx) * z / k.fx, (v + 0.5 - k.cy) * z / k.fy, z, np.ones_like(z)])
        return (self.pose @ cam)[:3].T


def look_at_pose(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera-to-world transform of an optical frame at `eye` looking at `target`."""
    eye, target, up = (np.asarray(v, float) for v in (eye, target, up))
    z = target - eye
    z /= np.linalg.norm(z)
    x = np.cross(z, up)
    if np.linalg.norm(x) < 1e-6:  # looking straight down: any horizontal x will do
        x = np.cross(z, [1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = x, y, z, eye
    return pose


def sweep_poses(x: float, y: float, views: int = 8, height: float = HEAD_HEIGHT,
                pitch: float = HEAD_PITCH) -> list[np.ndarray]:
    """A 360 degree sweep of `views` poses standing at (x, y)."""
    eye = np.array([x, y, height])
    return [look_at_pose(eye, eye + np.array([math.cos(a), math.sin(a), -math.tan(pitch)]))
            for a in np.linspace(0, 2 * math.pi, views, endpoint=False)]
