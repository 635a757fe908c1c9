"""
The object catalog: categories, their affordances and the words people use for them.

The data lives in `sim/catalog.yaml`; this module only reads and indexes it.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from groundplan.errors import CatalogError
from groundplan.resources import sim_dir

ROOM_TYPES = ("kitchen", "living_room", "bedroom", "bathroom")
# Each affordance is also a static predicate of the PDDL domain, in this order.
AFFORDANCES = (
    "receptacle", "openable", "toggleable", "sliceable", "cleanable", "heatable", "coolable",
    "heat_source", "cool_source", "wash_place", "slicer", "light_source",
    "fillable", "water_source", "waterable", "brewer", "warmth",
    "cooker", "wiper", "wipeable", "disposable", "holds_one",
)
KINDS = ("item", "fixture")
SHAPES = ("box", "sphere", "cylinder")
PLACEMENTS = ("wall", "center", "free")


@dataclass(frozen=True)
class Category:
    name: str
    kind: str
    rooms: tuple[str, ...]
    affordances: frozenset[str]
    size: tuple[float, float, float]
    synonyms: tuple[str, ...]
    relation: str | None = None
    capacity: float = 0.0
    accepts: tuple[str, ...] = ()
    found_in: tuple[str, ...] = ()
    mounted_on: tuple[str, ...] = ()
    placement: str = "wall"
    elevation: float | None = None
    shape: str = "box"
    opening: str = "hinge"
    material: str = ""  # what safety rules look at ("metal", "electronic"); empty when it does not matter
    # items only: chance a generated room has one, drawn apart from the main layout (0: never generated);
    # None: one of the main layout's items
    occasional: float | None = None

    @property
    def is_item(self) -> bool:
        return self.kind == "item"

    def has(self, affordance: str) -> bool:
        return affordance in self.affordances

    def can_hold(self, item: Category) -> bool:
        """Whether an item of that category fits on or in this receptacle."""
        if not self.has("receptacle") or not item.is_item:
            return False
        if self.accepts:
            return item.name in self.accepts
        return max(item.size) <= self.capacity

    @property
    def words(self) -> tuple[str, ...]:
        """Every lower-case phrase that names this category, the split type name included."""
        return tuple(dict.fromkeys((split_camel(self.name), *self.synonyms)))


@dataclass(frozen=True)
class RoomSpec:
    name: str
    size: tuple[float, float]
    required: tuple[str, ...]
    optional: tuple[str, ...]


@dataclass
class Catalog:
    categories: dict[str, Category]
    rooms: dict[str, RoomSpec]
    path: Path | None = None
    _by_lower: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_lower = {name.lower(): name for name in self.categories}

    def __contains__(self, name: str) -> bool:
        return name in self.categories

    def __iter__(self):
        return iter(self.categories.values())

    def __len__(self) -> int:
        return len(self.categories)

    def canonical(self, name: str) -> str | None:
        """The category's own spelling of `name` (case-insensitive), or None where no category is so called."""
        return self._by_lower.get(name.lower())

    def get(self, name: str) -> Category:
        """The category called `name` (case-insensitive), or a CatalogError naming close matches."""
        canonical = self.canonical(name)
        if canonical is None:
            close = [c for c in self.categories if c.lower().startswith(name.lower()[:3])][:5]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CatalogError(f"unknown object category {name!r}{hint}")
        return self.categories[canonical]

    def in_room(self, room_type: str, kind: str | None = None) -> list[Category]:
        return [
            c for c in self.categories.values()
            if room_type in c.rooms and (kind is None or c.kind == kind)
        ]

    def phrase_index(self) -> dict[str, tuple[str, ...]]:
        """Lower-case phrase -> categories it may name (a phrase such as 'lamp' can name several).

        Where a phrase names several, the category that lists it earlier among its words comes first:
        'lights' names the light switch before a lamp (listed last among a lamp's words).
        """
        index: dict[str, list[tuple[int, str]]] = {}
        for cat in self.categories.values():
            for rank, word in enumerate(cat.words):
                index.setdefault(word, []).append((rank, cat.name))
        return {word: tuple(name for _, name in sorted(names, key=lambda n: n[0])) for word, names in index.items()}


