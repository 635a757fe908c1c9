"""Faults in the running graph: the skill server killed mid-task, the planner node restarted."""

import signal
import subprocess
import time
from pathlib import Path

import pytest
import rclpy
from groundplan_interfaces.action import ExecuteTask
from groundplan_interfaces.srv import GeneratePlan
from rclpy.action import ActionClient
from test_ros_graph import READY_TIMEOUT, TIMEOUT, start_graph, unique_namespace, wait

from groundplan.execution.record import read_record
from groundplan.resources import config_dir
from groundplan.ros.client import wait_ready
from groundplan.ros.graph import graph
from groundplan.ros.runner import node_command, stop_processes, with_overrides
from groundplan.types.results import ResultCode


@pytest.fixture(scope="module")
def faulty_graph(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    namespace = unique_namespace("fault_test")
    sets = ["executor_node.server_timeout=3.0"]
    procs = dict(zip((s.name for s in graph("sim")), start_graph(tmp, "sim", namespace, sets)))
    rclpy.init()
    try:
        node = rclpy.create_node("groundplan_fault_test", namespace=namespace)
        assert wait_ready(node, READY_TIMEOUT), "the lifecycle_manager never reported the graph ready"
        params = with_overrides(config_dir() / "sim.yaml", [f"executor_node.run_dir={tmp / 'runs'}", *sets], tmp)
        yield node, procs, namespace, params
        node.destroy_node()
    finally:
        rclpy.shutdown()
        stop_processes(list(procs.values()))  # the restarted planner_node too


def generate(node, instruction, within=120.0):
    """The planner's answer; a request sent while only a dead server is still known is lost, so retry."""
    client = node.create_client(GeneratePlan, "generate_plan")
    deadline = time.monotonic() + within
    response = None
    while time.monotonic() < deadline:
        if not client.wait_for_service(timeout_sec=5.0):
            continue
        future = client.call_async(GeneratePlan.Request(instruction=instruction))
        rclpy.spin_until_future_complete(node, future, timeout_sec=20.0)
        if not future.done():
            client.remove_pending_request(future)
            continue
        response = future.result()
        # a restarted planner is not active until the lifecycle_manager brings it up, then has no
        # /world/state for a moment
        if response.code.value not in (ResultCode.NOT_ACTIVE, ResultCode.INVALID_REQUEST):
            return response
        time.sleep(0.2)
    return response


def test_planner_node_restarted_answers_again(faulty_graph):
    node, procs, namespace, params = faulty_graph
    assert generate(node, "Put a mug in the fridge").code.value == ResultCode.SUCCESS
    procs["planner_node"].send_signal(signal.SIGKILL)
    procs["planner_node"].wait(10)
    spec = next(s for s in graph("sim") if s.name == "planner_node")
    procs["planner_node"] = subprocess.Popen(node_command(spec, params, namespace))
    response = generate(node, "Put a mug in the fridge")
    assert response is not None and response.code.value == ResultCode.SUCCESS, response and response.message


def test_skill_server_killed_mid_task_times_out_with_a_complete_record(faulty_graph):
    node, procs, _, _ = faulty_graph
    client = ActionClient(node, ExecuteTask, "execute_task")
    assert client.wait_for_server(timeout_sec=TIMEOUT)
    feedback = []
    handle = wait(node, client.send_goal_async(ExecuteTask.Goal(instruction="Put a hot mug in the fridge"),
                                               feedback_callback=lambda m: feedback.append(m.feedback)))
    result_future = handle.get_result_async()
    deadline = time.monotonic() + 170
    killed_at = None
    while not result_future.done() and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.1)
        if killed_at is None and sum(f.status == "success" for f in feedback) >= 1:
            procs["sim_node"].send_signal(signal.SIGKILL)  # the skill server dies during the second step
            killed_at = time.monotonic()
    assert result_future.done(), "the task never ended"
    assert killed_at is not None, result_future.result().result.message
    result = result_future.result().result
    assert result.code.value == ResultCode.TIMEOUT, result.message
    assert "went away" in result.message or "no answer" in result.message
    assert time.monotonic() - killed_at < 60  # the server timeout, not the step timeout (120 s)
    run_dir = Path(result.message.split("run folder: ")[1].rstrip(")"))
    events = read_record(run_dir / "record.jsonl")
    assert events[0]["event"] == "start" and events[-1]["event"] == "end" and events[-1]["code"] == "TIMEOUT"
    assert [e["code"] for e in events if e["event"] == "step"][0] == "SUCCESS"
