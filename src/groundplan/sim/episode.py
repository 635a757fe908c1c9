"""One task in simulation, end to end.

Build the world, plan, execute with replanning, and write a run folder: the plan, the per-step
record, images before and after, and a GIF of the execution.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from groundplan.execution.executor import ExecutionResult, Executor, ExecutorConfig
from groundplan.execution.record import RunRecord
from groundplan.language.plan_text import format_plan
from groundplan.planning.strategy import PlannerStrategy
from groundplan.sim.camera import render
from groundplan.sim.faults import FaultConfig, FaultInjector
from groundplan.sim.skills import SimSkills
from groundplan.sim.world import TIME_STEP, SimConfig, SimWorld
from groundplan.types.camera import Intrinsics, look_at_pose
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene

log = logging.getLogger(__name__)


@dataclass
class EpisodeConfig:
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    sim: SimConfig = field(default_factory=SimConfig)
    gif: bool = True
    gif_every: float = 1.0  # simulated seconds between GIF frames
    image_size: tuple[int, int] = (480, 360)


@dataclass
class Episode:
    result: ExecutionResult
    run_dir: Path | None
    sim_seconds: float
    wall_seconds: float
    faults: list[tuple[str, str]]


def overview_pose(scene: Scene) -> np.ndarray:
    """A camera high in a corner, looking at the middle of the room."""
    w, d = scene.size
    return look_at_pose((0.3, 0.3, 3.2), (w * 0.55, d * 0.55, 0.4))


def run_episode(scene: Scene, planner: PlannerStrategy, instruction: str = "", goal: Goal | None = None,
                run_dir: Path | None = None, config: EpisodeConfig | None = None,
                should_cancel=None) -> Episode:
    config = config or EpisodeConfig()
    start = time.perf_counter()
    with SimWorld(scene, planner.domain.catalog, config.sim) as world:
        injector = FaultInjector(config.faults)
        skills = SimSkills(world, injector)
        camera = overview_pose(scene)
        size = Intrinsics(*config.image_size)
        frames: list[Image.Image] = []
        record = None
        if run_dir is not None:
            run_dir.mkdir(parents=True, exist_ok=True)
            Image.fromarray(render(world, camera, size).rgb).save(run_dir / "before.png")
            record = RunRecord(run_dir / "record.jsonl")
            if config.gif:
                small = Intrinsics(240, 180)
                every = max(1, round(config.gif_every / TIME_STEP))

                def grab(w: SimWorld) -> None:
                    if w.steps % every == 0:
                        frames.append(Image.fromarray(render(w, camera, small).rgb))

                world.step_hooks.append(grab)
        try:
            executor = Executor(scene, planner, skills, record, config.executor)
            result = executor.run(instruction, goal, should_cancel)
        finally:
            if record is not None:
                record.close()
        if run_dir is not None:
            world.step_hooks.clear()
            Image.fromarray(render(world, camera, size).rgb).save(run_dir / "after.png")
            if result.plan is not None:
                (run_dir / "plan.txt").write_text(format_plan(result.plan.steps) + "\n")
            if frames:
                frames[0].save(run_dir / "execution.gif", save_all=True, append_images=frames[1:],
                               duration=100, loop=0)
        return Episode(result, run_dir, world.sim_time, time.perf_counter() - start, list(injector.fired))
