"""The one task runner and its run folder: unique folders, one format, one refusal mapping, and a real run."""

import threading

import numpy as np
import pytest
from PIL import Image

from groundplan.errors import ClarificationNeeded, InstructionError
from groundplan.execution import run_folder as run_folder_module
from groundplan.execution.record import read_record
from groundplan.execution.run_folder import GIF_FRAME_MS, RunFolder
from groundplan.execution.task import TaskConfig, run_task
from groundplan.language.plan_text import parse_plan
from groundplan.planning.registry import make_strategy
from groundplan.planning.strategy import PlannerStrategy
from groundplan.types.results import ResultCode, SkillOutcome, refusal_code
from groundplan.types.state import WorldState
from groundplan.world.tasks import Task

FILES = ("plan.txt", "record.jsonl", "before.png", "after.png", "execution.gif")


# ------------------------------------------------------------------------------------ fakes
class FakeClock:
    """Seconds that advance only when told to, calling listeners every 0.1 s as a simulator does."""

    def __init__(self, start=0.5):
        self.t = start
        self.listeners = []

    def now(self):
        return self.t

    def subscribe(self, listener):
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def advance(self, seconds):
        for _ in range(round(seconds / 0.1)):
            self.t += 0.1
            for listener in list(self.listeners):
                listener(self.t)


class FakeCamera:
    def __init__(self):
        self.calls = []

    def __call__(self, size):
        self.calls.append(size)
        w, h = size
        return np.full((h, w, 3), len(self.calls) * 10 % 256, np.uint8)


class PerfectSkills:
    """A robot whose every step has the domain's effect and takes `seconds` on the clock; `fail` steps do nothing."""

    def __init__(self, scene, validator, clock=None, seconds=2.5, fail=()):
        self.scene, self.validator, self.clock, self.seconds = scene, validator, clock, seconds
        self.state = WorldState.from_scene(scene)
        self.fail = set(fail)
        self.calls = 0

    def observe(self):
        return self.state

    def execute(self, step, timeout=None, should_cancel=None):
        self.calls += 1
        if self.clock is not None:
            self.clock.advance(self.seconds)
        if self.calls in self.fail:
            return SkillOutcome(ResultCode.SUCCESS)  # claims success, but the effect is missing
        self.state = self.validator.validate(self.scene, [step], state=self.state).final_state
        return SkillOutcome(ResultCode.SUCCESS)


class Refusing(PlannerStrategy):
    name = "refusing"

    def __init__(self, error):
        super().__init__()
        self.error = error

    def propose(self, scene, instruction, goal, state):
        raise self.error


@pytest.fixture(scope="module")
def classical():
    return make_strategy("classical")


def fridge_goal():
    return Task("pick_and_place", "Apple", "Fridge").goal()


# ------------------------------------------------------------------------------- run folder
def test_two_tasks_started_in_the_same_second_get_their_own_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(run_folder_module.time, "strftime", lambda fmt: "20250101-120000")
    folders, errors = [], []

    def make():
        try:
            folders.append(RunFolder.create(tmp_path / "runs", "kitchen_demo").path)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(folders) == 8 and len(set(folders)) == 8
    assert all(f.is_dir() and f.parent == tmp_path / "runs" for f in folders)
    assert all(f.name.startswith("20250101-120000-kitchen_demo") for f in folders)
    # one more, in the same second, after all of them
    assert RunFolder.create(tmp_path / "runs", "kitchen_demo").path not in folders


def test_run_folder_has_the_one_format(tmp_path, kitchen, classical):
    clock, camera = FakeClock(), FakeCamera()
    skills = PerfectSkills(kitchen, classical.validator, clock)
    config = TaskConfig(gif_every=1.0)
    outcome = run_task(kitchen, classical, skills, goal=fridge_goal(), run_dir=RunFolder.create(tmp_path, kitchen.id),
                       config=config, camera=camera, clock=clock)
    result = outcome.result
    assert result.code == ResultCode.SUCCESS, result.message
    run_dir = outcome.run_dir
    for name in FILES:
        assert (run_dir / name).stat().st_size > 0, name
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(FILES)
    # plan.txt: the plan that ran as plain numbered steps, everything else as comments
    text = (run_dir / "plan.txt").read_text()
    assert text.startswith(f"# plan 0 (classical) for {fridge_goal()}: {len(result.plan.steps)} steps\n1. goto ")
    assert text.endswith("# result: SUCCESS: goal reached\n")
    assert parse_plan(text, kitchen) == result.plan.steps
    # the record is the executor's
    events = read_record(run_dir / "record.jsonl")
    assert events[0]["event"] == "start" and events[-1]["event"] == "end" and events[-1]["code"] == "SUCCESS"
    # images: before and after at the image size, GIF frames at the GIF size, one per second of the clock
    assert Image.open(run_dir / "before.png").size == config.image_size
    assert Image.open(run_dir / "after.png").size == config.image_size
    gif = Image.open(run_dir / "execution.gif")
    seconds = 2.5 * len(result.executed)
    assert outcome.sim_seconds == pytest.approx(seconds)
    assert gif.n_frames == int(seconds / config.gif_every + 1e-6)
    assert gif.size == config.gif_size and gif.info["duration"] == GIF_FRAME_MS
    assert not clock.listeners  # the runner stopped listening when the task ended


