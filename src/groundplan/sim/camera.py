"""The simulated camera: RGB, metric depth and instance segmentation rendered from any pose.

Frames follow `groundplan.types.camera`'s conventions.
"""

from __future__ import annotations

import math

import numpy as np
import pybullet as p

from groundplan.perception.pipeline import PerceptionConfig
from groundplan.perception.views import view_poses
from groundplan.sim.world import SimWorld
from groundplan.types.camera import Frame, Intrinsics, look_at_pose
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


# Where the robot looks into a container from: this far ahead of its head, and as far to either side.
# Straight from the head its own arm hides the inside; from farther back a drawer's walls hide its floor.
PEER_AHEAD, PEER_ASIDE = 0.3, 0.3


def inside_poses(world: SimWorld, container_id: str) -> list[np.ndarray]:
    """Two views into an open container the robot stands at, at the middle of the surface things rest on."""
    fixture = world.fixture(container_id)
    pulled = world.joint(container_id) if world.bodies[container_id].spec.door_kind == "prismatic" else 0.0
    target = np.array([fixture.position[0] - pulled * math.sin(fixture.yaw),  # a drawer's tray slides out
                       fixture.position[1] + pulled * math.cos(fixture.yaw), world.support_z(container_id) + 0.05])
    yaw = world.robot.pose.yaw
    ahead = PEER_AHEAD * np.array([math.cos(yaw), math.sin(yaw), 0.0])
    aside = PEER_ASIDE * np.array([-math.sin(yaw), math.cos(yaw), 0.0])
    eye = head_pose(world)[:3, 3] + ahead
    return [look_at_pose(eye + side, target) for side in (aside, -aside)]


def simulated_frames(world: SimWorld, config: PerceptionConfig | None = None) -> list[Frame]:
    """Render the views of the configured strategy in a simulated world."""
    config = config or PerceptionConfig()
    return [render(world, pose, config.intrinsics) for pose in view_poses(world.scene, config.views)]
