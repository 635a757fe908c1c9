"""PDDL text export of domain, problem and plan, and reading them back with unified-planning."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import unified_planning.shortcuts as ups
from unified_planning.engines.sequential_simulator import UPSequentialSimulator
from unified_planning.exceptions import UPException, UPInvalidActionError
from unified_planning.io import PDDLReader, PDDLWriter
from unified_planning.plans import ActionInstance, SequentialPlan

from groundplan.errors import GroundplanError
from groundplan.types.actions import Step
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import UP_LOCK, Domain


@dataclass
class PddlFiles:
    domain: Path
    problem: Path
    plan: Path | None


def export_pddl(domain: Domain, scene: Scene, goal: Goal, out_dir: Path | str,
                steps: list[Step] | None = None, state: WorldState | None = None) -> PddlFiles:
    """Write domain.pddl, problem.pddl and, given steps, plan.pddl (one `(action args)` a line)."""
    with UP_LOCK:
        return _export(domain, scene, goal, Path(out_dir), steps, state)


def _export(domain: Domain, scene: Scene, goal: Goal, out: Path, steps: list[Step] | None,
            state: WorldState | None) -> PddlFiles:
    out.mkdir(parents=True, exist_ok=True)
    problem = domain.build_problem(scene, state)
    problem.add_goal(domain.goal_formula(goal, problem))
    writer = PDDLWriter(problem)
    files = PddlFiles(out / "domain.pddl", out / "problem.pddl", None)
    writer.write_domain(str(files.domain))
    writer.write_problem(str(files.problem))
    if steps is not None:
        plan = SequentialPlan([
            ActionInstance(problem.action(s.action), [problem.object(a) for a in s.args]) for s in steps
        ])
        files.plan = out / "plan.pddl"
        writer.write_plan(plan, str(files.plan))
    return files


def _read(files: PddlFiles):
    reader = PDDLReader()
    try:
        problem = reader.parse_problem(str(files.domain), str(files.problem))
    except (OSError, UPException, SyntaxError) as exc:
        raise GroundplanError(f"cannot read PDDL {files.domain.name}/{files.problem.name}: "
                              f"{type(exc).__name__}: {exc}") from exc
    if not UPSequentialSimulator.supports(problem.kind):  # e.g. durative actions: no engine here steps them
        beyond = ", ".join(sorted(problem.kind.features - UPSequentialSimulator.supported_kind().features))
        raise GroundplanError(f"{files.domain.name}/{files.problem.name} need {beyond}: validate-pddl checks "
                              "sequential plans of instantaneous actions only")
    try:
        plan = reader.parse_plan(problem, str(files.plan))
        if not isinstance(plan, SequentialPlan):  # UP reads "0.0: (a x) [1.0]" lines as a timed plan
            raise UPException("a plan with start times")
    # UP asserts each action's arity, and fails with a TypeError where timed and untimed lines mix
    except (OSError, UPException, SyntaxError, AssertionError, TypeError) as exc:
        where = _bad_line(problem, files.plan) if not isinstance(exc, OSError) else None
        raise GroundplanError(f"cannot read plan {files.plan}: {where or f'{type(exc).__name__}: {exc}'}") from exc
    return problem, plan


def _bad_line(problem, plan_path: Path | None) -> str | None:
    """The first plan line with a start time, an unknown action or object, or arguments of the wrong number or kind."""
    for number, line in enumerate(Path(plan_path).read_text().splitlines(), 1):
        words = line.split(";")[0].strip().strip("()").split()
        if not words:
            continue
        where = f"line {number} '{line.strip()}'"
        if re.match(r"\s*\d[\d.]*\s*:", line):
            return f"{where}: a start time; write one (action args) a line"
        if not problem.has_action(words[0]):
            return f"{where}: there is no action {words[0]!r}"
        params = problem.action(words[0]).parameters
        if len(words) - 1 != len(params):
            return f"{where}: {words[0]} takes {len(params)} arguments, got {len(words) - 1}"
        for param, arg in zip(params, words[1:]):
            if not problem.has_object(arg):
                return f"{where}: there is no object {arg!r}"
            kind = problem.object(arg).type
            if not param.type.is_compatible(kind):
                needs = f"the {param.type.name} {words[0]} needs as its {param.name}"
                return f"{where}: {arg} is a {kind.name}, not {needs}"
    return None


def validate_pddl(files: PddlFiles) -> bool:
    """Parse the PDDL text back and check the plan with UP's sequential plan validator."""
    with UP_LOCK:
        problem, plan = _read(files)
        with ups.PlanValidator(problem_kind=problem.kind, plan_kind=plan.kind) as validator:
            return bool(validator.validate(problem, plan).status.name == "VALID")


@dataclass
class PddlCheck:
    """Step-by-step check of a PDDL plan: the first step that cannot be done, and the goal."""

    steps: list[str]
    failed_step: int | None = None  # index of the first inapplicable step
    unmet: list[str] = field(default_factory=list)  # its false preconditions
    goal_reached: bool = False

    @property
    def valid(self) -> bool:
        return self.failed_step is None and self.goal_reached

    def summary(self) -> str:
        lines = []
        for i, step in enumerate(self.steps):
            mark = "ok" if self.failed_step is None or i < self.failed_step else (
                "INVALID: " + "; ".join(self.unmet) if i == self.failed_step else "skipped")
            lines.append(f"{i + 1:>2}. {step:<45} {mark}")
        if self.failed_step is None:
            lines.append("goal reached" if self.goal_reached else "goal NOT reached")
        return "\n".join(lines)


def check_pddl_plan(files: PddlFiles) -> PddlCheck:
    """Any STRIPS/ADL domain's plan, stepped through UP's simulator (not only groundplan's domain)."""
    from groundplan.world.validator import unmet_preconditions

    with UP_LOCK:
        problem, plan = _read(files)
        sim = ups.SequentialSimulator(problem)
        try:
            state = sim.get_initial_state()
            check = PddlCheck([str(a) for a in plan.actions])
            for index, act in enumerate(plan.actions):
                try:
                    unmet, _ = sim.get_unsatisfied_conditions(state, act.action, act.actual_parameters)
                except UPInvalidActionError:  # dropped by the grounder: a static precondition is false
                    unmet = unmet_preconditions(problem, act.action, act.actual_parameters, state)
                if unmet:
                    check.failed_step, check.unmet = index, [str(c) for c in unmet]
                    return check
                state = sim.apply_unsafe(state, act.action, act.actual_parameters)
            check.goal_reached = bool(sim.is_goal(state))
            return check
        finally:
            sim.destroy()
