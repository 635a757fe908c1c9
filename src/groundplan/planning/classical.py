"""Classical planning with fast-downward through unified-planning."""

from __future__ import annotations

import logging
import os
import warnings

import unified_planning.shortcuts as ups
from unified_planning.engines import PlanGenerationResultStatus as Status
from up_fast_downward.fast_downward import FastDownwardOptimalPDDLPlanner, FastDownwardPDDLPlanner

from groundplan.errors import PlanningError
from groundplan.types.actions import Step
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import UP_LOCK, Domain
from groundplan.world.safety import SafetyRules

log = logging.getLogger(__name__)

class _PrivateSasFile:
    """Keep Fast Downward's intermediate `output.sas` in the engine's private temporary directory.

    By default it goes to the working directory, where two planners running at once (nodes, tests,
    benchmarks) read each other's tasks.
    """

    def _base_cmd(self, plan_filename: str):
        cmd = super()._base_cmd(plan_filename)
        return [*cmd[:2], "--sas-file", os.path.join(os.path.dirname(plan_filename), "output.sas"), *cmd[2:]]


class SafeFastDownwardOpt(_PrivateSasFile, FastDownwardOptimalPDDLPlanner):
    pass


class SafeFastDownward(_PrivateSasFile, FastDownwardPDDLPlanner):
    pass


_factory = ups.get_environment().factory
for _name, _cls in (("groundplan-fd-opt", SafeFastDownwardOpt), ("groundplan-fd", SafeFastDownward)):
    if _name not in _factory.engines:
        _factory.add_engine(_name, __name__, _cls.__name__)

# The optimal engine gives gold plans and the optimal cost that regret is measured against.
DEFAULT_ENGINE = "groundplan-fd-opt"
_SOLVED = (Status.SOLVED_OPTIMALLY, Status.SOLVED_SATISFICING)


def solve(domain: Domain, scene: Scene, goal: Goal, state: WorldState | None = None,
          engine: str = DEFAULT_ENGINE, timeout: float = 30.0) -> list[Step]:
    """A plan that reaches `goal` from `state` (default: the scene's), or a PlanningError."""
    goal.check_scene(scene)
    with UP_LOCK, warnings.catch_warnings():
        # UP cannot tell whether FD-opt supports the conditional effect of goto; it does.
        warnings.simplefilter("ignore", UserWarning)
        problem = domain.build_problem(scene, state)
        problem.add_goal(domain.goal_formula(goal, problem))
        with ups.OneshotPlanner(name=engine) as planner:
            result = planner.solve(problem, timeout=timeout)
    if result.status not in _SOLVED or result.plan is None:
        if result.status == Status.UNSOLVABLE_PROVEN or result.status == Status.UNSOLVABLE_INCOMPLETELY:
            unsafe = _unsafe_step(domain, scene, goal, state, engine, timeout)
            if unsafe:
                raise PlanningError(f"no safe plan reaches {goal} in scene {scene.id!r}: {unsafe}")
            raise PlanningError(f"no plan reaches {goal} in scene {scene.id!r}: it is unreachable")
        raise PlanningError(f"{engine} found no plan for {goal} ({result.status.name.lower()})")
    return [Step(a.action.name, tuple(str(p) for p in a.actual_parameters))
            for a in result.plan.actions]


def _unsafe_step(domain: Domain, scene: Scene, goal: Goal, state: WorldState | None, engine: str,
                 timeout: float) -> str:
    """Why a goal is unreachable only under the safety rules: the first unsafe step of a plan without them."""
    if not len(domain.safety):
        return ""
    from groundplan.world.validator import Validator

    try:
        plan = solve(Domain(domain.catalog, SafetyRules()), scene, goal, state, engine, timeout)
    except PlanningError:
        return ""
    bad = Validator(domain).validate(scene, plan, state=state).first_invalid
    return f"it needs an unsafe step such as '{bad.step.text}' ({bad.reason})" if bad else ""
