"""A real rclpy round trip of every groundplan interface type, across two processes."""

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rclpy
from geometry_msgs.msg import Pose, Vector3
from groundplan_interfaces.action import ExecuteSkill, ExecuteTask, Perceive
from groundplan_interfaces.msg import PlanStep, ResultCode, SceneObject, SceneObjectArray, WorldState
from groundplan_interfaces.srv import GeneratePlan, ValidatePlan
from rclpy.action import ActionClient
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from test_ros_graph import domain_id

from groundplan.ros.runner import stop_processes

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
TIMEOUT = 20.0


@pytest.fixture(scope="module")
def ros():
    """The peer process and a node in this one, on a DDS domain of their own."""
    env = dict(os.environ, ROS_DOMAIN_ID=domain_id())
    os.environ["ROS_DOMAIN_ID"] = env["ROS_DOMAIN_ID"]
    peer = subprocess.Popen([sys.executable, str(Path(__file__).with_name("ros_peer.py"))], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # bounded: a peer stuck in DDS start-up must fail this test, not hang the suite
    started = select.select([peer.stdout], [], [], 120.0)[0]
    if not started or peer.stdout.readline().strip() != "ready":
        stop_processes([peer])
        pytest.fail("peer process failed to start within 120 s")
    rclpy.init()
    node = rclpy.create_node("groundplan_test_client")
    yield node
    node.destroy_node()
    rclpy.shutdown()
    stop_processes([peer])


def spin_until(node, future):
    rclpy.spin_until_future_complete(node, future, timeout_sec=TIMEOUT)
    assert future.done(), "no answer from the peer process"
    return future.result()


def sample_scene() -> SceneObjectArray:
    msg = SceneObjectArray(scene_id="kitchen_demo", room_type="kitchen")
    msg.header.frame_id = "map"
    pose = Pose()
    pose.position.x, pose.position.y, pose.position.z = 1.0, 2.0, 0.9
    msg.objects = [
        SceneObject(id="apple_1", category="Apple", label="apple", score=0.87, pose=pose,
                    size=Vector3(x=0.08, y=0.08, z=0.08), parent_id="countertop_1", relation="on",
                    attributes=["clean"], num_views=3),
        SceneObject(id="fridge_1", category="Fridge", score=1.0, attributes=["open"]),
    ]
    return msg


def test_topic_round_trip_with_latched_qos(ros):
    received = []
    ros.create_subscription(SceneObjectArray, "test/scene_echo", received.append, LATCHED)
    pub = ros.create_publisher(SceneObjectArray, "test/scene_in", LATCHED)
    deadline = time.monotonic() + TIMEOUT
    while not received and time.monotonic() < deadline:
        pub.publish(sample_scene())
        rclpy.spin_once(ros, timeout_sec=0.2)
    assert received, "scene never came back"
    echo = received[0]
    assert echo.header.frame_id == "map" and echo.room_type == "kitchen"
    apple = echo.objects[0]
    assert (apple.id, apple.category, apple.parent_id, apple.relation) == ("apple_1", "Apple", "countertop_1", "on")
    assert apple.pose.position.y == 2.0 and abs(apple.score - 0.87) < 1e-6 and apple.num_views == 3
    assert list(echo.objects[1].attributes) == ["open"]


def test_services(ros):
    gen = ros.create_client(GeneratePlan, "test/generate_plan")
    val = ros.create_client(ValidatePlan, "test/validate_plan")
    assert gen.wait_for_service(timeout_sec=TIMEOUT) and val.wait_for_service(timeout_sec=TIMEOUT)
    response = spin_until(ros, gen.call_async(
        GeneratePlan.Request(instruction="put an apple in the fridge", strategy="template",
                             goal="pick_and_place apple fridge",
                             state=WorldState(scene=sample_scene(), robot_at="fridge_1"))))
    assert response.code.value == ResultCode.SUCCESS
    assert response.plan.instruction == "put an apple in the fridge" and response.plan.strategy == "template"
    assert [s.text for s in response.plan.steps] == ["goto apple_1", "goto fridge_1"]
    assert response.plan.steps[0].verdict == PlanStep.VERDICT_VALID and response.plan.header.frame_id == "map"
    assert response.message == "fridge_1" and response.plan.goal_line == "pick_and_place apple fridge"
    response = spin_until(ros, val.call_async(ValidatePlan.Request(steps=["goto fridge_1", "open fridge_1"])))
    assert response.code.value == ResultCode.PRECONDITION_FAILED and response.message == "2 steps"
    assert [s.reason for s in response.plan.steps] == ["reason 0", "reason 1"]


def send(ros, action_type, name, goal, feedback_count=1):
    client = ActionClient(ros, action_type, name)
    assert client.wait_for_server(timeout_sec=TIMEOUT)
    feedback = []
    handle = spin_until(ros, client.send_goal_async(goal, feedback_callback=lambda m: feedback.append(m.feedback)))
    assert handle.accepted
    wrapped = spin_until(ros, handle.get_result_async())
    # feedback travels on its own topic and may arrive after the result: wait for it
    deadline = time.monotonic() + TIMEOUT
    while len(feedback) < feedback_count and time.monotonic() < deadline:
        rclpy.spin_once(ros, timeout_sec=0.05)
    return wrapped, feedback


def test_perceive_action(ros):
    wrapped, feedback = send(ros, Perceive, "test/perceive", Perceive.Goal(strategy="traversal", max_views=3), 3)
    assert wrapped.result.code.value == ResultCode.SUCCESS and wrapped.result.views_used == 3
    assert wrapped.result.scene.room_type == "kitchen"
    # feedback is best effort in ROS 2 actions: what arrives must be intact and in order
    assert feedback and all(f.detections == f.view_index + 1 and f.views_total == 3 and f.status == "traversal"
                            for f in feedback)
    assert [f.view_index for f in feedback] == sorted(f.view_index for f in feedback)


def test_execute_task_action(ros):
    goal = ExecuteTask.Goal(instruction="bring me the mug", goal="deliver mug", strategy="template",
                            skip_perception=True, max_replans=4)
    wrapped, feedback = send(ros, ExecuteTask, "test/execute_task", goal, 2)
    assert wrapped.result.code.value == ResultCode.EFFECT_MISSING
    assert wrapped.result.message == "bring me the mug" and wrapped.result.replans == 4
    assert feedback and all(f.step.text == f"step {f.step_index}" and f.phase == "executing" and f.status == "started"
                            and f.steps_started == f.step_index + 1 and list(f.step.arguments) == [f"place_{f.replans}"]
                            and f.skill_status == "deliver mug" and abs(f.skill_progress - 0.25) < 1e-6
                            for f in feedback)


def test_execute_skill_action(ros):
    goal = ExecuteSkill.Goal(skill="pickup", arguments=["apple_1", "countertop_1"], timeout=5.0)
    wrapped, feedback = send(ros, ExecuteSkill, "test/execute_skill", goal)
    assert wrapped.result.code.value == ResultCode.TIMEOUT
    assert list(wrapped.result.observed_effects) == ["apple_1", "countertop_1"]
    assert wrapped.result.state_stamp.sec == 5
    assert feedback and abs(feedback[0].progress - 0.5) < 1e-6


def test_core_result_codes_match_the_message_constants():
    from groundplan.types.results import ResultCode as CoreCode

    constants = {name: getattr(ResultCode, name) for name in dir(ResultCode)
                 if name.isupper() and isinstance(getattr(ResultCode, name), int)}
    assert constants == {code.name: code.value for code in CoreCode}
