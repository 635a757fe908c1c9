"""planner_node: serves generate_plan and validate_plan; each step carries its verdict and reason.

generate_plan plans for an instruction, or for an explicit goal in the planner's goal language (what
the classical strategy needs, and what executor_node sends when it replans); the plan states its goal
as a goal line either way.
"""

from __future__ import annotations

import traceback

from groundplan_interfaces.msg import WorldState
from groundplan_interfaces.srv import GeneratePlan, ValidatePlan
from rclpy.callback_groups import ReentrantCallbackGroup

from groundplan.errors import GroundplanError, RequestError
from groundplan.language.plan_text import parse_plan
from groundplan.language.prompt import parse_goal
from groundplan.planning.registry import DEFAULT_STRATEGY, STRATEGY_NAMES, make_strategy
from groundplan.planning.strategy import PlanResult
from groundplan.planning.template import parse_instruction
from groundplan.ros.common import LATCHED, ManagedNode, Param, spin
from groundplan.ros.convert import code_msg, msg_to_world_state, plan_to_msg
from groundplan.types.results import ResultCode, refusal_code

PARAMS = {
    "strategy": Param(DEFAULT_STRATEGY, "planner strategy of requests that name none; loaded at its first use "
                                        "(the configured one at configure)", choices=STRATEGY_NAMES),
    "model": Param("", "planner checkpoint folder (base/ + adapter/, or a HF model); empty: the shipped "
                       "models/planner", configure=True),
}


class PlannerNode(ManagedNode):
    def __init__(self, **kwargs):
        super().__init__("planner_node", PARAMS, **kwargs)
        self.world: WorldState | None = None

    def configure(self) -> None:
        self.strategies = {self.params["strategy"]: make_strategy(self.params["strategy"], model=self.params["model"])}
        group = ReentrantCallbackGroup()
        self.create_subscription(WorldState, "world/state", self._on_world, LATCHED, callback_group=group)
        self.create_service(GeneratePlan, "generate_plan", self.when_active(self._generate), callback_group=group)
        self.create_service(ValidatePlan, "validate_plan", self.when_active(self._validate), callback_group=group)

    def release(self) -> None:
        self.strategies = {}
        self.world = None

    def _on_world(self, msg: WorldState) -> None:
        self.world = msg

    def _state(self, requested: WorldState):
        msg = requested if requested.scene.objects else self.world
        if msg is None:
            raise GroundplanError("no scene: send one in the request or publish /world/state")
        return msg_to_world_state(msg)

    def _strategy(self, name: str):
        name = name or self.params["strategy"]
        if name not in self.strategies:
            self.strategies[name] = make_strategy(name, model=self.params["model"])
        return self.strategies[name]

    def _generate(self, request, response):
        try:
            scene, state = self._state(request.state)
            strategy = self._strategy(request.strategy)
            if request.goal.strip():  # a goal already understood: plan for it (`replan` takes one)
                try:
                    goal = parse_goal(request.goal, scene)
                except GroundplanError as exc:
                    raise RequestError(f"goal {request.goal.strip()!r}: {exc}") from exc
                result: PlanResult = strategy.replan(scene, request.instruction, goal, state)
            else:
                result = strategy.plan(scene, request.instruction, state=state)
        except GroundplanError as exc:
            response.code, response.message = code_msg(ResultCode.INVALID_REQUEST), str(exc)
            return response
        except Exception as exc:  # a fault in a planner: answer anyway, stay up for the next request
            self.get_logger().error(f"generate_plan failed: {exc!r}\n{traceback.format_exc()}")
            response.code, response.message = code_msg(ResultCode.PLANNING_FAILED), f"internal error: {exc!r}"
            return response
        response.plan = plan_to_msg(result, self.get_clock().now().to_msg(), request.goal.strip())
        code = (refusal_code(result.needs_clarification) if result.refused
                else ResultCode.SUCCESS if result.success else ResultCode.PLANNING_FAILED)
        response.code, response.message = code_msg(code), result.answer
        return response

    def _validate(self, request, response):
        try:
            scene, state = self._state(request.state)
            steps = parse_plan(list(request.steps), scene)
            goal = parse_instruction(request.instruction, scene) if request.instruction.strip() else None
        except GroundplanError as exc:
            response.code, response.message = code_msg(ResultCode.INVALID_REQUEST), str(exc)
            return response
        strategy = self._strategy("")
        report = strategy.validator.validate(scene, steps, goal, state)
        result = PlanResult(request.instruction, "given", steps, goal, report)
        response.plan = plan_to_msg(result, self.get_clock().now().to_msg())
        first = report.first_invalid
        if first is not None:
            response.code = code_msg(ResultCode.PRECONDITION_FAILED)
            response.message = f"step {first.index + 1} ({first.step.text}): {first.reason}"
        elif report.goal_reached is False:
            response.code, response.message = code_msg(ResultCode.EFFECT_MISSING), report.unmet_goal
        else:
            response.code, response.message = code_msg(ResultCode.SUCCESS), "valid"
        return response


def main(args=None) -> int:
    return spin(PlannerNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
