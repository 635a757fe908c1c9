"""Tasks in simulation: the simulator's part of `groundplan.execution.task.run_task`.

A `SimSession` builds the world with its skills and fault injector, an overview camera, the world's
simulated clock, the robot's eyes and its world model, and hands them to the task runner for each
task in turn, which plans, executes with replanning and writes the run folder. Consecutive tasks
of a session share the world and the world model: what one task did, the next knows.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from groundplan.execution.run_folder import RunFolder
from groundplan.execution.task import PlannerStrategy, TaskConfig, TaskOutcome, run_task  # sim is not on planning
from groundplan.execution.world_model import Sighting, WorldModel
from groundplan.perception.detect import GroundTruthDetector
from groundplan.perception.pipeline import PerceptionConfig, perceive
from groundplan.sim.camera import inside_poses, render, simulated_frames
from groundplan.sim.faults import FaultConfig, FaultInjector
from groundplan.sim.skills import SimSkills
from groundplan.sim.state import current_scene
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

    From `run_sim_task`, `sim_seconds` is the world's simulated time (its settling included) and
    `wall_seconds` the whole task, building the world included; from `SimSession.run`, both are the
    task's own, its look around included.
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


class SimEyes:
    """The simulated robot's perception: rendered views, ground-truth detections, multi-view fusion.

    Perceived objects are anchored to the simulator's ids, as a robot's are to its skill server's.
    """

    def __init__(self, world: SimWorld):
        self.world = world
        # the simulator's segmentation needs no more pixels, and renders three times faster at 320x240
        self.config = PerceptionConfig(intrinsics=Intrinsics(320, 240))
        self.detector = GroundTruthDetector({o.id: o.category for o in world.scene.objects})

    def look(self, into: str | None = None) -> Sighting:
        """The room from the default view strategy, or the inside of the open container `into`."""
        frames = (simulated_frames(self.world, self.config) if into is None
                  else [render(self.world, pose, self.config.intrinsics) for pose in inside_poses(self.world, into)])
        known = current_scene(self.world)
        seen = perceive(frames, self.detector, known, known=known, catalog=self.world.catalog, config=self.config)
        return Sighting(seen.scene, frames)


class SimSession:
    """One simulated world and one world model for consecutive tasks.

    With `perceive`, the robot starts knowing only the room's map, and looks around (the default
    view strategy) before each task; its world model merges what it sees with what it saw and did
    before, and a task may open containers to look for what its request names. Without, the robot
    knows the scene in full from the start, as its file states it.
    """

    def __init__(self, scene: Scene, planner: PlannerStrategy, config: SimTaskConfig | None = None,
                 perceive: bool = False):
        self.planner = planner
        self.config = config or SimTaskConfig()
        self.perceive = perceive
        self.world = SimWorld(scene, planner.domain.catalog, self.config.sim)
        self.injector = FaultInjector(self.config.faults)
        self.skills = SimSkills(self.world, self.injector)
        self.eyes = SimEyes(self.world)
        clock = WorldClock(self.world).now
        self.world_model = (WorldModel(scene, planner.domain.catalog, clock=clock) if perceive
                            else WorldModel.from_scene(scene, planner.domain.catalog, clock=clock))

    def run(self, instruction: str = "", goal: Goal | None = None, run_dir: RunFolder | Path | str | None = None,
            should_cancel: Callable[[], bool] | None = None) -> SimTaskOutcome:
        """Look around (with `perceive`), then run one task; its times and faults are its own."""
        start, sim_start, fired = time.perf_counter(), self.world.sim_time, len(self.injector.fired)
        if self.perceive:
            self.world_model.perceived(self.eyes.look())
        outcome = run_task(self.world_model.scene(), self.planner, self.skills, instruction, goal, run_dir,
                           self.config, camera=overview_camera(self.world), clock=WorldClock(self.world),
                           should_cancel=should_cancel, world_model=self.world_model, eyes=self.eyes)
        return SimTaskOutcome(outcome.result, outcome.run_dir, time.perf_counter() - start,
                              self.world.sim_time - sim_start, self.injector.fired[fired:])

    def close(self) -> None:
        self.world.close()

    def __enter__(self) -> SimSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_sim_task(scene: Scene, planner: PlannerStrategy, instruction: str = "", goal: Goal | None = None,
                 run_dir: RunFolder | Path | str | None = None, config: SimTaskConfig | None = None,
                 should_cancel: Callable[[], bool] | None = None) -> SimTaskOutcome:
    """Run one task in a new simulated world that knows its scene in full; see `run_task` for the run folder."""
    start = time.perf_counter()
    with SimSession(scene, planner, config) as session:
        outcome = session.run(instruction, goal, run_dir, should_cancel)
        return dataclasses.replace(outcome, wall_seconds=time.perf_counter() - start,
                                   sim_seconds=session.world.sim_time)
