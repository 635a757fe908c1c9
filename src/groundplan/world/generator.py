"""Seeded generator of plausible rooms.

Furniture stands along the walls and in the middle, appliances on counters, items on or in
receptacles that fit them; some containers start closed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from groundplan.errors import SceneError
from groundplan.world.catalog import ROOM_TYPES, Catalog, Category, default_catalog
from groundplan.world.scene import Scene, SceneObject

WALL_MARGIN = 0.3  # free space at each end of a wall (m)
GAP = 0.25  # between neighbouring fixtures along a wall (m)
CENTER_CLEARANCE = 0.9  # free space around a free-standing fixture, for the robot to pass (m)


@dataclass
class GeneratorConfig:
    min_items: int = 10
    max_items: int = 18
    optional_fixture_prob: float = 0.5
    duplicate_prob: float = 0.3  # chance an item category gets a second instance
    closed_prob: float = 0.6  # chance an openable container starts closed
    on_prob: float = 0.15  # chance a toggleable device starts switched on
    clean_prob: float = 0.3  # chance a cleanable item starts clean
    size_jitter: float = 0.1


def heading(yaw: float) -> tuple[float, float]:
    """Unit vector the object's front faces (local +y)."""
    return -math.sin(yaw), math.cos(yaw)


def local_to_world(obj: SceneObject, u: float, v: float) -> tuple[float, float]:
    """A point at (u along the width, v along the depth) of an object, in world x, y."""
    c, s = math.cos(obj.yaw), math.sin(obj.yaw)
    return obj.position[0] + u * c - v * s, obj.position[1] + u * s + v * c


@dataclass
class _Surface:
    """Free intervals along the width of a fixture's top or interior."""

    host: SceneObject
    used: list[tuple[float, float]] = field(default_factory=list)

    def place(self, width: float, rng: random.Random, tries: int = 30) -> float | None:
        half = self.host.size[0] / 2 - 0.03
        if width > 2 * half:
            return None
        for _ in range(tries):
            u = rng.uniform(-half + width / 2, half - width / 2)
            lo, hi = u - width / 2 - 0.02, u + width / 2 + 0.02
            if all(hi <= a or lo >= b for a, b in self.used):
                self.used.append((lo, hi))
                return u
        return None


class _Walls:
    """Cursor along each of the four walls of a w x d room; yaw makes the front face inward."""

    def __init__(self, w: float, d: float, rng: random.Random):
        self.w, self.d, self.rng = w, d, rng
        # wall -> (length, yaw, cursor)
        self.walls = {"south": [w, 0.0, WALL_MARGIN], "north": [w, math.pi, WALL_MARGIN],
                      "west": [d, -math.pi / 2, WALL_MARGIN], "east": [d, math.pi / 2, WALL_MARGIN]}

    def place(self, width: float, depth: float) -> tuple[float, float, float] | None:
        order = list(self.walls)
        self.rng.shuffle(order)
        for name in order:
            length, yaw, cursor = self.walls[name]
            if cursor + width > length - WALL_MARGIN:
                continue
            self.walls[name][2] = cursor + width + GAP + self.rng.uniform(0.0, 0.4)
            along, off = cursor + width / 2, depth / 2 + 0.02
            x, y = {"south": (along, off), "north": (self.w - along, self.d - off),
                    "west": (off, self.d - along), "east": (self.w - off, along)}[name]
            return x, y, yaw
        return None


