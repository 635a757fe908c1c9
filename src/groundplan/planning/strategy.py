"""
The planner strategy interface, its result type, and the registry of strategies by name.

Every strategy proposes steps; `PlannerStrategy.plan` then validates them against the PDDL
domain, so each returned step carries a verdict whatever produced it.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from groundplan.errors import ClarificationNeeded, InstructionError, PlanningError
from groundplan.language.reading import clean_instruction
from groundplan.planning import classical
from groundplan.planning.template import parse_instruction
from groundplan.types.actions import Step
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import Domain
from groundplan.world.validator import ValidationReport, Validator, Verdict


@dataclass
class PlanResult:
    instruction: str
    strategy: str
    steps: list[Step]
    goal: Goal | None
    report: ValidationReport | None
    refused: bool = False
    refusal_reason: str = ""
    needs_clarification: bool = False  # refused because the request was not understood: ask, do not give up
    planning_time: float = 0.0
    checks: int = 0  # candidate steps checked against the PDDL model while planning
    reading_time: float = 0.0  # until the first answer: the goal understood, or the refusal

    @property
    def success(self) -> bool:
        return not self.refused and self.report is not None and self.report.success

    @property
    def already_done(self) -> bool:
        """What was asked holds as things are: nothing to do (and never the opposite done instead)."""
        return self.success and not self.steps

    @property
    def answer(self) -> str:
        """One line for the person who asked: what will be done, what already holds, or why not."""
        if self.refused:
            return self.refusal_reason
        if self.already_done:
            return f"nothing to do: {self.goal.in_words() if self.goal else 'the goal'} already"
        if not self.success:
            return "the plan does not validate"
        return f"{len(self.steps)} steps"


@dataclass
class Proposal:
    """What a strategy proposes: steps, the goal they aim at, and how each step came about."""

    steps: list[Step]
    goal: Goal | None
    repaired: frozenset[int] = frozenset()  # steps a repair put in (verdict REPAIRED)
    notes: dict[int, str] = field(default_factory=dict)  # why a step was chosen, by index
    probe_scores: dict[int, float] = field(default_factory=dict)
    checks: int = 0
    reading_time: float = 0.0  # seconds until the goal was known (0: not measured apart)


class PlannerStrategy(ABC):
    name: str = ""

    def __init__(self, domain: Domain | None = None):
        self.domain = domain or Domain()
        self.validator = Validator(self.domain)

    @abstractmethod
    def propose(self, scene: Scene, instruction: str, goal: Goal | None,
                state: WorldState | None) -> Proposal:
        """Steps for the request, and the goal they aim at where the strategy knows it."""

    def plan(self, scene: Scene, instruction: str = "", goal: Goal | None = None,
             state: WorldState | None = None) -> PlanResult:
        """A validated plan, or a refusal that says why the request cannot be done here."""
        if goal is None:
            instruction = clean_instruction(instruction, self.domain.catalog)
        return self._validated(scene, instruction, goal, state,
                               lambda: self.propose(scene, instruction, goal, state))

    def read(self, scene: Scene, instruction: str, state: WorldState | None = None) -> Goal:
        """The goal this strategy reads the request as, without planning for it.

        Raises InstructionError (ClarificationNeeded to ask back) where it would refuse. Every command
        that takes an instruction reads it this way, so `plan`, `validate` and `export-pddl` agree.
        """
        raise InstructionError(f"the {self.name} strategy does not read requests; give it a goal")

    def replan(self, scene: Scene, instruction: str, goal: Goal, state: WorldState) -> PlanResult:
        """A new plan for a goal already understood, from an observed state (closed-loop execution).

        The default asks the classical planner; learned strategies may do better.
        """
        return self._validated(scene, instruction, goal, state,
                               lambda: Proposal(classical.solve(self.domain, scene, goal, state), goal))

    def _validated(self, scene, instruction, goal, state, make) -> PlanResult:
        start = time.perf_counter()
        try:
            proposal: Proposal = make()
        except (InstructionError, PlanningError) as exc:
            elapsed = time.perf_counter() - start
            return PlanResult(instruction, self.name, [], goal, None, refused=True, refusal_reason=str(exc),
                              needs_clarification=isinstance(exc, ClarificationNeeded),
                              planning_time=elapsed, reading_time=elapsed)
        elapsed = time.perf_counter() - start
        report = self.validator.validate(scene, proposal.steps, proposal.goal, state)
        for v in report.verdicts:
            if v.verdict == Verdict.VALID and v.index in proposal.repaired:
                v.verdict = Verdict.REPAIRED
            if v.valid and not v.reason:
                v.reason = proposal.notes.get(v.index, "")
            v.probe_score = proposal.probe_scores.get(v.index, -1.0)
        return PlanResult(instruction, self.name, proposal.steps, proposal.goal, report, planning_time=elapsed,
                          checks=proposal.checks, reading_time=proposal.reading_time or elapsed)


class ClassicalStrategy(PlannerStrategy):
    """fast-downward on a goal given by the caller (an oracle goal in benchmarks)."""

    name = "classical"

    def propose(self, scene, instruction, goal, state):
        if goal is None:
            raise InstructionError("the classical strategy needs a goal; give one, or use the template strategy")
        return Proposal(classical.solve(self.domain, scene, goal, state), goal)


class TemplateStrategy(PlannerStrategy):
    """Rule-based instruction reader to a goal, then fast-downward."""

    name = "template"

    def read(self, scene, instruction, state=None):
        return parse_instruction(clean_instruction(instruction, self.domain.catalog), scene, self.domain.catalog)

    def propose(self, scene, instruction, goal, state):
        goal = self.read(scene, instruction, state)
        return Proposal(classical.solve(self.domain, scene, goal, state), goal)
