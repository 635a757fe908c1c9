"""Closed-loop execution.

Run a plan step by step, check each step's effects against what is observed, and replan from
the observed state when a step failed or did not have its effect. A replan keeps the task's goal.

With a world model (`groundplan.execution.world_model`), each step's reading of its objects goes
into it, so the next task knows what this one did. With eyes as well, a request the planner
refuses because it names a kind of thing nobody has seen is not given up at once: the executor
looks into the unexplored containers that could hold such a thing (those where the catalog says
it is found first, then the nearest), each time going there, opening it and perceiving its
inside, and plans again on what it found, up to `ExecutorConfig.max_looks` containers.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from groundplan.execution.record import RunRecord
from groundplan.execution.skills import SkillServer
from groundplan.execution.world_model import Eyes, WorldModel
from groundplan.language.reading import find_mentions
from groundplan.planning.strategy import PlannerStrategy, PlanResult
from groundplan.types.actions import Step
from groundplan.types.goals import Atom, Goal
from groundplan.types.results import ResultCode, refusal_code
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState

log = logging.getLogger(__name__)


@dataclass
class ExecutorConfig:
    max_replans: int = 3
    step_timeout: float = 120.0  # wall seconds per skill
    max_looks: int = 4  # containers a task may open to look for what its request names and nobody has seen


@dataclass
class StepRecord:
    attempt: int  # which plan (0: the first, 1: after the first replan, ...)
    index: int  # position in that plan
    step: Step
    code: ResultCode
    message: str = ""
    seconds: float = 0.0


@dataclass
class ExecutionResult:
    code: ResultCode
    message: str
    executed: list[StepRecord] = field(default_factory=list)
    replans: int = 0
    plan: PlanResult | None = None
    final_state: WorldState | None = None

    @property
    def success(self) -> bool:
        return self.code == ResultCode.SUCCESS


def missing_effects(before: WorldState, expected: WorldState, observed: WorldState) -> list[str]:
    """Effects the step should have had (per the domain) that the observation lacks, in words."""
    b, e, o = before.atoms(), expected.atoms(), observed.atoms()
    words = []
    for atom in sorted(e - b):
        if atom not in o:
            words.append(f"expected {_say(atom)}")
    for atom in sorted(b - e):
        if atom in o:
            words.append(f"expected no longer {_say(atom)}")
    return words


def _say(atom: tuple[str, ...]) -> str:
    name, *args = atom
    if name == "in":
        return f"{args[0]} in or on {args[1]}"
    if name == "holding":
        return f"holding {args[0]}"
    if name == "robot_at":
        return f"the robot at {args[0]}"
    return f"{args[0]} {name}"


class Executor:
    def __init__(self, scene: Scene, planner: PlannerStrategy, skills: SkillServer,
                 record: RunRecord | None = None, config: ExecutorConfig | None = None,
                 on_event: Callable[[str, dict], None] | None = None,
                 on_plan: Callable[[PlanResult, int], None] | None = None,
                 world_model: WorldModel | None = None, eyes: Eyes | None = None):
        self.planner = planner
        self.skills = skills
        self.record = record
        self.config = config or ExecutorConfig()
        self.on_event = on_event
        self.on_plan = on_plan
        self.validator = planner.validator
        self.world_model = world_model
        self.eyes = eyes
        self._use(scene)

    def _use(self, scene: Scene) -> None:
        """Plan on these objects from now on."""
        self.scene = scene
        self._ids = {o.id for o in scene.objects}

    def _observe(self) -> WorldState:
        """The skill server's state, about the scene's objects only: plans use what perception listed."""
        return self.skills.observe().restricted_to(self._ids)

    def _emit(self, event: str, **data) -> None:
        if self.record is not None:
            self.record.write(event, **data)
        if self.on_event is not None:
            self.on_event(event, data)

    def _emit_plan(self, plan: PlanResult, attempt: int) -> None:
        if self.on_plan is not None:
            self.on_plan(plan, attempt)
        self._emit("plan", attempt=attempt, strategy=plan.strategy, goal=str(plan.goal) if plan.goal else None,
                   steps=[s.text for s in plan.steps], refused=plan.refused, reason=plan.refusal_reason,
                   planning_time=round(plan.planning_time, 3))

    def _finish(self, code: ResultCode, message: str, result: ExecutionResult, observed: WorldState) -> ExecutionResult:
        result.code, result.message, result.final_state = code, message, observed
        self._emit("end", code=code.name, message=message, replans=result.replans, state=observed.to_dict())
        return result

    def run(self, instruction: str = "", goal: Goal | None = None,
            should_cancel: Callable[[], bool] | None = None) -> ExecutionResult:
        observed = self._observe()
        self._emit("start", scene=self.scene.id, instruction=instruction, goal=str(goal) if goal else None,
                   state=observed.to_dict(), max_replans=self.config.max_replans)
        result = ExecutionResult(ResultCode.SUCCESS, "", plan=None)
        failure = self._first_plan(instruction, goal, result, should_cancel)
        observed = self._observe()
        if failure is not None:
            return self._finish(*failure, result, observed)
        plan = result.plan
        goal = plan.goal
        attempt = 0
        while True:
            failure = self._run_plan(plan, attempt, result, should_cancel)
            observed = self._observe()
            if failure is not None and failure[0] in (ResultCode.CANCELLED, ResultCode.TIMEOUT):
                return self._finish(*failure, result, observed)
            if failure is None:
                if goal is None or self.validator.validate(self.scene, [], goal, observed).goal_reached:
                    return self._finish(ResultCode.SUCCESS, "goal reached", result, observed)
                failure = (ResultCode.EFFECT_MISSING, "the plan ran to its end but the goal does not hold")
            if result.replans >= self.config.max_replans:
                return self._finish(failure[0], f"{failure[1]} (gave up after {result.replans} replans)",
                                    result, observed)
            result.replans += 1
            attempt += 1
            self._emit("replan", attempt=attempt, reason=failure[1], state=observed.to_dict())
            plan = self.planner.replan(self.scene, instruction, goal, observed)
            result.plan = plan
            self._emit_plan(plan, attempt)
            if plan.refused:
                return self._finish(ResultCode.PLANNING_FAILED,
                                    f"{failure[1]}; no new plan: {plan.refusal_reason}", result, observed)

    def _first_plan(self, instruction: str, goal: Goal | None, result: ExecutionResult,
                    should_cancel) -> tuple[ResultCode, str] | None:
        """Plan for the request (into `result.plan`), looking into containers while it names what nobody has seen.

        The failure that ends the task, or None.
        """
        tried: set[str] = set()
        while True:
            observed = self._observe()
            result.plan = plan = self.planner.plan(self.scene, instruction, goal, observed)
            self._emit_plan(plan, 0)
            if not plan.refused:
                return None
            container = None
            if not plan.needs_clarification and len(tried) < self.config.max_looks:
                container = self._where_to_look(instruction, goal, observed, tried)
            if container is None:
                return refusal_code(plan.needs_clarification), plan.refusal_reason
            tried.add(container)
            failure = self._look_inside(container, observed, result, should_cancel)
            if failure is not None and failure[0] in (ResultCode.CANCELLED, ResultCode.TIMEOUT):
                return failure

    def _where_to_look(self, instruction: str, goal: Goal | None, observed: WorldState,
                       tried: set[str]) -> str | None:
        """The unexplored container most likely to hold a kind of thing the request names and nobody has seen."""
        if self.world_model is None or self.eyes is None:
            return None
        catalog = self.planner.domain.catalog
        named = {m.category for m in find_mentions(instruction, self.scene, catalog)} if instruction else set()
        named |= goal.categories if goal is not None else set()
        unseen = [catalog.get(c) for c in sorted(named - self.scene.categories()) if catalog.get(c).is_item]
        here = self.scene.get(observed.robot_at).position if observed.robot_at else self.scene.robot_pose
        options = []
        for oid in self.world_model.unexplored():
            box = self.scene.get(oid)
            if oid in tried or not any(catalog.get(box.category).can_hold(c) for c in unseen):
                continue
            usual = any(box.category in c.found_in for c in unseen)
            options.append((not usual, math.dist(here[:2], box.position[:2]), oid))
        return min(options)[2] if options else None

    def _look_inside(self, container: str, observed: WorldState, result: ExecutionResult,
                     should_cancel) -> tuple[ResultCode, str] | None:
        """Go to the container, open it, look in, and plan on what the world model then knows."""
        goal = Goal((Atom("open", (container,)), Atom("robot_at", (container,))), description=f"look into {container}")
        plan = self.planner.replan(self.scene, "", goal, observed)
        self._emit("look", container=container)
        self._emit_plan(plan, 0)
        failure = ((ResultCode.PLANNING_FAILED, plan.refusal_reason) if plan.refused
                   else self._run_plan(plan, 0, result, should_cancel))
        if failure is not None:
            self._emit("looked", container=container, found=[], message=failure[1])
            return failure
        before = set(self._ids)
        self.world_model.perceived(self.eyes.look(container), inside=container)
        self._use(self.world_model.scene())
        self._emit("looked", container=container, found=sorted(self._ids - before))
        return None

    def _run_plan(self, plan: PlanResult, attempt: int, result: ExecutionResult,
                  should_cancel) -> tuple[ResultCode, str] | None:
        """Execute one plan; the first failure, or None when every step had its effect."""
        observed = self._observe()
        for index, step in enumerate(plan.steps):
            if should_cancel is not None and should_cancel():
                return ResultCode.CANCELLED, f"cancelled before {step.text}"
            check = self.validator.validate(self.scene, [step], state=observed)
            if not check.valid:
                reason = f"{step.text}: {check.verdicts[0].reason}"
                self._emit("step", attempt=attempt, index=index, step=step.text,
                           code=ResultCode.PRECONDITION_FAILED.name, message=reason, skipped=True)
                result.executed.append(StepRecord(attempt, index, step, ResultCode.PRECONDITION_FAILED, reason))
                return ResultCode.PRECONDITION_FAILED, reason
            self._emit("step_start", attempt=attempt, index=index, step=step.text)
            start = time.perf_counter()
            outcome = self.skills.execute(step, self.config.step_timeout, should_cancel)
            after = self._observe()
            seconds = time.perf_counter() - start
            if self.world_model is not None:
                self.world_model.acted(after, step.args)
            missing = missing_effects(observed, check.final_state, after) if outcome.ok else []
            code = outcome.code if not outcome.ok else ResultCode.EFFECT_MISSING if missing else ResultCode.SUCCESS
            message = "; ".join(filter(None, [outcome.message, *missing]))
            result.executed.append(StepRecord(attempt, index, step, code, message, seconds))
            self._emit("step", attempt=attempt, index=index, step=step.text, code=code.name, message=message,
                       seconds=round(seconds, 3), state=after.to_dict())
            observed = after
            if code != ResultCode.SUCCESS:
                return code, f"{step.text}: {message}"
        return None