def generate_scene(room_type: str, seed: int, scene_id: str | None = None,
                   config: GeneratorConfig | None = None, catalog: Catalog | None = None) -> Scene:
    """A random but plausible room of `room_type`; the same seed always gives the same scene."""
    if room_type not in ROOM_TYPES:
        raise SceneError(f"unknown room type {room_type!r}; use one of {', '.join(ROOM_TYPES)}")
    catalog = catalog or default_catalog()
    config = config or GeneratorConfig()
    rng = random.Random(f"{room_type}:{seed}")
    spec = catalog.rooms[room_type]
    w, d = (s * rng.uniform(0.9, 1.1) for s in spec.size)
    counts: dict[str, int] = {}
    objects: list[SceneObject] = []

    def new_id(cat: Category) -> str:
        counts[cat.name] = counts.get(cat.name, 0) + 1
        return f"{cat.name.lower()}_{counts[cat.name]}"

    def jittered(cat: Category) -> tuple[float, float, float]:
        k = 1 + rng.uniform(-config.size_jitter, config.size_jitter)
        return tuple(round(v * k, 3) for v in cat.size)  # type: ignore[return-value]

    def initial_state(cat: Category) -> dict[str, bool]:
        state = {}
        if cat.has("openable"):
            state["open"] = rng.random() >= config.closed_prob
        if cat.has("toggleable"):
            state["on"] = rng.random() < config.on_prob
        if cat.has("cleanable"):
            state["clean"] = rng.random() < config.clean_prob
        return state

    # Fixtures: required ones in order, then optional ones by chance.
    wanted = [catalog.get(n) for n in spec.required]
    wanted += [catalog.get(n) for n in spec.optional if rng.random() < config.optional_fixture_prob]
    walls = _Walls(w, d, rng)
    surfaces: dict[str, _Surface] = {}
    for cat in sorted(wanted, key=lambda c: bool(c.mounted_on)):  # hosts before what they carry
        size = jittered(cat)
        if cat.mounted_on:
            hosts = [o for o in objects if o.category in cat.mounted_on]
            rng.shuffle(hosts)
            for host in hosts:
                u = surfaces[host.id].place(size[0], rng)
                if u is not None:
                    x, y = local_to_world(host, u, 0.0)
                    z = host.position[2] + host.size[2] / 2 + size[2] / 2
                    objects.append(SceneObject(new_id(cat), cat.name, (x, y, z), size, host.yaw,
                                               parent=host.id, state=initial_state(cat)))
                    break
            continue
        if cat.placement == "center":
            pose = _free_center_spot(objects, size, w, d, rng)
        else:
            pose = walls.place(size[0], size[1])
        if pose is None:
            continue  # the room is full; a smaller room just has fewer fixtures
        x, y, yaw = pose
        z = cat.elevation if cat.elevation is not None else size[2] / 2
        obj = SceneObject(new_id(cat), cat.name, (x, y, z), size, yaw, state=initial_state(cat))
        objects.append(obj)
        surfaces[obj.id] = _Surface(obj)

    # Items: on or in receptacles that they are typically found in and that can hold them.
    receptacles = [o for o in objects if catalog.get(o.category).has("receptacle")]
    for o in receptacles:
        surfaces.setdefault(o.id, _Surface(o))
    candidates = [
        c for c in catalog.in_room(room_type, "item")
        if any(r.category in c.found_in and catalog.get(r.category).can_hold(c) for r in receptacles)
    ]
    n_items = rng.randint(config.min_items, config.max_items)
    chosen: list[Category] = []
    for cat in rng.sample(candidates, min(n_items, len(candidates))):
        chosen.append(cat)
        if rng.random() < config.duplicate_prob:
            chosen.append(cat)
    for cat in chosen[: max(n_items, config.min_items)]:
        size = jittered(cat)
        hosts = [r for r in receptacles
                 if r.category in cat.found_in and catalog.get(r.category).can_hold(cat)]
        rng.shuffle(hosts)
        for host in hosts:
            u = surfaces[host.id].place(size[0], rng)
            if u is None:
                continue
            hcat = catalog.get(host.category)
            v = rng.uniform(-0.25, 0.25) * host.size[1]
            x, y = local_to_world(host, u, v)
            if hcat.relation == "in":  # resting on the container's floor (or a shelf inside)
                z = host.position[2] - host.size[2] / 2 + 0.05 + size[2] / 2
            else:
                z = host.position[2] + host.size[2] / 2 + size[2] / 2
            objects.append(SceneObject(new_id(cat), cat.name, (x, y, z), size,
                                       host.yaw + rng.uniform(-0.5, 0.5), parent=host.id,
                                       state=initial_state(cat)))
            break

    robot = _free_center_spot(objects, (0.6, 0.6, 1.0), w, d, rng) or (w / 2, d / 2, 0.0)
    scene = Scene(
        id=scene_id or f"{room_type}_{seed}",
        room_type=room_type,
        size=(round(w, 3), round(d, 3)),
        objects=objects,
        robot_pose=(robot[0], robot[1], rng.uniform(-math.pi, math.pi)),
        seed=seed,
    )
    return scene.check(catalog)


def _footprint_radius(size) -> float:
    return math.hypot(size[0], size[1]) / 2


def _free_center_spot(objects: list[SceneObject], size, w: float, d: float,
                      rng: random.Random, tries: int = 100) -> tuple[float, float, float] | None:
    r = _footprint_radius(size)
    for _ in range(tries):
        x = rng.uniform(1.0 + r, w - 1.0 - r) if w > 2 + 2 * r else w / 2
        y = rng.uniform(1.0 + r, d - 1.0 - r) if d > 2 + 2 * r else d / 2
        if all(math.hypot(x - o.position[0], y - o.position[1])
               >= r + _footprint_radius(o.size) + CENTER_CLEARANCE * 0.5
               for o in objects if o.parent is None):
            return x, y, rng.choice((0.0, math.pi / 2))
    return None
