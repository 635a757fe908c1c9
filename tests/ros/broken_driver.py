"""A driver that breaks three rules of docs/robot-driver.md, for the conformance check's tests.

It is the reference driver, except that it answers SUCCESS (and no message) to an unknown skill,
publishes the state only from its timer (so after answering, and its answers name no state), and
on a cancel answers CANCELLED at once while the robot moves on to the goal.
"""

import sys
import threading
import time

from groundplan_interfaces.action import ExecuteSkill

from groundplan.ros.common import finish_goal, spin
from groundplan.ros.convert import code_msg
from groundplan.ros.reference_driver import ReferenceDriver
from groundplan.types.actions import ACTIONS
from groundplan.types.results import ResultCode, SkillOutcome

BROKEN_RULES = {"unknown-skill", "state-before-answer", "cancel"}


class BrokenDriver(ReferenceDriver):
    def run_skill(self, goal_handle) -> SkillOutcome:
        if goal_handle.request.skill not in ACTIONS:
            return SkillOutcome(ResultCode.SUCCESS)
        return super().run_skill(goal_handle)

    def answer(self, goal_handle, outcome, before) -> ExecuteSkill.Result:
        finish_goal(goal_handle, outcome.code)  # the timer publishes the state, some time later
        return ExecuteSkill.Result(code=code_msg(outcome.code), message=outcome.message)

    def move(self, goal_handle, step):
        start = time.monotonic()
        while time.monotonic() - start < self.params["skill_delay"]:
            if goal_handle.is_cancel_requested:
                left = self.params["skill_delay"] - (time.monotonic() - start)
                threading.Thread(target=self._carry_on, args=(step, left), daemon=True).start()
                return SkillOutcome(ResultCode.CANCELLED, "cancelled")
            time.sleep(0.01)
        return None

    def _carry_on(self, step, seconds: float) -> None:
        time.sleep(seconds)
        self.apply(step, self.validator.validate(self.scene, [step], state=self.state).final_state)


if __name__ == "__main__":
    sys.exit(spin(BrokenDriver))
