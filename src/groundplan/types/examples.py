"""A planner example: one request in a generated room with its answer, as training data and benchmarks store it.

Examples are made by `groundplan.learning.planner_data` and kept as JSON lines, one `to_dict()` a line;
the benchmark suite keeps the same dicts with a case id and a `quick` flag. What an example holds
depends on its kind: a `walk` (random valid steps, for pre-training) has no request, so no
instruction, goal, family or template; a refusal has no optimal plan length; a `library` task says
whether its entry is held out. `from_dict(raw).to_dict() == raw`, keys in the same order, so stored
files read back and written again stay byte for byte the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from groundplan.errors import GroundplanError


class ExampleError(GroundplanError):
    """A stored example that lacks a key every example of its kind has, or has one no example has."""


@dataclass(frozen=True, kw_only=True)
class Example:
    """One planner example; the fields are in the order the generator writes them."""

    split: str  # "train", "val" or "test"
    room: str  # room type of the generated scene
    seed: int  # the scene's generator seed: (room, seed) makes the scene again
    scene: str  # the scene's id
    kind: str  # "task", "midplan", "two_step", "library", "need", "refusal" or "walk"
    category: str = "household"  # what the benchmark reports it under (REQUEST_CATEGORIES; walks: "walk")
    instruction: str = ""  # the request (walks: none)
    state: dict[str, Any]  # the world state it is asked in (WorldState.to_dict())
    goal: str = ""  # the answer's goal line, or a refusal line (walks: none)
    plan: tuple[str, ...]  # the optimal plan's steps as text (refusals: none)
    family: str = ""  # task family, "a+b" for two steps, the library entry's or the need's name, or "vague"
    template: int = -1  # index of the family's phrasing it was asked in; -1: not a family phrasing
    optimal: int | None = None  # length of the optimal plan (refusals and walks: none)
    refusal: str | None = None  # the refusal's kind, for refusals
    held_out_entry: bool = False  # library tasks: whether the entry is asked only in val/test
    quick: bool = False  # suite cases: part of the quick subset
    id: str = ""  # suite cases: the case's id
    # The keys it is stored with, in order: from_dict keeps those it read (older data may lack
    # `category`); made here, they are the ones its kind has (see `kind_keys`).
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan", tuple(self.plan))
        if not self.keys:
            object.__setattr__(self, "keys", self.kind_keys())

    def kind_keys(self) -> tuple[str, ...]:
        """The keys the generator writes for an example like this one, in its order."""
        keys: tuple[str, ...] = ("split", "room", "seed", "scene", "kind", "category")
        if self.kind == "walk":
            return keys + ("state", "plan")
        keys += ("instruction", "state", "goal", "plan", "family", "template")
        keys += ("optimal",) if self.optimal is not None else ()
        keys += ("refusal",) if self.refusal is not None else ()
        keys += ("held_out_entry",) if self.kind == "library" else ()
        keys += ("quick", "id") if self.id else ()
        return keys

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Example:
        """An example from its stored dict; ExampleError names a missing or unknown key."""
        if not isinstance(raw, dict):
            raise ExampleError(f"an example is a JSON object, not {type(raw).__name__}")
        unknown = [k for k in raw if k not in _FIELDS]
        if unknown:
            raise ExampleError(f"unknown example key(s) {', '.join(map(repr, unknown))}; "
                               f"an example has {', '.join(_FIELDS)}")
        required = _REQUIRED if raw.get("kind") == "walk" else _REQUIRED + _REQUEST
        missing = [k for k in required if k not in raw]
        if missing:
            what = f"a {raw['kind']!r} example" if "kind" in raw else "an example"
            raise ExampleError(f"{what} lacks key(s) {', '.join(map(repr, missing))} "
                               f"(scene {raw.get('scene', '?')!r}, instruction {raw.get('instruction', '')!r})")
        return cls(**raw, keys=tuple(raw))

    def to_dict(self) -> dict[str, Any]:
        """The dict it is stored as (the JSON line), with the keys it was read with."""
        return {k: list(self.plan) if k == "plan" else getattr(self, k) for k in self.keys}


_FIELDS = tuple(f.name for f in fields(Example) if f.name != "keys")
_REQUIRED = ("split", "room", "seed", "scene", "kind", "state", "plan")
_REQUEST = ("instruction", "goal")  # every example but a walk asks something
