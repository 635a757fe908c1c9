"""
The benchmark suite: a fixed, versioned set of held-out cases, kept in `bench/suite_v3.json.gz`.

Each case is a request in a held-out generated room (the planner data's `test` split: rooms the
planner never saw, each family's held-out phrasing among others, refusals). The rooms themselves
are stored in the suite, so a later change to the scene generator cannot change the suite.
`quick` marks a stratified subset for `groundplan bench --quick`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from groundplan.errors import GroundplanError
from groundplan.learning.planner_data import example_scene, load_examples
from groundplan.resources import share_dir
from groundplan.types.examples import Example
from groundplan.types.scene import Scene

# 2: rebuilt when the phrasings grew people-like wording (held-out phrasing indices moved); 3: rebuilt with the
# household families (heat, cook, wipe, items in and on items) and rooms whose fixtures the arm can reach
VERSION = 3
DEFAULT_SUITE = Path("bench") / f"suite_v{VERSION}.json.gz"


@dataclass
class Suite:
    version: int
    cases: list[Example]  # planner-data examples, their `scene` a key into `scenes`, with an `id` and `quick` flag
    scenes: dict[str, Scene]
    digest: str  # of the file's contents: the report says which suite it measured

    def select(self, quick: bool) -> list[Example]:
        return [c for c in self.cases if c.quick] if quick else list(self.cases)

    def scene(self, case: Example) -> Scene:
        return self.scenes[case.scene]


def build_suite(data: Path, per_family: int = 24, refusals: int = 40, midplan: int = 20, two_step: int = 16,
                quick_share: float = 0.15, seed: int = 0) -> dict:
    """A stratified draw from `data/test.jsonl`: every family, kind and room type, seeded."""
    examples = [e for e in load_examples(data / "test.jsonl") if e.kind != "walk"]
    if not examples:
        raise GroundplanError(f"{data}/test.jsonl holds no cases: run `groundplan planner data` first")
    rng = random.Random(seed)
    groups: dict[tuple, list[Example]] = defaultdict(list)
    for e in examples:
        key = ("task", e.family) if e.kind == "task" else (e.kind,)
        groups[key].append(e)
    quota = {"refusal": refusals, "midplan": midplan, "two_step": two_step}
    chosen = []
    for key in sorted(groups):
        pool = groups[key]
        rng.shuffle(pool)
        picked = round_robin_by_room(pool, quota.get(key[0], per_family))
        for i, e in enumerate(picked):
            chosen.append((e, i < max(1, round(quick_share * len(picked)))))
    scenes = {}
    for e, _ in chosen:
        scenes.setdefault(e.scene, example_scene(e).to_dict())
    cases = [{**e.to_dict(), "quick": quick, "id": f"{i:04d}"} for i, (e, quick) in enumerate(chosen)]
    return {"version": VERSION, "source": str(data / "test.jsonl"), "cases": cases, "scenes": scenes}


def round_robin_by_room(pool: list[Example], n: int) -> list[Example]:
    """Up to n examples of the pool, taking one from each room type in turn (each room's from its end)."""
    by_room: dict[str, list[Example]] = defaultdict(list)
    for e in pool:
        by_room[e.room].append(e)
    picked: list[Example] = []
    while len(picked) < n and any(by_room.values()):
        for room in sorted(by_room):
            if by_room[room] and len(picked) < n:
                picked.append(by_room[room].pop())
    return picked


def write_suite(suite: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        json.dump(suite, f, sort_keys=True)
    tmp.replace(path)
    return path


def load_suite(path: Path | str | None = None) -> Suite:
    path = Path(path) if path else share_dir() / DEFAULT_SUITE
    try:
        raw_bytes = path.read_bytes()
        raw = json.loads(gzip.decompress(raw_bytes))
    except (OSError, ValueError) as exc:
        raise GroundplanError(f"cannot read benchmark suite {path}: {exc}") from exc
    if raw.get("version") != VERSION:
        raise GroundplanError(f"{path} is suite version {raw.get('version')}; this groundplan reads version {VERSION}")
    scenes = {key: Scene.from_dict(s) for key, s in raw["scenes"].items()}
    cases = [Example.from_dict(case) for case in raw["cases"]]
    return Suite(raw["version"], cases, scenes, hashlib.sha256(raw_bytes).hexdigest()[:12])
