"""PDDL text export of domain, problem and plan, and reading them back with unified-planning."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import unified_planning.shortcuts as ups
from unified_planning.io import PDDLReader, PDDLWriter
from unified_planning.plans import ActionInstance, SequentialPlan

from groundplan.world.domain import UP_LOCK, Domain, Step, WorldState
from groundplan.world.goals import Goal
from groundplan.world.scene import Scene


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
    problem.add_goal(goal.to_fnode(domain, problem))
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


def validate_pddl(files: PddlFiles) -> bool:
    """Parse the PDDL text back and check the plan with UP's sequential plan validator."""
    reader = PDDLReader()
    problem = reader.parse_problem(str(files.domain), str(files.problem))
    plan = reader.parse_plan(problem, str(files.plan))
    with ups.PlanValidator(problem_kind=problem.kind, plan_kind=plan.kind) as validator:
        return bool(validator.validate(problem, plan).status.name == "VALID")
