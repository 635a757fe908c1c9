"""Plumbing shared by the nodes: QoS profiles, managed (lifecycle) nodes and their parameters, the spin loop."""

from __future__ import annotations

import functools
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import rclpy
from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, SetParametersResult
from rclpy.action import GoalResponse
from rclpy.client import Client
from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.lifecycle import LifecycleNode, LifecyclePublisher, LifecycleState, TransitionCallbackReturn
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.publisher import Publisher
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.service import Service
from rclpy.signals import SignalHandlerOptions
from rclpy.subscription import Subscription
from rclpy.timer import Timer

from groundplan.errors import GroundplanError
from groundplan.ros.convert import code_msg
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


@dataclass(frozen=True)
class Param:
    """A node parameter: its default (which fixes its type), what it means, and the values it may take.

    A `configure` parameter is read when the node configures (a scene, a model, a server's name): it
    can be set only while the node is unconfigured, so a new value never sits unused until some
    later reconfigure. The others are read at each use: a new value applies to the next request.
    """

    default: bool | int | float | str | tuple[str, ...]
    description: str
    low: float | None = None  # inclusive range of a number: give both ends or neither
    high: float | None = None
    choices: tuple[str, ...] = ()  # the values a string may take
    configure: bool = False

    def descriptor(self) -> ParameterDescriptor:
        text = self.description
        if self.configure:
            text += " (read at configure: set it while the node is unconfigured)"
        descriptor = ParameterDescriptor(description=text)
        if self.choices:
            descriptor.additional_constraints = f"one of: {', '.join(self.choices)}"
        if self.low is not None and isinstance(self.default, int) and not isinstance(self.default, bool):
            descriptor.integer_range = [IntegerRange(from_value=int(self.low), to_value=int(self.high), step=0)]
        elif self.low is not None:
            descriptor.floating_point_range = [FloatingPointRange(from_value=float(self.low),
                                                                  to_value=float(self.high), step=0.0)]
        return descriptor

    def check(self, value: Any) -> str | None:
        """Why `value` is not allowed, or None; ROS itself checks the type and the range."""
        if self.choices and value not in self.choices:
            return f"unknown value {value!r}; choose one of {', '.join(self.choices)}"
        return None


def declare(node: Node, params: dict[str, Param]) -> dict[str, str]:
    """Declare parameters with their descriptors; returns why each refused value (YAML, override) was refused.

    A refused value leaves the default in place, so a bad parameters file fails the configure
    transition with its reason (and can be fixed with a parameter set) instead of killing the process.
    """
    refused = {}
    for name, spec in params.items():
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        try:
            node.declare_parameter(name, default, spec.descriptor())
        except (InvalidParameterTypeException, InvalidParameterValueException) as exc:
            refused[name] = str(exc)
            node.declare_parameter(name, default, spec.descriptor(), ignore_override=True)
    return refused


class ParameterView(Mapping[str, Any]):
    """A node's declared parameters by name, read when asked: a value set at run time applies at its next use."""

    def __init__(self, node: Node, names: list[str]):
        self._node, self._names = node, list(names)

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        return self._node.get_parameter(name).value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _entities(node: Node) -> list:
    return [*node.publishers, *node.subscriptions, *node.services, *node.clients, *node.timers, *node.waitables]


