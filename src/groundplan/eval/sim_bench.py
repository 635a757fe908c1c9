"""Simulation speed: physics real-time factor, and wall time of long tasks executed end to end."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from tqdm import tqdm

from groundplan.errors import PlanningError
from groundplan.eval.machine import describe_machine
from groundplan.planning.classical import solve
from groundplan.planning.registry import make_strategy
from groundplan.sim.task import SimTaskConfig, run_sim_task
from groundplan.sim.world import TIME_STEP, SimWorld
from groundplan.types.scene import load_scene
from groundplan.world.generator import generate_scene
from groundplan.world.tasks import Task, sample_task


@dataclass
class TaskTiming:
    scene: str
    task: Task
    steps: int
    code: str
    sim_seconds: float
    skill_seconds: float  # wall time inside the skills (simulation and sensing)
    wall_seconds: float  # the whole episode: world build, planning, validation, execution

    @property
    def factor(self) -> float:
        return self.sim_seconds / max(self.skill_seconds, 1e-9)


def physics_factor(seconds: float = 10.0) -> float:
    """Simulated seconds per wall second, stepping the demo kitchen with the robot idle."""
    with SimWorld(load_scene("kitchen_demo")) as world:
        start = time.perf_counter()
        world.settle(seconds)
        return seconds / (time.perf_counter() - start)


def long_tasks(count: int, min_steps: int, seed: int = 0) -> list[tuple]:
    """Generated kitchen and bedroom tasks whose optimal plan has at least `min_steps` steps."""
    planner = make_strategy("classical")
    rng = random.Random(seed)
    found = []
    for scene_seed in range(200, 400):
        room = ("kitchen", "bedroom")[scene_seed % 2]
        scene = generate_scene(room, scene_seed)
        for family in ("pick_two_obj_and_place", "pick_cool_then_place", "pick_heat_then_place",
                       "pick_clean_then_place"):
            task = sample_task(scene, family, rng, planner.validator)
            if task is None:
                continue
            try:
                steps = solve(planner.domain, scene, task.goal())
            except PlanningError:  # reachable only by an unsafe step (metal in the microwave): no task here
                continue
            if len(steps) >= min_steps:
                found.append((scene, task))
                break
        if len(found) >= count:
            break
    return found


def run_sim_bench(tasks: int = 3, min_steps: int = 10) -> tuple[float, list[TaskTiming]]:
    factor = physics_factor()
    planner = make_strategy("classical")
    timings = []
    for scene, task in tqdm(long_tasks(tasks, min_steps), desc="tasks", leave=False):
        episode = run_sim_task(scene, planner, goal=task.goal(), config=SimTaskConfig(gif=False))
        result = episode.result
        timings.append(TaskTiming(scene.id, task, len(result.executed), result.code.name, episode.sim_seconds,
                                  sum(r.seconds for r in result.executed), episode.wall_seconds))
    return factor, timings


def format_sim_bench(factor: float, timings: list[TaskTiming]) -> str:
    lines = [
        f"machine: {describe_machine()}",
        f"physics step {TIME_STEP * 1000:.2f} ms; idle demo kitchen: {factor:.1f}x real time",
        "",
        "| scene | task | steps | result | simulated s | in skills s | real-time factor | episode wall s |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        task = f"{t.task.family} {t.task.obj} -> {t.task.target}"
        lines.append(f"| {t.scene} | {task} | {t.steps} | {t.code} | {t.sim_seconds:.1f} | {t.skill_seconds:.1f} "
                     f"| {t.factor:.1f}x | {t.wall_seconds:.1f} |")
    return "\n".join(lines)
