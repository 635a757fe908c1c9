"""sim_node: owns the PyBullet world; serves execute_skill, publishes /world/state, camera and joints."""

from __future__ import annotations

import threading
import time

import numpy as np
import pybullet as p
from groundplan_interfaces.action import ExecuteSkill
from groundplan_interfaces.msg import WorldState
from groundplan_interfaces.srv import CaptureViews
from rclpy.action import ActionServer, CancelResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node
from sensor_msgs.msg import CameraInfo, Image, JointState

from groundplan.ros.common import LATCHED, SENSOR, declare, finish_goal, spin
from groundplan.ros.convert import code_msg, pose_matrix, world_state_to_msg
from groundplan.sim.camera import head_pose, render
from groundplan.sim.faults import FaultConfig, FaultInjector
from groundplan.sim.skills import SimSkills
from groundplan.sim.state import current_scene
from groundplan.sim.world import SimConfig, SimWorld
from groundplan.types.actions import Step
from groundplan.types.camera import Intrinsics
from groundplan.types.results import ResultCode
from groundplan.types.scene import load_scene

DEFAULTS = {
    "scene": "kitchen_demo",
    "gui": False,
    "faults": "",
    "seed": 0,
    "camera_period": 2.0,  # simulated seconds between head-camera frames
    "joint_state_period": 0.1,  # simulated seconds between joint states
    "skill_timeout": 120.0,
}


