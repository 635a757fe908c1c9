"""
The plan text format: one step a line, `action arg [word arg ...]`, optionally numbered.

1. goto countertop_1
2. pickup apple_1 from countertop_1
3. put apple_1 in fridge_1
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from groundplan.errors import PlanParseError
from groundplan.types.actions import ACTIONS, Step
from groundplan.types.scene import Scene

_NUMBERING = re.compile(r"^\s*(?:step\s*)?\d+\s*[.):]\s*|^\s*[-*]\s+", re.IGNORECASE)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_step(line: str, scene: Scene | None = None, line_number: int | None = None) -> Step:
    """Read one step; with a scene, also check that every argument names an object in it."""
    body = _NUMBERING.sub("", line).strip().rstrip(".").lower()
    if not body:
        raise PlanParseError("empty step", line_number, line)
    tokens = body.replace(",", " ").split()
    name, rest = tokens[0], tokens[1:]
    spec = ACTIONS.get(name)
    if spec is None:
        raise PlanParseError(
            f"unknown action {name!r}; the actions are {', '.join(ACTIONS)}", line_number, line)
    connectives = set(spec.words) | set(spec.alt_words)
    args = [t for t in rest if t not in connectives]
    if len(args) != spec.arity:
        raise PlanParseError(
            f"{name!r} takes {spec.arity} object(s), as in {spec.render(tuple(p for p, _ in spec.params))!r}; "
            f"got {len(args)}", line_number, line)
    for arg in args:
        if not _ID.match(arg):
            raise PlanParseError(f"{arg!r} is not an object id such as 'apple_1'", line_number, line)
        if scene is not None and arg not in scene:
            raise PlanParseError(f"unknown object {arg!r}: scene {scene.id!r} has no such object",
                                 line_number, line)
    return Step(name, tuple(args))


def parse_plan(text: str | Iterable[str], scene: Scene | None = None) -> list[Step]:
    """Read a plan, skipping blank lines and `#` comments; errors name the line."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    steps = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        steps.append(parse_step(line, scene, number))
    return steps


def format_plan(steps: Iterable[Step], numbered: bool = True) -> str:
    return "\n".join(
        f"{i}. {s.text}" if numbered else s.text for i, s in enumerate(steps, start=1))
