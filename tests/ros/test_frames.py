"""TF, robot_description and /clock from sim_node alone, as RViz or a tf2 listener would read them.

Every frame an image, camera_info or marker names is in the tree and connected to map; the tree puts
the head camera where a camera looking ahead from the mast is (built independently here with
look_at_pose), and each capture_views image's frame where the view was taken. /clock is in
test_sim_clock.py.
"""

import math
import os
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import rclpy
from ament_index_python.packages import get_package_share_directory
from groundplan_interfaces.action import ExecuteSkill
from groundplan_interfaces.msg import WorldState
from groundplan_interfaces.srv import CaptureViews
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState
from rclpy.action import ActionClient
from rosgraph_msgs.msg import Clock
from scipy.spatial.transform import Rotation
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import String
from test_ros_graph import domain_id, unique_namespace
from tf2_msgs.msg import TFMessage

from groundplan.resources import config_dir
from groundplan.ros.client import wait_ready
from groundplan.ros.common import LATCHED, SENSOR
from groundplan.ros.convert import matrix_pose, pose_matrix
from groundplan.ros.frames import TF_QOS, TF_STATIC_LISTEN_QOS
from groundplan.ros.graph import MANAGER, SIM
from groundplan.ros.markers import scene_markers
from groundplan.ros.runner import node_command, stop_processes, with_overrides
from groundplan.types.camera import HEAD_HEIGHT, HEAD_PITCH, look_at_pose, sweep_poses
from groundplan.types.frames import HEAD_OPTICAL, MAP
from groundplan.types.results import ResultCode

TIMEOUT = 60.0
# tf2_msgs/msg/TFMessage as ROS 2 defines it (`ros2 topic info /tf --verbose` on a ROS 2 install)
TF_MESSAGE_HASH = "RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087"


