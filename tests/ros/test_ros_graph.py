"""The ROS 2 graph as a user drives it: nodes as separate processes over real rclpy."""

import os
import random
import time
from pathlib import Path

import pytest
import rclpy
import yaml
from groundplan_interfaces.action import ExecuteTask
from groundplan_interfaces.msg import PlanStep, WorldState
from groundplan_interfaces.srv import GeneratePlan, ValidatePlan
from rclpy.action import ActionClient

from groundplan.resources import config_dir
from groundplan.ros.client import wait_ready
from groundplan.ros.runner import start_processes, stop_processes, with_overrides
from groundplan.types.results import ResultCode

TIMEOUT = 60.0
READY_TIMEOUT = 300.0  # every node configured (models loaded) and active, on a loaded 2-core machine


def domain_id() -> str:
    """A DDS domain for one test graph. Above 101, a domain's ports fall in Linux's ephemeral range."""
    return str(random.randint(1, 101))


def start_graph(tmp_path: Path, graph: str, namespace: str, sets=()):
    """The graph's nodes as processes, in a namespace of their own (and a DDS domain of their own)."""
    os.environ["ROS_DOMAIN_ID"] = domain_id()
    sets = [f"executor_node.run_dir={tmp_path / 'runs'}", "sim_node.camera_period=5.0", *sets]
    params = with_overrides(config_dir() / f"{graph}.yaml", sets, tmp_path)
    return start_processes(graph, params, namespace)


