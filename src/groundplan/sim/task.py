"""One task in simulation: the simulator's part of `groundplan.execution.task.run_task`.

Build the world with its skills and fault injector, an overview camera and the world's simulated
clock, and hand them to the task runner, which plans, executes with replanning and writes the run
folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from groundplan.execution.run_folder import RunFolder
from groundplan.execution.task import PlannerStrategy, TaskConfig, TaskOutcome, run_task  # sim is not on planning
from groundplan.sim.camera import render
from groundplan.sim.faults import FaultConfig, FaultInjector
from groundplan.sim.skills import SimSkills
from groundplan.sim.world import SimConfig, SimWorld
from groundplan.types.camera import Intrinsics, look_at_pose
from groundplan.types.goals import Goal
from groundplan.types.scene import Scene


@dataclass
class SimTaskConfig(TaskConfig):
    faults: FaultConfig = field(default_factory=FaultConfig)
    sim: SimConfig = field(default_factory=SimConfig)


@dataclass
class SimTaskOutcome(TaskOutcome):
    """A task's outcome in simulation.

    `sim_seconds` is the world's simulated time (its settling included) and `wall_seconds` the
    whole task, building the world included.
    """

    faults: list[tuple[str, str]] = field(default_factory=list)  # (kind, object) of each fault injected


def overview_pose(scene: Scene) -> np.ndarray:
    """A camera high in a corner, looking at the middle of the room."""
    w, d = scene.size
    return look_at_pose((0.3, 0.3, 3.2), (w * 0.55, d * 0.55, 0.4))


class WorldClock:
    """A SimWorld's simulated time as the task runner's clock; listeners hear it every process update."""

    def __init__(self, world: SimWorld):
        self.world = world

    def now(self) -> float:
        return self.world.sim_time

    def subscribe(self, listener: Callable[[float], None]) -> Callable[[], None]:
        def hook(world: SimWorld) -> None:
            listener(world.sim_time)

        self.world.step_hooks.append(hook)
        return lambda: self.world.step_hooks.remove(hook)


def overview_camera(world: SimWorld, pose: np.ndarray | None = None) -> Callable[[tuple[int, int]], np.ndarray]:
    """A camera over the room (`overview_pose` unless given), rendering RGB at the size asked for."""
    pose = overview_pose(world.scene) if pose is None else pose

    def camera(size: tuple[int, int]) -> np.ndarray:
        return render(world, pose, Intrinsics(*size)).rgb

    return camera


def run_sim_task(scene: Scene, planner: PlannerStrategy, instruction: str = "", goal: Goal | None = None,
                 run_dir: RunFolder | Path | str | None = None, config: SimTaskConfig | None = None,
                 should_cancel: Callable[[], bool] | None = None) -> SimTaskOutcome:
    """Run one task in a new simulated world; see `run_task` for the run folder."""
    config = config or SimTaskConfig()
    start = time.perf_counter()
    with SimWorld(scene, planner.domain.catalog, config.sim) as world:
        injector = FaultInjector(config.faults)
        skills = SimSkills(world, injector)
        outcome = run_task(scene, planner, skills, instruction, goal, run_dir, config,
                           camera=overview_camera(world), clock=WorldClock(world), should_cancel=should_cancel)
        return SimTaskOutcome(outcome.result, outcome.run_dir, time.perf_counter() - start, world.sim_time,
                              list(injector.fired))