class Listener:
    """What sim_node publishes, kept as it arrives: the TF tree (latest transform per frame) and the rest."""

    def __init__(self, node):
        self.node = node
        self.parents: dict[str, tuple[str, np.ndarray]] = {}
        self.static: set[str] = set()
        self.received: dict[str, list] = {"image": [], "info": [], "joints": [], "clock": [], "state": [],
                                          "description": [], "tf": []}
        sub = node.create_subscription
        sub(TFMessage, "/tf", lambda m: self._on_tf(m, False), TF_QOS)
        sub(TFMessage, "/tf_static", lambda m: self._on_tf(m, True), TF_STATIC_LISTEN_QOS)
        for key, kind, topic, qos in (("image", Image, "camera/head/image_raw", SENSOR),
                                      ("info", CameraInfo, "camera/head/camera_info", SENSOR),
                                      ("joints", JointState, "joint_states", SENSOR),
                                      ("clock", Clock, "/clock", SENSOR),
                                      ("state", WorldState, "world/state", LATCHED),
                                      ("description", String, "robot_description", LATCHED)):
            sub(kind, topic, self.received[key].append, qos)

    def _on_tf(self, msg: TFMessage, static: bool) -> None:
        for t in msg.transforms:
            matrix = np.eye(4)
            r, p = t.transform.rotation, t.transform.translation
            matrix[:3, :3] = Rotation.from_quat([r.x, r.y, r.z, r.w]).as_matrix()
            matrix[:3, 3] = p.x, p.y, p.z
            self.parents[t.child_frame_id] = (t.header.frame_id, matrix)
            if static:
                self.static.add(t.child_frame_id)
            else:
                self.received["tf"].append(t)

    def spin_until(self, done, timeout: float = TIMEOUT, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            rclpy.spin_once(self.node, timeout_sec=0.05)

    def in_map(self, frame: str) -> np.ndarray:
        """The frame's latest pose in map, composed up the tree; fails unless the frame connects to map."""
        pose, seen = np.eye(4), frame
        while seen != MAP:
            assert seen in self.parents, f"{frame!r}: no transform to its parent {seen!r} on /tf or /tf_static"
            parent, matrix = self.parents[seen]
            pose, seen = matrix @ pose, parent
        return pose


def start_sim_node(tmp_path: Path, sets=(), manager: bool = False) -> tuple[list[subprocess.Popen], object, Listener]:
    """sim_node alone in a DDS domain of its own (TF and /clock are global topics), configured and activated.

    With `manager`, a lifecycle_manager brings it up, as in the graphs; else this test does.
    """
    os.environ["ROS_DOMAIN_ID"] = domain_id()
    namespace = unique_namespace("frames")
    sets = ["sim_node.camera_period=1.0", "lifecycle_manager.nodes=[sim_node]", *sets]
    params = with_overrides(config_dir() / "sim.yaml", sets, tmp_path)
    specs = (SIM, MANAGER) if manager else (SIM,)
    procs = [subprocess.Popen(node_command(spec, params, namespace)) for spec in specs]
    rclpy.init()
    node = rclpy.create_node("groundplan_frames_test", namespace=namespace)
    try:
        listener = Listener(node)
        if manager:
            assert wait_ready(node, TIMEOUT), "the lifecycle_manager did not bring sim_node up"
            return procs, node, listener
        change = node.create_client(ChangeState, "sim_node/change_state")
        assert change.wait_for_service(timeout_sec=TIMEOUT), "sim_node did not start"
        for transition in (Transition.TRANSITION_CONFIGURE, Transition.TRANSITION_ACTIVATE):
            future = change.call_async(ChangeState.Request(transition=Transition(id=transition)))
            rclpy.spin_until_future_complete(node, future, timeout_sec=TIMEOUT)
            assert future.done() and future.result().success, f"sim_node refused transition {transition}"
        return procs, node, listener
    except BaseException:
        stop(procs, node)
        raise


def stop(procs, node) -> None:
    node.destroy_node()
    rclpy.try_shutdown()
    stop_processes(procs)


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    procs, node, listener = start_sim_node(tmp_path_factory.mktemp("frames"))
    yield node, listener
    stop(procs, node)


def call(node, future):
    rclpy.spin_until_future_complete(node, future, timeout_sec=TIMEOUT)
    assert future.done(), "no answer"
    return future.result()


def test_tf_message_is_ros_2s_own():
    """The TFMessage in use has ROS 2's type hash (the standalone copy included), so RViz and Foxglove read /tf."""
    share = Path(get_package_share_directory("tf2_msgs"))
    assert TF_MESSAGE_HASH in (share / "msg" / "TFMessage.json").read_text()


def test_every_frame_in_use_is_in_the_tree(sim):
    node, listener = sim
    got = listener.received
    listener.spin_until(lambda: got["image"] and got["info"] and got["state"] and HEAD_OPTICAL in listener.parents,
                        what="camera images, camera_info, /world/state and TF")
    client = node.create_client(CaptureViews, "capture_views")
    assert client.wait_for_service(timeout_sec=TIMEOUT)
    response = call(node, client.call_async(CaptureViews.Request(poses=[matrix_pose(m) for m in sweep_poses(
        2.0, 2.0, views=3)], width=80, height=60)))
    assert response.code.value == ResultCode.SUCCESS, response.message
    frames = {got["image"][-1].header.frame_id, got["info"][-1].header.frame_id, response.info.header.frame_id,
              *(image.header.frame_id for image in [*response.rgb, *response.depth, *response.segmentation])}
    markers = scene_markers(got["state"][-1].scene).markers
    frames |= {marker.header.frame_id for marker in markers} | {got["state"][-1].header.frame_id}
    assert HEAD_OPTICAL in frames and len(frames) == 5  # the head camera, three views, map
    listener.spin_until(lambda: all(f in listener.parents or f == MAP for f in frames), what=f"TF of {frames}")
    for frame in frames:
        listener.in_map(frame)


def test_tf_puts_the_cameras_where_they_look_from(sim):
    """The head camera's chain agrees with the robot's pose; each capture view's frame with its pose."""
    node, listener = sim
    skill = ActionClient(node, ExecuteSkill, "execute_skill")
    assert skill.wait_for_server(timeout_sec=TIMEOUT)
    handle = call(node, skill.send_goal_async(ExecuteSkill.Goal(skill="goto", arguments=["diningtable_1"])))
    assert handle.accepted
    assert call(node, handle.get_result_async()).result.code.value == ResultCode.SUCCESS
    got = listener.received
    got["state"].clear()
    got["tf"].clear()
    # the robot stands still now: the latest /world/state and odom -> base_link describe the same pose
    listener.spin_until(lambda: got["state"] and any(t.child_frame_id == "base_link" for t in got["tf"]),
                        what="the state and TF after goto")
    robot = got["state"][-1].robot_pose
    x, y = robot.position.x, robot.position.y
    yaw = Rotation.from_quat([robot.orientation.x, robot.orientation.y, robot.orientation.z,
                              robot.orientation.w]).as_euler("xyz")[2]
    eye = np.array([x, y, HEAD_HEIGHT])
    expected = look_at_pose(eye, eye + [math.cos(yaw), math.sin(yaw), -math.tan(HEAD_PITCH)])
    assert_same_pose(listener.in_map(HEAD_OPTICAL), expected)

    client = node.create_client(CaptureViews, "capture_views")
    views = sweep_poses(1.5, 3.0, views=4)
    response = call(node, client.call_async(CaptureViews.Request(poses=[matrix_pose(m) for m in views],
                                                                 width=80, height=60)))
    frames = [image.header.frame_id for image in response.rgb]
    assert len(set(frames)) == len(views)
    listener.spin_until(lambda: all(f in listener.parents for f in frames), what=f"TF of {frames}")
    for frame, view, served in zip(frames, views, response.poses):
        assert_same_pose(listener.in_map(frame), view)
        assert_same_pose(listener.in_map(frame), pose_matrix(served))


def assert_same_pose(a: np.ndarray, b: np.ndarray) -> None:
    """Within 1 cm and 1 degree."""
    assert np.linalg.norm(a[:3, 3] - b[:3, 3]) < 0.01, (a[:3, 3], b[:3, 3])
    angle = Rotation.from_matrix(a[:3, :3].T @ b[:3, :3]).magnitude()
    assert math.degrees(angle) < 1.0, math.degrees(angle)


def test_robot_description_is_latched_and_names_the_frames(sim):
    node, listener = sim
    late = node.create_subscription(String, "robot_description", lambda m: got.append(m), LATCHED)
    got: list[String] = []
    listener.spin_until(lambda: got and listener.received["joints"], what="robot_description (latched)")
    node.destroy_subscription(late)
    robot = ET.fromstring(got[-1].data)
    links = {link.get("name") for link in robot.iter("link")}
    joints = {joint.get("name"): joint.get("type") for joint in robot.iter("joint")}
    assert {joint.find("child").get("link") for joint in robot.iter("joint")} == links - {"base_link"}
    robot_frames = {f for f in listener.parents if f not in ("odom",) and not f.startswith("capture_view_")}
    assert robot_frames == links  # every robot frame on TF is a link, and every link is on TF
    moving = listener.received["joints"][-1].name
    assert set(moving) == {name for name, kind in joints.items() if kind != "fixed"}
