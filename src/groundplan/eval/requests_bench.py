"""
People's requests executed in PyBullet: a representative set per request category.

Held-out requests of the planner data's test split, asked in their unseen rooms as generated (the
state the request was asked from), planned by a strategy from the instruction alone and executed
by the simulated robot with replanning; success is the reference goal (for an implicit need, any
goal that helps with it) holding in the state read back from the physics. Requests that should
be refused succeed when the planner refuses (or asks back, for vague ones) without moving the robot.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tqdm import tqdm

from groundplan.language.prompt import Refusal, parse_goal_line
from groundplan.learning.planner_data import accepted_goals, example_scene, load_examples
from groundplan.planning.registry import make_strategy
from groundplan.sim.task import SimTaskConfig, run_sim_task
from groundplan.types.examples import Example
from groundplan.types.results import ResultCode, refusal_code
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.navigation import unreachable_fixtures

CATEGORIES = ("delivery", "devices", "liquids_food", "composite", "needs", "vague_impossible")


@dataclass
class RequestRun:
    category: str
    instruction: str
    scene: str
    should_refuse: bool
    code: str
    success: bool
    replans: int
    steps: int
    message: str


def pick_cases(data, per_category: int, seed: int = 0) -> list[tuple[Example, Scene]]:
    """Test requests asked from their room's generated state, `per_category` of each category, with the room."""
    rng = random.Random(seed)
    examples = load_examples(data / "test.jsonl")
    scenes: dict[tuple, Scene] = {}
    out = []
    for category in CATEGORIES:
        pool = [e for e in examples if e.category == category and e.kind in ("task", "library", "need",
                                                                              "refusal", "two_step")]
        rng.shuffle(pool)
        chosen = []
        for example in pool:
            key = (example.room, example.seed)
            if key not in scenes:
                scenes[key] = example_scene(example)
            scene = scenes[key]
            if WorldState.from_dict(example.state).to_dict() != WorldState.from_scene(scene).to_dict():
                continue  # asked from a changed room; the simulator starts from the generated one
            if not isinstance(parse_goal_line(example.goal), Refusal) and unreachable_fixtures(scene):
                continue  # a room too cramped for the base measures navigation, not requests
            chosen.append((example, scene))
            if len(chosen) >= per_category:
                break
        out += chosen
    return out


def run_requests(data, per_category: int = 4, strategy: str = "llm-grounded", model: str = "") -> list[RequestRun]:
    planner = make_strategy(strategy, model=model)
    runs = []
    for example, scene in tqdm(pick_cases(data, per_category), desc="requests in PyBullet", unit="request"):
        answer = parse_goal_line(example.goal)
        should_refuse = isinstance(answer, Refusal)
        config = SimTaskConfig(gif=False)
        episode = run_sim_task(scene, planner, instruction=example.instruction, config=config)
        result = episode.result
        if should_refuse:
            wanted = refusal_code(answer.kind == "vague")
            success = result.code == wanted and not result.executed
        else:
            success = result.code == ResultCode.SUCCESS and any(
                planner.validator.validate(scene, [], goal, result.final_state).goal_reached
                for goal in accepted_goals(example, scene, planner.validator))
        runs.append(RequestRun(example.category, example.instruction, scene.id, should_refuse,
                               result.code.name, success, result.replans, len(result.executed), result.message))
    return runs


def format_requests(runs: list[RequestRun]) -> str:
    lines = ["| category | requests | success in PyBullet | refusals expected | replans |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for category in CATEGORIES:
        rs = [r for r in runs if r.category == category]
        if rs:
            lines.append(f"| {category} | {len(rs)} | {sum(r.success for r in rs) / len(rs):.2f} | "
                         f"{sum(r.should_refuse for r in rs)} | {sum(r.replans for r in rs)} |")
    lines += ["", "| category | request | scene | result | steps | success |", "| --- | --- | --- | --- | ---: | --- |"]
    lines += [f"| {r.category} | {r.instruction} | {r.scene} | {r.code} | {r.steps} | {'yes' if r.success else 'no'} |"
              for r in runs]
    return "\n".join(lines)
