"""The robot driver contract's conformance check: `groundplan ros check-driver`.

A scripted session against any execute_skill server and the world/state it publishes. Each rule of
docs/robot-driver.md gets a verdict, PASS or FAIL, with what was seen. The session moves the robot:
a goto to a fixture, a goto to another one during which a second goal is sent, a goto cancelled at
once; and it sends requests the driver must refuse without moving anything.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import rclpy
from action_msgs.msg import GoalStatus
from groundplan_interfaces.action import ExecuteSkill
from groundplan_interfaces.msg import WorldState as WorldStateMsg
from rclpy.action import ActionClient
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, ReliabilityPolicy

from groundplan.errors import GroundplanError
from groundplan.ros.common import LATCHED
from groundplan.ros.convert import msg_to_world_state
from groundplan.types.catalog import default_catalog
from groundplan.types.results import ResultCode
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    id: str  # the rule's name in docs/robot-driver.md
    text: str


RULES = (
    Rule("state-qos", "world/state is published RELIABLE + TRANSIENT_LOCAL: a late subscriber gets the latest state"),
    Rule("state-valid", "the state reads cleanly: ids, catalog categories, parents, known flags, robot_at a "
                        "fixture, holding an item"),
    Rule("state-fresh", "the state is published again within state_max_age (the driver republishes it every second)"),
    Rule("unknown-skill", "an unknown skill is answered INVALID_REQUEST with a message"),
    Rule("argument-count", "a skill with the wrong number of arguments is answered INVALID_REQUEST with a message"),
    Rule("unknown-object", "an argument that names no object of the state is answered INVALID_REQUEST with a message"),
    Rule("step-effect", "a valid step (goto a fixture) is answered SUCCESS and the state shows its effect"),
    Rule("state-before-answer", "the answer's state_stamp names the state published after the effects, "
                                "there when the answer is"),
    Rule("failure-not-success", "a step whose preconditions fail is answered with a failure code and a message, "
                                "never SUCCESS, and changes nothing"),
    Rule("busy", "a second goal sent while a skill runs is rejected"),
    Rule("cancel", "a cancelled skill stops the robot, then answers CANCELLED; nothing moves after that answer"),
    Rule("answer-status", "every answer ends its goal as its code says (SUCCESS: succeeded, CANCELLED: canceled, "
                          "any other: aborted)"),
)
STATUS = {ResultCode.SUCCESS: GoalStatus.STATUS_SUCCEEDED, ResultCode.CANCELLED: GoalStatus.STATUS_CANCELED}
STATUS_NAMES = {GoalStatus.STATUS_SUCCEEDED: "succeeded", GoalStatus.STATUS_CANCELED: "canceled",
                GoalStatus.STATUS_ABORTED: "aborted"}
GRACE = 0.3  # seconds after an answer in which the state it names may still arrive (separate DDS topics)


@dataclass
class CheckConfig:
    action: str = "execute_skill"
    state_topic: str = "world/state"
    fixture: str = ""  # the goto target; default: the receptacle farthest from the robot
    answer_timeout: float = 120.0  # seconds a skill may take to answer
    state_max_age: float = 5.0  # as executor_node's parameter of that name
    settle: float = 2.0  # seconds to watch the state after a cancelled skill's answer


@dataclass
class Verdict:
    rule: Rule
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.rule.id:<20} {self.rule.text}\n      {self.detail}"


@dataclass
class Answer:
    skill: str
    arguments: list[str]
    code: ResultCode
    message: str
    status: int
    state_stamp: float  # seconds; 0 when the answer names no state
    received: float  # monotonic time it arrived here

    @property
    def text(self) -> str:
        return f"{self.code.name} {self.message!r}" if self.message else f"{self.code.name} with no message"


@dataclass
class _Seen:
    msg: WorldStateMsg
    received: float  # monotonic

    @property
    def stamp(self) -> float:
        return _seconds(self.msg.header.stamp)


class Rejected(Exception):
    """The driver rejected a goal."""


class DriverCheck:
    """One conformance session on `node` (which it spins); `run()` gives a verdict per rule."""

    def __init__(self, node: Node, config: CheckConfig | None = None):
        self.node = node
        self.config = config or CheckConfig()
        self.topic = node.resolve_topic_name(self.config.state_topic)
        self.states: list[_Seen] = []
        self.answers: list[Answer] = []
        self.verdicts: dict[str, Verdict] = {}
        self.client = ActionClient(node, ExecuteSkill, self.config.action)
        node.create_subscription(WorldStateMsg, self.config.state_topic,
                                 lambda msg: self.states.append(_Seen(msg, time.monotonic())), LATCHED)

    # ------------------------------------------------------------------ plumbing
    def spin_until(self, done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            rclpy.spin_once(self.node, timeout_sec=0.02)
        return done()

    def spin_for(self, seconds: float) -> None:
        self.spin_until(lambda: False, seconds)

    def verdict(self, rule_id: str, passed: bool, detail: str) -> None:
        rule = next(r for r in RULES if r.id == rule_id)
        self.verdicts.setdefault(rule_id, Verdict(rule, passed, detail))

    def send(self, skill: str, arguments: list[str]):
        """Send a goal; its handle once the driver took it, or Rejected."""
        future = self.client.send_goal_async(ExecuteSkill.Goal(skill=skill, arguments=arguments))
        if not self.spin_until(future.done, self.config.answer_timeout):
            raise GroundplanError(f"{self.config.action!r} did not take or reject {skill} {arguments} within "
                                  f"{self.config.answer_timeout:.0f} s")
        handle = future.result()
        if not handle.accepted:
            raise Rejected(f"{skill} {arguments}")
        return handle

    def result(self, handle, skill: str, arguments: list[str], future=None) -> Answer:
        """The answer to a goal (`future`: its result future, where one was asked for already)."""
        future = future or handle.get_result_async()
        if not self.spin_until(future.done, self.config.answer_timeout):
            raise GroundplanError(f"no answer to {skill} {arguments} within {self.config.answer_timeout:.0f} s")
        response = future.result()
        answer = Answer(skill, arguments, ResultCode(response.result.code.value), response.result.message,
                        response.status, _seconds(response.result.state_stamp), time.monotonic())
        self.answers.append(answer)
        return answer

    def ask(self, skill: str, arguments: list[str]) -> Answer:
        return self.result(self.send(skill, arguments), skill, arguments)

    def latest(self, until: float | None = None) -> _Seen | None:
        seen = [s for s in self.states if until is None or s.received <= until]
        return seen[-1] if seen else None

    def named(self, answer: Answer) -> _Seen | None:
        """The state the answer names by its state_stamp, if it has come."""
        return next((s for s in self.states if answer.state_stamp and s.stamp == answer.state_stamp), None)

    def after(self, answer: Answer) -> _Seen | None:
        """The state after an answer: the one it names, else the latest once the grace has passed."""
        self.spin_until(lambda: self.named(answer) is not None, GRACE)
        return self.named(answer) or self.latest()

    # ------------------------------------------------------------------ the session
    def run(self) -> list[Verdict]:
        try:
            self._session()
        except GroundplanError as exc:  # a driver that stops answering: the rest is not checked
            log.debug("session ended early: %s", exc)
            for rule in RULES:
                self.verdict(rule.id, False, f"not checked: {exc}")
        return [self.verdicts[r.id] for r in RULES]

    def _session(self) -> None:
        cfg = self.config
        if not self.spin_until(lambda: bool(self.states), cfg.state_max_age):
            raise GroundplanError(f"no state on {self.topic} within {cfg.state_max_age:.0f} s")
        self._check_qos()
        first = self.states[0]
        try:
            scene, state = msg_to_world_state(first.msg)
        except GroundplanError as exc:
            self.verdict("state-valid", False, f"the state does not read: {exc}")
            raise GroundplanError("the state does not read, so no step can be chosen") from exc
        self.verdict("state-valid", True, f"{len(scene.objects)} objects, robot at {state.robot_at or 'no fixture'}, "
                                          f"holding {state.holding or 'nothing'}")
        fresh = self.spin_until(lambda: self.states[-1].received > first.received, cfg.state_max_age)
        self.verdict("state-fresh", fresh,
                     f"published again after {self.states[-1].received - first.received:.2f} s" if fresh else
                     f"no new state within {cfg.state_max_age:.1f} s of the first: a state that old is stale")
        if not self.client.wait_for_server(timeout_sec=cfg.state_max_age):
            raise GroundplanError(f"no execute_skill server on {self.node.resolve_topic_name(cfg.action)!r}")
        target, other = self._fixtures(scene, state)
        self._malformed(target)
        self._step(target)
        self._failure(scene, target)
        self._busy(target, other)
        self._cancel(target)
        self._statuses()

    def _check_qos(self) -> None:
        self.spin_until(lambda: bool(self.node.get_publishers_info_by_topic(self.topic)), 2.0)
        infos = self.node.get_publishers_info_by_topic(self.topic)
        wrong = [f"{i.node_namespace.rstrip('/')}/{i.node_name} publishes it {i.qos_profile.reliability.name} + "
                 f"{i.qos_profile.durability.name}" for i in infos
                 if i.qos_profile.reliability != ReliabilityPolicy.RELIABLE
                 or i.qos_profile.durability != DurabilityPolicy.TRANSIENT_LOCAL]
        if wrong:
            self.verdict("state-qos", False, "; ".join(wrong))
        else:
            self.verdict("state-qos", True, f"a late subscriber got the state ({len(infos)} publisher"
                                            f"{'s' * (len(infos) != 1)}, RELIABLE + TRANSIENT_LOCAL)")

    def _fixtures(self, scene: Scene, state: WorldState) -> tuple[str, str]:
        """The goto target, and a second fixture far from it."""
        catalog = default_catalog()
        places = [o for o in scene.objects if not catalog.get(o.category).is_item
                  and catalog.get(o.category).has("receptacle") and o.id != state.robot_at]
        if self.config.fixture:
            if self.config.fixture not in scene:
                raise GroundplanError(f"--fixture {self.config.fixture!r} is not an object of the state")
            target = scene.get(self.config.fixture)
        elif places:
            x, y, _ = scene.robot_pose
            target = max(places, key=lambda o: math.dist((x, y), o.position[:2]))
        else:
            raise GroundplanError("the state has no receptacle fixture to go to")
        others = [o for o in places if o.id != target.id]
        if not others:
            raise GroundplanError("the state has no second receptacle fixture to go to")
        other = max(others, key=lambda o: math.dist(target.position[:2], o.position[:2]))
        return target.id, other.id

    def _expect_invalid(self, rule_id: str, skill: str, arguments: list[str]) -> None:
        try:
            answer = self.ask(skill, arguments)
        except Rejected:
            self.verdict(rule_id, False, f"{skill} {arguments}: the goal was rejected; the contract asks for an "
                                         "answer INVALID_REQUEST with a message")
            return
        ok = answer.code == ResultCode.INVALID_REQUEST and bool(answer.message)
        self.verdict(rule_id, ok, f"{skill} {arguments}: {answer.text}")

    def _malformed(self, target: str) -> None:
        self._expect_invalid("unknown-skill", "fly", [target])
        self._expect_invalid("argument-count", "goto", [target, target])
        self._expect_invalid("unknown-object", "goto", ["no_such_object_1"])

    def _step(self, target: str) -> None:
        try:
            answer = self.ask("goto", [target])
        except Rejected:
            raise GroundplanError(f"goto {target}: the goal was rejected") from None
        at_answer = self.latest(answer.received)
        named = self.after(answer)
        arrived = self.spin_until(lambda: self.states[-1].msg.robot_at == target, self.config.state_max_age)
        self.verdict("step-effect", answer.code == ResultCode.SUCCESS and arrived,
                     f"goto {target}: {answer.text}; " + (f"the state shows robot_at {target}" if arrived else
                                                          f"no state showed robot_at {target} within "
                                                          f"{self.config.state_max_age:.0f} s"))
        if not answer.state_stamp:
            seen = at_answer.msg.robot_at if at_answer else "no state"
            self.verdict("state-before-answer", False, f"goto {target}: state_stamp is zero (it names no state); the "
                                                       f"state there at the answer had robot_at {seen!r}")
        elif named is None or named.received > answer.received + GRACE:
            self.verdict("state-before-answer", False, f"goto {target}: no state stamped {answer.state_stamp:.3f} "
                                                       f"came within {GRACE} s of the answer")
        else:
            self.verdict("state-before-answer", named.msg.robot_at == target,
                         f"goto {target}: the state stamped {answer.state_stamp:.3f} has robot_at "
                         f"{named.msg.robot_at!r}")

    def _failure(self, scene: Scene, at: str) -> None:
        """Put an item the robot does not hold: its preconditions fail whatever the state."""
        before = self.latest()
        held = before.msg.holding
        item = next((o.id for o in scene.objects if default_catalog().get(o.category).is_item and o.id != held), None)
        if item is None:
            self.verdict("failure-not-success", False, "not checked: the state has no item")
            return
        try:
            answer = self.ask("put", [item, at])
        except Rejected:
            self.verdict("failure-not-success", False, f"put {item} {at}: the goal was rejected")
            return
        after = self.after(answer)
        unchanged = _atoms(after.msg) == _atoms(before.msg)
        ok = answer.code in (ResultCode.PRECONDITION_FAILED, ResultCode.EXECUTION_FAILED) and bool(answer.message)
        self.verdict("failure-not-success", ok and unchanged,
                     f"put {item} {at} (not held): {answer.text}" + ("" if unchanged else "; the state changed"))

    def _busy(self, target: str, other: str) -> None:
        first = self.send("goto", [other])
        first_result = first.get_result_async()
        try:
            second = self.send("goto", [target])
        except Rejected:
            second = None
        ran = not first_result.done()  # the first skill had not answered when the second goal was decided on
        answer = self.result(first, "goto", [other], first_result)
        if second is not None:
            self.result(second, "goto", [target])
        if not ran:
            self.verdict("busy", False, f"not checked: goto {other} answered ({answer.code.name}) before the second "
                                        "goal was decided on; give a fixture farther away (--fixture)")
        elif second is not None:
            self.verdict("busy", False, f"goto {target} was accepted while goto {other} ran")
        else:
            self.verdict("busy", True, f"goto {target} rejected while goto {other} ran (which then answered "
                                       f"{answer.code.name})")

    def _cancel(self, target: str) -> None:
        start = time.monotonic()
        handle = self.send("goto", [target])
        cancel = handle.cancel_goal_async()
        answer = self.result(handle, "goto", [target])
        self.spin_until(cancel.done, self.config.answer_timeout)
        if answer.code != ResultCode.CANCELLED:
            self.verdict("cancel", False, f"goto {target} cancelled as soon as it was accepted: {answer.text} after "
                                          f"{answer.received - start:.2f} s")
            return
        stopped = self.after(answer)
        self.spin_for(self.config.settle)
        moved = [s for s in self.states if s.received > answer.received and _where(s.msg) != _where(stopped.msg)]
        if moved:
            self.verdict("cancel", False, f"goto {target}: answered CANCELLED, then the robot moved on: "
                                          f"{_describe(moved[-1].msg)} {moved[-1].received - answer.received:.2f} s "
                                          "after the answer")
        else:
            self.verdict("cancel", True, f"goto {target}: CANCELLED after {answer.received - start:.2f} s; "
                                         f"{_describe(stopped.msg)} and stayed so for {self.config.settle:.1f} s")

    def _statuses(self) -> None:
        wrong = []
        for a in self.answers:
            want = STATUS.get(a.code, GoalStatus.STATUS_ABORTED)
            if a.status != want:
                wrong.append(f"{a.skill} {a.arguments}: {a.code.name} but the goal ended "
                             f"{STATUS_NAMES.get(a.status, a.status)}")
            elif a.code != ResultCode.SUCCESS and not a.message:
                wrong.append(f"{a.skill} {a.arguments}: {a.code.name} with no message")
        self.verdict("answer-status", not wrong, "; ".join(wrong) or f"{len(self.answers)} answers, each consistent")


def _seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def _atoms(msg: WorldStateMsg) -> frozenset:
    return msg_to_world_state(msg)[1].atoms()


def _where(msg: WorldStateMsg) -> tuple:
    """Where the robot is and what it holds, to the centimetre."""
    p = msg.robot_pose.position
    return msg.robot_at, msg.holding, round(p.x, 2), round(p.y, 2)


def _describe(msg: WorldStateMsg) -> str:
    p = msg.robot_pose.position
    return f"robot_at {msg.robot_at!r} at ({p.x:.2f}, {p.y:.2f})"


def check_driver(node: Node, config: CheckConfig | None = None) -> list[Verdict]:
    """Run the session on an rclpy node; one verdict per rule, in the order of RULES."""
    return DriverCheck(node, config).run()


def run_check(config: CheckConfig, namespace: str = "") -> list[Verdict]:
    """The session from a node of its own in `namespace` (what `groundplan ros check-driver` runs)."""
    rclpy.init()
    try:
        node = rclpy.create_node("groundplan_check_driver", namespace=namespace)
        try:
            return check_driver(node, config)
        finally:
            node.destroy_node()
    finally:
        rclpy.try_shutdown()
