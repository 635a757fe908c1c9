"""The `groundplan` command line: scenes, planning, validation, PDDL export and the demo."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path

from groundplan.errors import GroundplanError, InstructionError
from groundplan.language.plan_text import format_plan, parse_plan
from groundplan.learning.detector_train import TrainConfig as DetectorConfig
from groundplan.perception.views import STRATEGIES
from groundplan.types.catalog import ROOM_TYPES
from groundplan.types.goals import FAMILIES, Goal, family_goal
from groundplan.types.scene import Scene, load_scene, scene_names

log = logging.getLogger("groundplan")

DEMO_SCENE = "kitchen_demo"
DEMO_INSTRUCTIONS = (
    "Put a hot mug in the fridge",
    "Could you wash the bowl and put it on the dining table?",
    "Put the banana in the fridge",
)


def _goal_from_args(args: argparse.Namespace, scene: Scene) -> Goal | None:
    if not getattr(args, "goal", None):
        return None
    parts = args.goal.split()
    if not parts or parts[0] not in FAMILIES:
        raise InstructionError(f"--goal must read 'FAMILY OBJECT [TARGET]' with FAMILY one of {', '.join(FAMILIES)}")
    return family_goal(parts[0], *parts[1:3], scene=scene)


def _print_scene(scene: Scene) -> None:
    print(f"scene {scene.id} ({scene.room_type}, {scene.size[0]:.1f} x {scene.size[1]:.1f} m, "
          f"{len(scene.objects)} objects)")
    from groundplan.types.catalog import default_catalog

    catalog = default_catalog()
    for obj in scene.objects:
        relation = catalog.get(scene.get(obj.parent).category).relation if obj.parent else None
        where = f" {relation or 'on'} {obj.parent}" if obj.parent else ""
        flags = ", ".join(k if v else f"not {k}" for k, v in obj.state.items())
        print(f"  {obj.id:<18} {obj.category:<14}{where}{f'  [{flags}]' if flags else ''}")


def _print_result(result) -> None:
    print(f"\ninstruction: {result.instruction}")
    print(f"strategy:    {result.strategy}  ({result.planning_time:.2f} s)")
    if result.refused:
        print(f"refused:     {result.refusal_reason}")
        return
    print(f"goal:        {result.goal}")
    print(result.report.summary())


def cmd_scene_generate(args: argparse.Namespace) -> int:
    from groundplan.world.generator import generate_scene

    scene = generate_scene(args.room, args.seed, scene_id=args.id)
    if args.output:
        print(f"wrote {scene.save(args.output)}")
    else:
        _print_scene(scene)
    return 0


def cmd_scene_show(args: argparse.Namespace) -> int:
    if args.name is None:
        print("\n".join(scene_names()))
        return 0
    _print_scene(load_scene(args.name))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from groundplan.planning.registry import make_strategy

    scene = load_scene(args.scene)
    strategy = make_strategy(args.strategy, model=args.model)
    result = strategy.plan(scene, args.instruction or "", _goal_from_args(args, scene))
    _print_result(result)
    if args.output and not result.refused:
        Path(args.output).write_text(format_plan(result.steps) + "\n")
        print(f"wrote {args.output}")
    return 0 if result.success else 3


def cmd_validate(args: argparse.Namespace) -> int:
    from groundplan.planning.template import parse_instruction
    from groundplan.world.validator import Validator

    scene = load_scene(args.scene)
    try:
        text = Path(args.plan).read_text()
    except OSError as exc:
        raise GroundplanError(f"cannot read plan file {args.plan}: {exc.strerror}") from exc
    steps = parse_plan(text, scene)
    goal = _goal_from_args(args, scene)
    if goal is None and args.instruction:
        goal = parse_instruction(args.instruction, scene)
    report = Validator().validate(scene, steps, goal)
    print(report.summary())
    return 0 if report.success else 3


def cmd_export_pddl(args: argparse.Namespace) -> int:
    from groundplan.planning.template import parse_instruction
    from groundplan.world.domain import Domain
    from groundplan.world.pddl_io import export_pddl

    scene = load_scene(args.scene)
    goal = _goal_from_args(args, scene)
    if goal is None:
        if not args.instruction:
            raise InstructionError("export-pddl needs --instruction or --goal for the problem's goal")
        goal = parse_instruction(args.instruction, scene)
    steps = parse_plan(Path(args.plan).read_text(), scene) if args.plan else None
    files = export_pddl(Domain(), scene, goal, args.output, steps)
    for path in (files.domain, files.problem, files.plan):
        if path:
            print(f"wrote {path}")
    return 0


def cmd_validate_pddl(args: argparse.Namespace) -> int:
    from groundplan.world.pddl_io import PddlFiles, check_pddl_plan, validate_pddl

    files = PddlFiles(Path(args.domain), Path(args.problem), Path(args.plan))
    check = check_pddl_plan(files)
    print(check.summary())
    agrees = validate_pddl(files) == check.valid
    print(f"unified-planning's plan validator {'agrees' if agrees else 'DISAGREES'}")
    return 0 if check.valid and agrees else 3


def _execute(scene: Scene, instruction: str, goal: Goal | None, strategy, faults: str, seed: int,
             out: Path, gif: bool = True) -> int:
    from groundplan.sim.episode import EpisodeConfig, run_episode
    from groundplan.sim.faults import FaultConfig

    try:
        fault_config = FaultConfig.parse(faults or "", seed=seed)
    except ValueError as exc:
        raise GroundplanError(f"--faults: {exc}") from exc
    run_dir = out / f"{time.strftime('%Y%m%d-%H%M%S')}-{scene.id}"
    config = EpisodeConfig(faults=fault_config, gif=gif)
    episode = run_episode(scene, strategy, instruction, goal, run_dir, config)
    result = episode.result
    print(f"\nexecuting in PyBullet: {instruction or goal}")
    for rec in result.executed:
        note = f"  {rec.message}" if rec.message else ""
        print(f"  [{rec.attempt}.{rec.index + 1}] {rec.step.text:<42} {rec.code.name}{note}")
    if episode.faults:
        print(f"faults injected: {', '.join(f'{k} on {o}' for k, o in episode.faults)}")
    print(f"result: {result.code.name} ({result.message}); replans: {result.replans}")
    print(f"simulated {episode.sim_seconds:.1f} s in {episode.wall_seconds:.1f} s wall "
          f"({episode.sim_seconds / max(episode.wall_seconds, 1e-9):.1f}x real time)")
    print(f"run folder: {run_dir}")
    return 0 if result.success else 3


def cmd_run(args: argparse.Namespace) -> int:
    from groundplan.planning.registry import make_strategy

    scene = load_scene(args.scene)
    goal = _goal_from_args(args, scene)
    if goal is None and not args.instruction.strip():
        raise InstructionError("give an instruction or --goal to execute")
    return _execute(scene, args.instruction, goal, make_strategy(args.strategy, model=args.model), args.faults,
                    args.seed, Path(args.out), gif=not args.no_gif)


def cmd_demo(args: argparse.Namespace) -> int:
    from groundplan.planning.registry import DEFAULT_STRATEGY, make_strategy

    scene = load_scene(args.scene)
    _print_scene(scene)
    strategy = make_strategy(DEFAULT_STRATEGY)
    for instruction in DEMO_INSTRUCTIONS:
        _print_result(strategy.plan(scene, instruction))
    return _execute(scene, DEMO_INSTRUCTIONS[0], None, strategy, args.faults, 0, Path(args.out))


def cmd_bench(args: argparse.Namespace) -> int:
    import shlex

    from groundplan.eval.bench import LEVELS, BenchConfig, run_bench
    from groundplan.eval.report import print_tables, write_report

    levels = tuple(x.strip() for x in args.levels.split(",") if x.strip())
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise GroundplanError(f"unknown benchmark levels {sorted(unknown)}; use {', '.join(LEVELS)}")
    strategies = tuple(x.strip() for x in args.strategies.split(",") if x.strip()) or None
    config = BenchConfig(quick=args.quick, strategies=strategies, levels=levels, model=args.model,
                         detector=args.detector, suite=args.suite)
    results = run_bench(config)
    print(print_tables(results))
    out = Path(args.out or ("reports/bench-quick" if args.quick else "reports/bench"))
    command = "groundplan " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    print(f"\nreport: {write_report(results, out, command)}")
    return 0


def cmd_bench_suite(args: argparse.Namespace) -> int:
    from groundplan.eval.suite import DEFAULT_SUITE, build_suite, write_suite

    suite = build_suite(Path(args.data))
    path = write_suite(suite, Path(args.out or DEFAULT_SUITE))
    print(f"wrote {path}: {len(suite['cases'])} cases in {len(suite['scenes'])} rooms "
          f"({sum(c['quick'] for c in suite['cases'])} in --quick)")
    return 0


def cmd_bench_sim(args: argparse.Namespace) -> int:
    from groundplan.eval.sim_bench import format_sim_bench, run_sim_bench

    print(format_sim_bench(*run_sim_bench(args.tasks, args.min_steps)))
    return 0


def cmd_perceive(args: argparse.Namespace) -> int:
    """Look around a simulated scene with a view strategy and print the perceived object list."""
    from groundplan.perception.detect import make_detector
    from groundplan.perception.pipeline import PerceptionConfig, perceive
    from groundplan.perception.views import ViewConfig
    from groundplan.sim.camera import simulated_frames
    from groundplan.sim.world import SimWorld

    scene = load_scene(args.scene)
    config = PerceptionConfig(views=ViewConfig(strategy=args.strategy, views=args.views))
    detector = make_detector(args.backend, args.weights, {o.id: o.category for o in scene.objects})
    with SimWorld(scene) as world:
        frames = simulated_frames(world, config)
        result = perceive(frames, detector, scene, known=scene, config=config)
    print(f"{len(frames)} views ({args.strategy}); detection {result.seconds['detect']:.2f} s, "
          f"fusion {1000 * result.seconds['fuse']:.0f} ms")
    _print_scene(result.scene)
    missed = sorted(o.id for o in scene.objects if o.id not in result.scene)
    print(f"not perceived: {', '.join(missed) or 'none'}")
    if args.output:
        result.scene.save(Path(args.output))
    return 0


def cmd_perception_dataset(args: argparse.Namespace) -> int:
    from groundplan.learning.detector_data import DatasetConfig, build_dataset

    config = DatasetConfig(scenes_per_room={"train": args.train_scenes, "val": args.val_scenes},
                           views_per_scene=args.views, seed=args.seed)
    print(build_dataset(Path(args.out), config))
    return 0


def cmd_perception_train(args: argparse.Namespace) -> int:
    """Build the dataset (resumes), train the detector (resumes), write weights and metrics."""
    from groundplan.learning.detector_data import DatasetConfig, build_dataset
    from groundplan.learning.detector_train import train_detector

    data = build_dataset(Path(args.data), DatasetConfig(
        scenes_per_room={"train": args.train_scenes, "val": args.val_scenes}, views_per_scene=args.views))
    config = DetectorConfig(epochs=args.epochs, hours=args.hours, width=args.width, batch=args.batch,
                         workers=args.workers, device=args.device, init=args.init)
    weights = train_detector(data, Path(args.out), config)
    print(f"weights: {weights}\n{weights.with_suffix('.metrics.json').read_text()}")
    return 0


def cmd_perception_bench(args: argparse.Namespace) -> int:
    from groundplan.eval.perception_bench import report

    strategies = tuple(args.strategies.split(","))
    print(report(args.backend, args.weights, args.scenes_per_room, strategies, args.views))
    return 0


def _params_file(args: argparse.Namespace) -> Path:
    from groundplan.resources import config_dir
    from groundplan.ros.runner import with_overrides

    path = Path(args.params_file) if args.params_file else config_dir() / f"{args.graph}.yaml"
    return with_overrides(path, args.set or [])


def cmd_ros_up(args: argparse.Namespace) -> int:
    from groundplan.ros.runner import run_processes, run_single_process

    run = run_single_process if args.single_process else run_processes
    return run(args.graph, _params_file(args), args.namespace)


def cmd_ros_task(args: argparse.Namespace) -> int:
    from groundplan.ros.client import run_task

    code = run_task(args.instruction, args.strategy, args.skip_perception, args.timeout, args.cancel_after)
    return 0 if code == 0 else 3


def cmd_ros_demo(args: argparse.Namespace) -> int:
    """The whole graph over real rclpy, as processes, and one instruction sent to it."""
    from groundplan.ros.client import run_task
    from groundplan.ros.runner import start_processes, stop_processes

    args.graph = "sim"
    params = _params_file(args)
    procs = start_processes("sim", params)
    try:
        code = run_task(args.instruction, timeout=args.timeout)
    finally:
        stop_processes(procs)
    return 0 if code == 0 else 3


def _planner_configs(args: argparse.Namespace):
    from groundplan.learning.planner_data import DataConfig
    from groundplan.learning.train_lm import ModelSize, TrainConfig

    data = DataConfig(scenes={"train": args.train_scenes, "val": args.val_scenes, "test": args.test_scenes},
                      seed=args.seed)
    pre = TrainConfig(epochs=args.pretrain_epochs, lr=2e-3, seed=args.seed)
    return data, pre, _finetune_config(args), ModelSize()


def _finetune_config(args: argparse.Namespace):
    from groundplan.learning.planner_data import REQUEST_CATEGORIES
    from groundplan.learning.train_lm import TrainConfig

    oversample = {}
    for part in filter(None, (p.strip() for p in args.oversample.split(","))):
        category, _, copies = (w.strip() for w in part.partition("="))
        if category not in REQUEST_CATEGORIES or not copies.isdigit() or int(copies) < 1:
            raise GroundplanError(f"--oversample takes CATEGORY=COPIES pairs, comma-separated, with a category of "
                                  f"{', '.join(REQUEST_CATEGORIES)}; got {part!r}")
        oversample[category] = int(copies)
    return TrainConfig(epochs=args.finetune_epochs, lr=2e-3, seed=args.seed, goal_weight=args.goal_weight,
                       oversample=oversample)


def cmd_planner_data(args: argparse.Namespace) -> int:
    from groundplan.learning.planner_data import generate

    data_cfg, *_ = _planner_configs(args)
    manifest = generate(Path(args.data), data_cfg)
    for split, counts in manifest["counts"].items():
        print(f"{split:<6} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def cmd_planner_build(args: argparse.Namespace) -> int:
    """Data, tokenizer, pre-training and LoRA fine-tuning, then the result into models/planner."""
    import json

    from groundplan.learning.planner_data import generate
    from groundplan.learning.train_lm import finetune, pretrain

    data_cfg, pre_cfg, sft_cfg, size = _planner_configs(args)
    data, work, out = Path(args.data), Path(args.work), Path(args.out)
    timings = {}
    start = time.perf_counter()
    generate(data, data_cfg)
    timings["data_s"] = round(time.perf_counter() - start)
    start = time.perf_counter()
    pre = pretrain(data, work, pre_cfg, size, walks=not args.no_walks)
    timings["pretrain_s"] = round(time.perf_counter() - start)
    start = time.perf_counter()
    sft = finetune(data, work / "base", work, sft_cfg)
    timings["finetune_s"] = round(time.perf_counter() - start)
    summary = {"pretrain": pre, "finetune": sft, "timings_this_run": timings,
               "data": json.loads((data / "manifest.json").read_text())["counts"]}
    _ship_planner(args, out, {"base": work / "base", "adapter": work / "adapter"}, summary)
    return 0


def _ship_planner(args: argparse.Namespace, out: Path, parts: dict[str, Path], summary: dict) -> None:
    """The model's parts copied into `out` with its training record, then the probe and value model fitted on it."""
    import json
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    for name, source in parts.items():
        if (out / name).resolve() != source.resolve():
            shutil.rmtree(out / name, ignore_errors=True)
            shutil.copytree(source, out / name)
    (out / "training.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    args.model, args.contexts, args.no_save = str(out), 600, False
    cmd_planner_probes(args)  # the validity probe and the value model read the shipped model's hidden states
    args.tasks, args.samples = 150, 2
    cmd_planner_value(args)


def cmd_planner_finetune(args: argparse.Namespace) -> int:
    """LoRA fine-tuning of an existing base model on the data, then the probe and value model beside it."""
    import json

    from groundplan.learning.train_lm import finetune

    data, work, out, base = Path(args.data), Path(args.work), Path(args.out), Path(args.base)
    start = time.perf_counter()
    sft = finetune(data, base, work, _finetune_config(args))
    record = out / "training.json"
    summary = json.loads(record.read_text()) if record.is_file() else {}  # the base's pre-training stays on record
    summary["finetune"] = sft
    summary.setdefault("timings_this_run", {})["finetune_s"] = round(time.perf_counter() - start)
    summary["data"] = json.loads((data / "manifest.json").read_text())["counts"]
    _ship_planner(args, out, {"base": base, "adapter": work / "adapter"}, summary)
    return 0


def cmd_planner_requests(args: argparse.Namespace) -> int:
    """People's requests of every category executed in PyBullet by a planner strategy."""
    from groundplan.eval.requests_bench import format_requests, run_requests

    print(format_requests(run_requests(Path(args.data), args.per_category, args.strategy, args.model)))
    return 0


def cmd_planner_bench(args: argparse.Namespace) -> int:
    from groundplan.eval.machine import describe_machine
    from groundplan.eval.planner_bench import CATEGORY_COLUMNS, CATEGORY_HEADERS, run, table

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    categories = tuple(c.strip() for c in args.categories.split(",") if c.strip())
    rows = run(Path(args.data), strategies, args.limit, args.split, Path(args.out) if args.out else None,
               args.model, categories)
    print(f"\n{args.split} split, {rows[0]['cases'] if rows else 0} cases; {describe_machine()}")
    print(table(rows))
    print("\nby request category")
    print(table([r for row in rows for r in row["by_category"]], CATEGORY_COLUMNS, CATEGORY_HEADERS))
    return 0


def cmd_planner_probes(args: argparse.Namespace) -> int:
    import json

    from groundplan.learning.probe_train import format_probe_table, run_probe_study

    model = Path(args.model)
    rows, probe = run_probe_study(model, Path(args.data), args.contexts, args.seed, save=not args.no_save)
    print(f"\nprobes on {model} (held-out scenes; hidden state of the candidate step's last token)")
    print(format_probe_table(rows))
    print(f"best validity layer: {probe.layer} ({probe.metrics})")
    (model / "probe_table.json").write_text(json.dumps(rows, indent=1))
    return 0


def cmd_planner_rmft(args: argparse.Namespace) -> int:
    from groundplan.learning.rmft import RMFTConfig, format_rounds, run_rmft
    from groundplan.learning.train_lm import TrainConfig

    cfg = RMFTConfig(rounds=args.rounds, tasks=args.tasks, samples=args.samples, keep=args.keep,
                     eval_cases=args.eval_cases, seed=args.seed)
    train_cfg = TrainConfig(epochs=1, batch_size=16, lr=5e-4, warmup_steps=2, checkpoint_every=10,
                            eval_every=10**9, seed=args.seed)
    rows = run_rmft(Path(args.model), Path(args.data), Path(args.work), cfg, train_cfg)
    print(f"\nRMFT against plain SFT (same steps), held-out val tasks; rounds in {args.work}/rounds.jsonl")
    print(format_rounds(rows))
    return 0


def cmd_planner_value(args: argparse.Namespace) -> int:
    from groundplan.learning.value_train import run_value_study

    value = run_value_study(Path(args.model), Path(args.data), args.tasks, args.samples, args.seed)
    print(f"value model: layer {value.layer}, {value.metrics}")
    return 0


def _finetune_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--goal-weight", type=float, default=4.0,
                     help="loss weight of the goal line's tokens against the plan's (1: all alike)")
    cmd.add_argument("--oversample", default="composite=3,needs=3,liquids_food=2",
                     help="request categories repeated in each fine-tuning epoch, CATEGORY=COPIES,...")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="groundplan", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    scene = sub.add_parser("scene", help="generate or show scenes").add_subparsers(dest="scene_command", required=True)
    gen = scene.add_parser("generate", help="generate a random room")
    gen.add_argument("--room", choices=ROOM_TYPES, default="kitchen")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--id", help="scene id (default ROOM_SEED)")
    gen.add_argument("-o", "--output", help="write the scene YAML here instead of printing it")
    gen.set_defaults(func=cmd_scene_generate)
    show = scene.add_parser("show", help="list shipped scenes, or show one")
    show.add_argument("name", nargs="?")
    show.set_defaults(func=cmd_scene_show)

    goal_help = "an explicit goal 'FAMILY OBJECT [TARGET]', e.g. 'pick_heat_then_place Mug Fridge'"
    plan = sub.add_parser("plan", help="plan for an instruction in a scene")
    plan.add_argument("instruction", nargs="?", default="")
    plan.add_argument("--scene", default=DEMO_SCENE, help="shipped scene name or scene file")
    plan.add_argument("--strategy", default="llm-grounded",
                      help="llm-grounded, llm+p, llm (raw model), template, classical (needs --goal)")
    plan.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    plan.add_argument("--goal", help=goal_help)
    plan.add_argument("-o", "--output", help="write the plan text here")
    plan.set_defaults(func=cmd_plan)

    val = sub.add_parser("validate", help="check a plan file step by step")
    val.add_argument("plan", help="plan text file, one step a line")
    val.add_argument("--scene", default=DEMO_SCENE)
    val.add_argument("--instruction", help="also check that the plan reaches this instruction's goal")
    val.add_argument("--goal", help=goal_help)
    val.set_defaults(func=cmd_validate)

    exp = sub.add_parser("export-pddl", help="write domain, problem (and plan) as PDDL")
    exp.add_argument("--scene", default=DEMO_SCENE)
    exp.add_argument("--instruction")
    exp.add_argument("--goal", help=goal_help)
    exp.add_argument("--plan", help="plan text file to export as well")
    exp.add_argument("-o", "--output", default="pddl", help="output directory")
    exp.set_defaults(func=cmd_export_pddl)

    vpd = sub.add_parser("validate-pddl", help="check a PDDL plan against any PDDL domain and problem, step by step")
    vpd.add_argument("domain")
    vpd.add_argument("problem")
    vpd.add_argument("plan", help="one (action args) a line")
    vpd.set_defaults(func=cmd_validate_pddl)

    run = sub.add_parser("run", help="plan and execute an instruction in the PyBullet simulation")
    run.add_argument("instruction", nargs="?", default="")
    run.add_argument("--scene", default=DEMO_SCENE)
    run.add_argument("--strategy", default="llm-grounded")
    run.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    run.add_argument("--goal", help=goal_help)
    run.add_argument("--faults", default="", help="e.g. 'slip=1,limit=1' or 'stick=0.5,move=0.2' (seeded by --seed)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", default="runs", help="parent folder of the run folder")
    run.add_argument("--no-gif", action="store_true")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="plan requests in the default scene and execute one in simulation")
    demo.add_argument("--scene", default=DEMO_SCENE)
    demo.add_argument("--faults", default="", help="inject faults into the executed task")
    demo.add_argument("--out", default="runs")
    demo.set_defaults(func=cmd_demo)
    ros = sub.add_parser("ros", help="the ROS 2 graph: start it, send it tasks").add_subparsers(
        dest="ros_command", required=True)

    def graph_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--params-file", help="parameters YAML (default: config/GRAPH.yaml)")
        p.add_argument("--set", action="append", metavar="NODE.PARAM=VALUE", help="override one parameter")

    up = ros.add_parser("up", help="start a graph without ros2 launch, from the launch files' YAML")
    up.add_argument("--graph", default="sim", help="sim (whole stack on PyBullet) or robot")
    up.add_argument("--namespace", default="")
    up.add_argument("--single-process", action="store_true", help="all nodes in one multi-threaded process")
    graph_args(up)
    up.set_defaults(func=cmd_ros_up)
    task = ros.add_parser("task", help="send an instruction to execute_task and print feedback live")
    task.add_argument("instruction")
    task.add_argument("--strategy", default="")
    task.add_argument("--skip-perception", action="store_true")
    task.add_argument("--timeout", type=float, default=600.0)
    task.add_argument("--cancel-after", type=float, help="cancel the task after this many seconds")
    task.set_defaults(func=cmd_ros_task)
    rdemo = ros.add_parser("demo", help="start the simulated graph, run one instruction, stop")
    rdemo.add_argument("instruction", nargs="?", default="Put a hot mug in the fridge")
    rdemo.add_argument("--timeout", type=float, default=170.0)
    graph_args(rdemo)
    rdemo.set_defaults(func=cmd_ros_demo)

    look = sub.add_parser("perceive", help="perceive a simulated scene from multiple views; print the object list")
    look.add_argument("--scene", default=DEMO_SCENE)
    look.add_argument("--strategy", default="blockwise_center", choices=STRATEGIES)
    look.add_argument("--views", type=int, default=8, help="views per 360-degree sweep")
    look.add_argument("--backend", default="ultralytics", help="ultralytics or ground_truth")
    look.add_argument("--weights", help="an ultralytics .pt (default: the shipped detector)")
    look.add_argument("-o", "--output", help="write the perceived scene YAML here")
    look.set_defaults(func=cmd_perceive)
    perception = sub.add_parser("perception", help="detector data, training and benchmark").add_subparsers(
        dest="perception_command", required=True)
    for name, func, text in (("dataset", cmd_perception_dataset, "render and label the detector dataset"),
                             ("train", cmd_perception_train, "build the dataset and train the detector")):
        cmd = perception.add_parser(name, help=text)
        cmd.add_argument("--train-scenes", type=int, default=12, help="generated training scenes per room type")
        cmd.add_argument("--val-scenes", type=int, default=2, help="validation scenes per room type")
        cmd.add_argument("--views", type=int, default=24, help="images per scene")
        cmd.set_defaults(func=func)
    perception.choices["dataset"].add_argument("--out", default="data/detector")
    perception.choices["dataset"].add_argument("--seed", type=int, default=0)
    train = perception.choices["train"]
    train.add_argument("--data", default="data/detector", help="dataset folder (built or resumed there)")
    train.add_argument("--out", default="models/detector", help="where the weights and metrics go")
    train.add_argument("--epochs", type=int, default=60)
    train.add_argument("--hours", type=float, default=1.0, help="wall-time budget; 0: run all epochs")
    train.add_argument("--width", type=float, default=DetectorConfig.width, help="channel width multiplier")
    train.add_argument("--batch", type=int, default=DetectorConfig.batch)
    train.add_argument("--workers", type=int, default=DetectorConfig.workers, help="data-loading processes")
    train.add_argument("--device", default=DetectorConfig.device, help="cpu, or a CUDA device index such as 0")
    train.add_argument("--init", default=DetectorConfig.init, help="weights to continue from (default: scratch)")
    pbench = perception.add_parser("bench", help="precision, recall and position error per room and strategy")
    pbench.add_argument("--backend", default="ultralytics", help="ultralytics or ground_truth")
    pbench.add_argument("--weights")
    pbench.add_argument("--scenes-per-room", type=int, default=2)
    pbench.add_argument("--strategies", default=",".join(STRATEGIES))
    pbench.add_argument("--views", type=int, default=8)
    pbench.set_defaults(func=cmd_perception_bench)

    planner = sub.add_parser("planner", help="language-model planner: data, training, benchmark").add_subparsers(
        dest="planner_command", required=True)
    for name, func, text in (("data", cmd_planner_data, "generate the triples and random walks"),
                             ("build", cmd_planner_build,
                              "data, pre-training and LoRA fine-tuning into models/planner")):
        cmd = planner.add_parser(name, help=text)
        cmd.add_argument("--data", default="data/planner", help="dataset folder (made or resumed there)")
        cmd.add_argument("--train-scenes", type=int, default=160)
        cmd.add_argument("--val-scenes", type=int, default=16)
        cmd.add_argument("--test-scenes", type=int, default=40)
        cmd.add_argument("--seed", type=int, default=0)
        cmd.add_argument("--pretrain-epochs", type=float, default=3.0)
        cmd.add_argument("--finetune-epochs", type=float, default=3.0)
        _finetune_arguments(cmd)
        cmd.set_defaults(func=func)
    planner.choices["build"].add_argument("--work", default="build/planner", help="checkpoints (a rerun resumes)")
    planner.choices["build"].add_argument("--out", default="models/planner")
    planner.choices["build"].add_argument("--no-walks", action="store_true",
                                          help="pre-train without the random walks (ablation)")
    tune = planner.add_parser("finetune", help="LoRA fine-tuning of an existing base, then probe and value model")
    tune.add_argument("--data", default="data/planner")
    tune.add_argument("--base", default="models/planner/base", help="the pre-trained base model folder")
    tune.add_argument("--work", default="build/planner-finetune", help="checkpoints (a rerun resumes)")
    tune.add_argument("--out", default="models/planner")
    tune.add_argument("--finetune-epochs", type=float, default=3.0)
    tune.add_argument("--seed", type=int, default=0)
    _finetune_arguments(tune)
    tune.set_defaults(func=cmd_planner_finetune)
    pl_bench = planner.add_parser("bench", help="every strategy on the held-out split: SR, regret, latency")
    pl_bench.add_argument("--data", default="data/planner")
    pl_bench.add_argument("--split", default="test")
    pl_bench.add_argument("--strategies", default="template,classical,llm,llm+p,llm-grounded")
    pl_bench.add_argument("--limit", type=int, help="at most this many cases (spread over the split)")
    pl_bench.add_argument("--out", help="folder for planner_bench.json and the failed cases")
    pl_bench.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    pl_bench.add_argument("--categories", default="",
                          help="only these request categories, comma-separated (see learning.planner_data)")
    pl_bench.set_defaults(func=cmd_planner_bench)
    requests = planner.add_parser("requests", help="people's requests of each category executed in PyBullet")
    requests.add_argument("--data", default="data/planner")
    requests.add_argument("--per-category", type=int, default=4)
    requests.add_argument("--strategy", default="llm-grounded")
    requests.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    requests.set_defaults(func=cmd_planner_requests)
    probes = planner.add_parser("probes", help="linear probes on the planner's hidden states: table, shipped probe")
    probes.add_argument("--model", default="models/planner")
    probes.add_argument("--data", default="data/planner")
    probes.add_argument("--contexts", type=int, default=600, help="training states (held-out: half as many)")
    probes.add_argument("--seed", type=int, default=0)
    probes.add_argument("--no-save", action="store_true", help="print the table only; keep the shipped probe")
    probes.set_defaults(func=cmd_planner_probes)
    rmft = planner.add_parser("rmft", help="iterative regret-minimisation fine-tuning against plain SFT, by round")
    rmft.add_argument("--model", default="models/planner")
    rmft.add_argument("--data", default="data/planner")
    rmft.add_argument("--work", default="build/rmft", help="round adapters and rounds.jsonl (a rerun resumes)")
    rmft.add_argument("--rounds", type=int, default=3)
    rmft.add_argument("--tasks", type=int, default=160, help="training tasks per round")
    rmft.add_argument("--samples", type=int, default=4, help="plans sampled per task (K)")
    rmft.add_argument("--keep", type=int, default=1, help="lowest-regret plans kept per task (k)")
    rmft.add_argument("--eval-cases", type=int, default=120)
    rmft.add_argument("--seed", type=int, default=0)
    rmft.set_defaults(func=cmd_planner_rmft)
    value = planner.add_parser("value", help="train the goal-conditioned value model (models/planner/value.json)")
    value.add_argument("--model", default="models/planner")
    value.add_argument("--data", default="data/planner")
    value.add_argument("--tasks", type=int, default=150)
    value.add_argument("--samples", type=int, default=2, help="trajectories sampled per task, beside the reference")
    value.add_argument("--seed", type=int, default=0)
    value.set_defaults(func=cmd_planner_value)

    full = sub.add_parser("bench", help="the benchmark suite at all levels; prints tables, writes a report")
    full.add_argument("--quick", action="store_true", help="a stratified sixth of the suite, fewer strategies")
    full.add_argument("--levels", default="symbolic,perception,execution")
    full.add_argument("--strategies", default="", help="comma-separated (default: all baselines)")
    full.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    full.add_argument("--detector", default="", help="ultralytics weights for real perception")
    full.add_argument("--suite", default="", help="suite file (default: bench/suite_v1.json.gz)")
    full.add_argument("--out", default="", help="report folder (default: reports/bench or reports/bench-quick)")
    full.set_defaults(func=cmd_bench)

    suite = sub.add_parser("bench-suite", help="rebuild the benchmark suite from the planner data's test split")
    suite.add_argument("--data", default="data/planner")
    suite.add_argument("--out", default="")
    suite.set_defaults(func=cmd_bench_suite)

    bench = sub.add_parser("bench-sim", help="print simulation speed and the wall time of long tasks")
    bench.add_argument("--tasks", type=int, default=3)
    bench.add_argument("--min-steps", type=int, default=10)
    bench.set_defaults(func=cmd_bench_sim)
    return parser


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `groundplan ... | head` should end quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except GroundplanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
