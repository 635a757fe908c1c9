"""The execution campaign: suite requests executed by the simulated robot, with and without faults.

Tasks are drawn from the benchmark suite (held-out generated rooms of all four types), stratified
over task kinds, families and rooms. Each runs in a fresh PyBullet world:

- `request`: the person's words read by the planner, no faults: the whole stack end to end, refusal
  cases included (they succeed when refused);
- `no faults` and one condition per fault type, with replanning and without: the executor is handed
  the case's reference goal, so these rows measure execution (skills, navigation, grasping, state
  reading, replanning) apart from the reading of the request.

A fault is applied where it can fire: a slipping grasp and a moved or removed item (the first item
the task picks up) need a pickup, a sticking door needs a door opened. Removing the only item of its
kind makes the goal unreachable: such a task is `handled` when it ends with a typed failure and not
with success. Episodes go to `episodes.jsonl` as they finish, so a stopped campaign resumes; every
failure is run again with a camera into `failures/<case>-<condition>/` (its GIF, plan and record),
except in the ablation without replanning, where a fault fails every task it acts on by design.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import statistics
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from groundplan.eval.suite import Suite, round_robin_by_room
from groundplan.types.examples import Example
from groundplan.types.state import WorldState

log = logging.getLogger(__name__)

FAULTS = {"slip": "slip=1", "stick": "stick=1", "move": "move=1,target={item}", "remove": "remove=1,target={item}"}
NEEDS = {"slip": "pickup", "stick": "open", "move": "pickup", "remove": "pickup"}  # the step a fault acts on
KINDS = ("task", "need", "library", "two_step", "midplan")  # executable request kinds; refusals only end to end


@dataclass
class CampaignConfig:
    tasks: int = 100  # executable tasks; refusal cases are added to the `request` row
    refusals: int = 16
    faults: tuple[str, ...] = tuple(FAULTS)
    replans: int = 3
    jobs: int = 1  # worker processes (each loads the planner; give each a core)
    seed: int = 0
    model: str = ""  # planner checkpoint (default: the shipped one)
    gifs: bool = True  # run each failure again with a camera
    # without replanning a fault fails every task it acts on, by design: recorded, filmed only on request
    film_ablations: bool = False


@dataclass
class Episode:
    case: str  # suite case id
    condition: str  # request, no faults, slip, slip (no replanning), ...
    fault: str = ""  # FaultConfig spec
    replans: int = 3
    by_request: bool = False  # read the request (else: the reference goal is given)

    @property
    def key(self) -> str:
        return f"{self.case}/{self.condition}"


@dataclass
class Outcome:
    case: str
    condition: str
    kind: str
    family: str
    category: str
    room: str
    instruction: str
    goal: str  # the goal the planner stated (in its goal language) or the refusal
    code: str
    message: str
    reached: bool  # an accepted goal holds in the simulated world at the end (a refusal case: refused)
    handled: bool  # reached, or the goal became unreachable and the task ended with a typed failure
    fired: list = field(default_factory=list)
    replans: int = 0
    failed_step: str = ""  # the step that failed last, with its code
    failed_skill: str = ""
    sim_s: float = 0.0
    wall_s: float = 0.0
    run_dir: str = ""


# --------------------------------------------------------------------------------------------- tasks
def choose_cases(suite: Suite, tasks: int, refusals: int, seed: int = 0) -> list[Example]:
    """Stratified over kind and family (round robin over room types), as evenly as `tasks` allows."""
    rng = random.Random(seed)
    groups: dict[tuple, list[Example]] = defaultdict(list)
    for case in suite.cases:
        if boxed_in(suite, case):
            continue
        if case.kind in KINDS and not (case.kind == "midplan" and WorldState.from_dict(case.state).holding):
            groups[(case.kind, case.family if case.kind == "task" else "")].append(case)
    chosen: list[Example] = []
    keys = sorted(groups)
    for pool in groups.values():
        rng.shuffle(pool)
    per_group = {k: 0 for k in keys}
    while len(chosen) < tasks and any(per_group[k] < len(groups[k]) for k in keys):
        for k in keys:  # one more from each group in turn
            if len(chosen) < tasks and per_group[k] < len(groups[k]):
                per_group[k] += 1
                chosen.append(round_robin_by_room(groups[k], per_group[k])[-1])
    refusal_pool = [c for c in suite.cases if c.kind == "refusal"]
    rng.shuffle(refusal_pool)
    return chosen + round_robin_by_room(refusal_pool, refusals)


def boxed_in(suite: Suite, case: Example) -> bool:
    """Whether the case's room has a fixture that furniture boxes in, out of the base's reach.

    Suite v2's rooms predate the generator's reachability check; about one in four has such a fixture.
    """
    from groundplan.world.navigation import unreachable_fixtures

    if case.scene not in _BOXED:
        _BOXED[case.scene] = bool(unreachable_fixtures(suite.scene(case)))
    return _BOXED[case.scene]


_BOXED: dict[str, bool] = {}


def start_scene(suite: Suite, case: Example):
    """The room as the case starts: a mid-plan case's items, flags and robot where its state has them."""
    from groundplan.world.navigation import approach_pose

    scene = suite.scene(case)
    state = WorldState.from_dict(case.state)
    if case.kind != "midplan":
        return scene
    objects = []
    for o in scene.objects:
        flags = state.flags.get(o.id, frozenset())
        objects.append(replace(o, parent=state.located.get(o.id, o.parent),
                               state={k: k in flags for k in sorted(set(o.state) | flags)}))
    scene = replace(scene, objects=objects)
    return replace(scene, robot_pose=approach_pose(scene, state.robot_at)) if state.robot_at else scene


