"""
The language-model planner's commands.

`planner data|build|finetune|bench|requests|probes|reader|reader-probes|rmft|value`.
The training commands read their defaults from the recipe `config/recipes/planner.yaml` (see cli.recipes).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from groundplan.cli.recipes import Recipe, add_recipe_option, load_recipe
from groundplan.errors import GroundplanError

PIPELINE = "planner"
SCHEMA = {
    "seed": int,
    "data": {"train_scenes": int, "val_scenes": int, "test_scenes": int},
    "pretrain": {"epochs": float, "lr": float},
    "finetune": {"epochs": float, "lr": float, "goal_weight": float, "oversample": dict},
    "probes": {"contexts": int},
    "value": {"tasks": int, "samples": int},
    "reader": {"pairs": int, "retold": float, "sourced": float, "idioms": float, "joined": float, "library": int,
               "epochs": float,
               "batch_size": int, "lr": float, "lora_r": int, "lora_alpha": int, "checkpoint_every": int,
               "eval_every": int},
    "rmft": {"rounds": int, "tasks": int, "samples": int, "keep": int, "eval_cases": int,
             "train": {"epochs": float, "batch_size": int, "lr": float, "warmup_steps": int,
                       "checkpoint_every": int, "eval_every": int}},
}
# Each command's options that the recipe fills in when not given: option dest -> recipe key.
FINETUNE_OPTIONS = {"seed": "seed", "finetune_epochs": "finetune.epochs", "goal_weight": "finetune.goal_weight"}
BUILD_OPTIONS = {"train_scenes": "data.train_scenes", "val_scenes": "data.val_scenes",
                 "test_scenes": "data.test_scenes", "pretrain_epochs": "pretrain.epochs", **FINETUNE_OPTIONS}
PROBES_OPTIONS = {"seed": "seed", "contexts": "probes.contexts"}
VALUE_OPTIONS = {"seed": "seed", "tasks": "value.tasks", "samples": "value.samples"}
READER_OPTIONS = {"seed": "seed", "pairs": "reader.pairs", "retold": "reader.retold", "sourced": "reader.sourced",
                  "idioms": "reader.idioms", "joined": "reader.joined", "library": "reader.library",
                  "lr": "reader.lr"}
RMFT_OPTIONS = {"seed": "seed", **{k: f"rmft.{k}" for k in ("rounds", "tasks", "samples", "keep", "eval_cases")}}


def _recipe(args: argparse.Namespace, options: dict[str, str]) -> Recipe:
    return load_recipe(args, PIPELINE, SCHEMA, options)


def _planner_configs(args: argparse.Namespace, recipe: Recipe):
    from groundplan.learning.planner_data import DataConfig
    from groundplan.learning.train_lm import ModelSize, TrainConfig

    data = DataConfig(scenes={"train": args.train_scenes, "val": args.val_scenes, "test": args.test_scenes},
                      seed=args.seed)
    pre = TrainConfig(epochs=args.pretrain_epochs, lr=recipe["pretrain.lr"], seed=args.seed)
    return data, pre, _finetune_config(args, recipe), ModelSize()


def _oversample(args: argparse.Namespace, recipe: Recipe) -> dict[str, int]:
    """Copies per epoch of each request category: `--oversample CATEGORY=COPIES,...`, else the recipe's."""
    from groundplan.learning.planner_data import REQUEST_CATEGORIES

    categories = ", ".join(REQUEST_CATEGORIES)
    if args.oversample is None:
        oversample = recipe["finetune.oversample"]
        for category, copies in oversample.items():
            if category not in REQUEST_CATEGORIES or isinstance(copies, bool) or not isinstance(copies, int) \
                    or copies < 1:
                raise GroundplanError(f"recipe {recipe.path}: finetune.oversample maps CATEGORY: COPIES (at least 1) "
                                      f"with a category of {categories}; got {category}: {copies!r}")
        return dict(oversample)
    oversample = {}
    for part in filter(None, (p.strip() for p in args.oversample.split(","))):
        category, _, copies = (w.strip() for w in part.partition("="))
        if category not in REQUEST_CATEGORIES or not copies.isdigit() or int(copies) < 1:
            raise GroundplanError(f"--oversample takes CATEGORY=COPIES pairs, comma-separated, with a category of "
                                  f"{categories}; got {part!r}")
        oversample[category] = int(copies)
    return oversample


def _finetune_config(args: argparse.Namespace, recipe: Recipe):
    from groundplan.learning.train_lm import TrainConfig

    oversample = _oversample(args, recipe)
    return TrainConfig(epochs=args.finetune_epochs, lr=recipe["finetune.lr"], seed=args.seed,
                       goal_weight=args.goal_weight, oversample=oversample)