def test_plan_txt_lists_every_plan_and_parses_to_the_last(tmp_path, kitchen, classical):
    skills = PerfectSkills(kitchen, classical.validator, fail={1})  # the first step has no effect: replan
    outcome = run_task(kitchen, classical, skills, goal=fridge_goal(), run_dir=tmp_path / "run")
    result = outcome.result
    assert result.code == ResultCode.SUCCESS and result.replans == 1, result.message
    text = (tmp_path / "run" / "plan.txt").read_text()
    assert "# plan 0 (classical)" in text and "# plan 1 (classical)" in text
    assert "#   1. goto " in text  # the first plan, commented out
    assert parse_plan(text, kitchen) == result.plan.steps
    # no camera: no images, no GIF
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["plan.txt", "record.jsonl"]
    assert outcome.sim_seconds is None


def test_an_exception_is_recorded_and_raised(tmp_path, kitchen, classical):
    class Broken(PerfectSkills):
        def execute(self, step, timeout=None, should_cancel=None):
            raise RuntimeError("the gripper caught fire")

    with pytest.raises(RuntimeError):
        run_task(kitchen, classical, Broken(kitchen, classical.validator), goal=fridge_goal(), run_dir=tmp_path)
    events = read_record(tmp_path / "record.jsonl")
    assert events[-1]["event"] == "error" and "caught fire" in events[-1]["message"]


# --------------------------------------------------------------------------- refusal mapping
def test_refusal_mapping():
    assert refusal_code(True) == ResultCode.NEEDS_CLARIFICATION
    assert refusal_code(False) == ResultCode.REFUSED


@pytest.mark.parametrize("error, code", [
    (ClarificationNeeded("say what to clean"), ResultCode.NEEDS_CLARIFICATION),
    (InstructionError("there is no laptop here"), ResultCode.REFUSED),
])
def test_a_refused_task_ends_with_the_mapped_code(tmp_path, kitchen, error, code):
    planner = Refusing(error)
    skills = PerfectSkills(kitchen, planner.validator)
    outcome = run_task(kitchen, planner, skills, "do something", run_dir=tmp_path, camera=FakeCamera())
    assert outcome.result.code == code and outcome.result.message == str(error)
    assert skills.calls == 0 and not outcome.result.executed
    text = (tmp_path / "plan.txt").read_text()
    assert text == f"# plan 0 (refusing) for 'do something' refused: {error}\n# result: {code.name}: {error}\n"
    assert parse_plan(text) == []


# ----------------------------------------------------------------------------- in PyBullet
def test_a_task_in_the_simulator_reaches_its_goal_and_writes_the_folder(tmp_path, kitchen):
    from groundplan.sim.task import SimTaskConfig, run_sim_task

    planner = make_strategy("template")
    folder = RunFolder.create(tmp_path, kitchen.id)
    outcome = run_sim_task(kitchen, planner, "Put a mug in the fridge", run_dir=folder, config=SimTaskConfig())
    result = outcome.result
    assert result.code == ResultCode.SUCCESS, result.message
    assert planner.validator.validate(kitchen, [], result.plan.goal, result.final_state).goal_reached
    assert outcome.run_dir == folder.path and outcome.faults == []
    for name in FILES:
        assert (folder.path / name).stat().st_size > 0, name
    assert parse_plan((folder.path / "plan.txt").read_text(), kitchen) == result.plan.steps
    # the GIF has a frame per simulated second of the task (the world settled for 0.5 s before it)
    frames = Image.open(folder.path / "execution.gif").n_frames
    assert abs(frames - (outcome.sim_seconds - 0.5)) <= 1.0, (frames, outcome.sim_seconds)
    assert 0 < outcome.wall_seconds and outcome.sim_seconds > 1.0
