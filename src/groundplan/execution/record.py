"""The run record: one JSON object a line, flushed and synced as each event happens.

A run that dies leaves everything up to its last event on disk.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


class RunRecord:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        self._start = time.monotonic()

    def write(self, event: str, **data: Any) -> None:
        line = {"event": event, "t": round(time.monotonic() - self._start, 3), **data}
        self._file.write(json.dumps(line, default=str) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> RunRecord:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_record(path: Path | str) -> list[dict]:
    """Every complete event of a record; a line cut short by a crash is skipped."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