def cmd_planner_data(args: argparse.Namespace) -> int:
    recipe = _recipe(args, BUILD_OPTIONS)
    data_cfg, *_ = _planner_configs(args, recipe)
    from groundplan.learning.planner_data import generate

    manifest = generate(Path(args.data), data_cfg)
    for split, counts in manifest["counts"].items():
        print(f"{split:<6} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def cmd_planner_build(args: argparse.Namespace) -> int:
    """Data, tokenizer, pre-training and LoRA fine-tuning, then the result into models/planner."""
    import json

    recipe = _recipe(args, BUILD_OPTIONS)
    data_cfg, pre_cfg, sft_cfg, size = _planner_configs(args, recipe)
    from groundplan.learning.planner_data import generate
    from groundplan.learning.train_lm import finetune, pretrain

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
    _ship_planner(args, recipe, out, {"base": work / "base", "adapter": work / "adapter"}, summary)
    return 0


def _ship_planner(args: argparse.Namespace, recipe: Recipe, out: Path, parts: dict[str, Path], summary: dict) -> None:
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
    args.model, args.contexts, args.no_save = str(out), recipe["probes.contexts"], False
    _probes(args)  # the validity probe and the value model read the shipped model's hidden states
    args.tasks, args.samples = recipe["value.tasks"], recipe["value.samples"]
    _value(args)


def cmd_planner_finetune(args: argparse.Namespace) -> int:
    """LoRA fine-tuning of an existing base model on the data, then the probe and value model beside it."""
    import json

    recipe = _recipe(args, FINETUNE_OPTIONS)
    sft_cfg = _finetune_config(args, recipe)
    from groundplan.learning.train_lm import finetune

    data, work, out, base = Path(args.data), Path(args.work), Path(args.out), Path(args.base)
    start = time.perf_counter()
    sft = finetune(data, base, work, sft_cfg)
    record = out / "training.json"
    summary = json.loads(record.read_text()) if record.is_file() else {}  # the base's pre-training stays on record
    summary["finetune"] = sft
    summary.setdefault("timings_this_run", {})["finetune_s"] = round(time.perf_counter() - start)
    summary["data"] = json.loads((data / "manifest.json").read_text())["counts"]
    _ship_planner(args, recipe, out, {"base": base, "adapter": work / "adapter"}, summary)
    return 0


def cmd_planner_reader(args: argparse.Namespace) -> int:
    """LoRA fine-tuning of the pretrained reader; the adapter goes to `--out` (default models/reader)."""
    import shutil

    from groundplan.learning.reader_train import train_reader
    from groundplan.learning.train_lm import TrainConfig

    recipe = _recipe(args, READER_OPTIONS)
    train = {k: recipe[f"reader.{k}"] for k in ("epochs", "batch_size", "lora_r", "lora_alpha",
                                                "checkpoint_every", "eval_every")}
    cfg = TrainConfig(**train, lr=args.lr, seed=args.seed, warmup_steps=20)
    work, out = Path(args.work), Path(args.out)
    summary = train_reader(Path(args.data), work, cfg, args.pairs, args.retold, args.sourced,
                           Path(args.init) if args.init else None, args.idioms, args.joined, args.library)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(work / "adapter", out / "adapter", dirs_exist_ok=True)
    (out / "training.json").write_text((work / "training.json").read_text())
    print(f"reader adapter in {out / 'adapter'}: {summary['pairs']} pairs, {summary['steps']} steps, "
          f"val loss {summary.get('val_loss', float('nan'))}")
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
    if args.hand is not None:
        from groundplan.eval.hand_bench import run_hand

        rows = run_hand(strategies, Path(args.hand) if args.hand else None, args.model, args.limit or 0,
                        Path(args.out) if args.out else None, categories, args.reader_adapter)
        print(f"\nhand-written requests, {rows[0]['cases'] if rows else 0} cases; {describe_machine()}")
        print(table(rows))
        print("polarity errors: " + ", ".join(f"{r['strategy']} {r['polarity_errors']}" for r in rows))
        print("\nby request category")
        print(table([r for row in rows for r in row["by_category"]], CATEGORY_COLUMNS, CATEGORY_HEADERS))
        return 0
    rows = run(Path(args.data), strategies, args.limit, args.split, Path(args.out) if args.out else None,
               args.model, categories, args.retell, args.reader_adapter)
    print(f"\n{args.split} split{', retold' if args.retell else ''}, {rows[0]['cases'] if rows else 0} cases; "
          f"{describe_machine()}")
    print(table(rows))
    print("\nby request category")
    print(table([r for row in rows for r in row["by_category"]], CATEGORY_COLUMNS, CATEGORY_HEADERS))
    return 0


def cmd_planner_probes(args: argparse.Namespace) -> int:
    _recipe(args, PROBES_OPTIONS)
    return _probes(args)


def _probes(args: argparse.Namespace) -> int:
    import json

    from groundplan.learning.probe_train import format_probe_table, run_probe_study

    model = Path(args.model)
    rows, probe = run_probe_study(model, Path(args.data), args.contexts, args.seed, save=not args.no_save)
    print(f"\nprobes on {model} (held-out scenes; hidden state of the candidate step's last token)")
    print(format_probe_table(rows))
    print(f"best validity layer: {probe.layer} ({probe.metrics})")
    (model / "probe_table.json").write_text(json.dumps(rows, indent=1))
    return 0


def cmd_planner_reader_probes(args: argparse.Namespace) -> int:
    """Probes on the reader's hidden states against its own likelihood (table; nothing shipped)."""
    import json

    from groundplan.learning.reader_probe import format_reader_probe_table, reader_probe_study
    from groundplan.planning.llm import GroundedLLMStrategy, LLMConfig

    strategy = GroundedLLMStrategy(config=LLMConfig(reader_adapter=args.adapter))
    rows = reader_probe_study(strategy, Path(args.data), args.requests, args.seed)
    adapter = args.adapter or "models/reader/adapter"
    print(f"\nprobes on the reader's hidden states ({adapter}), at the option's last token")
    print(format_reader_probe_table(rows))
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))
    return 0


