"""sim_node: owns the PyBullet world; serves execute_skill, publishes /world/state, camera and joints.

Also what a robot's drivers and robot_state_publisher publish: the TF tree (/tf, /tf_static; see
groundplan.types.frames) and the URDF on robot_description; under use_sim_time, /clock from the
simulated time, which then also stamps every message.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from groundplan_interfaces.action import ExecuteSkill
from groundplan_interfaces.msg import WorldState
from groundplan_interfaces.srv import CaptureViews
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.clock import Clock, ClockType
from rclpy.time import Time
from rosgraph_msgs.msg import Clock as ClockMsg
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import String
from tf2_msgs.msg import TFMessage

from groundplan.errors import RequestError
from groundplan.ros.common import LATCHED, SENSOR, ManagedNode, Param, finish_goal, spin
from groundplan.ros.convert import capture_poses, code_msg, effect_words, skill_step, world_state_to_msg
from groundplan.ros.frames import DESCRIPTION_TOPIC, TF_QOS, TF_STATIC_TOPIC, TF_TOPIC, tf_message
from groundplan.sim.camera import head_pose, render
from groundplan.sim.description import RobotFrames
from groundplan.sim.faults import FaultConfig, FaultInjector
from groundplan.sim.skills import SimSkills
from groundplan.sim.state import current_scene
from groundplan.sim.world import SimConfig, SimWorld
from groundplan.types.camera import Intrinsics
from groundplan.types.frames import HEAD_OPTICAL, MAP, FrameLink, capture_frame
from groundplan.types.results import ResultCode, SkillOutcome
from groundplan.types.scene import load_scene

STATE_PERIOD = 1.0  # wall seconds between /world/state messages, also while a skill runs
IDLE_STEP = 0.1  # seconds of simulation run per wall-clock tick between skills under use_sim_time

PARAMS = {
    "scene": Param("kitchen_demo", "shipped scene name (sim/scenes) or a scene file", configure=True),
    "gui": Param(False, "open the PyBullet window", configure=True),
    "faults": Param("", "injected faults, e.g. slip=1,limit=1 (groundplan.sim.faults)", configure=True),
    "seed": Param(0, "seed of the simulation and of its faults", low=0, high=2**31 - 1, configure=True),
    "camera_period": Param(2.0, "simulated seconds between head-camera frames", low=0.01, high=3600.0),
    "joint_state_period": Param(0.1, "simulated seconds between joint states", low=0.001, high=3600.0),
    "skill_timeout": Param(120.0, "seconds a skill may take when its goal gives no timeout", low=0.1,
                           high=86400.0),
}


class SimNode(ManagedNode):
    def __init__(self, **kwargs):
        super().__init__("sim_node", PARAMS, **kwargs)
        self.world: SimWorld | None = None
        self.lock = threading.Lock()  # pybullet is not thread-safe: one skill or render at a time
        self._skill_lock = threading.Lock()
        self._running: str | None = None  # the skill now running: one at a time (docs/robot-driver.md)
        self._last_state = 0.0  # monotonic time of the last /world/state
        self.intrinsics = Intrinsics()

    def configure(self) -> None:
        self.scene = load_scene(self.params["scene"])
        faults = FaultConfig.parse(self.params["faults"], seed=self.params["seed"])
        self.world = SimWorld(self.scene, config=SimConfig(gui=self.params["gui"], seed=self.params["seed"]))
        self.skills = SimSkills(self.world, FaultInjector(faults))
        self.state_pub = self.create_lifecycle_publisher(WorldState, "world/state", LATCHED)
        self.image_pub = self.create_lifecycle_publisher(Image, "camera/head/image_raw", SENSOR)
        self.info_pub = self.create_lifecycle_publisher(CameraInfo, "camera/head/camera_info", SENSOR)
        self.joint_pub = self.create_lifecycle_publisher(JointState, "joint_states", SENSOR)
        self.frames = RobotFrames(self.world.robot)
        self.tf_pub = self.create_lifecycle_publisher(TFMessage, TF_TOPIC, TF_QOS)
        self.tf_static_pub = self.create_lifecycle_publisher(TFMessage, TF_STATIC_TOPIC, LATCHED)
        self.description_pub = self.create_lifecycle_publisher(String, DESCRIPTION_TOPIC, LATCHED)
        # use_sim_time is read here: this node is then the clock, and its simulation runs between skills
        self.sim_time = self.get_parameter("use_sim_time").value
        self.clock_pub = self.create_lifecycle_publisher(ClockMsg, "/clock", SENSOR) if self.sim_time else None
        self._next_camera = self._next_joints = 0.0
        self.world.step_hooks.append(self._on_step)
        ActionServer(self, ExecuteSkill, "execute_skill", self._execute, goal_callback=self.goal_gate(self._on_goal),
                     cancel_callback=lambda _: CancelResponse.ACCEPT, callback_group=ReentrantCallbackGroup())
        self.create_service(CaptureViews, "capture_views", self.when_active(self._capture),
                            callback_group=ReentrantCallbackGroup())
        self.get_logger().info(f"simulating scene {self.scene.id!r} ({len(self.scene.objects)} objects)")

    def activate(self) -> None:
        self.tf_static_pub.publish(tf_message(self.frames.static_links(), self._stamp()))
        self.description_pub.publish(String(data=self.frames.description()))
        self.publish_state()
        # On the steady clock: a timer on the ROS clock never fires under use_sim_time until /clock moves,
        # and this node is what moves it.
        steady, group = Clock(clock_type=ClockType.STEADY_TIME), MutuallyExclusiveCallbackGroup()
        if self.sim_time:
            self.create_timer(IDLE_STEP, self._idle_run, callback_group=group, clock=steady)
        else:
            self.create_timer(1.0, self._idle_publish, callback_group=group, clock=steady)

    # ------------------------------------------------------------------ publishing
    def publish_state(self):
        """Publish the state as observed now (the caller holds the lock); returns its stamp."""
        base, state = self.world.robot.pose, self.skills.observe()
        msg = world_state_to_msg(current_scene(self.world, state), state, self._stamp(), (base.x, base.y, base.yaw))
        self.state_pub.publish(msg)
        self._last_state = time.monotonic()
        return msg.header.stamp

    def _camera_info(self, k: Intrinsics, header) -> CameraInfo:
        info = CameraInfo(height=k.height, width=k.width, distortion_model="plumb_bob", d=[0.0] * 5,
                          k=k.matrix.flatten().tolist(), r=np.eye(3).flatten().tolist(),
                          p=np.hstack([k.matrix, np.zeros((3, 1))]).flatten().tolist())
        info.header = header
        return info

    def _capture(self, request, response):
        """Render each requested camera pose; segmentation indices refer to one shared label list."""
        try:
            matrices = capture_poses(request)
        except RequestError as exc:
            response.code, response.message = code_msg(ResultCode.INVALID_REQUEST), str(exc)
            return response
        k = Intrinsics(request.width or self.intrinsics.width, request.height or self.intrinsics.height)
        stamp = self._stamp()
        labels: list[str] = []
        views = [FrameLink(MAP, capture_frame(i), matrix) for i, matrix in enumerate(matrices)]
        with self.lock:
            for pose, matrix, view in zip(request.poses, matrices, views):  # each view a camera of its own
                frame = render(self.world, matrix, k)
                response.poses.append(pose)
                remap = np.array([*(_index(labels, oid) for oid in frame.labels), -1], np.int32)
                seg = remap[frame.segmentation]  # -1 stays -1 (the last entry)
                for images, data, encoding, step in (
                        (response.rgb, np.ascontiguousarray(frame.rgb), "rgb8", 3 * k.width),
                        (response.depth, frame.depth.astype(np.float32), "32FC1", 4 * k.width),
                        (response.segmentation, seg.astype(np.int32), "32SC1", 4 * k.width)):
                    image = Image(height=k.height, width=k.width, encoding=encoding, step=step, data=data.tobytes())
                    image.header.stamp, image.header.frame_id = stamp, view.child
                    images.append(image)
        if views:
            self.tf_pub.publish(tf_message(views, stamp))
        response.labels = labels
        response.info = self._camera_info(k, response.rgb[0].header if response.rgb else Image().header)
        response.code, response.message = code_msg(ResultCode.SUCCESS), f"{len(request.poses)} views"
        return response

    def _stamp(self) -> TimeMsg:
        """Now: the simulated time under use_sim_time (this node's own clock follows the /clock it publishes, late)."""
        if self.sim_time:
            return Time(nanoseconds=round(self.world.sim_time * 1e9)).to_msg()
        return self.get_clock().now().to_msg()

    def _publish_robot(self, camera: bool) -> None:
        """The robot's moving frames and joint states, and with `camera` a head-camera frame, all stamped alike.

        One stamp for all, so that a TF listener has the camera's pose at the very time of its image.
        """
        stamp = self._stamp()
        self.tf_pub.publish(tf_message(self.frames.moving_links(), stamp))
        names, positions, velocities = self.frames.joint_positions()
        joints = JointState(name=names, position=positions, velocity=velocities)
        joints.header.stamp = stamp
        self.joint_pub.publish(joints)
        if camera:
            k = self.intrinsics
            frame = render(self.world, head_pose(self.world), k)
            image = Image(height=k.height, width=k.width, encoding="rgb8", step=3 * k.width,
                          data=np.ascontiguousarray(frame.rgb).tobytes())
            image.header.stamp, image.header.frame_id = stamp, HEAD_OPTICAL
            self.image_pub.publish(image)
            self.info_pub.publish(self._camera_info(k, image.header))

    def _on_step(self, world: SimWorld) -> None:
        """Publish on simulated time while the world steps; the state every second.

        A skill steps it, or the idle run under use_sim_time; whichever steps holds the lock.
        """
        if time.monotonic() - self._last_state >= STATE_PERIOD:
            self.publish_state()
        if self.clock_pub is not None:
            self.clock_pub.publish(ClockMsg(clock=self._stamp()))
        camera = world.sim_time >= self._next_camera
        if camera:
            self._next_camera = world.sim_time + self.params["camera_period"]
        if camera or world.sim_time >= self._next_joints:
            self._next_joints = world.sim_time + self.params["joint_state_period"]
            self._publish_robot(camera)

    def _idle_publish(self) -> None:
        if self.lock.acquire(blocking=False):
            try:
                self.publish_state()
                self._publish_robot(camera=True)
            finally:
                self.lock.release()

    def _idle_run(self) -> None:
        """Between skills under use_sim_time: the simulation runs on in about real time, so /clock keeps moving.

        The step hook publishes the clock, the state, the robot and the camera.
        """
        if self.lock.acquire(blocking=False):
            try:
                self.world.settle(IDLE_STEP)
            finally:
                self.lock.release()

    # ------------------------------------------------------------------ execute_skill
    def _on_goal(self, request) -> GoalResponse:
        with self._skill_lock:
            if self._running is not None:
                self.get_logger().warning(f"rejected {request.skill} {list(request.arguments)}: {self._running} is "
                                          "running (one skill at a time)")
                return GoalResponse.REJECT
            self._running = f"{request.skill} {' '.join(request.arguments)}"
        return GoalResponse.ACCEPT

    def _execute(self, goal_handle):
        request = goal_handle.request
        start = time.monotonic()
        try:
            with self.lock:
                before = self.skills.observe()
                try:
                    step = skill_step(request.skill, request.arguments, self.scene)
                except RequestError as exc:
                    outcome = SkillOutcome(ResultCode.INVALID_REQUEST, str(exc))
                else:
                    goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=0.0, status=f"starting {step.text}"))
                    timeout = request.timeout or self.params["skill_timeout"]
                    outcome = self.skills.execute(step, timeout, lambda: goal_handle.is_cancel_requested)
                after = self.skills.observe()
                stamp = self.publish_state()  # the state after the effects, before the answer
        finally:
            with self._skill_lock:
                self._running = None
        goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=1.0, status=outcome.code.name.lower()))
        result = ExecuteSkill.Result(code=code_msg(outcome.code), message=outcome.message,
                                     observed_effects=effect_words(before, after), state_stamp=stamp)
        finish_goal(goal_handle, outcome.code)
        self.get_logger().info(f"{request.skill} {list(request.arguments)}: {outcome.code.name} "
                               f"in {time.monotonic() - start:.1f} s {outcome.message}")
        return result

    def release(self) -> None:
        if self.world is not None:
            with self.lock:
                self.world.close()
            self.world = None


def _index(labels: list[str], oid: str) -> int:
    if oid not in labels:
        labels.append(oid)
    return labels.index(oid)


def main(args=None) -> int:
    return spin(SimNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
