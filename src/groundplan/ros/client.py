"""Send an instruction to execute_task and print the feedback as it comes."""

from __future__ import annotations

import time

import rclpy
from groundplan_interfaces.action import ExecuteTask
from groundplan_interfaces.msg import Plan
from rclpy.action import ActionClient
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Bool

from groundplan.ros.lifecycle_manager import READY_TOPIC
from groundplan.types.results import ResultCode

VERDICT = {0: "unchecked", 1: "valid", 2: "INVALID", 3: "repaired"}


def print_plan(plan: Plan) -> None:
    print(f"plan ({plan.strategy}, {plan.planning_time:.2f} s): {plan.goal}", flush=True)
    if plan.refused:
        print(f"  refused: {plan.refusal_reason}", flush=True)
    for step in plan.steps:
        reason = f" ({step.reason})" if step.reason else ""
        probe = f" probe {step.probe_score:.2f}" if step.probe_score >= 0 else ""
        print(f"  {step.index + 1:>2}. {step.text:<42} {VERDICT.get(step.verdict, step.verdict)}{probe}{reason}",
              flush=True)


def wait_ready(node: Node, timeout: float) -> bool:
    """Wait until the graph's lifecycle_manager reports every node active on groundplan/ready."""
    latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    ready = [False]
    sub = node.create_subscription(Bool, READY_TOPIC, lambda msg: ready.__setitem__(0, msg.data), latched)
    deadline = time.monotonic() + timeout
    try:
        while not ready[0] and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.1)
    finally:
        node.destroy_subscription(sub)
    return ready[0]


def has_manager(node: Node, timeout: float) -> bool:
    """Whether a lifecycle_manager publishes groundplan/ready, given discovery `timeout` seconds to find it."""
    deadline = time.monotonic() + timeout
    while not node.count_publishers(READY_TOPIC) and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.1)
    return bool(node.count_publishers(READY_TOPIC))


def run_task(instruction: str, strategy: str = "", skip_perception: bool = False, timeout: float = 600.0,
             cancel_after: float | None = None, server_timeout: float = 30.0, goal: str = "",
             require_ready: bool = False) -> int:
    """Returns the result code (0 on success). `goal`: an explicit goal in the planner's goal language.

    `require_ready`: the graph has a lifecycle_manager (we started it): wait for groundplan/ready
    however late its publisher is discovered, rather than only where one is seen within a few seconds.
    """
    rclpy.init()
    node = rclpy.create_node("groundplan_task_client")
    latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    seen: set[float] = set()

    def on_plan(plan: Plan) -> None:
        key = plan.header.stamp.sec + plan.header.stamp.nanosec * 1e-9
        if key not in seen and (plan.steps or plan.refused):
            seen.add(key)
            print_plan(plan)

    node.create_subscription(Plan, "executor/plan", on_plan, latched)
    client = ActionClient(node, ExecuteTask, "execute_task")
    try:
        if not client.wait_for_server(timeout_sec=server_timeout):
            print(f"no execute_task server after {server_timeout:.0f} s: is the graph running "
                  "(groundplan ros up, or ros2 launch groundplan sim.launch.py)?", flush=True)
            return int(ResultCode.EXECUTION_FAILED)
        # a graph with a lifecycle_manager says when its nodes are active; one brought up by hand does not.
        # The execute_task server exists from configure on, so its discovery does not mean the graph is up.
        if (require_ready or has_manager(node, 5.0)) and not wait_ready(node, server_timeout):
            print(f"the graph did not report ready on {READY_TOPIC} within {server_timeout:.0f} s: "
                  "the lifecycle_manager's log says which node failed", flush=True)
            return int(ResultCode.NOT_ACTIVE)

        def on_feedback(msg) -> None:
            fb = msg.feedback
            if fb.phase != "executing":
                print(f"  .. {fb.phase}{f': {fb.status}' if fb.status else ''}", flush=True)
            elif fb.status == "started":  # attempt.step, and the steps started so far over all attempts
                print(f"  -> [{fb.replans}.{fb.step_index + 1}] #{fb.steps_started} {fb.step.text}", flush=True)
            elif fb.status:
                reason = f": {fb.step.reason}" if fb.step.reason else ""
                print(f"     {fb.status}{reason}", flush=True)

        print(f"instruction: {instruction}", flush=True)
        goal = ExecuteTask.Goal(instruction=instruction, goal=goal, strategy=strategy, skip_perception=skip_perception)
        future = client.send_goal_async(goal, feedback_callback=on_feedback)
        rclpy.spin_until_future_complete(node, future, timeout_sec=server_timeout)
        handle = future.result()
        if handle is None or not handle.accepted:
            print("execute_task rejected the goal: a task is running, the robot may still be moving after a cancel "
                  "its driver did not confirm, or the node is not active (executor_node's log says which)",
                  flush=True)
            return int(ResultCode.INVALID_REQUEST)
        result_future = handle.get_result_async()
        start = time.monotonic()
        cancelled = False
        while not result_future.done() and time.monotonic() - start < timeout:
            rclpy.spin_once(node, timeout_sec=0.1)
            if cancel_after is not None and not cancelled and time.monotonic() - start > cancel_after:
                print("  .. cancelling", flush=True)
                handle.cancel_goal_async()
                cancelled = True
        if not result_future.done():
            print(f"no result after {timeout:.0f} s", flush=True)
            return int(ResultCode.TIMEOUT)
        for _ in range(5):  # plans and feedback still in flight
            rclpy.spin_once(node, timeout_sec=0.05)
        result = result_future.result().result
        print(f"result: {ResultCode(result.code.value).name}: {result.message}; replans: {result.replans}", flush=True)
        return int(result.code.value)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
