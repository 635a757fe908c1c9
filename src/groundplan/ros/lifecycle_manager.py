"""lifecycle_manager: brings a graph's managed nodes up in order and says when the graph is ready.

It configures every node in `nodes` (all at once: configure is where models load), then activates
them one by one in that order (the skill server first, so its /world/state is there for the others),
and publishes `groundplan/ready` (std_msgs/Bool, latched): true once every node is active. A node
that is not running, does not answer a transition within its timeout, or refuses one is logged
by name and the graph stays not ready (the node's own log says why it refused).

It then checks the nodes' states every `supervise_period` seconds: ready turns false while any
node is not active, and a node it saw active (or lost) that comes back unconfigured, a restarted
process, is configured and activated again. A node someone deactivated by hand is left alone.
"""

from __future__ import annotations

from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from std_msgs.msg import Bool

from groundplan.ros.common import LATCHED, Param, ParameterView, declare, spin, wait_future
from groundplan.ros.graph import managed_nodes

READY_TOPIC = "groundplan/ready"
PARAMS = {
    "nodes": Param(tuple(managed_nodes("sim")), "managed nodes, configured together then activated in this order"),
    "wait_timeout": Param(60.0, "seconds to wait for a node's lifecycle services to appear", low=0.1, high=3600.0),
    "transition_timeout": Param(120.0, "seconds a node may take to answer one transition (configure loads "
                                       "models)", low=0.1, high=3600.0),
    "supervise_period": Param(2.0, "seconds between checks of the nodes' states; 0: bring the graph up once",
                              low=0.0, high=3600.0),
}
UNCONFIGURED, INACTIVE, ACTIVE = (State.PRIMARY_STATE_UNCONFIGURED, State.PRIMARY_STATE_INACTIVE,
                                  State.PRIMARY_STATE_ACTIVE)
LABELS = {UNCONFIGURED: "unconfigured", INACTIVE: "inactive", ACTIVE: "active",
          State.PRIMARY_STATE_FINALIZED: "finalized", None: "unreachable"}


class LifecycleManager(Node):
    def __init__(self, **kwargs):
        super().__init__("lifecycle_manager", **kwargs)
        for name, why in declare(self, PARAMS).items():
            self.get_logger().error(f"parameter {name}: {why}; using its default")
        self.params = ParameterView(self, list(PARAMS))
        self.nodes = list(self.params["nodes"])
        group = ReentrantCallbackGroup()
        self.change_state = {n: self.create_client(ChangeState, f"{n}/change_state", callback_group=group)
                             for n in self.nodes}
        self.get_state = {n: self.create_client(GetState, f"{n}/get_state", callback_group=group) for n in self.nodes}
        self.ready_pub = self.create_publisher(Bool, READY_TOPIC, LATCHED)
        self.ready: bool | None = None
        self.seen: dict[str, int | None] = {}  # the state each node was last seen in (None: not reachable)
        self._publish(False)
        self._group = MutuallyExclusiveCallbackGroup()  # one bring-up or check at a time
        # On the steady clock: under use_sim_time the ROS clock stands still until sim_node, which this
        # node brings up, publishes /clock.
        self._steady = Clock(clock_type=ClockType.STEADY_TIME)
        self._start = self.create_timer(0.1, self._first, callback_group=self._group, clock=self._steady)

    def _publish(self, ready: bool) -> None:
        if ready != self.ready:
            self.ready = ready
            self.ready_pub.publish(Bool(data=ready))

    def _first(self) -> None:
        self.destroy_timer(self._start)
        self.bring_up(self.nodes)
        if self.params["supervise_period"] > 0:
            self.create_timer(self.params["supervise_period"], self.supervise, callback_group=self._group,
                              clock=self._steady)

    # ------------------------------------------------------------------ calls to the managed nodes
    def state(self, node: str, wait: float) -> int | None:
        """The node's primary state, or None when it does not answer within `wait` seconds."""
        client = self.get_state[node]
        if not client.wait_for_service(timeout_sec=wait):
            return None
        response = wait_future(client.call_async(GetState.Request()), wait)
        return None if response is None else response.current_state.id

    def _transition(self, node: str, transition: int):
        return self.change_state[node].call_async(ChangeState.Request(transition=Transition(id=transition)))

    def _answer(self, node: str, future, label: str) -> str | None:
        """Why a transition failed, or None when it succeeded."""
        response = wait_future(future, self.params["transition_timeout"])
        if response is None:
            return f"{node} did not answer {label} within {self.params['transition_timeout']:.0f} s"
        if not response.success:
            return f"{node} refused to {label} (its log says why)"
        return None

    # ------------------------------------------------------------------ bring-up and supervision
    def bring_up(self, nodes: list[str]) -> bool:
        """Configure `nodes` together, then activate them in order; True when all of them are active."""
        self._publish(False)
        failures, pending = [], {}
        for node in nodes:
            state = self.state(node, self.params["wait_timeout"])
            self.seen[node] = state
            if state is None:
                failures.append(f"{node} is not running: no {node}/get_state service after "
                                f"{self.params['wait_timeout']:.0f} s")
            elif state == UNCONFIGURED:
                pending[node] = self._transition(node, Transition.TRANSITION_CONFIGURE)
        for node, future in pending.items():
            why = self._answer(node, future, "configure")
            if why is None:
                self.seen[node] = INACTIVE
            else:
                failures.append(why)
        for node in nodes:
            if failures:
                break
            if self.seen[node] == INACTIVE:
                why = self._answer(node, self._transition(node, Transition.TRANSITION_ACTIVATE), "activate")
                if why is None:
                    self.seen[node] = ACTIVE
                else:
                    failures.append(why)
            elif self.seen[node] != ACTIVE:
                failures.append(f"{node} is {LABELS.get(self.seen[node])}, neither inactive nor active")
        for why in failures:
            self.get_logger().error(f"{why}: the graph is not ready")
        ready = all(self.seen.get(n) == ACTIVE for n in self.nodes)
        if ready:
            self.get_logger().info(f"graph ready: {', '.join(self.nodes)} active")
        self._publish(ready)
        return not failures

    def supervise(self) -> None:
        restarted = []
        for node in self.nodes:
            before, now = self.seen.get(node), self.state(node, 1.0)
            self.seen[node] = now
            if now == UNCONFIGURED and before in (ACTIVE, None):
                restarted.append(node)
            elif now != before:
                self.get_logger().warning(f"{node} went from {LABELS.get(before)} to {LABELS.get(now)}")
        if restarted:
            self.get_logger().warning(f"{', '.join(restarted)} came back unconfigured (restarted): bringing it up")
            self.bring_up(restarted)
        self._publish(all(self.seen.get(n) == ACTIVE for n in self.nodes))


def main(args=None) -> int:
    return spin(LifecycleManager, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
