"""
How fast the `groundplan` command answers: help, a user error and the bare import, each in fresh processes.

    scripts/env.sh python scripts/bench_startup.py [--runs 5]

Prints the median and the slowest wall time of each, and the interpreter's own start-up for reference.
A command that exits with another code than expected, or prints PyBullet's banner, is flagged.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def cases() -> list[tuple[str, list[str], int]]:
    """(label, command line, expected exit code) of each case."""
    groundplan = shutil.which("groundplan")
    cli = [groundplan] if groundplan else [sys.executable, "-m", "groundplan"]
    return [
        ("python -c pass", [sys.executable, "-c", "pass"], 0),
        ("groundplan --help", [*cli, "--help"], 0),
        ("groundplan plan x --scene no_such_scene", [*cli, "plan", "x", "--scene", "no_such_scene"], 2),
        ("python -c 'import groundplan.cli'", [sys.executable, "-c", "import groundplan.cli"], 0),
    ]


def time_once(command: list[str], expected: int) -> tuple[float, str]:
    """Wall seconds of one run, and what was wrong with it (empty when nothing)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    problems = []
    if done.returncode != expected:
        problems.append(f"exit {done.returncode}, expected {expected}")
    if "pybullet build time" in done.stdout + done.stderr:
        problems.append("pybullet banner")
    return seconds, "; ".join(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per case")
    args = parser.parse_args()
    rows, failed = [], False
    for label, command, expected in cases():
        subprocess.run(command, capture_output=True)  # warm the file cache; not counted
        times, notes = [], set()
        for _ in range(args.runs):
            seconds, problem = time_once(command, expected)
            times.append(seconds)
            if problem:
                notes.add(problem)
        failed |= bool(notes)
        rows.append((label, statistics.median(times), max(times), ", ".join(sorted(notes))))
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  median s   max s  ({args.runs} runs each)")
    for label, median, worst, note in rows:
        print(f"{label:<{width}}  {median:8.3f}  {worst:6.3f}" + (f"  !! {note}" if note else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