def unique_namespace(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{random.randint(0, 99999)}"


@pytest.fixture(scope="module")
def sim_graph(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("graph")
    namespace = unique_namespace("graph_test")
    procs = start_graph(tmp, "sim", namespace)
    rclpy.init()
    try:  # the nodes stop also when the graph never comes up: left running, they starve what follows
        node = rclpy.create_node("groundplan_graph_test", namespace=namespace)
        assert wait_ready(node, READY_TIMEOUT), "the lifecycle_manager never reported the graph ready"
        yield node, tmp
        node.destroy_node()
    finally:
        rclpy.shutdown()
        stop_processes(procs)


def wait(node, future, timeout=TIMEOUT):
    rclpy.spin_until_future_complete(node, future, timeout_sec=timeout)
    assert future.done(), "no answer"
    return future.result()


def send_task(node, instruction, cancel_after_steps=None, feedback=None, **goal):
    client = ActionClient(node, ExecuteTask, "execute_task")
    assert client.wait_for_server(timeout_sec=TIMEOUT)
    feedback = [] if feedback is None else feedback
    handle = wait(node, client.send_goal_async(ExecuteTask.Goal(instruction=instruction, **goal),
                                               feedback_callback=lambda m: feedback.append(m.feedback)))
    assert handle.accepted
    result_future = handle.get_result_async()
    deadline = time.monotonic() + 170
    cancelled = False
    while not result_future.done() and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.1)
        done = sum(1 for f in feedback if f.status == "success")
        if cancel_after_steps is not None and not cancelled and done >= cancel_after_steps:
            handle.cancel_goal_async()
            cancelled = True
    assert result_future.done(), "execute_task never answered"
    return result_future.result().result, feedback


def test_generate_and_validate_plan(sim_graph):
    node, _ = sim_graph
    gen = node.create_client(GeneratePlan, "generate_plan")
    val = node.create_client(ValidatePlan, "validate_plan")
    assert gen.wait_for_service(timeout_sec=TIMEOUT) and val.wait_for_service(timeout_sec=TIMEOUT)
    # the planner has the latest /world/state once the simulator published it
    response = None
    for _ in range(50):
        response = wait(node, gen.call_async(GeneratePlan.Request(instruction="Put a mug in the fridge",
                                                                  state=WorldState())))
        if response.code.value != ResultCode.INVALID_REQUEST:
            break
        time.sleep(0.2)
    assert response.code.value == ResultCode.SUCCESS, response.message
    assert response.plan.strategy == "llm-grounded"  # the default of planner_node
    assert response.plan.steps and all(s.verdict in (PlanStep.VERDICT_VALID, PlanStep.VERDICT_REPAIRED)
                                       for s in response.plan.steps)
    assert response.plan.goal_reached
    bad = wait(node, val.call_async(ValidatePlan.Request(steps=["goto fridge_1", "pickup mug_1 from fridge_1"],
                                                         state=WorldState())))
    assert bad.code.value == ResultCode.PRECONDITION_FAILED
    assert [s.verdict for s in bad.plan.steps] == [PlanStep.VERDICT_VALID, PlanStep.VERDICT_INVALID]
    assert "mug_1 is not in or on fridge_1" in bad.plan.steps[1].reason


def test_execute_task_reaches_the_goal(sim_graph):
    node, tmp = sim_graph
    result, feedback = send_task(node, "Put a mug in the fridge")
    assert result.code.value == ResultCode.SUCCESS, result.message
    assert any(f.phase == "executing" and f.status == "started" and f.step.action for f in feedback)
    run_dir = Path(result.message.split("run folder: ")[1].rstrip(")"))
    for name in ("plan.txt", "record.jsonl", "run.mcap"):
        assert (run_dir / name).stat().st_size > 0
    assert "goal reached" in (run_dir / "plan.txt").read_text()
    from mcap_ros2.reader import read_ros2_messages

    recorded = {m.channel.topic: m.ros_msg for m in read_ros2_messages(str(run_dir / "run.mcap"))}  # all decode
    assert {"/tf", "/tf_static", "/camera/head/camera_info", "/scene/markers", "/executor/markers",
            "/execute_task/goal", "/execute_task/feedback", "/execute_task/result"} <= set(recorded)
    assert recorded["/execute_task/result"].code.value == ResultCode.SUCCESS
    assert "head_camera_optical_frame" in {t.child_frame_id for t in recorded["/tf_static"].transforms}


def test_peoples_requests_over_execute_task(sim_graph):
    node, _ = sim_graph
    # a cup on the table: the earlier test put the mug in the fridge, where the detector does not see it
    result, _ = send_task(node, "Bring me a cup")
    assert result.code.value == ResultCode.SUCCESS, result.message
    assert result.executed_steps[-1].text.startswith("put cup_") and "person_1" in result.executed_steps[-1].text
    result, _ = send_task(node, "Clean everything")
    assert result.code.value == ResultCode.NEEDS_CLARIFICATION and "what to do" in result.message, result.message
    assert not result.executed_steps


def test_cancel_mid_plan(sim_graph):
    node, _ = sim_graph
    result, feedback = send_task(node, "Move the apple to the counter", cancel_after_steps=1)
    assert result.code.value == ResultCode.CANCELLED, result.message
    executed = [s.text for s in result.executed_steps]
    assert 1 <= len(executed) < 4


def test_parameters_files_cover_every_node_of_their_graph():
    from groundplan.ros.graph import GRAPHS, load_parameters

    for name, nodes in GRAPHS.items():
        params = load_parameters(config_dir() / f"{name}.yaml")
        assert {n.name for n in nodes} == set(params), name
        assert yaml.safe_load((config_dir() / f"{name}.yaml").read_text())


def test_multi_view_capture(sim_graph):
    import numpy as np
    from geometry_msgs.msg import Pose
    from groundplan_interfaces.srv import CaptureViews
    from scipy.spatial.transform import Rotation

    from groundplan.types.camera import sweep_poses

    node, _ = sim_graph
    client = node.create_client(CaptureViews, "capture_views")
    assert client.wait_for_service(timeout_sec=TIMEOUT)
    poses = []
    for matrix in sweep_poses(3.0, 2.5, views=4):
        pose = Pose()
        pose.position.x, pose.position.y, pose.position.z = matrix[:3, 3]
        pose.orientation.x, pose.orientation.y, pose.orientation.z, pose.orientation.w = \
            Rotation.from_matrix(matrix[:3, :3]).as_quat()
        poses.append(pose)
    response = wait(node, client.call_async(CaptureViews.Request(poses=poses, width=160, height=120)))
    assert response.code.value == ResultCode.SUCCESS
    assert len(response.rgb) == len(response.depth) == len(response.segmentation) == 4
    assert response.info.width == 160 and response.info.k[0] > 0
    seg = np.frombuffer(bytes(response.segmentation[0].data), np.int32).reshape(120, 160)
    depth = np.frombuffer(bytes(response.depth[0].data), np.float32).reshape(120, 160)
    assert seg.max() < len(response.labels) and (depth > 0).all()
    assert set(response.labels) and all("_" in label for label in response.labels)


def test_perceive_fuses_views_into_anchored_objects(sim_graph):
    from groundplan_interfaces.action import Perceive

    node, _ = sim_graph
    client = ActionClient(node, Perceive, "perceive")
    assert client.wait_for_server(timeout_sec=TIMEOUT)
    feedback = []
    handle = wait(node, client.send_goal_async(Perceive.Goal(strategy="overall_center"),
                                               feedback_callback=lambda m: feedback.append(m.feedback)))
    result = wait(node, handle.get_result_async()).result
    assert result.code.value == ResultCode.SUCCESS, result.message
    assert result.views_used == 8 and feedback and feedback[-1].views_total == 8
    ids = {o.id for o in result.scene.objects}
    assert {"fridge_1", "diningtable_1", "apple_1"} <= ids  # anchored to the simulator's ids
    assert result.scene.room_size.x > 0
    bad = wait(node, client.send_goal_async(Perceive.Goal(strategy="everywhere")))
    assert wait(node, bad.get_result_async()).result.code.value == ResultCode.INVALID_REQUEST


def _scene_msg(objects):
    from groundplan_interfaces.msg import SceneObject, SceneObjectArray

    msg = SceneObjectArray(scene_id="bad", room_type="kitchen")
    for id_, category, x, parent in objects:
        o = SceneObject(id=id_, category=category, label=category.lower(), score=1.0, parent_id=parent)
        o.pose.position.x, o.pose.orientation.w = x, 1.0
        o.size.x = o.size.y = o.size.z = 0.2
        msg.objects.append(o)
    return msg


GOOD = [("countertop_1", "CounterTop", 1.0, ""), ("apple_1", "Apple", 1.0, "countertop_1")]
MALFORMED = {  # what is wrong -> the words the error must contain
    "duplicate object id": GOOD + [("apple_1", "Apple", 1.5, "countertop_1")],
    "must be finite": GOOD + [("apple_2", "Apple", float("nan"), "countertop_1")],
    "unknown object category ''": GOOD + [("thing_1", "", 1.0, "")],
    "at most 400": GOOD + [(f"apple_{i}", "Apple", 1.0, "countertop_1") for i in range(2, 3000)],
    "must be a letter": GOOD + [("apple 2; rm -rf", "Apple", 1.0, "countertop_1")],
    "rests on unknown object": GOOD + [("apple_2", "Apple", 1.0, "fridge_9")],
}


def test_malformed_input_gets_clear_errors_and_the_nodes_stay_up(sim_graph):
    from groundplan_interfaces.msg import SceneObjectArray
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

    node, _ = sim_graph
    gen = node.create_client(GeneratePlan, "generate_plan")
    assert gen.wait_for_service(timeout_sec=TIMEOUT)
    for words, objects in MALFORMED.items():
        state = WorldState(scene=_scene_msg(objects))
        response = wait(node, gen.call_async(GeneratePlan.Request(instruction="Put the apple in the fridge",
                                                                  state=state)))
        assert response.code.value == ResultCode.INVALID_REQUEST and words in response.message, response.message
    bad_strategy = wait(node, gen.call_async(GeneratePlan.Request(instruction="Put a mug in the fridge",
                                                                  strategy="telepathy")))
    assert bad_strategy.code.value == ResultCode.INVALID_REQUEST and "unknown planner strategy" in bad_strategy.message
    flood = wait(node, gen.call_async(GeneratePlan.Request(instruction="put " * 50_000)))
    assert flood.code.value == ResultCode.INVALID_REQUEST and "characters long" in flood.message
    still_up = wait(node, gen.call_async(GeneratePlan.Request(instruction="Put a mug in the fridge")))
    assert still_up.code.value == ResultCode.SUCCESS, still_up.message

    result, _ = send_task(node, "Put a mug in the fridge", strategy="telepathy")
    assert result.code.value == ResultCode.INVALID_REQUEST and "unknown planner strategy" in result.message
    latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    node.create_publisher(SceneObjectArray, "scene/objects", latched).publish(_scene_msg(MALFORMED["must be finite"]))
    time.sleep(1.0)
    result, _ = send_task(node, "Put the apple on the counter", skip_perception=True)
    assert result.code.value == ResultCode.INVALID_REQUEST and "must be finite" in result.message
    result, _ = send_task(node, "Open the drawer")  # perceives afresh
    assert result.code.value == ResultCode.SUCCESS, result.message
