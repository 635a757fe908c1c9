"""reference_driver: a robot driver with no physics that meets every rule of docs/robot-driver.md.

It serves execute_skill and publishes /world/state for a scene. Each step is checked against the
PDDL model and, where its preconditions hold, has exactly the model's effects; a skill takes
`skill_delay` seconds of wall time, and a cancel stops it before it has any. For integration tests
that need a robot but not its physics (`groundplan ros driver`), and as a model for a real driver.
"""

from __future__ import annotations

import threading
import time

from builtin_interfaces.msg import Time
from groundplan_interfaces.action import ExecuteSkill
from groundplan_interfaces.msg import WorldState as WorldStateMsg
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node

from groundplan.errors import GroundplanError, RequestError
from groundplan.ros.common import LATCHED, Param, ParameterView, declare, finish_goal, spin
from groundplan.ros.convert import code_msg, effect_words, skill_step, world_state_to_msg
from groundplan.types.actions import Step
from groundplan.types.results import ResultCode, SkillOutcome
from groundplan.types.scene import load_scene
from groundplan.types.state import WorldState
from groundplan.world.domain import Domain
from groundplan.world.validator import Validator

PARAMS = {
    "scene": Param("kitchen_demo", "shipped scene name or a scene file: the room the robot is in"),
    "skill_delay": Param(0.0, "wall seconds each skill takes; a cancel stops it at once", low=0.0, high=3600.0),
    "state_period": Param(0.5, "seconds between republished states (the contract asks for at most 1 s)",
                          low=0.01, high=1.0),
    "skill_action": Param("execute_skill", "name of the execute_skill action server"),
}
POLL = 0.01  # seconds between looks at a cancel while a skill runs


class ReferenceDriver(Node):
    def __init__(self, **kwargs):
        super().__init__("reference_driver", **kwargs)
        refused = declare(self, PARAMS)
        if refused:
            raise GroundplanError("; ".join(f"parameter {name}: {why}" for name, why in refused.items()))
        self.params = ParameterView(self, list(PARAMS))
        self.scene = load_scene(self.params["scene"])
        self.validator = Validator(Domain())
        self.state = WorldState.from_scene(self.scene)
        self.pose = self.scene.robot_pose
        self._lock = threading.Lock()  # the state, the pose and the running skill
        self._running: str | None = None  # the skill now running: one at a time
        self.state_pub = self.create_publisher(WorldStateMsg, "world/state", LATCHED)
        ActionServer(self, ExecuteSkill, self.params["skill_action"], self.execute, goal_callback=self._on_goal,
                     cancel_callback=lambda _: CancelResponse.ACCEPT, callback_group=ReentrantCallbackGroup())
        self.create_timer(self.params["state_period"], self.publish_state,
                          callback_group=MutuallyExclusiveCallbackGroup())
        self.publish_state()
        self.get_logger().info(f"reference driver on scene {self.scene.id!r} ({len(self.scene.objects)} objects)")

    def publish_state(self) -> Time:
        """Publish the state as it is now; returns its stamp."""
        with self._lock:
            msg = world_state_to_msg(self.scene, self.state, self.get_clock().now().to_msg(), self.pose)
        self.state_pub.publish(msg)
        return msg.header.stamp

    def _on_goal(self, request) -> GoalResponse:
        with self._lock:
            if self._running is not None:
                self.get_logger().warning(f"rejected {request.skill} {list(request.arguments)}: {self._running} "
                                          "is running (one skill at a time)")
                return GoalResponse.REJECT
            self._running = request.skill
        return GoalResponse.ACCEPT

    def execute(self, goal_handle) -> ExecuteSkill.Result:
        before = self.state
        try:
            outcome = self.run_skill(goal_handle)
        finally:
            with self._lock:
                self._running = None
        self.get_logger().info(f"{goal_handle.request.skill} {list(goal_handle.request.arguments)}: "
                               f"{outcome.code.name} {outcome.message}")
        return self.answer(goal_handle, outcome, before)

    def answer(self, goal_handle, outcome: SkillOutcome, before: WorldState) -> ExecuteSkill.Result:
        """Publish the state after the skill, then answer naming it."""
        stamp = self.publish_state()
        finish_goal(goal_handle, outcome.code)
        return ExecuteSkill.Result(code=code_msg(outcome.code), message=outcome.message,
                                   observed_effects=effect_words(before, self.state), state_stamp=stamp)

    def run_skill(self, goal_handle) -> SkillOutcome:
        """Check the step, move for skill_delay (stopping on a cancel or the timeout), then apply its effects."""
        request = goal_handle.request
        try:
            step = skill_step(request.skill, request.arguments, self.scene)
        except RequestError as exc:
            return SkillOutcome(ResultCode.INVALID_REQUEST, str(exc))
        report = self.validator.validate(self.scene, [step], state=self.state)
        if not report.valid:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{step.text}: {report.verdicts[0].reason}")
        goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=0.0, status=f"{step.text}: moving"))
        stopped = self.move(goal_handle, step)
        if stopped is not None:
            return stopped
        self.apply(step, report.final_state)
        goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=1.0, status=f"{step.text}: done"))
        return SkillOutcome(ResultCode.SUCCESS, f"{step.text}: done")

    def move(self, goal_handle, step: Step) -> SkillOutcome | None:
        """The robot moving for skill_delay seconds; why it stopped early, or None when it got there."""
        start = time.monotonic()
        timeout = goal_handle.request.timeout or float("inf")
        while time.monotonic() - start < self.params["skill_delay"]:
            if goal_handle.is_cancel_requested:
                return SkillOutcome(ResultCode.CANCELLED, f"{step.text}: cancelled after "
                                                          f"{time.monotonic() - start:.2f} s; the robot stopped "
                                                          "before it had any effect")
            if time.monotonic() - start > timeout:
                return SkillOutcome(ResultCode.TIMEOUT, f"{step.text}: not done within its {timeout:.1f} s timeout")
            time.sleep(POLL)
        return None

    def apply(self, step: Step, state: WorldState) -> None:
        with self._lock:
            self.state = state
            if step.action == "goto":
                target = self.scene.get(step.args[0])
                self.pose = (target.position[0], target.position[1], target.yaw)


def main(args=None) -> int:
    return spin(ReferenceDriver, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
