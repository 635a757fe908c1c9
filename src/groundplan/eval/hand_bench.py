"""
The hand-written requests: people's words the generator never produces, judged like the held-out split.

`bench/requests_by_hand.yaml` holds requests written by hand in shipped rooms and in generated
rooms of seeds no data split uses, each with the goals a fair reader would accept (or a refusal).
It is never used for training or model selection. A plan succeeds when, executed in the PDDL
simulator, it reaches one of the accepted goals; a refusal case when the planner refuses or asks
back. Beside success, per request category: false refusals, objects not in the room, and polarity
errors (a goal that sets a flag or a temperature the other way from the accepted goal).

A generated room is read from `bench/scenes/<room>_<seed>.yaml`, the room as it was when the cases
were written: the generator may lay a seed's room out anew (it did, when it learnt to keep every
fixture reachable), and a benchmark must not change under its cases.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from tqdm import tqdm

from groundplan.errors import GroundplanError
from groundplan.eval.planner_bench import StrategyScore, category_rows, make
from groundplan.language.prompt import Clause, Refusal, goal_of, parse_goal_line
from groundplan.learning.scoring import Case, goal_condition_recall
from groundplan.resources import share_dir
from groundplan.types.goals import FAMILIES
from groundplan.types.scene import Scene, load_scene
from groundplan.world.generator import generate_scene

HAND_FILE = Path("bench") / "requests_by_hand.yaml"
FROZEN_SCENES = Path("bench") / "scenes"
CATEGORIES = ("household", "delivery", "devices", "liquids_food", "composite", "needs", "vague_impossible")


@dataclass(frozen=True)
class HandCase:
    index: int
    scene_key: str  # a shipped scene's name, or "room:seed"
    say: str
    goals: tuple[str, ...]  # accepted goal lines, the reference first; a refusal has one line
    category: str
    tags: tuple[str, ...]

    @property
    def should_refuse(self) -> bool:
        return isinstance(parse_goal_line(self.goals[0]), Refusal)


def load_hand_cases(path: Path | None = None) -> list[HandCase]:
    """The hand-written cases; GroundplanError names the first malformed one."""
    path = path or share_dir() / HAND_FILE
    raw = yaml.safe_load(path.read_text())
    cases = []
    for i, entry in enumerate(raw.get("cases") or []):
        where = f"{path}, case {i + 1}"
        if "scene" in entry:
            key = str(entry["scene"])
        elif "room" in entry and "seed" in entry:
            key = f"{entry['room']}:{int(entry['seed'])}"
        else:
            raise GroundplanError(f"{where}: give `scene`, or `room` and `seed`")
        goals = entry.get("goal")
        goals = [goals] if isinstance(goals, str) else list(goals or [])
        if not goals or not entry.get("say") or entry.get("category") not in CATEGORIES:
            raise GroundplanError(f"{where}: needs `say`, `goal` (a goal line or a list) and a `category` "
                                  f"among {', '.join(CATEGORIES)}")
        for line in goals:
            parse_goal_line(line)  # InstructionError names what is malformed
        cases.append(HandCase(i, key, str(entry["say"]), tuple(goals), entry["category"],
                              tuple(entry.get("tags") or ())))
    return cases


def frozen_scene_path(key: str) -> Path:
    room, _, seed = key.partition(":")
    return share_dir() / FROZEN_SCENES / f"{room}_{seed}.yaml"


def case_scene(key: str) -> Scene:
    """A case's room: a shipped scene by name, or a generated room (`room:seed`), frozen where it was."""
    room, _, seed = key.partition(":")
    if not seed:
        return load_scene(key)
    frozen = frozen_scene_path(key)
    return load_scene(frozen) if frozen.is_file() else generate_scene(room, int(seed))


# The opposite of each flag-setting family, and of each temperature.
_OPPOSITE_FAMILY = {"open": "close", "close": "open", "turn_on": "turn_off", "turn_off": "turn_on"}
_OPPOSITE_STATE = {"hot": "cold", "cold": "hot"}