class SimNode(Node):
    def __init__(self, **kwargs):
        super().__init__("sim_node", **kwargs)
        self.params = declare(self, DEFAULTS)
        self.scene = load_scene(self.params["scene"])
        self.world = SimWorld(self.scene, config=SimConfig(gui=self.params["gui"], seed=self.params["seed"]))
        faults = FaultConfig.parse(self.params["faults"], seed=self.params["seed"])
        self.skills = SimSkills(self.world, FaultInjector(faults))
        self.lock = threading.Lock()  # pybullet is not thread-safe: one skill or render at a time
        self.state_pub = self.create_publisher(WorldState, "world/state", LATCHED)
        self.image_pub = self.create_publisher(Image, "camera/head/image_raw", SENSOR)
        self.info_pub = self.create_publisher(CameraInfo, "camera/head/camera_info", SENSOR)
        self.joint_pub = self.create_publisher(JointState, "joint_states", SENSOR)
        self.intrinsics = Intrinsics()
        self._next_camera = self._next_joints = 0.0
        self.world.step_hooks.append(self._on_step)
        ActionServer(self, ExecuteSkill, "execute_skill", self._execute,
                     cancel_callback=lambda _: CancelResponse.ACCEPT, callback_group=ReentrantCallbackGroup())
        self.create_service(CaptureViews, "capture_views", self._capture, callback_group=ReentrantCallbackGroup())
        self.create_timer(1.0, self._idle_publish, callback_group=MutuallyExclusiveCallbackGroup())
        self.publish_state()
        self.get_logger().info(f"simulating scene {self.scene.id!r} ({len(self.scene.objects)} objects)")

    # ------------------------------------------------------------------ publishing
    def publish_state(self) -> None:
        base, state = self.world.robot.pose, self.skills.observe()
        self.state_pub.publish(world_state_to_msg(current_scene(self.world, state), state,
                                                  self.get_clock().now().to_msg(), (base.x, base.y, base.yaw)))

    def _camera_info(self, k: Intrinsics, header) -> CameraInfo:
        info = CameraInfo(height=k.height, width=k.width, distortion_model="plumb_bob", d=[0.0] * 5,
                          k=k.matrix.flatten().tolist(), r=np.eye(3).flatten().tolist(),
                          p=np.hstack([k.matrix, np.zeros((3, 1))]).flatten().tolist())
        info.header = header
        return info

    def _capture(self, request, response):
        """Render each requested camera pose; segmentation indices refer to one shared label list."""
        k = Intrinsics(request.width or self.intrinsics.width, request.height or self.intrinsics.height)
        stamp = self.get_clock().now().to_msg()
        labels: list[str] = []
        with self.lock:
            for pose in request.poses:
                frame = render(self.world, pose_matrix(pose), k)
                response.poses.append(pose)
                remap = np.array([*(_index(labels, oid) for oid in frame.labels), -1], np.int32)
                seg = remap[frame.segmentation]  # -1 stays -1 (the last entry)
                for images, data, encoding, step in (
                        (response.rgb, np.ascontiguousarray(frame.rgb), "rgb8", 3 * k.width),
                        (response.depth, frame.depth.astype(np.float32), "32FC1", 4 * k.width),
                        (response.segmentation, seg.astype(np.int32), "32SC1", 4 * k.width)):
                    image = Image(height=k.height, width=k.width, encoding=encoding, step=step, data=data.tobytes())
                    image.header.stamp, image.header.frame_id = stamp, "camera_optical"
                    images.append(image)
        response.labels = labels
        response.info = self._camera_info(k, response.rgb[0].header if response.rgb else Image().header)
        response.code, response.message = code_msg(ResultCode.SUCCESS), f"{len(request.poses)} views"
        return response

    def _publish_camera(self) -> None:
        frame = render(self.world, head_pose(self.world), self.intrinsics)
        stamp = self.get_clock().now().to_msg()
        k = self.intrinsics
        image = Image(height=k.height, width=k.width, encoding="rgb8", step=3 * k.width,
                      data=np.ascontiguousarray(frame.rgb).tobytes())
        image.header.stamp, image.header.frame_id = stamp, "head_camera_optical"
        self.image_pub.publish(image)
        self.info_pub.publish(self._camera_info(k, image.header))

    def _publish_joints(self) -> None:
        arm = self.world.robot.arm
        joints = list(range(7)) + [9, 10]
        states = p.getJointStates(arm, joints, physicsClientId=self.world.client)
        msg = JointState(name=[p.getJointInfo(arm, j, physicsClientId=self.world.client)[1].decode() for j in joints],
                         position=[s[0] for s in states], velocity=[s[1] for s in states])
        msg.header.stamp = self.get_clock().now().to_msg()
        self.joint_pub.publish(msg)

    def _on_step(self, world: SimWorld) -> None:
        """During skills, publish on simulated time (the lock is held by the skill)."""
        if world.sim_time >= self._next_joints:
            self._next_joints = world.sim_time + self.params["joint_state_period"]
            self._publish_joints()
        if world.sim_time >= self._next_camera:
            self._next_camera = world.sim_time + self.params["camera_period"]
            self._publish_camera()

    def _idle_publish(self) -> None:
        if self.lock.acquire(blocking=False):
            try:
                self._publish_joints()
                self._publish_camera()
            finally:
                self.lock.release()

    # ------------------------------------------------------------------ execute_skill
    def _execute(self, goal_handle):
        request = goal_handle.request
        step = Step(request.skill, tuple(request.arguments))
        goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=0.0, status=f"starting {request.skill}"))
        timeout = request.timeout or self.params["skill_timeout"]
        start = time.monotonic()
        with self.lock:
            outcome = self.skills.execute(step, timeout, lambda: goal_handle.is_cancel_requested)
            state = self.skills.observe()
            self.publish_state()
        goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=1.0, status=outcome.code.name.lower()))
        result = ExecuteSkill.Result(code=code_msg(outcome.code), message=outcome.message,
                                     observed_effects=sorted(" ".join(a) for a in state.atoms()))
        finish_goal(goal_handle, outcome.code)
        self.get_logger().info(f"{step.text}: {outcome.code.name} in {time.monotonic() - start:.1f} s")
        return result

    def close(self) -> None:
        self.world.close()


def _index(labels: list[str], oid: str) -> int:
    if oid not in labels:
        labels.append(oid)
    return labels.index(oid)


def main(args=None) -> int:
    return spin(SimNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
