"""A graph whose skill server is not there answers with a clear error, not a hang.

Its own module, so its rclpy context does not overlap the running graph of test_ros_graph.
"""

import time

import rclpy
from test_ros_graph import READY_TIMEOUT, send_task, start_graph, unique_namespace

from groundplan.ros.client import wait_ready
from groundplan.ros.runner import stop_processes
from groundplan.types.results import ResultCode


def test_missing_skill_server_is_a_clear_error(tmp_path):
    namespace = unique_namespace("missing_server")
    procs = start_graph(tmp_path, "robot", namespace, sets=["executor_node.server_timeout=2.0"])
    try:
        rclpy.init()
        node = rclpy.create_node("groundplan_missing_server_test", namespace=namespace)
        assert wait_ready(node, READY_TIMEOUT), "the robot graph needs no skill server to come up"
        start = time.monotonic()
        result, _ = send_task(node, "Put a mug in the fridge")
        assert result.code.value == ResultCode.EXECUTION_FAILED
        assert "no skill server answers on 'execute_skill'" in result.message
        assert time.monotonic() - start < 30
        node.destroy_node()
    finally:
        rclpy.try_shutdown()
        stop_processes(procs)
