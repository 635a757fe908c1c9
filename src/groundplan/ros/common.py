"""Plumbing shared by the nodes: QoS profiles, parameter reading, and the spin loop."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from groundplan.types.results import ResultCode

# Late joiners get the latest scene / state.
LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL,
                     history=HistoryPolicy.KEEP_LAST)
# Camera streams: drop rather than queue.
SENSOR = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT, durability=DurabilityPolicy.VOLATILE,
                    history=HistoryPolicy.KEEP_LAST)


def finish_goal(goal_handle, code: ResultCode) -> None:
    """End an action goal in the state its result code calls for."""
    if code == ResultCode.CANCELLED:
        goal_handle.canceled()
    elif code == ResultCode.SUCCESS:
        goal_handle.succeed()
    else:
        goal_handle.abort()


def wait_future(future, timeout: float | None = None, should_cancel=None, poll: float = 0.02):
    """The result of a future that other executor threads complete; None on timeout or cancel."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not future.done():
        if should_cancel is not None and should_cancel():
            return None
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(poll)
    return future.result()


def declare(node: Node, defaults: dict) -> dict:
    """Declare parameters with defaults and return their values (from YAML or overrides)."""
    for name, value in defaults.items():
        node.declare_parameter(name, value)
    return {name: node.get_parameter(name).value for name in defaults}


def spin_nodes(nodes: list[Node], num_threads: int = 4) -> int:
    """Spin nodes on one multi-threaded executor until shutdown, then close and destroy them."""
    executor = MultiThreadedExecutor(num_threads=num_threads)
    for node in nodes:
        executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        executor.shutdown(timeout_sec=1.0)
        for node in nodes:
            close = getattr(node, "close", None)
            if close is not None:
                close()
            node.destroy_node()
        rclpy.try_shutdown()
    return 0


def spin(make_node: Callable[[], Node], args=None) -> int:
    """Run one node (a console script's main)."""
    rclpy.init(args=args if args is not None else sys.argv)
    return spin_nodes([make_node()])
