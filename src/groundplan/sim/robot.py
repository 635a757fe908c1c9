"""A mobile manipulator: a driving base with a lift, and a Franka Panda arm from pybullet_data.

The base and lift are kinematic (moved in small steps along a path, as a velocity-controlled
base would be); the arm and gripper are position-controlled joints driven by the physics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p
import pybullet_data

from groundplan.types.frames import BASE_HEIGHT
from groundplan.types.grid import ROBOT_BASE_HALF

ARM_JOINTS = tuple(range(7))
FINGERS = (9, 10)
EE_LINK = 11  # panda_grasptarget, between the fingertips
HAND_LINKS = (8, 9, 10, 11)
ARM_OFFSET = 0.2  # arm mount near the front edge of the base (m)
REST = (2.8, -0.6, 0.0, -2.4, 0.0, 1.9, 0.785)  # arm folded back over the base, hand inside its footprint
READY = (0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785)  # facing forward: the IK's preferred posture
DRIVE_SPEED = 1.0  # m/s
TURN_SPEED = 2.0  # rad/s
LIFT_SPEED = 1.0  # m/s
LIFT_RANGE = (0.25, 1.3)  # height of the arm mount above the floor (m)


@dataclass
class BasePose:
    x: float
    y: float
    yaw: float
    lift: float = 0.6


class Robot:
    def __init__(self, client: int, pose: BasePose, step_fn, dt: float):
        self.client = client
        self._step = step_fn  # advances the world by one physics step
        self.dt = dt
        self.pose = pose
        half = [ROBOT_BASE_HALF, ROBOT_BASE_HALF, BASE_HEIGHT / 2]
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half,
                                  rgbaColor=[0.25, 0.25, 0.3, 1], physicsClientId=client)
        self.base = p.createMultiBody(0, col, vis, [pose.x, pose.y, BASE_HEIGHT / 2], physicsClientId=client)
        self.arm = p.loadURDF(f"{pybullet_data.getDataPath()}/franka_panda/panda.urdf", useFixedBase=True,
                              flags=p.URDF_USE_SELF_COLLISION_EXCLUDE_PARENT, physicsClientId=client)
        for j, q in zip(ARM_JOINTS, REST):
            p.resetJointState(self.arm, j, q, physicsClientId=client)
        for j in FINGERS:
            p.resetJointState(self.arm, j, 0.04, physicsClientId=client)
        self._hold_arm(list(REST))
        self.gripper(open_=True, wait=False)
        self.grasp: int | None = None  # constraint id of an attached object
        self.held_body: int | None = None
        self.released: int | None = None  # let go of, not yet clear of the hand
        self._place_base()

    # ------------------------------------------------------------------ base
    def _place_base(self) -> None:
        x, y, yaw = self.pose.x, self.pose.y, self.pose.yaw
        orn = p.getQuaternionFromEuler([0, 0, yaw])
        p.resetBasePositionAndOrientation(self.base, [x, y, BASE_HEIGHT / 2], orn, physicsClientId=self.client)
        ax, ay = x + ARM_OFFSET * math.cos(yaw), y + ARM_OFFSET * math.sin(yaw)
        p.resetBasePositionAndOrientation(self.arm, [ax, ay, self.pose.lift], orn, physicsClientId=self.client)

    def follow(self, waypoints: list[tuple[float, float]], final_yaw: float, lift: float | None = None) -> None:
        """Drive through waypoints (turning on the spot first), then turn and set the lift."""
        dt = self.dt
        for wx, wy in waypoints:
            dx, dy = wx - self.pose.x, wy - self.pose.y
            dist = math.hypot(dx, dy)
            if dist < 1e-3:
                continue
            self._turn_to(math.atan2(dy, dx))
            n = max(1, int(dist / (DRIVE_SPEED * dt)))
            sx, sy = self.pose.x, self.pose.y
            for k in range(1, n + 1):
                self.pose.x, self.pose.y = sx + dx * k / n, sy + dy * k / n
                self._place_base()
                self._step()
        self._turn_to(final_yaw)
        if lift is not None:
            self.set_lift(lift)

    def _turn_to(self, yaw: float) -> None:
        dt = self.dt
        delta = (yaw - self.pose.yaw + math.pi) % (2 * math.pi) - math.pi
        n = max(1, int(abs(delta) / (TURN_SPEED * dt)))
        start = self.pose.yaw
        for k in range(1, n + 1):
            self.pose.yaw = start + delta * k / n
            self._place_base()
            self._step()

    def set_lift(self, z: float) -> None:
        z = min(max(z, LIFT_RANGE[0]), LIFT_RANGE[1])
        n = max(1, int(abs(z - self.pose.lift) / (LIFT_SPEED * self.dt)))
        start = self.pose.lift
        for k in range(1, n + 1):
            self.pose.lift = start + (z - start) * k / n
            self._place_base()
            self._step()

    def shift(self, lateral: float) -> None:
        """Slide sideways along the base's y axis (to reach along a long counter)."""
        yaw = self.pose.yaw
        tx = self.pose.x - lateral * math.sin(yaw)
        ty = self.pose.y + lateral * math.cos(yaw)
        dist = abs(lateral)
        n = max(1, int(dist / (DRIVE_SPEED * 0.5 * self.dt)))
        sx, sy = self.pose.x, self.pose.y
        for k in range(1, n + 1):
            self.pose.x, self.pose.y = sx + (tx - sx) * k / n, sy + (ty - sy) * k / n
            self._place_base()
            self._step()

    # ------------------------------------------------------------------ arm
    def _hold_arm(self, q: list[float]) -> None:
        p.setJointMotorControlArray(self.arm, ARM_JOINTS, p.POSITION_CONTROL, targetPositions=q,
                                    forces=[200.0] * 7, physicsClientId=self.client)

    def ee_pose(self) -> tuple[np.ndarray, np.ndarray]:
        state = p.getLinkState(self.arm, EE_LINK, computeForwardKinematics=True, physicsClientId=self.client)
        return np.array(state[4]), np.array(state[5])

    def run(self, seconds: float) -> None:
        for _ in range(max(1, round(seconds / self.dt))):
            self._step()

    def move_ee(self, target, yaw: float | None = None, max_seconds: float = 1.5, tol: float = 0.01) -> bool:
        """Move the grasp point to `target` with the hand pointing down; True when it got there."""
        yaw = self.pose.yaw if yaw is None else yaw
        orn = p.getQuaternionFromEuler([math.pi, 0.0, yaw])
        lower = [-2.9, -1.8, -2.9, -3.0, -2.9, -0.08, -2.9]
        upper = [2.9, 1.8, 2.9, -0.07, 2.9, 3.8, 2.9]
        q = p.calculateInverseKinematics(
            self.arm, EE_LINK, list(target), orn, lowerLimits=lower, upperLimits=upper,
            jointRanges=[u - lo for u, lo in zip(upper, lower)], restPoses=list(READY),
            maxNumIterations=200, residualThreshold=1e-4, physicsClientId=self.client)
        q = list(q[:7])
        self._hold_arm(q)
        check_every = max(1, round(0.05 / self.dt))
        for k in range(max(1, round(max_seconds / self.dt))):
            self._step()
            if k % check_every == check_every - 1:
                now = [s[0] for s in p.getJointStates(self.arm, ARM_JOINTS, physicsClientId=self.client)]
                if max(abs(a - b) for a, b in zip(now, q)) < 0.01:
                    break
        pos, _ = self.ee_pose()
        return float(np.linalg.norm(pos - np.asarray(target))) < tol * 4

    def tuck(self) -> None:
        self._hold_arm(list(REST))
        self.run(0.5)
        if self.released is not None:  # clear of what it let go of: the hand touches it again
            if self.released in {p.getBodyUniqueId(i, physicsClientId=self.client)
                                 for i in range(p.getNumBodies(physicsClientId=self.client))}:
                self._hand_touches(self.released, True)
            self.released = None

    def gripper(self, open_: bool, wait: bool = True) -> None:
        width = 0.04 if open_ else 0.0
        p.setJointMotorControlArray(self.arm, FINGERS, p.POSITION_CONTROL, targetPositions=[width, width],
                                    forces=[40.0, 40.0], physicsClientId=self.client)
        if wait:
            self.run(0.25)

    def attach(self, body: int) -> None:
        """Hold `body` rigidly where it is relative to the hand (a grasp once in contact)."""
        hand_pos, hand_orn = self.ee_pose()
        obj_pos, obj_orn = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
        inv_pos, inv_orn = p.invertTransform(hand_pos.tolist(), hand_orn.tolist())
        rel_pos, rel_orn = p.multiplyTransforms(inv_pos, inv_orn, obj_pos, obj_orn)
        self.grasp = p.createConstraint(self.arm, EE_LINK, body, -1, p.JOINT_FIXED, [0, 0, 0], rel_pos, [0, 0, 0],
                                        parentFrameOrientation=rel_orn, physicsClientId=self.client)
        p.changeConstraint(self.grasp, maxForce=200, physicsClientId=self.client)
        self.held_body = body
        self._robot_touches(body, False)

    def _robot_touches(self, body: int, enabled: bool) -> None:
        """Collisions between `body` and the arm (but its hand) and the base.

        Off while it is held: a carried pan swung into the arm as it tucked and was torn from the hand.
        """
        for link in range(-1, p.getNumJoints(self.arm, physicsClientId=self.client)):
            if link not in HAND_LINKS:
                p.setCollisionFilterPair(self.arm, body, link, -1, int(enabled), physicsClientId=self.client)
        p.setCollisionFilterPair(self.base, body, -1, -1, int(enabled), physicsClientId=self.client)

    def drop(self) -> None:
        """The held body slips out of the hand and falls (a fault)."""
        self.release()
        self.gripper(open_=True, wait=False)
        self.run(0.5)

    def _hand_touches(self, body: int, enabled: bool) -> None:
        for link in HAND_LINKS:
            p.setCollisionFilterPair(self.arm, body, link, -1, int(enabled), physicsClientId=self.client)

    def release(self) -> None:
        """Let go of the held body; until the arm tucks, the hand passes through it.

        The closed fingers still squeeze it: a thin wide item (a cloth) shot metres away when they met it.
        """
        if self.grasp is not None:
            p.removeConstraint(self.grasp, physicsClientId=self.client)
        if self.held_body is not None:
            self._hand_touches(self.held_body, False)
            self._robot_touches(self.held_body, True)
            self.released = self.held_body
            # a sleeping item let go of hangs in the air until something hits it
            p.changeDynamics(self.held_body, -1, activationState=p.ACTIVATION_STATE_WAKE_UP,
                             physicsClientId=self.client)
        self.grasp = self.held_body = None
