"""The benchmark commands: `bench` (the suite at every level), `bench-suite` (rebuild it) and `bench-sim`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from groundplan.errors import GroundplanError


def cmd_bench(args: argparse.Namespace) -> int:
    import shlex

    from groundplan.eval.bench import LEVELS, BenchConfig, run_bench
    from groundplan.eval.report import print_tables, write_report

    levels = tuple(x.strip() for x in args.levels.split(",") if x.strip())
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise GroundplanError(f"unknown benchmark levels {sorted(unknown)}; use {', '.join(LEVELS)}")
    strategies = tuple(x.strip() for x in args.strategies.split(",") if x.strip()) or None
    out = Path(args.out or ("reports/bench-quick" if args.quick else "reports/bench"))
    config = BenchConfig(quick=args.quick, strategies=strategies, levels=levels, model=args.model,
                         detector=args.detector, suite=args.suite, jobs=args.jobs, out=str(out))
    results = run_bench(config)
    print(print_tables(results))
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


def register(sub: argparse._SubParsersAction) -> None:
    """Add `bench`, `bench-suite` and `bench-sim` to the top-level parser's subcommands."""
    full = sub.add_parser("bench", help="the benchmark suite at all levels; prints tables, writes a report")
    full.add_argument("--quick", action="store_true", help="a stratified sixth of the suite, fewer strategies")
    full.add_argument("--levels", default="symbolic,perception,execution")
    full.add_argument("--strategies", default="", help="comma-separated (default: all baselines)")
    full.add_argument("--model", default="", help="planner checkpoint folder (default: models/planner)")
    full.add_argument("--detector", default="", help="ultralytics weights for real perception")
    full.add_argument("--suite", default="", help="suite file (default: bench/suite_v3.json.gz)")
    full.add_argument("--out", default="", help="report folder (default: reports/bench or reports/bench-quick)")
    full.add_argument("--jobs", type=int, default=1,
                      help="worker processes for the execution campaign, one core each (it resumes from "
                           "OUT/execution/episodes.jsonl; delete that file to start over)")
    full.set_defaults(func=cmd_bench)

    suite = sub.add_parser("bench-suite", help="rebuild the benchmark suite from the planner data's test split")
    suite.add_argument("--data", default="data/planner")
    suite.add_argument("--out", default="")
    suite.set_defaults(func=cmd_bench_suite)

    bench = sub.add_parser("bench-sim", help="print simulation speed and the wall time of long tasks")
    bench.add_argument("--tasks", type=int, default=3)
    bench.add_argument("--min-steps", type=int, default=10)
    bench.set_defaults(func=cmd_bench_sim)