class ManagedNode(LifecycleNode):
    """A managed (lifecycle) node: parameters declared at construction, the heavy set-up at configure.

    Subclasses implement `configure()` (models, the world, subscriptions, publishers, servers) and
    may implement `activate()`, `deactivate()` and `release()` (what configure made besides ROS
    entities). The ROS entities configure() creates are destroyed at cleanup, and those activate()
    creates (timers) at deactivate, so the node can be configured again with new parameters.
    Publishers should be lifecycle publishers (silent unless active). Servers exist from configure
    on but serve only while active: services wrapped with `when_active` answer NOT_ACTIVE, action
    servers given `goal_gate` reject goals. A goal already running when the node is deactivated runs on.
    """

    def __init__(self, node_name: str, params: dict[str, Param], **kwargs):
        super().__init__(node_name, **kwargs)
        self.specs = params
        self._refused = declare(self, params)
        self.params = ParameterView(self, list(params))
        self.failure = ""  # why the last transition failed, for whoever drives the node in-process
        self._configured = self._active = False
        self._made: dict[str, list] = {"configure": [], "activate": []}
        self.add_on_set_parameters_callback(self._on_set_parameters)

    # ------------------------------------------------------------------ what subclasses implement
    def configure(self) -> None:
        """Read parameters, load models, create entities; raise (a GroundplanError says what was wrong) to fail."""

    def activate(self) -> None:
        """Start serving: publish initial state, start timers."""

    def deactivate(self) -> None:
        """Stop what activate() started besides its ROS entities."""

    def release(self) -> None:
        """Free what configure() made besides ROS entities (a simulator, files)."""

    # ------------------------------------------------------------------ state
    def not_active_reason(self) -> str:
        state = "inactive" if self._configured else "unconfigured"
        return (f"{self.get_name()} is {state}, not active: the lifecycle_manager activates it when the graph "
                f"comes up (groundplan/ready), or `ros2 lifecycle set {self.get_fully_qualified_name()} activate`")

    def when_active(self, callback: Callable) -> Callable:
        """A service callback that answers NOT_ACTIVE, saying how to bring the node up, while it is not active."""

        @functools.wraps(callback)
        def serve(request, response):
            if not self._active:
                response.code, response.message = code_msg(ResultCode.NOT_ACTIVE), self.not_active_reason()
                return response
            return callback(request, response)

        return serve

    def goal_gate(self, handle_goal: Callable | None = None) -> Callable:
        """An action server's goal callback: reject while not active, else ask `handle_goal` (default: accept)."""

        def gate(goal_request):
            if not self._active:
                self.get_logger().warning(f"goal rejected: {self.not_active_reason()}")
                return GoalResponse.REJECT
            return handle_goal(goal_request) if handle_goal is not None else GoalResponse.ACCEPT

        return gate

    # ------------------------------------------------------------------ parameters
    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        for param in parameters:
            spec = self.specs.get(param.name)
            if spec is None:
                continue
            if spec.configure and self._configured:
                return SetParametersResult(successful=False, reason=(
                    f"{param.name} is read at configure: deactivate and clean up {self.get_name()} first, "
                    "set it, then configure and activate again"))
            why = spec.check(param.value)
            if why:
                return SetParametersResult(successful=False, reason=f"{param.name}: {why}")
        for param in parameters:
            self._refused.pop(param.name, None)
        return SetParametersResult(successful=True)

    def _problems(self) -> list[str]:
        problems = [f"parameter {name}: {why}" for name, why in self._refused.items()]
        for name, spec in self.specs.items():
            why = spec.check(self.params[name])
            if why:
                problems.append(f"parameter {name}: {why}")
        return problems

    # ------------------------------------------------------------------ transitions
    def _transition_failed(self, transition: str, reason: str) -> TransitionCallbackReturn:
        self.failure = f"{transition} failed: {reason}"
        self.get_logger().error(self.failure)
        return TransitionCallbackReturn.FAILURE

    def _set_up(self, step: str, body: Callable[[], None]) -> str | None:
        """Run configure() or activate(), keeping the entities it creates; why it failed, or None."""
        before = set(_entities(self))
        try:
            body()
        except Exception as exc:  # any fault while setting up: the node stays up, unconfigured, and says why
            self._destroy([e for e in _entities(self) if e not in before])
            return str(exc) if isinstance(exc, (GroundplanError, ValueError, OSError)) else repr(exc)
        self._made[step] = [e for e in _entities(self) if e not in before]
        return None

    def _destroy(self, entities: list) -> None:
        for entity in reversed(entities):
            if isinstance(entity, LifecyclePublisher):
                self.destroy_lifecycle_publisher(entity)
            elif isinstance(entity, Publisher):
                self.destroy_publisher(entity)
            elif isinstance(entity, Subscription):
                self.destroy_subscription(entity)
            elif isinstance(entity, Service):
                self.destroy_service(entity)
            elif isinstance(entity, Client):
                self.destroy_client(entity)
            elif isinstance(entity, Timer):
                self.destroy_timer(entity)
            else:  # action servers and clients
                entity.destroy()

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        problems = self._problems()
        if problems:
            return self._transition_failed("configure", "; ".join(problems))
        self._configured = True  # configure parameters are fixed from here on
        why = self._set_up("configure", self.configure)
        if why is not None:
            self._configured = False
            self.release()
            return self._transition_failed("configure", why)
        self.failure = ""
        self.get_logger().info("configured")
        return super().on_configure(state)

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        super().on_activate(state)  # lifecycle publishers first: activate() may publish
        self._active = True
        why = self._set_up("activate", self.activate)
        if why is not None:
            self._active = False
            super().on_deactivate(state)
            return self._transition_failed("activate", why)
        self.get_logger().info("active")
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._active = False
        self.deactivate()
        self._destroy(self._made["activate"])
        self._made["activate"] = []
        self.get_logger().info("inactive")
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._destroy(self._made["configure"])
        self._made["configure"] = []
        self.release()
        self._configured = False
        self.get_logger().info("unconfigured")
        return super().on_cleanup(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        if self._active:
            self.on_deactivate(state)
        if self._configured:
            self.on_cleanup(state)
        return super().on_shutdown(state)

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        """A transition raised: drop everything and go back to unconfigured."""
        self.get_logger().error(f"a transition from {state.label} raised; back to unconfigured")
        self._active = False
        self._destroy(self._made["activate"] + self._made["configure"])
        self._made = {"configure": [], "activate": []}
        if self._configured:
            self._configured = False
            self.release()
        return TransitionCallbackReturn.SUCCESS

    def close(self) -> None:
        """At process exit: free what configure made (the ROS entities go with the node)."""
        if self._configured:
            self._configured = False
            self.release()


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


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def init_node_process(args: list[str]) -> None:
    """Rclpy for a process that spins nodes until Ctrl-C or SIGTERM, both a KeyboardInterrupt.

    Not rclpy's handlers: they invalidate the context at once, while the executor's other threads may
    still publish ("publisher's context is invalid" at every stop), and spin_nodes then closes the
    nodes (flushing their recordings) before shutting rclpy down.
    """
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    signal.signal(signal.SIGTERM, _interrupt)


def spin(make_node: Callable[[], Node], args=None) -> int:
    """Run one node (a console script's main)."""
    init_node_process(args if args is not None else sys.argv)
    return spin_nodes([make_node()])
