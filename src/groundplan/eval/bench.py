"""
`groundplan bench`: the whole stack on the fixed suite, at three levels, in one run.

- symbolic: every planner strategy on every suite case, scored in the PDDL simulator;
- perception + plan: suite rooms built in PyBullet, seen from the views of one strategy, perceived
  (ground-truth segmentation and, where weights exist, the trained detector), planned for on the
  perceived object list and checked on the true room;
- execution: suite requests run in PyBullet with the grounded planner, without faults and with a
  slipping grasp, with and without replanning.

The report (Markdown, figures, per-case failure records, raw results) goes to one folder.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from groundplan.eval.machine import describe_machine
from groundplan.eval.planner_bench import StrategyScore, make
from groundplan.eval.suite import Suite, load_suite
from groundplan.language.prompt import Refusal, goal_of, parse_goal_line
from groundplan.learning.scoring import ORACLE, score_case
from groundplan.resources import models_dir
from groundplan.types.examples import Example
from groundplan.types.state import WorldState

log = logging.getLogger(__name__)

# Beam search is measured in the planner's model card (`planner bench`); it is 6-9x slower.
STRATEGIES = ("template", "classical", "llm", "llm+p", "llm-grounded", "llm-grounded-noprobe",
              "llm-grounded-value", "llm-grounded-rmft")
QUICK_STRATEGIES = ("template", "classical", "llm", "llm+p", "llm-grounded", "llm-grounded-noprobe")
LEVELS = ("symbolic", "perception", "execution")
RMFT_ADAPTER = "rmft_adapter"  # beside the planner's adapter: the last RMFT round's (see the model card)


@dataclass
class BenchConfig:
    quick: bool = False
    strategies: tuple[str, ...] | None = None  # default: STRATEGIES (QUICK_STRATEGIES with --quick)
    levels: tuple[str, ...] = LEVELS
    model: str = ""  # planner checkpoint for the model-based strategies (default: shipped)
    detector: str = ""  # ultralytics weights for real perception (default: the shipped ones, if any)
    suite: str = ""
    view_strategy: str = "blockwise_center"
    limit: int = 0  # only the first n cases of the selection (0: all)
    jobs: int = 1  # worker processes for the execution campaign
    out: str = "reports/bench"  # report folder (the campaign's episodes go under it, and resume from there)

    @property
    def scale(self) -> dict:
        """How much of each level runs."""
        return ({"perception_scenes": 2, "plans_per_scene": 2, "execution_tasks": 6, "execution_refusals": 2}
                if self.quick else
                {"perception_scenes": 8, "plans_per_scene": 4, "execution_tasks": 100, "execution_refusals": 16})


@dataclass
class Results:
    config: dict
    machine: str
    suite: str
    started: str
    symbolic: list[dict] = field(default_factory=list)  # one row per strategy
    by_family: dict[str, dict[str, float]] = field(default_factory=dict)  # strategy -> family -> SR
    latencies: dict[str, list[float]] = field(default_factory=dict)  # strategy -> seconds per case
    perception: list[dict] = field(default_factory=list)  # one row per backend
    recall_by_views: dict[str, dict[int, float]] = field(default_factory=dict)  # backend -> views -> recall
    execution: list[dict] = field(default_factory=list)  # one row per condition
    execution_by: dict[str, dict[str, float]] = field(default_factory=dict)  # attribute -> value -> SR
    stages: dict[str, list[float]] = field(default_factory=dict)  # stage -> seconds
    failures: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    load: list[float] = field(default_factory=list)  # 1-minute load average at the start and the end


def median_p95(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


# ----------------------------------------------------------------------------------------- symbolic
def _rmft_strategy(config: BenchConfig):
    """llm-grounded with the RMFT round's adapter on the shipped base (probe and value files as shipped)."""
    from groundplan.planning.llm import GroundedLLMStrategy, LLMConfig
    from groundplan.planning.lm import PlannerLM

    model = Path(config.model) if config.model else models_dir() / "planner"
    return GroundedLLMStrategy(None, PlannerLM.load(model, model / RMFT_ADAPTER), LLMConfig())