def cmd_planner_rmft(args: argparse.Namespace) -> int:
    recipe = _recipe(args, RMFT_OPTIONS)
    from groundplan.learning.rmft import RMFTConfig, format_rounds, run_rmft
    from groundplan.learning.train_lm import TrainConfig

    cfg = RMFTConfig(rounds=args.rounds, tasks=args.tasks, samples=args.samples, keep=args.keep,
                     eval_cases=args.eval_cases, seed=args.seed)
    train_cfg = TrainConfig(**recipe["rmft.train"], seed=args.seed)
    rows = run_rmft(Path(args.model), Path(args.data), Path(args.work), cfg, train_cfg)
    print(f"\nRMFT against plain SFT (same steps), held-out val tasks; rounds in {args.work}/rounds.jsonl")
    print(format_rounds(rows))
    return 0


def cmd_planner_value(args: argparse.Namespace) -> int:
    _recipe(args, VALUE_OPTIONS)
    return _value(args)


def _value(args: argparse.Namespace) -> int:
    from groundplan.learning.value_train import run_value_study

    value = run_value_study(Path(args.model), Path(args.data), args.tasks, args.samples, args.seed)
    print(f"value model: layer {value.layer}, {value.metrics}")
    return 0


def _finetune_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--goal-weight", type=float,
                     help="loss weight of the goal line's tokens against the plan's (1: all alike)")
    cmd.add_argument("--oversample",
                     help="request categories repeated in each fine-tuning epoch, CATEGORY=COPIES,...")
    add_recipe_option(cmd, PIPELINE)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `planner` commands to the top-level parser's subcommands."""
    planner = sub.add_parser("planner", help="language-model planner: data, training, benchmark").add_subparsers(
        dest="planner_command", required=True)
    for name, func, text in (("data", cmd_planner_data, "generate the triples and random walks"),
                             ("build", cmd_planner_build,
                              "data, pre-training and LoRA fine-tuning into models/planner")):
        cmd = planner.add_parser(name, help=text)
        cmd.add_argument("--data", default="data/planner", help="dataset folder (made or resumed there)")
        cmd.add_argument("--train-scenes", type=int)
        cmd.add_argument("--val-scenes", type=int)
        cmd.add_argument("--test-scenes", type=int)
        cmd.add_argument("--seed", type=int)
        cmd.add_argument("--pretrain-epochs", type=float)
        cmd.add_argument("--finetune-epochs", type=float)
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
    tune.add_argument("--finetune-epochs", type=float)
    tune.add_argument("--seed", type=int)
    _finetune_arguments(tune)
    tune.set_defaults(func=cmd_planner_finetune)
    pl_bench = planner.add_parser("bench", help="every strategy on the held-out split: SR, regret, latency")
    pl_bench.add_argument("--data", default="data/planner")
    pl_bench.add_argument("--split", default="test")
    pl_bench.add_argument("--strategies", default="template,classical,llm,llm+p,llm-grounded")
    pl_bench.add_argument("--limit", type=int, help="at most this many cases (spread over the split)")
    pl_bench.add_argument("--out", help="folder for planner_bench.json and the failed cases")
    pl_bench.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    pl_bench.add_argument("--reader-adapter", default="", metavar="DIR",
                          help="the reader's LoRA adapter folder for the model-based strategies "
                               "(default: models/reader/adapter)")
    pl_bench.add_argument("--hand", nargs="?", const="", default=None, metavar="YAML",
                          help="the hand-written requests instead of the split (default file: "
                               "bench/requests_by_hand.yaml)")
    pl_bench.add_argument("--retell", action="store_true",
                          help="ask each request retold as people speak (questions, fillers, a typo; seeded)")
    pl_bench.add_argument("--categories", default="",
                          help="only these request categories, comma-separated (see learning.planner_data)")
    pl_bench.set_defaults(func=cmd_planner_bench)
    reader = planner.add_parser("reader", help="LoRA fine-tuning of the pretrained reader (models/reader)")
    reader.add_argument("--data", default="data/planner")
    reader.add_argument("--work", default="build/reader", help="checkpoints (a rerun resumes)")
    reader.add_argument("--out", default="models/reader")
    reader.add_argument("--pairs", type=int, help="at most this many (request, meaning) pairs")
    reader.add_argument("--retold", type=float, help="share of requests also retold as people speak")
    reader.add_argument("--sourced", type=float, help="share of requests also said with where their object lies")
    reader.add_argument("--idioms", type=float,
                        help="share of one-clause requests also said in their thing's idiom (\"roll up the blinds\")")
    reader.add_argument("--joined", type=float,
                        help="share of one-clause requests also said together with others of their room")
    reader.add_argument("--library", type=int,
                        help="times each task library and needs phrasing is taught, on top of --pairs "
                             "(0: only as the data has them)")
    reader.add_argument("--seed", type=int)
    reader.add_argument("--init", help="an adapter to go on training (default: a new one)")
    reader.add_argument("--lr", type=float, help="peak learning rate")
    add_recipe_option(reader, PIPELINE)
    reader.set_defaults(func=cmd_planner_reader)
    reader_probes = planner.add_parser("reader-probes",
                                       help="linear probes on the reader's hidden states against its likelihood")
    reader_probes.add_argument("--data", default="data/planner")
    reader_probes.add_argument("--adapter", default="", help="reader adapter folder (default: models/reader/adapter)")
    reader_probes.add_argument("--requests", type=int, default=300, help="training requests (val and test: half)")
    reader_probes.add_argument("--seed", type=int, default=0)
    reader_probes.add_argument("--out", help="write the table's rows here as JSON")
    reader_probes.set_defaults(func=cmd_planner_reader_probes)
    requests = planner.add_parser("requests", help="people's requests of each category executed in PyBullet")
    requests.add_argument("--data", default="data/planner")
    requests.add_argument("--per-category", type=int, default=4)
    requests.add_argument("--strategy", default="llm-grounded")
    requests.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    requests.set_defaults(func=cmd_planner_requests)
    probes = planner.add_parser("probes", help="linear probes on the planner's hidden states: table, shipped probe")
    probes.add_argument("--model", default="models/planner")
    probes.add_argument("--data", default="data/planner")
    probes.add_argument("--contexts", type=int, help="training states (held-out: half as many)")
    probes.add_argument("--seed", type=int)
    probes.add_argument("--no-save", action="store_true", help="print the table only; keep the shipped probe")
    add_recipe_option(probes, PIPELINE)
    probes.set_defaults(func=cmd_planner_probes)
    rmft = planner.add_parser("rmft", help="iterative regret-minimisation fine-tuning against plain SFT, by round")
    rmft.add_argument("--model", default="models/planner")
    rmft.add_argument("--data", default="data/planner")
    rmft.add_argument("--work", default="build/rmft", help="round adapters and rounds.jsonl (a rerun resumes)")
    rmft.add_argument("--rounds", type=int)
    rmft.add_argument("--tasks", type=int, help="training tasks per round")
    rmft.add_argument("--samples", type=int, help="plans sampled per task (K)")
    rmft.add_argument("--keep", type=int, help="lowest-regret plans kept per task (k)")
    rmft.add_argument("--eval-cases", type=int)
    rmft.add_argument("--seed", type=int)
    add_recipe_option(rmft, PIPELINE)
    rmft.set_defaults(func=cmd_planner_rmft)
    value = planner.add_parser("value", help="train the goal-conditioned value model (models/planner/value.json)")
    value.add_argument("--model", default="models/planner")
    value.add_argument("--data", default="data/planner")
    value.add_argument("--tasks", type=int)
    value.add_argument("--samples", type=int, help="trajectories sampled per task, beside the reference")
    value.add_argument("--seed", type=int)
    add_recipe_option(value, PIPELINE)
    value.set_defaults(func=cmd_planner_value)
