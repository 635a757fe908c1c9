"""executor_node's world model over the ROS graph: what one task did, the next task plans on.

The simulated graph with the template planner (the lightest) and perception on the simulator's
segmentation (backend ground_truth): the shut fridge door hides what is inside from every view, as
it would from a detector's.
"""

import time

import pytest
import rclpy
from groundplan_interfaces.msg import SceneObjectArray
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from test_ros_graph import READY_TIMEOUT, TIMEOUT, send_task, start_graph, unique_namespace, wait

from groundplan.ros.client import wait_ready
from groundplan.ros.common import LATCHED
from groundplan.ros.runner import stop_processes
from groundplan.types.results import ResultCode


@pytest.fixture(scope="module")
def memory_graph(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world_model")
    namespace = unique_namespace("world_model_test")
    procs = start_graph(tmp, "sim", namespace, ["planner_node.strategy=template",
                                                "perception_node.backend=ground_truth"])
    rclpy.init()
    node = rclpy.create_node("groundplan_world_model_test", namespace=namespace)
    assert wait_ready(node, READY_TIMEOUT), "the lifecycle_manager never reported the graph ready"
    yield node
    node.destroy_node()
    rclpy.shutdown()
    stop_processes(procs)


def set_parameter(node, name: str, value) -> None:
    client = node.create_client(SetParameters, "executor_node/set_parameters")
    assert client.wait_for_service(timeout_sec=TIMEOUT)
    request = SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()])
    result = wait(node, client.call_async(request)).results[0]
    assert result.successful, result.reason
    node.destroy_client(client)


def latched(node, topic: str) -> SceneObjectArray:
    """The latest message a latched topic holds (a late subscriber gets it)."""
    got = []
    sub = node.create_subscription(SceneObjectArray, topic, got.append, LATCHED)
    deadline = time.monotonic() + TIMEOUT
    while not got and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.1)
    node.destroy_subscription(sub)
    assert got, f"nothing on {topic}"
    return got[-1]


def test_what_a_task_shut_in_the_fridge_is_planned_on_by_the_next(memory_graph):
    node = memory_graph
    for instruction in ("put the apple in the fridge", "close the fridge"):
        result, _ = send_task(node, instruction)
        assert result.code.value == ResultCode.SUCCESS, f"{instruction}: {result.message}"

    # Perception alone decides (the ablation): it cannot see the apple behind the door, so the request fails.
    set_parameter(node, "use_world_model", False)
    result, _ = send_task(node, "bring me the apple")
    assert result.code.value == ResultCode.REFUSED and not result.executed_steps, result.message
    assert "apple_1" not in {o.id for o in latched(node, "scene/objects").objects}
    known = {o.id: o for o in latched(node, "world_model").objects}
    assert known["apple_1"].parent_id == "fridge_1" and "open" not in known["fridge_1"].attributes

    # On the world model, the next task plans on the apple where the first one put it.
    set_parameter(node, "use_world_model", True)
    result, _ = send_task(node, "bring me the apple")
    assert result.code.value == ResultCode.SUCCESS, result.message
    steps = [s.text for s in result.executed_steps]
    assert "open fridge_1" in steps and "pickup apple_1 from fridge_1" in steps, steps
    known = {o.id: o for o in latched(node, "world_model").objects}
    assert known["apple_1"].parent_id == "person_1"  # what the last step did