def _temperatures(clause: Clause) -> set[str]:
    return ({FAMILIES[clause.family].result} | set(clause.states)) & {"hot", "cold"}


def polarity_error(expected: list[Clause], chosen: list[Clause]) -> bool:
    """Whether `chosen` sets an object's flag or temperature the other way from `expected`."""
    for want in expected:
        for got in chosen:
            if got.obj != want.obj:
                continue
            if _OPPOSITE_FAMILY.get(want.family) == got.family:
                return True
            if any(_OPPOSITE_STATE[t] in _temperatures(got) for t in _temperatures(want)):
                return True
    return False


def score_hand_case(strategy, case: HandCase, scene: Scene) -> tuple[Case, bool]:
    """The case scored as the planner bench scores one, and whether it was a polarity error."""
    start = time.perf_counter()
    result = strategy.plan(scene, case.say)
    scored = Case("hand", False, result.refused, case.should_refuse, seconds=time.perf_counter() - start,
                  first_answer=result.reading_time, checks=result.checks, instruction=case.say,
                  category=case.category)
    if result.refused:
        scored.success = case.should_refuse
        scored.detail = result.refusal_reason
        return scored, False
    scored.hallucinated = sum(1 for s in result.steps for a in s.args if a not in scene)
    chosen = parse_goal_line(result.goal.description) if result.goal and result.goal.description else []
    expected = [] if case.should_refuse else parse_goal_line(case.goals[0])
    flipped = isinstance(chosen, list) and isinstance(expected, list) and polarity_error(expected, chosen)
    if case.should_refuse:
        scored.detail = f"planned {result.goal.description if result.goal else ''!r} where it should have refused"
        return scored, flipped
    reports = [strategy.validator.validate(scene, result.steps, goal_of(parse_goal_line(line)))  # type: ignore[arg-type]
               for line in case.goals]
    scored.executable = reports[0].valid
    scored.success = any(r.success for r in reports)
    scored.recall = (goal_condition_recall(goal_of(expected), reports[0].final_state, scene)  # type: ignore[arg-type]
                     if reports[0].valid else 0.0)
    if not scored.success:
        scored.detail = f"read {result.goal.description if result.goal else ''!r}, wanted {case.goals[0]!r}"
    return scored, flipped


def run_hand(strategies: list[str], path: Path | None = None, model: str = "", limit: int = 0,
             out: Path | None = None, categories: tuple[str, ...] = (), reader_adapter: str = "") -> list[dict]:
    """Each strategy on the hand-written cases (only those of `categories`, if given; the first `limit`)."""
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise GroundplanError(f"no request category {', '.join(sorted(unknown))}; use {', '.join(CATEGORIES)}")
    cases = [c for c in load_hand_cases(path) if not categories or c.category in categories][:limit or None]
    scenes: dict[str, Scene] = {}
    rows, failures = [], {}
    for name in strategies:
        strategy = make(name, model, reader_adapter)
        score, flips = StrategyScore(name), 0
        for case in tqdm(cases, desc=f"hand-written, {name}", unit="case"):
            scene = scenes.setdefault(case.scene_key, case_scene(case.scene_key))
            scored, flipped = score_hand_case(strategy, case, scene)
            score.cases.append(scored)
            flips += flipped
        rows.append(score.row() | {"polarity_errors": flips, "by_category": category_rows(score)})
        failures[name] = [{"scene": c.scene_key, "say": c.say, "want": c.goals[0], "tags": list(c.tags),
                           "got": s.detail} for c, s in zip(cases, score.cases) if not s.success]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "hand_bench.json").write_text(json.dumps({"rows": rows, "cases": len(cases)}, indent=1))
        (out / "hand_failures.json").write_text(json.dumps(failures, indent=1))
    return rows