def episodes_for(case: Example, baseline: dict | None, config: CampaignConfig) -> list[Episode]:
    """The fault episodes of a case, given its run without faults (which says what the task does)."""
    if case.kind == "refusal" or baseline is None:
        return []
    out = []
    for fault in config.faults:
        action = NEEDS[fault]
        steps = [s.split() for s in baseline["steps"]]
        acted = [s for s in steps if s and s[0] == action]
        if not acted:
            continue
        spec = FAULTS[fault].format(item=acted[0][1])
        out.append(Episode(case.id, fault, spec, config.replans))
        out.append(Episode(case.id, f"{fault} (no replanning)", spec, 0))
    return out


# ------------------------------------------------------------------------------------------ running
_PLANNER = None


def _planner(model: str):
    global _PLANNER
    if _PLANNER is None:
        from groundplan.planning.registry import make_strategy

        _PLANNER = make_strategy("llm-grounded", model=model)
    return _PLANNER


def run_episode(suite: Suite, case: Example, episode: Episode, model: str = "", run_dir: Path | None = None) -> dict:
    from groundplan.execution.executor import ExecutorConfig
    from groundplan.language.prompt import goal_text
    from groundplan.learning.planner_data import accepted_goals
    from groundplan.sim.faults import FaultConfig
    from groundplan.sim.task import SimTaskConfig, run_sim_task
    from groundplan.types.results import ResultCode

    planner = _planner(model)
    scene = start_scene(suite, case)
    goals = [] if case.kind == "refusal" else accepted_goals(case, scene, planner.validator)
    config = SimTaskConfig(executor=ExecutorConfig(max_replans=episode.replans),
                           faults=FaultConfig.parse(episode.fault, seed=int(case.id)), gif=run_dir is not None)
    start = time.perf_counter()
    sim = run_sim_task(scene, planner, case.instruction if episode.by_request else "",
                       None if episode.by_request else goals[0], run_dir, config)
    result = sim.result
    if case.kind == "refusal":
        reached = result.code in (ResultCode.REFUSED, ResultCode.NEEDS_CLARIFICATION) and not result.executed
    else:
        final = result.final_state
        reached = result.code == ResultCode.SUCCESS and final is not None and any(
            planner.validator.validate(scene, [], g, final).goal_reached for g in goals)
    handled = reached
    if not reached and case.kind != "refusal" and result.code != ResultCode.SUCCESS and sim.faults:
        handled = not _reachable(planner, scene, goals, result.final_state, result.plan)
    failed = next((r for r in reversed(result.executed) if r.code != ResultCode.SUCCESS), None)
    plan = result.plan
    stated = ("" if plan is None else goal_text(plan.goal) if plan.goal is not None  # kept through replans
              else f"refused: {plan.refusal_reason}")
    outcome = Outcome(
        case.id, episode.condition, case.kind, case.family, case.category, case.room, case.instruction, stated,
        result.code.name, result.message, reached, handled, [list(f) for f in sim.faults], result.replans,
        f"{failed.step.text} ({failed.code.name})" if failed else "", failed.step.action if failed else
        ("planner" if result.code in (ResultCode.PLANNING_FAILED, ResultCode.REFUSED)
         else "reading (another goal reached)" if not reached else ""),
        round(sim.sim_seconds, 2), round(time.perf_counter() - start, 2), str(run_dir or ""))
    row = asdict(outcome)
    row["steps"] = [r.step.text for r in result.executed if r.code == ResultCode.SUCCESS]
    return row


def _reachable(planner, scene, goals, state, plan) -> bool:
    """Whether any accepted goal can still be reached from the final state, in the world as it is now."""
    from groundplan.errors import PlanningError
    from groundplan.planning.classical import solve

    if state is None:
        return True
    gone = {o.id for o in scene.objects if o.id not in state.located and planner.domain.catalog.get(o.category).is_item
            and o.id != state.holding}
    now = replace(scene, objects=[o for o in scene.objects if o.id not in gone])
    for goal in goals:
        try:
            solve(planner.domain, now, goal, state.restricted_to({o.id for o in now.objects}))
            return True
        except PlanningError:
            continue
        except Exception:  # a goal naming a removed object by id cannot even be stated
            continue
    return False


def _work(args: tuple) -> dict:
    suite_path, case_id, episode, model = args
    suite = _suite(suite_path)
    case = next(c for c in suite.cases if c.id == case_id)
    try:
        return run_episode(suite, case, episode, model)
    except Exception as exc:  # one broken episode is a failure row, not the end of the campaign
        log.exception("episode %s failed", episode.key)
        return {**asdict(Outcome(case.id, episode.condition, case.kind, case.family, case.category, case.room,
                                 case.instruction, "", "ERROR", repr(exc), False, False)), "steps": []}


