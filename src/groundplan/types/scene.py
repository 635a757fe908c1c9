"""A room as a list of objects with poses, sizes, support relations and symbolic state flags."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from groundplan.errors import SceneError
from groundplan.resources import sim_dir
from groundplan.types.catalog import ROOM_TYPES, Catalog, default_catalog

# Symbolic state flags an object can carry; each maps to a domain predicate of the same name.
# "out": rubbish taken out of the room, no longer in it
STATE_FLAGS = ("open", "on", "clean", "hot", "cold", "sliced", "filled", "watered", "cooked", "out")
# Ids become PDDL object names and plan words: letters, digits and underscores.
OBJECT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
# A room, not a warehouse: planning time grows with the square of the object count.
MAX_OBJECTS = 400


@dataclass
class SceneObject:
    id: str
    category: str
    position: tuple[float, float, float]
    size: tuple[float, float, float]
    yaw: float = 0.0
    parent: str | None = None  # receptacle (or host fixture) it rests on or in
    state: dict[str, bool] = field(default_factory=dict)
    score: float = 1.0  # detection confidence; 1 for ground truth
    label: str = ""  # raw label as perceived, before grounding
    # Perception did not see what the item rests on: `parent` is the nearest surface under it (or
    # the nearest that can hold it; None, the floor, where nothing seen can), assumed so that the
    # scene plans; the next look may correct it.
    support_assumed: bool = False

    def flag(self, name: str) -> bool:
        return bool(self.state.get(name, False))


@dataclass
class Scene:
    id: str
    room_type: str
    size: tuple[float, float]
    objects: list[SceneObject]
    robot_pose: tuple[float, float, float] = (0.0, 0.0, 0.0)  # x, y, yaw
    seed: int | None = None

    def __post_init__(self) -> None:
        self._index = {o.id: o for o in self.objects}

    def __contains__(self, object_id: str) -> bool:
        return object_id in self._index

    def get(self, object_id: str) -> SceneObject:
        try:
            return self._index[object_id]
        except KeyError:
            raise SceneError(
                f"no object {object_id!r} in scene {self.id!r}; it has {', '.join(sorted(self._index))}"
            ) from None

    def of_category(self, category: str) -> list[SceneObject]:
        return [o for o in self.objects if o.category == category]

    def categories(self) -> set[str]:
        return {o.category for o in self.objects}

    def check(self, catalog: Catalog | None = None, supported: bool = True) -> Scene:
        """Raise a SceneError naming the first inconsistency; return self when all is well.

        `supported`: every item must rest on or in something (true of a scene as generated; an
        observed scene may have an item in the hand or on the floor), unless its support is assumed.
        """
        catalog = catalog or default_catalog()
        if self.room_type not in ROOM_TYPES:
            raise SceneError(f"scene {self.id!r}: unknown room type {self.room_type!r}; use one of {ROOM_TYPES}")
        if len(self.objects) > MAX_OBJECTS:
            raise SceneError(f"scene {self.id!r} has {len(self.objects)} objects; "
                             f"at most {MAX_OBJECTS} are planned over")
        seen: set[str] = set()
        for obj in self.objects:
            if not OBJECT_ID.fullmatch(obj.id):
                raise SceneError(f"scene {self.id!r}: object id {obj.id!r} must be a letter then up to 63 letters, "
                                 "digits or _")
            if not all(math.isfinite(v) for v in (*obj.position, *obj.size, obj.yaw)):
                raise SceneError(f"object {obj.id!r}: position, size and yaw must be finite numbers, got "
                                 f"{obj.position}, {obj.size}, {obj.yaw}")
            if obj.id in seen:
                raise SceneError(f"scene {self.id!r}: duplicate object id {obj.id!r}")
            seen.add(obj.id)
            cat = catalog.get(obj.category)
            bad = set(obj.state) - set(STATE_FLAGS)
            if bad:
                raise SceneError(f"object {obj.id!r}: unknown state flags {sorted(bad)}; use {STATE_FLAGS}")
            if supported and cat.is_item and obj.parent is None and not obj.support_assumed:
                raise SceneError(f"item {obj.id!r} must rest on or in a receptacle (parent is empty)")
        for obj in self.objects:
            if obj.parent is None:
                continue
            if obj.parent not in seen:
                raise SceneError(f"object {obj.id!r} rests on unknown object {obj.parent!r}")
            if catalog.get(obj.category).is_item:
                host = catalog.get(self.get(obj.parent).category)
                if not host.has("receptacle"):
                    raise SceneError(f"item {obj.id!r} rests on {obj.parent!r}, which is not a receptacle")
        return self

    # ------------------------------------------------------------------ file format
    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "room_type": self.room_type,
            "size": list(self.size),
            "seed": self.seed,
            "robot_pose": [round(v, 4) for v in self.robot_pose],
            "objects": [_object_dict(o) for o in self.objects],
        }

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # lists of numbers on one line: [x, y, z]
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None))
        return path

    @classmethod
    def from_dict(cls, raw: dict, catalog: Catalog | None = None) -> Scene:
        try:
            objects = [
                SceneObject(
                    id=str(o["id"]),
                    category=str(o["category"]),
                    position=tuple(float(v) for v in o["position"]),  # type: ignore[arg-type]
                    size=tuple(float(v) for v in o["size"]),  # type: ignore[arg-type]
                    yaw=float(o.get("yaw", 0.0)),
                    parent=o.get("parent"),
                    state={str(k): bool(v) for k, v in (o.get("state") or {}).items()},
                    score=float(o.get("score", 1.0)),
                    label=str(o.get("label", "")),
                    support_assumed=bool(o.get("support_assumed", False)),
                )
                for o in raw["objects"]
            ]
            scene = cls(
                id=str(raw["id"]),
                room_type=str(raw["room_type"]),
                size=tuple(float(v) for v in raw["size"]),  # type: ignore[arg-type]
                objects=objects,
                robot_pose=tuple(float(v) for v in raw.get("robot_pose", (0.0, 0.0, 0.0))),  # type: ignore[arg-type]
                seed=raw.get("seed"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SceneError(f"malformed scene: {type(exc).__name__}: {exc}") from exc
        return scene.check(catalog)


def _object_dict(o: SceneObject) -> dict:
    d = asdict(o)
    d["position"] = [round(v, 4) for v in o.position]
    d["size"] = [round(v, 4) for v in o.size]
    d["yaw"] = round(o.yaw, 4)
    if not d["state"]:
        del d["state"]
    if not d["label"]:
        del d["label"]
    if d["score"] == 1.0:
        del d["score"]
    if not d["support_assumed"]:
        del d["support_assumed"]
    return d


def scene_names() -> list[str]:
    return sorted(p.stem for p in (sim_dir() / "scenes").glob("*.yaml"))


def load_scene(name_or_path: str | Path, catalog: Catalog | None = None) -> Scene:
    """A shipped scene by name (see `scene_names()`), or a scene file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = sim_dir() / "scenes" / f"{name_or_path}.yaml"
    if not path.is_file():
        raise SceneError(f"no scene {str(name_or_path)!r}: not a file, nor one of {', '.join(scene_names())}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise SceneError(f"scene file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SceneError(f"scene file {path} must hold a mapping with id, room_type, size and objects")
    return Scene.from_dict(raw, catalog)
