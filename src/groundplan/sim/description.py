"""The simulated robot's frames: its URDF (robot_description) and the transforms of its links (TF).

The base, mast and head camera are groundplan's own (`groundplan.types.frames`); the arm is the Franka
Panda that PyBullet loads from pybullet_data, hung from base_link by the lift, a prismatic joint
`lift_joint` whose position is the height of the arm mount (`BasePose.lift`). Link transforms are read
from PyBullet, so they are what the simulator has, not what a model of it says.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pybullet as p
import pybullet_data
from scipy.spatial.transform import Rotation

from groundplan.sim.robot import ARM_OFFSET, LIFT_RANGE, LIFT_SPEED, Robot
from groundplan.types.frames import (
    BASE,
    BASE_HEIGHT,
    HEAD_CAMERA,
    MAP,
    MAST,
    ODOM,
    FrameLink,
    head_camera_links,
    planar,
)
from groundplan.types.grid import ROBOT_BASE_HALF

PANDA_URDF = Path(pybullet_data.getDataPath()) / "franka_panda" / "panda.urdf"
ARM_ROOT = "panda_link0"
LIFT_JOINT = "lift_joint"
ROBOT_NAME = "groundplan_robot"


@dataclass(frozen=True)
class ArmJoint:
    index: int  # PyBullet joint index, also the index of its child link
    name: str
    parent: str
    child: str
    moving: bool  # revolute or prismatic; fixed joints never change


def _matrix(position, orientation) -> np.ndarray:
    out = np.eye(4)
    out[:3, :3] = np.reshape(p.getMatrixFromQuaternion(orientation), (3, 3))
    out[:3, 3] = position
    return out


class RobotFrames:
    """The robot's tree of frames as the simulator has it now."""

    def __init__(self, robot: Robot):
        self.robot = robot
        client = robot.client
        # PyBullet places a body by its base's inertial frame; the URDF frame of panda_link0 is offset from it.
        inertial_pos, inertial_orn = p.getDynamicsInfo(robot.arm, -1, physicsClientId=client)[3:5]
        self._inertial = _matrix(inertial_pos, inertial_orn)
        names = {-1: ARM_ROOT}
        self.joints: list[ArmJoint] = []
        for j in range(p.getNumJoints(robot.arm, physicsClientId=client)):
            info = p.getJointInfo(robot.arm, j, physicsClientId=client)
            names[j] = info[12].decode()
            self.joints.append(ArmJoint(j, info[1].decode(), names[info[16]], names[j],
                                        info[2] in (p.JOINT_REVOLUTE, p.JOINT_PRISMATIC)))

    # ------------------------------------------------------------------ transforms
    def _arm_matrices(self) -> dict[str, np.ndarray]:
        """Every arm link's URDF frame in the world."""
        robot = self.robot
        base_pos, base_orn = p.getBasePositionAndOrientation(robot.arm, physicsClientId=robot.client)
        out = {ARM_ROOT: _matrix(base_pos, base_orn) @ np.linalg.inv(self._inertial)}
        states = p.getLinkStates(robot.arm, [j.index for j in self.joints], computeForwardKinematics=True,
                                 physicsClientId=robot.client)
        for joint, state in zip(self.joints, states):
            out[joint.child] = _matrix(state[4], state[5])
        return out

    def static_links(self) -> list[FrameLink]:
        """Transforms that never change: map -> odom, the head camera's chain, the arm's fixed joints.

        map -> odom is the identity: the simulator's odometry does not drift.
        """
        world = self._arm_matrices()
        arm = [FrameLink(j.parent, j.child, np.linalg.inv(world[j.parent]) @ world[j.child])
               for j in self.joints if not j.moving]
        return [FrameLink(MAP, ODOM, np.eye(4)), *head_camera_links(), *arm]

    def moving_links(self) -> list[FrameLink]:
        """Transforms that move: odom -> base_link (the robot's pose), base_link -> panda_link0 (the lift), the arm."""
        pose = self.robot.pose
        base = planar(pose.x, pose.y, pose.yaw)
        world = self._arm_matrices()
        return [FrameLink(ODOM, BASE, base),
                FrameLink(BASE, ARM_ROOT, np.linalg.inv(base) @ world[ARM_ROOT]),
                *(FrameLink(j.parent, j.child, np.linalg.inv(world[j.parent]) @ world[j.child])
                  for j in self.joints if j.moving)]

    def joint_positions(self) -> tuple[list[str], list[float], list[float]]:
        """Names, positions and velocities of the moving joints (the lift first), as in robot_description."""
        robot = self.robot
        moving = [j for j in self.joints if j.moving]
        states = p.getJointStates(robot.arm, [j.index for j in moving], physicsClientId=robot.client)
        return ([LIFT_JOINT, *(j.name for j in moving)], [robot.pose.lift, *(s[0] for s in states)],
                [0.0, *(s[1] for s in states)])

    # ------------------------------------------------------------------ URDF
    def description(self) -> str:
        """The robot as URDF: base, mast and head camera, then the Panda (meshes as file:// URIs) on the lift."""
        robot = ET.Element("robot", name=ROBOT_NAME)
        _link(robot, BASE, ET.Element("box", size=f"{2 * ROBOT_BASE_HALF} {2 * ROBOT_BASE_HALF} {BASE_HEIGHT}"),
              z=BASE_HEIGHT / 2, rgba="0.25 0.25 0.3 1")
        mast, camera, optical = head_camera_links()
        mast_length = camera.transform[2, 3]  # from the top of the base up to the camera
        _link(robot, MAST, ET.Element("cylinder", radius="0.03", length=f"{mast_length}"), z=mast_length / 2,
              rgba="0.6 0.6 0.6 1")
        _link(robot, HEAD_CAMERA, ET.Element("box", size="0.04 0.12 0.04"), z=0.0, rgba="0.1 0.1 0.1 1")
        ET.SubElement(robot, "link", name=optical.child)
        for link in (mast, camera, optical):
            _joint(robot, f"{link.child}_joint", "fixed", link.parent, link.child, link.transform)
        lift = ET.SubElement(robot, "joint", name=LIFT_JOINT, type="prismatic")
        ET.SubElement(lift, "parent", link=BASE)
        ET.SubElement(lift, "child", link=ARM_ROOT)
        ET.SubElement(lift, "origin", xyz=_xyz(np.array([ARM_OFFSET, 0.0, 0.0]) - self._inertial[:3, 3]), rpy="0 0 0")
        ET.SubElement(lift, "axis", xyz="0 0 1")
        ET.SubElement(lift, "limit", lower=f"{LIFT_RANGE[0]}", upper=f"{LIFT_RANGE[1]}", effort="1000",
                      velocity=f"{LIFT_SPEED}")
        meshes = PANDA_URDF.parent.resolve()
        for element in ET.parse(PANDA_URDF).getroot():
            if element.tag not in ("link", "joint", "material"):
                continue
            for mesh in element.iter("mesh"):
                mesh.set("filename", f"file://{meshes}/{mesh.get('filename').removeprefix('package://')}")
            robot.append(element)
        return ET.tostring(robot, encoding="unicode")


def _xyz(values) -> str:
    return " ".join(f"{float(v):.9g}" for v in values)


def _link(robot: ET.Element, name: str, geometry: ET.Element, z: float, rgba: str) -> None:
    link = ET.SubElement(robot, "link", name=name)
    visual = ET.SubElement(link, "visual")
    ET.SubElement(visual, "origin", xyz=_xyz((0.0, 0.0, z)), rpy="0 0 0")
    ET.SubElement(visual, "geometry").append(geometry)
    ET.SubElement(ET.SubElement(visual, "material", name=f"{name}_color"), "color", rgba=rgba)


def _joint(robot: ET.Element, name: str, kind: str, parent: str, child: str, transform: np.ndarray) -> None:
    joint = ET.SubElement(robot, "joint", name=name, type=kind)
    ET.SubElement(joint, "parent", link=parent)
    ET.SubElement(joint, "child", link=child)
    # URDF's roll, pitch, yaw are about fixed axes: R = Rz(yaw) Ry(pitch) Rx(roll), scipy's extrinsic "xyz"
    ET.SubElement(joint, "origin", xyz=_xyz(transform[:3, 3]),
                  rpy=_xyz(Rotation.from_matrix(transform[:3, :3]).as_euler("xyz")))
