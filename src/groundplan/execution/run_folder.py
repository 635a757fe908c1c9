"""The run folder: what one task leaves on disk, in one format whoever ran it.

    plan.txt       every plan of the task; the last one that ran as plain steps, earlier ones and
                   refusals as `#` comments, then the result (so `parse_plan` reads the plan that ran)
    record.jsonl   the per-event run record (`RunRecord`)
    before.png     the camera's view before the task, after.png after it (when there is a camera)
    execution.gif  the camera's view as the task runs, one frame per interval of the task's clock,
                   played at one fixed rate (when there is a camera and a clock)

`RunFolder.create` makes a new folder under a root, unique even for tasks started in the same second.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from groundplan.execution.record import RunRecord
from groundplan.language.plan_text import format_plan
from groundplan.planning.strategy import PlanResult
from groundplan.types.results import ResultCode

PLAN, RECORD, BEFORE, AFTER, GIF = "plan.txt", "record.jsonl", "before.png", "after.png", "execution.gif"
GIF_FRAME_MS = 100  # how long each GIF frame shows


def format_run_plans(plans: Sequence[PlanResult], code: ResultCode | None = None, message: str = "") -> str:
    """plan.txt: each plan in turn, the last plan with steps plain (it is what ran last), then the result."""
    last = max((i for i, plan in enumerate(plans) if not plan.refused and plan.steps), default=-1)
    lines = []
    for attempt, plan in enumerate(plans):
        what = f" for {plan.goal}" if plan.goal else f" for {plan.instruction!r}" if plan.instruction else ""
        if plan.refused:
            lines.append(f"# plan {attempt} ({plan.strategy}){what} refused: {plan.refusal_reason}")
            continue
        lines.append(f"# plan {attempt} ({plan.strategy}){what}: {len(plan.steps)} steps")
        text = format_plan(plan.steps)
        if attempt != last:
            text = "\n".join(f"#   {line}" for line in text.splitlines())
        if text:
            lines.append(text)
    if code is not None:
        lines.append(f"# result: {code.name}" + (f": {message}" if message else ""))
    return "\n".join(lines) + "\n"


def _label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.")[:60]


class RunFolder:
    """One task's run folder; the files it holds are written by these methods only."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    @classmethod
    def create(cls, root: Path | str, label: str = "", attempts: int = 1000) -> RunFolder:
        """A new folder `root/YYYYmmdd-HHMMSS-label`, with `-2`, `-3`, ... when that name is taken.

        The folder is made with `exist_ok=False`, so two tasks (threads or processes) started in the
        same second never share one.
        """
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        base = "-".join(part for part in (time.strftime("%Y%m%d-%H%M%S"), _label(label)) if part)
        for n in range(1, attempts + 1):
            path = root / (base if n == 1 else f"{base}-{n}")
            try:
                path.mkdir(exist_ok=False)
            except FileExistsError:
                continue
            return cls(path)
        raise FileExistsError(f"no free run folder name {base}-N under {root} after {attempts} tries")

    def __str__(self) -> str:
        return str(self.path)

    def record(self) -> RunRecord:
        """The run record, opened for appending."""
        return RunRecord(self.path / RECORD)

    def write_plans(self, plans: Sequence[PlanResult], code: ResultCode | None = None, message: str = "") -> Path:
        path = self.path / PLAN
        path.write_text(format_run_plans(plans, code, message), encoding="utf-8")
        return path

    def write_image(self, name: str, rgb: np.ndarray) -> Path:
        path = self.path / name
        Image.fromarray(np.asarray(rgb, np.uint8)).save(path)
        return path

    def write_gif(self, frames: Sequence[np.ndarray]) -> Path | None:
        """The GIF of the frames, at one fixed rate; None (and no file) without frames."""
        if not frames:
            return None
        images = [Image.fromarray(np.asarray(f, np.uint8)) for f in frames]
        path = self.path / GIF
        images[0].save(path, save_all=True, append_images=images[1:], duration=GIF_FRAME_MS, loop=0)
        return path
