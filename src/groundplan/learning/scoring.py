"""How a planner's answer to one example is scored, in the symbolic simulator.

A plan succeeds when it reaches the reference goal (for an implicit need, any goal the needs table
says helps); a refusal case succeeds when refused. RMFT ranks sampled plans by this regret, and the
planner benchmark aggregates it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from groundplan.language.prompt import Refusal, goal_of, parse_goal_line
from groundplan.learning.planner_data import accepted_goals
from groundplan.planning.strategy import PlannerStrategy
from groundplan.types.examples import Example
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState

ORACLE = ("classical",)  # strategies that are handed the reference goal


@dataclass
class Case:
    kind: str
    success: bool
    refused: bool
    should_refuse: bool
    executable: bool | None = None
    recall: float | None = None
    regret: int | None = None
    hallucinated: int = 0
    seconds: float = 0.0
    first_answer: float = 0.0  # seconds until the goal (or the refusal) was known
    checks: int = 0
    held_out_phrasing: bool = False
    instruction: str = ""
    detail: str = ""
    category: str = "household"
    held_out_entry: bool = False  # a task-library entry the planner never trained on


def goal_condition_recall(goal: Goal, state: WorldState, scene: Scene) -> float:
    """Share of the goal's atoms that hold for some object of the right category (distinctness aside)."""
    atoms = state.atoms()
    goal = goal.grounded(lambda category: [o.id for o in scene.of_category(category)])
    cats = dict(goal.variables)
    held = 0
    for atom in goal.atoms:
        options = [[a] if not a.startswith("?") else [o.id for o in scene.of_category(cats[a])] for a in atom.args]
        held += any(((atom.predicate, *args) in atoms) == atom.positive for args in itertools.product(*options))
    return held / len(goal.atoms) if goal.atoms else 1.0


def score_case(strategy: PlannerStrategy, example: Example, scene: Scene) -> Case:
    state = WorldState.from_dict(example.state)
    answer = parse_goal_line(example.goal)
    should_refuse = isinstance(answer, Refusal)
    oracle = None if should_refuse else goal_of(answer)
    given = oracle if strategy.name in ORACLE else None
    start = time.perf_counter()
    result = strategy.plan(scene, example.instruction, given, state)
    seconds = time.perf_counter() - start
    case = Case(example.kind, False, result.refused, should_refuse, seconds=seconds,
                first_answer=result.reading_time, checks=result.checks,
                held_out_phrasing=held_out_phrasing(example), instruction=example.instruction,
                category=example.category, held_out_entry=example.held_out_entry)
    if result.refused:
        case.success = should_refuse
        case.detail = result.refusal_reason
        return case
    case.hallucinated = sum(1 for s in result.steps for a in s.args if a not in scene)
    report = strategy.validator.validate(scene, result.steps, oracle, state)
    case.executable = report.valid
    if should_refuse:
        case.detail = "planned where it should have refused"
        return case
    case.success = report.success or (report.valid and any(
        strategy.validator.validate(scene, result.steps, goal, state).success
        for goal in accepted_goals(example, scene, strategy.validator)[1:]))
    case.recall = goal_condition_recall(oracle, report.final_state, scene) if report.valid else 0.0
    if report.success:
        case.regret = len(result.steps) - example.optimal
    else:
        bad = report.first_invalid
        case.detail = f"step {bad.index + 1} '{bad.step.text}': {bad.reason}" if bad else report.unmet_goal
    return case


def held_out_phrasing(example: Example) -> bool:
    """Whether the request is worded as training never words it: a family's, entry's or need's last phrasing."""
    from groundplan.language.instructions import load_templates, phrasing_key
    from groundplan.language.library import load_requests

    family, text = example.family, example.instruction.lower()
    requests = load_requests()
    entry = requests.tasks.get(family) or requests.needs.get(family)
    if entry is not None:
        return text == entry.phrasings[-1].lower()
    answer = parse_goal_line(example.goal)
    if isinstance(answer, Refusal) or len(answer) != 1:
        return False
    key = phrasing_key(answer[0].family, answer[0].states)
    return key in load_templates() and example.template == len(load_templates()[key]) - 1
