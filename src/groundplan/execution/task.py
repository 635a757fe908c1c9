"""One task, end to end, on any skill server: plan, execute with replanning, and write the run folder.

The simulator and the ROS 2 executor node both run tasks through `run_task`; they differ only in the
skill server, the camera and the clock they hand it.

- A `Camera` gives the RGB images of the run folder (before, after, and the GIF's frames).
- A `WorldModel` (with the `Eyes` that feed it) is what a robot knows across tasks: given one, the task
  plans on its objects, feeds it what each step did, and may look into containers for what a request
  names (see `groundplan.execution.executor`).
- A `TaskClock` is the time the task runs in: simulated seconds in a simulator, which advance only as
  the physics steps. The clock calls its listeners as it advances; the GIF takes a frame every
  `TaskConfig.gif_every` seconds of it, so the GIF's frame rate is in simulated seconds however fast
  the simulation runs, and nothing here needs to know the simulator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from groundplan.execution.executor import ExecutionResult, Executor, ExecutorConfig
from groundplan.execution.run_folder import AFTER, BEFORE, RunFolder
from groundplan.execution.skills import SkillServer
from groundplan.execution.world_model import Eyes, WorldModel
from groundplan.planning.strategy import PlannerStrategy, PlanResult
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene


class Camera(Protocol):
    def __call__(self, size: tuple[int, int]) -> np.ndarray:
        """An RGB image, (H, W, 3) uint8, of `size` (width, height) where the camera can choose its size."""


class TaskClock(Protocol):
    def now(self) -> float:
        """Seconds on this clock (simulated seconds in a simulator)."""

    def subscribe(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """Call `listener(now)` as the clock advances, until the returned function is called."""


@dataclass
class TaskConfig:
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    gif: bool = True
    gif_every: float = 1.0  # seconds of the task's clock (simulated seconds in simulation) between GIF frames
    image_size: tuple[int, int] = (480, 360)  # before.png and after.png (width, height)
    gif_size: tuple[int, int] = (240, 180)


@dataclass
class TaskOutcome:
    result: ExecutionResult
    run_dir: Path | None
    wall_seconds: float  # planning, execution and the run folder
    sim_seconds: float | None = None  # on the task's clock while the task ran; None without a clock


class _FrameSampler:
    """A clock listener that takes a GIF frame every `every` seconds of the clock."""

    def __init__(self, camera: Camera, size: tuple[int, int], every: float, start: float):
        self.camera, self.size, self.every = camera, size, every
        self.due = start + every
        self.frames: list[np.ndarray] = []

    def __call__(self, now: float) -> None:
        if now + 1e-9 < self.due:
            return
        self.frames.append(self.camera(self.size))
        while self.due <= now + 1e-9:
            self.due += self.every


def run_task(scene: Scene, planner: PlannerStrategy, skills: SkillServer, instruction: str = "",
             goal: Goal | None = None, run_dir: RunFolder | Path | str | None = None,
             config: TaskConfig | None = None, *, camera: Camera | None = None, clock: TaskClock | None = None,
             should_cancel: Callable[[], bool] | None = None,
             on_event: Callable[[str, dict], None] | None = None,
             on_plan: Callable[[PlanResult, int], None] | None = None,
             world_model: WorldModel | None = None, eyes: Eyes | None = None) -> TaskOutcome:
    """Plan, execute with replanning and, given a run folder, write it.

    `run_dir` is a `RunFolder` (as `RunFolder.create` makes a unique one) or a path to write into.
    Without a camera the folder holds plan.txt and record.jsonl; with one, also before.png and
    after.png; with a clock as well (and `config.gif`), execution.gif. `on_event` and `on_plan`
    see the executor's events and plans as they happen. With a `world_model`, `scene` is what it knows
    now (`world_model.scene()`). An exception from the planner or the skills
    is written to the record as an `error` event and raised.
    """
    config = config or TaskConfig()
    start = time.perf_counter()
    clock_start = clock.now() if clock is not None else None
    folder = run_dir if isinstance(run_dir, RunFolder) or run_dir is None else RunFolder(run_dir)
    plans: list[PlanResult] = []

    def collect(plan: PlanResult, attempt: int) -> None:
        plans.append(plan)
        if on_plan is not None:
            on_plan(plan, attempt)

    record = sampler = unsubscribe = None
    if folder is not None:
        if camera is not None:
            folder.write_image(BEFORE, camera(config.image_size))
            if clock is not None and config.gif and config.gif_every > 0:
                sampler = _FrameSampler(camera, config.gif_size, config.gif_every, clock_start)
                unsubscribe = clock.subscribe(sampler)
        record = folder.record()
    try:
        executor = Executor(scene, planner, skills, record, config.executor, on_event, collect, world_model, eyes)
        result = executor.run(instruction, goal, should_cancel)
    except Exception as exc:
        if record is not None:
            record.write("error", message=repr(exc))
        raise
    finally:
        if unsubscribe is not None:
            unsubscribe()
        if record is not None:
            record.close()
    sim_seconds = clock.now() - clock_start if clock is not None else None
    if folder is not None:
        if camera is not None:
            folder.write_image(AFTER, camera(config.image_size))
        folder.write_plans(plans, result.code, result.message)
        if sampler is not None:
            folder.write_gif(sampler.frames)
    return TaskOutcome(result, folder.path if folder is not None else None, time.perf_counter() - start,
                       sim_seconds)