def run_symbolic(suite: Suite, cases: list[Example], config: BenchConfig, results: Results) -> None:
    names = list(config.strategies or (QUICK_STRATEGIES if config.quick else STRATEGIES))
    rmft = (Path(config.model) if config.model else models_dir() / "planner") / RMFT_ADAPTER
    if "llm-grounded-rmft" in names and not (rmft / "adapter_config.json").is_file():
        names.remove("llm-grounded-rmft")
        results.notes.append(f"RMFT: no adapter at {rmft} (`groundplan planner rmft` makes one per round); "
                             "its row is left out")
    for name in names:
        strategy = _rmft_strategy(config) if name == "llm-grounded-rmft" else make(name, config.model)
        strategy.name = name
        score = StrategyScore(name)
        families: dict[str, list[bool]] = defaultdict(list)
        for case in tqdm(cases, desc=f"symbolic {name}", unit="case"):
            if name in ORACLE and isinstance(parse_goal_line(case.goal), Refusal):
                continue  # an oracle goal cannot express a refusal
            scored = score_case(strategy, case, suite.scene(case))
            score.cases.append(scored)
            families["refusal" if case.kind == "refusal" else case.family.split("+")[0]].append(scored.success)
            if not scored.success:
                results.failures.append({"level": "symbolic", "strategy": name, "case": case.id,
                                         "scene": case.scene, **asdict(scored)})
        results.symbolic.append(score.row())
        results.by_family[name] = {f: sum(v) / len(v) for f, v in sorted(families.items())}
        results.latencies[name] = [c.seconds for c in score.cases]


