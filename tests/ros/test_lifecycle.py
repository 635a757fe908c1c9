"""Managed nodes over real rclpy: lifecycle transitions, typed refusals, parameters, the manager, SIGTERM.

The nodes run in this process on a multi-threaded executor and are driven through their ROS
services (`<node>/change_state`, `<node>/set_parameters`), as `ros2 lifecycle set` and
`ros2 param set` would; planner_node with the template strategy is the lightest managed node.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest
import rclpy
from groundplan_interfaces.srv import GeneratePlan
from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.srv import SetParameters
from rclpy.executors import MultiThreadedExecutor
from rclpy.parameter import Parameter
from test_ros_graph import READY_TIMEOUT, domain_id, unique_namespace

from groundplan.ros.client import wait_ready
from groundplan.ros.convert import world_state_to_msg
from groundplan.ros.lifecycle_manager import LifecycleManager
from groundplan.ros.perception_node import PerceptionNode
from groundplan.ros.planner_node import PlannerNode
from groundplan.types.results import ResultCode
from groundplan.types.state import WorldState

TIMEOUT = 30.0
ANSWER_TIMEOUT = 120.0  # a transition that loads models, while the whole suite loads both cores (30 s fell short)


class Graph:
    """Nodes spun in a background thread, and a client node that talks to them over ROS."""

    def __init__(self, namespace: str, num_threads: int = 4):
        self.namespace = namespace
        self.executor = MultiThreadedExecutor(num_threads=num_threads)
        self.client = rclpy.create_node("lifecycle_test_client", namespace=namespace)
        self.executor.add_node(self.client)
        self.nodes = []
        self.clients = {}  # service name -> client, kept: a client made for each call can miss its answer
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def add(self, cls, **overrides):
        node = cls(namespace=self.namespace,
                   parameter_overrides=[Parameter(k, value=v) for k, v in overrides.items()])
        self.executor.add_node(node)
        self.nodes.append(node)
        return node

    def remove(self, node) -> None:
        self.executor.remove_node(node)
        self.nodes.remove(node)
        node.destroy_node()

    def call(self, srv_type, name: str, request):
        if name not in self.clients:
            self.clients[name] = self.client.create_client(srv_type, name)
        client = self.clients[name]
        assert client.wait_for_service(timeout_sec=TIMEOUT), f"no {name} service"
        future = client.call_async(request)
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while not future.done() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert future.done(), f"{name} did not answer within {ANSWER_TIMEOUT:.0f} s"
        return future.result()

    def ready(self, timeout: float) -> bool:
        """What groundplan/ready says, from a node of its own (wait_ready spins it; the client is spun here)."""
        waiter = rclpy.create_node("lifecycle_test_waiter", namespace=self.namespace)
        try:
            return wait_ready(waiter, timeout)
        finally:
            waiter.destroy_node()

    def transition(self, node: str, transition: int) -> bool:
        return self.call(ChangeState, f"{node}/change_state",
                         ChangeState.Request(transition=Transition(id=transition))).success

    def state(self, node: str) -> str:
        return self.call(GetState, f"{node}/get_state", GetState.Request()).current_state.label

    def set(self, node: str, **values):
        request = SetParameters.Request(parameters=[Parameter(k, value=v).to_parameter_msg()
                                                    for k, v in values.items()])
        return self.call(SetParameters, f"{node}/set_parameters", request).results[0]

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=1.0)
        for node in [*self.nodes, self.client]:
            node.destroy_node()


@pytest.fixture
def graph():
    rclpy.init(domain_id=int(domain_id()))
    g = Graph(unique_namespace("lifecycle"))
    yield g
    g.close()
    rclpy.shutdown()


@pytest.fixture(scope="module")
def state_msg(kitchen):
    return world_state_to_msg(kitchen, WorldState.from_scene(kitchen))


def plan(graph: Graph, state_msg, instruction: str = "Put a mug in the fridge"):
    return graph.call(GeneratePlan, "generate_plan", GeneratePlan.Request(instruction=instruction, state=state_msg))


def test_planner_node_goes_through_its_lifecycle(graph, state_msg):
    graph.add(PlannerNode, strategy="template")
    assert graph.state("planner_node") == "unconfigured"
    assert graph.transition("planner_node", Transition.TRANSITION_CONFIGURE)
    assert graph.state("planner_node") == "inactive"
    refused = plan(graph, state_msg)  # the service exists from configure on, but refuses while inactive
    assert refused.code.value == ResultCode.NOT_ACTIVE
    assert "planner_node is inactive" in refused.message and "activate" in refused.message
    assert graph.transition("planner_node", Transition.TRANSITION_ACTIVATE)
    assert graph.state("planner_node") == "active"
    served = plan(graph, state_msg)
    assert served.code.value == ResultCode.SUCCESS, served.message
    assert served.plan.strategy == "template" and served.plan.steps
    assert graph.transition("planner_node", Transition.TRANSITION_DEACTIVATE)
    assert graph.state("planner_node") == "inactive"
    assert plan(graph, state_msg).code.value == ResultCode.NOT_ACTIVE
    assert graph.transition("planner_node", Transition.TRANSITION_INACTIVE_SHUTDOWN)
    assert graph.state("planner_node") == "finalized"


def test_an_inactive_action_server_rejects_goals(graph):
    from groundplan_interfaces.action import Perceive
    from rclpy.action import ActionClient

    graph.add(PerceptionNode, backend="world_state", wait_for_world=0.1)  # loads no detector
    assert graph.transition("perception_node", Transition.TRANSITION_CONFIGURE)
    client = ActionClient(graph.client, Perceive, "perceive")
    assert client.wait_for_server(timeout_sec=TIMEOUT)

    def send():
        future = client.send_goal_async(Perceive.Goal())
        deadline = time.monotonic() + TIMEOUT
        while not future.done() and time.monotonic() < deadline:
            time.sleep(0.01)
        return future.result()

    assert not send().accepted
    assert graph.transition("perception_node", Transition.TRANSITION_ACTIVATE)
    handle = send()
    assert handle.accepted  # and answered: no /world/state here
    future = handle.get_result_async()
    deadline = time.monotonic() + TIMEOUT
    while not future.done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert future.result().result.code.value == ResultCode.EXECUTION_FAILED
    client.destroy()


def test_configure_fails_with_the_reason_and_succeeds_once_fixed(graph):
    node = graph.add(PlannerNode, strategy="telepathy", model=3)
    assert not graph.transition("planner_node", Transition.TRANSITION_CONFIGURE)
    assert graph.state("planner_node") == "unconfigured"
    assert "strategy: unknown value 'telepathy'" in node.failure and "template" in node.failure
    assert "parameter model" in node.failure and "STRING" in node.failure
    assert graph.set("planner_node", strategy="template", model="").successful  # settable while unconfigured
    assert graph.transition("planner_node", Transition.TRANSITION_CONFIGURE)
    assert graph.state("planner_node") == "inactive"


def test_a_bad_parameter_is_refused_with_a_reason_and_a_good_one_takes_effect(graph, state_msg):
    graph.add(PlannerNode, strategy="template")
    assert graph.transition("planner_node", Transition.TRANSITION_CONFIGURE)
    assert graph.transition("planner_node", Transition.TRANSITION_ACTIVATE)
    bad = graph.set("planner_node", strategy="telepathy")
    assert not bad.successful and "unknown value 'telepathy'" in bad.reason and "classical" in bad.reason
    assert plan(graph, state_msg).plan.strategy == "template"  # unchanged
    late = graph.set("planner_node", model="/elsewhere")
    assert not late.successful and "read at configure" in late.reason
    assert graph.set("planner_node", strategy="classical").successful
    assert plan(graph, state_msg).plan.strategy == "classical"  # used by the next request

    graph.add(PerceptionNode)  # ranges and choices hold while unconfigured too; nothing heavy loads
    negative = graph.set("perception_node", service_timeout=-1.0)
    assert not negative.successful and "out of range" in negative.reason
    assert not graph.set("perception_node", views_per_sweep=0).successful
    unknown = graph.set("perception_node", strategy="everywhere")
    assert not unknown.successful and "blockwise_center" in unknown.reason
    assert not graph.set("perception_node", wait_for_world="soon").successful  # typed
    assert graph.set("perception_node", service_timeout=2.5).successful


def test_manager_brings_the_graph_up_and_back_after_a_restart(graph, state_msg):
    graph.add(PlannerNode, strategy="template")
    manager = graph.add(LifecycleManager, nodes=["planner_node"], supervise_period=0.5)
    assert graph.ready(TIMEOUT)
    assert graph.state("planner_node") == "active"
    assert plan(graph, state_msg).code.value == ResultCode.SUCCESS

    graph.remove(graph.nodes[0])  # the process died and came back: a fresh, unconfigured node
    graph.add(PlannerNode, strategy="template")
    deadline = time.monotonic() + TIMEOUT
    while graph.state("planner_node") != "active" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert graph.state("planner_node") == "active"
    assert graph.ready(TIMEOUT) and manager.seen["planner_node"] == State.PRIMARY_STATE_ACTIVE


def test_manager_reports_not_ready_when_a_node_fails(graph):
    graph.add(PlannerNode, strategy="telepathy")  # a bad parameters file: configure refuses
    manager = graph.add(LifecycleManager, nodes=["planner_node"], supervise_period=0.0)
    deadline = time.monotonic() + TIMEOUT
    while manager.seen.get("planner_node") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    assert manager.ready is False and not graph.ready(1.0)
    assert graph.state("planner_node") == "unconfigured"


def test_sigterm_to_ros_up_stops_every_node_process(tmp_path):
    namespace = unique_namespace("sigterm")
    env = {**os.environ, "ROS_DOMAIN_ID": domain_id()}
    sets = ["perception_node.backend=world_state", "planner_node.strategy=template",
            f"executor_node.run_dir={tmp_path}"]
    cmd = [sys.executable, "-m", "groundplan", "ros", "up", "--graph", "robot", "--namespace", namespace]
    for item in sets:
        cmd += ["--set", item]
    runner = subprocess.Popen(cmd, env=env)
    children = []
    try:
        rclpy.init(domain_id=int(env["ROS_DOMAIN_ID"]))
        node = rclpy.create_node("sigterm_test", namespace=namespace)
        assert wait_ready(node, READY_TIMEOUT), "the robot graph never came up"
        node.destroy_node()
        rclpy.shutdown()
        children = psutil.Process(runner.pid).children(recursive=True)
        assert len(children) == 4  # perception, planner, executor, lifecycle_manager
        runner.send_signal(signal.SIGTERM)
        code = runner.wait(TIMEOUT)
        _, alive = psutil.wait_procs(children, timeout=TIMEOUT)
        assert not alive, f"orphaned node processes: {[p.cmdline()[-6:] for p in alive]}"
        assert code == 0
    finally:
        # the runner and every node of its namespace, also where it died or the test failed before listing them
        ours = [p for p in psutil.process_iter(["cmdline"]) if namespace in " ".join(p.info["cmdline"] or ())]
        for proc in ours + children:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        rclpy.try_shutdown()
