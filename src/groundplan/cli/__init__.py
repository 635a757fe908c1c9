"""The `groundplan` command line: scenes, planning, validation, PDDL export and the demo."""

# One module per subsystem adds its commands (`register`): world (scenes, plan and PDDL checks), tasks (plan,
# run, demo), ros, perception, planner and bench; recipes reads the training recipes. Building the parser
# imports only the standard library and the plain modules of groundplan; each command imports what it
# needs (unified-planning, torch, PyBullet, rclpy ...) when it runs, so help and user errors answer at once.

from __future__ import annotations

import argparse
import logging
import signal
import sys

from groundplan.cli import bench, perception, planner, ros, tasks, world
from groundplan.errors import GroundplanError

DESCRIPTION = __doc__
SUBSYSTEMS = (world, tasks, ros, perception, planner, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="groundplan", description=DESCRIPTION)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    for subsystem in SUBSYSTEMS:
        subsystem.register(sub)
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