# --------------------------------------------------------------------------------------- perception
def run_perception(suite: Suite, cases: list[Example], config: BenchConfig, results: Results) -> None:
    from groundplan.eval.perception_bench import MIN_PIXELS, Score, match, truth
    from groundplan.perception.detect import GroundTruthDetector, UltralyticsDetector, default_weights
    from groundplan.perception.pipeline import PerceptionConfig, perceive
    from groundplan.perception.views import ViewConfig
    from groundplan.planning.registry import make_strategy
    from groundplan.sim.camera import simulated_frames
    from groundplan.sim.world import SimWorld

    weights = Path(config.detector) if config.detector else default_weights()
    backends = ["ground_truth"] + (["ultralytics"] if weights.is_file() else [])
    if not weights.is_file():
        results.notes.append(f"real perception: no detector weights at {weights} (none are shipped yet; "
                             "`groundplan perception train` makes them); only the ground-truth backend ran")
    planner = make_strategy("llm-grounded", model=config.model)
    by_scene: dict[str, list[Example]] = defaultdict(list)
    for case in cases:
        if case.kind == "task":
            by_scene[case.scene].append(case)
    per_room, scenes = max(1, config.scale["perception_scenes"] // 4), []
    for key in sorted(by_scene):  # the first rooms of each type
        if sum(suite.scenes[k].room_type == suite.scenes[key].room_type for k in scenes) < per_room:
            scenes.append(key)
    scenes = scenes[:config.scale["perception_scenes"]]
    pconf = PerceptionConfig(views=ViewConfig(strategy=config.view_strategy))
    scores = {b: Score() for b in backends}
    plans = {b: [] for b in backends}  # success of each plan on the true room
    curve: dict[str, dict[int, list[float]]] = {b: defaultdict(list) for b in backends}
    for key in tqdm(scenes, desc="perception + plan", unit="scene"):
        scene = suite.scenes[key]
        with SimWorld(scene) as world:
            true = truth(world)
            start = time.perf_counter()
            frames = simulated_frames(world, pconf)
            results.stages.setdefault("render views (s/scene)", []).append(time.perf_counter() - start)
        visible = set().union(*(f.visible_ids(MIN_PIXELS) for f in frames))
        for backend in backends:
            detector = (GroundTruthDetector({o.id: o.category for o in true.objects}, MIN_PIXELS)
                        if backend == "ground_truth" else UltralyticsDetector(str(weights)))
            start = time.perf_counter()
            seen = perceive(frames, detector, true, known=true, config=pconf)
            results.stages.setdefault(f"perceive, {backend} (s/scene)", []).append(time.perf_counter() - start)
            pairs, fps, fns = match(seen.scene, true)
            scores[backend].add(Score(len(pairs), len(fps), len(fns), len(visible),
                                      len(visible & {t for _, t, _ in pairs}), len(frames), 1,
                                      [100 * d for _, _, d in pairs]))
            for n in sorted({1, 2, 4, 8, 16, len(frames)}):
                if n <= len(frames):
                    part = perceive(frames[:n], detector, true, known=true, config=pconf).scene
                    found = {t for _, t, _ in match(part, true)[0]}
                    curve[backend][n].append(len(found & visible) / max(1, len(visible)))
            for case in by_scene[key][:config.scale["plans_per_scene"]]:
                state = WorldState.from_dict(case.state)
                goal = goal_of(parse_goal_line(case.goal))
                start = time.perf_counter()
                result = planner.plan(seen.scene, case.instruction, state=state.restricted_to(
                    {o.id for o in seen.scene.objects}))
                results.stages.setdefault("plan on perceived objects (s)", []).append(time.perf_counter() - start)
                ok = not result.refused and planner.validator.validate(scene, result.steps, goal, state).success
                plans[backend].append(ok)
                if not ok:
                    results.failures.append({"level": "perception", "backend": backend, "case": case.id,
                                             "scene": key, "instruction": case.instruction,
                                             "detail": result.refusal_reason or "the plan fails on the true room",
                                             "missed_objects": sorted(fns)})
    for backend, score in scores.items():
        results.perception.append({
            "backend": backend, "scenes": score.scenes, "views": score.views, "precision": score.precision,
            "recall": score.recall, "recall_visible": score.visible_recall,
            "median_error_cm": median_p95(score.errors_cm)[0], "plans": len(plans[backend]),
            "plan_SR": sum(plans[backend]) / max(1, len(plans[backend])),
        })
        results.recall_by_views[backend] = {n: statistics.fmean(v) for n, v in sorted(curve[backend].items())}


# ---------------------------------------------------------------------------------------- execution
def run_execution(suite: Suite, cases: list[Example], config: BenchConfig, results: Results) -> None:
    """The execution campaign (`groundplan.eval.campaign`) over the suite, into the report folder."""
    from groundplan.eval.campaign import CampaignConfig, boxed_in, breakdown, run_campaign, summarize

    scale = config.scale
    campaign = CampaignConfig(tasks=scale["execution_tasks"], refusals=scale["execution_refusals"],
                              jobs=config.jobs, model=config.model)
    rows = run_campaign(config.suite, Path(config.out) / "execution", campaign)
    results.execution = summarize(rows)
    results.execution_by = {key: breakdown(rows, "no faults", key) for key in ("room", "kind", "category")}
    results.execution_by["request, by category"] = breakdown(rows, "request", "category")
    boxed = sum(boxed_in(suite, c) for c in suite.cases)
    results.notes.append(f"execution: {boxed} of {len(suite.cases)} suite cases are in rooms where furniture boxes a "
                         "fixture in (rooms made before the generator checked reachability); the campaign does not "
                         "draw them")
    for row in rows:
        results.stages.setdefault("execute a task in PyBullet (wall s)", []).append(row["wall_s"])
        if not row["handled"]:
            results.failures.append({"level": "execution", **{k: v for k, v in row.items() if k != "steps"}})


# -------------------------------------------------------------------------------------------- run
def run_bench(config: BenchConfig) -> Results:
    suite = load_suite(config.suite or None)
    cases = suite.select(config.quick)[:config.limit or None]
    results = Results(config={**asdict(config), "cases": len(cases)}, machine=describe_machine(),
                      suite=f"v{suite.version} ({suite.digest}, {len(cases)} of {len(suite.cases)} cases)",
                      started=time.strftime("%Y-%m-%d %H:%M:%S"))
    results.load.append(os.getloadavg()[0])  # latencies mean little if something else ran beside the bench
    start = time.perf_counter()
    for level, fn in (("symbolic", run_symbolic), ("perception", run_perception), ("execution", run_execution)):
        if level in config.levels:
            fn(suite, cases, config, results)
    results.seconds = time.perf_counter() - start
    results.load.append(os.getloadavg()[0])
    return results
