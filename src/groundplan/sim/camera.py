"""The simulated camera: RGB, metric depth and instance segmentation rendered from any pose.

Frames follow `groundplan.types.camera`'s conventions.
"""

from __future__ import annotations

import numpy as np
import pybullet as p

from groundplan.perception.pipeline import PerceptionConfig
from groundplan.perception.views import view_poses
from groundplan.sim.world import SimWorld
from groundplan.types.camera import Frame, Intrinsics
from groundplan.types.frames import head_camera_pose


def render(world: SimWorld, pose: np.ndarray, intrinsics: Intrinsics | None = None) -> Frame:
    k = intrinsics or Intrinsics()
    eye = pose[:3, 3]
    forward, down = pose[:3, 2], pose[:3, 1]
    view = p.computeViewMatrix(eye.tolist(), (eye + forward).tolist(), (-down).tolist())
    proj = p.computeProjectionMatrixFOV(k.fov_y, k.width / k.height, k.near, k.far)
    _, _, rgba, zbuf, seg = p.getCameraImage(k.width, k.height, view, proj, renderer=p.ER_TINY_RENDERER,
                                             physicsClientId=world.client)
    rgb = np.reshape(rgba, (k.height, k.width, 4))[:, :, :3].astype(np.uint8)
    zbuf = np.reshape(zbuf, (k.height, k.width)).astype(np.float64)
    depth = (k.far * k.near / (k.far - (k.far - k.near) * zbuf)).astype(np.float32)
    seg = np.reshape(seg, (k.height, k.width))
    labels: list[str] = []
    out = np.full(seg.shape, -1, np.int32)
    for oid, body in world.bodies.items():
        for uid in body.pieces:
            hit = seg == uid
            if hit.any():
                if oid not in labels:
                    labels.append(oid)
                out[hit] = labels.index(oid)
    return Frame(rgb, depth, out, labels, k, pose)


def head_pose(world: SimWorld) -> np.ndarray:
    """The robot's head camera (its optical frame in the map): on its mast, looking ahead and slightly down."""
    pose = world.robot.pose
    return head_camera_pose(pose.x, pose.y, pose.yaw)


def simulated_frames(world: SimWorld, config: PerceptionConfig | None = None) -> list[Frame]:
    """Render the views of the configured strategy in a simulated world."""
    config = config or PerceptionConfig()
    return [render(world, pose, config.intrinsics) for pose in view_poses(world.scene, config.views)]