def split_camel(name: str) -> str:
    """'ButterKnife' -> 'butter knife', 'TVStand' -> 'tv stand', 'CD' -> 'cd'."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name).lower()


def _category(name: str, raw: dict) -> Category:
    def fail(msg: str) -> CatalogError:
        return CatalogError(f"catalog entry {name!r}: {msg}")

    kind = raw.get("kind")
    if kind not in KINDS:
        raise fail(f"kind must be one of {KINDS}, got {kind!r}")
    affordances = frozenset(raw.get("affordances") or ())
    unknown = affordances - set(AFFORDANCES)
    if unknown:
        raise fail(f"unknown affordances {sorted(unknown)}")
    rooms = tuple(raw.get("rooms") or ())
    if not rooms or set(rooms) - set(ROOM_TYPES):
        raise fail(f"rooms must be a non-empty subset of {ROOM_TYPES}, got {rooms}")
    size = tuple(float(v) for v in raw.get("size") or ())
    if len(size) != 3 or min(size) <= 0:
        raise fail(f"size must be three positive numbers, got {raw.get('size')}")
    if "receptacle" in affordances and raw.get("relation") not in ("on", "in"):
        raise fail("a receptacle needs relation: on or in")
    if raw.get("placement", "wall") not in PLACEMENTS:
        raise fail(f"placement must be one of {PLACEMENTS}, got {raw.get('placement')!r}")
    shape = raw.get("shape", "box")
    if shape not in SHAPES:
        raise fail(f"shape must be one of {SHAPES}, got {shape!r}")
    if kind == "item" and not raw.get("found_in"):
        raise fail("an item needs found_in: the receptacles it starts on or in")
    occasional = raw.get("occasional")
    if occasional is not None and (kind != "item" or not 0.0 <= float(occasional) <= 1.0):
        raise fail(f"occasional is an item's chance in [0, 1], got {occasional!r}")
    return Category(
        name=name,
        kind=kind,
        rooms=rooms,
        affordances=affordances,
        size=size,  # type: ignore[arg-type]
        synonyms=tuple(s.lower() for s in raw.get("synonyms") or ()),
        relation=raw.get("relation"),
        capacity=float(raw.get("capacity", 0.0)),
        accepts=tuple(raw.get("accepts") or ()),
        found_in=tuple(raw.get("found_in") or ()),
        mounted_on=tuple(raw.get("mounted_on") or ()),
        placement=raw.get("placement", "wall"),
        elevation=float(raw["elevation"]) if "elevation" in raw else None,
        shape=shape,
        opening=raw.get("opening", "hinge"),
        material=str(raw.get("material", "")),
        occasional=None if occasional is None else float(occasional),
    )


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and check a catalog file (default: the packaged `sim/catalog.yaml`)."""
    path = Path(path) if path else sim_dir() / "catalog.yaml"
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc}") from exc
    categories = {name: _category(name, entry) for name, entry in raw["categories"].items()}
    for cat in categories.values():
        refs = (*cat.accepts, *cat.found_in, *cat.mounted_on)
        missing = [r for r in refs if r not in categories]
        if missing:
            raise CatalogError(f"catalog entry {cat.name!r} refers to unknown categories {missing}")
    rooms = {}
    for name, spec in raw["rooms"].items():
        if name not in ROOM_TYPES:
            raise CatalogError(f"unknown room type {name!r}; expected one of {ROOM_TYPES}")
        missing = [c for c in (*spec["required"], *spec["optional"]) if c not in categories]
        if missing:
            raise CatalogError(f"room {name!r} lists unknown categories {missing}")
        rooms[name] = RoomSpec(name, tuple(spec["size"]), tuple(spec["required"]),
                               tuple(spec["optional"]))
    return Catalog(categories, rooms, path)


@cache
def default_catalog() -> Catalog:
    return load_catalog()


def category_color(name: str) -> tuple[float, float, float, float]:
    """A stable colour per category, spread over hues so categories look different."""
    h = int(hashlib.md5(name.encode()).hexdigest()[:6], 16) / 0xFFFFFF
    r, g, b = colorsys.hsv_to_rgb(h, 0.55, 0.85)
    return r, g, b, 1.0