_SUITES: dict[str, Suite] = {}


def _suite(path: str) -> Suite:
    from groundplan.eval.suite import load_suite

    if path not in _SUITES:
        _SUITES[path] = load_suite(path or None)
    return _SUITES[path]


def _init_worker() -> None:
    import os

    os.environ["GROUNDPLAN_THREADS"] = "1"  # each worker one core (read by the planner as it loads)


def run_campaign(suite_path: str, out: Path, config: CampaignConfig) -> list[dict]:
    """Run (or resume) the campaign into `out`; the episode rows, one per (case, condition)."""
    suite = _suite(suite_path)
    cases = choose_cases(suite, config.tasks, config.refusals, config.seed)
    by_id = {c.id: c for c in cases}
    out.mkdir(parents=True, exist_ok=True)
    path = out / "episodes.jsonl"
    done: dict[str, dict] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            row = json.loads(line)
            done[f"{row['case']}/{row['condition']}"] = row

    def run_all(episodes: list[Episode], desc: str, pool) -> None:
        todo = [e for e in episodes if e.key not in done]
        jobs = [(suite_path, e.case, e, config.model) for e in todo]
        with path.open("a") as f, tqdm(total=len(todo), desc=desc, unit="task") as bar:
            for row in (pool.imap_unordered(_work, jobs) if pool is not None else map(_work, jobs)):
                _keep(f, done, row)
                bar.update()

    pool = (multiprocessing.get_context("spawn").Pool(config.jobs, initializer=_init_worker)
            if config.jobs > 1 else None)
    try:
        run_all([Episode(c.id, "request", replans=config.replans, by_request=True) for c in cases], "requests", pool)
        run_all([Episode(c.id, "no faults", replans=config.replans) for c in cases if c.kind != "refusal"],
                "no faults", pool)
        run_all([e for c in cases for e in episodes_for(c, done.get(f"{c.id}/no faults"), config)], "faults", pool)
    finally:
        if pool is not None:
            pool.terminate()
    rows = [r for r in done.values() if r["case"] in by_id]
    if config.gifs:
        filmed = [r for r in rows if not r["handled"] and not r["run_dir"]
                  and (config.film_ablations or "no replanning" not in r["condition"])]
        for row in tqdm(filmed, desc="failure GIFs"):
            row["run_dir"] = _record_failure(suite, by_id[row["case"]], row, out, config)
        path.write_text("".join(json.dumps(r) + "\n" for r in done.values()))
    return rows


def _keep(f, done: dict, row: dict) -> None:
    done[f"{row['case']}/{row['condition']}"] = row
    f.write(json.dumps(row) + "\n")
    f.flush()


def _record_failure(suite: Suite, case: Example, row: dict, out: Path, config: CampaignConfig) -> str:
    """Run a failed episode again (the same seed) with the overview camera on; its run folder."""
    condition = row["condition"]
    fault = next((e.fault for e in episodes_for(case, {"steps": row["steps"]}, config) if e.condition == condition), "")
    if condition not in ("request", "no faults") and not fault:  # the fault's step was never reached this time
        fault = FAULTS[condition.split(" ")[0]].format(item=row["fired"][0][1]) if row["fired"] else ""
    episode = Episode(case.id, condition, fault, 0 if "no replanning" in condition else config.replans,
                      by_request=condition == "request")
    folder = out / "failures" / f"{case.id}-{condition.replace(' ', '_').replace('(', '').replace(')', '')}"
    try:
        run_episode(suite, case, episode, config.model, run_dir=folder)
    except Exception:
        log.exception("recording failure %s", episode.key)
        return ""
    return str(folder)


# ------------------------------------------------------------------------------------------ summary
def summarize(rows: list[dict]) -> list[dict]:
    """One row per condition: tasks, SR, handled, replans per task, median simulated and wall seconds."""
    order = ["request", "no faults"] + [f"{f}{s}" for f in FAULTS for s in ("", " (no replanning)")]
    table = []
    for condition in order:
        part = [r for r in rows if r["condition"] == condition]
        if not part:
            continue
        table.append({
            "condition": condition, "tasks": len(part), "fired": sum(bool(r["fired"]) for r in part),
            "SR": sum(r["reached"] for r in part) / len(part),
            "handled": sum(r["handled"] for r in part) / len(part),
            "replans_per_task": statistics.fmean(r["replans"] for r in part),
            "median_sim_s": statistics.median(r["sim_s"] for r in part),
            "median_wall_s": statistics.median(r["wall_s"] for r in part),
        })
    return table


def breakdown(rows: list[dict], condition: str, key: str) -> dict[str, float]:
    """SR of one condition by a case attribute (room, kind, category, family)."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        if r["condition"] == condition:
            groups[r[key]].append(r["reached"])
    return {k: sum(v) / len(v) for k, v in sorted(groups.items())}
