"""Seeded generator of plausible rooms.

Furniture stands along the walls and in the middle, appliances on counters, items on or in
receptacles that fit them; some containers start closed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from groundplan.errors import SceneError
from groundplan.types.catalog import ROOM_TYPES, Catalog, Category, default_catalog
from groundplan.types.grid import Grid
from groundplan.types.scene import Scene, SceneObject
from groundplan.world.navigation import approach_pose

WALL_MARGIN = 0.3  # free space at each end of a wall (m)
CENTER_CLEARANCE = 0.9  # free space around a free-standing fixture, for the robot to pass (m)
FREE_CLEARANCE = 0.4  # around a person: the robot comes up to them, nobody walks round them
PLACE_TRIES = 10  # spots tried for a fixture (and the robot) before the room does without it


@dataclass
class GeneratorConfig:
    min_items: int = 10
    max_items: int = 18
    optional_fixture_prob: float = 0.5
    duplicate_prob: float = 0.3  # chance an item category gets a second instance
    closed_prob: float = 0.6  # chance an openable container starts closed
    on_prob: float = 0.15  # chance a toggleable device starts switched on
    clean_prob: float = 0.3  # chance a cleanable item starts clean
    filled_prob: float = 0.25  # chance a cup, mug or pot starts with water in it
    size_jitter: float = 0.1
    # chance each catalog type that rooms are not laid out with (a chair, a painting, a bottle) is added
    # as scenery, after the layout; 0 (the planner's rooms) keeps every room as it was
    scenery: float = 0.0


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


Rect = tuple[float, float, float, float]  # xmin, xmax, ymin, ymax


def _rect(x: float, y: float, yaw: float, width: float, depth: float, front: float = 0.0) -> Rect:
    """Footprint of a wall-aligned box, or with front > 0, the strip of that depth before its face."""
    hx, hy = heading(yaw)
    if front:
        x, y = x + hx * (depth / 2 + front / 2), y + hy * (depth / 2 + front / 2)
        depth = front
    ex, ey = (depth / 2, width / 2) if abs(math.sin(yaw)) > 0.5 else (width / 2, depth / 2)
    return x - ex, x + ex, y - ey, y + ey


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


class _Floor:
    """Footprints of floor fixtures, and the strips before them that must stay free.

    Doors and drawers swing out there, and the robot stands there to work.
    """

    FRONT = 1.2  # a pulled-out drawer, the robot's standoff and its base

    def __init__(self, w: float, d: float, rng: random.Random):
        self.w, self.d, self.rng = w, d, rng
        self.bodies: list[Rect] = []
        self.fronts: list[Rect] = []

    def free(self, x: float, y: float, yaw: float, width: float, depth: float, front: bool = True) -> bool:
        body = _rect(x, y, yaw, width, depth)
        zone = _rect(x, y, yaw, width, depth, self.FRONT) if front else None
        if body[0] < 0 or body[2] < 0 or body[1] > self.w or body[3] > self.d:
            return False
        if any(_overlap(body, r) for r in self.bodies + self.fronts):
            return False
        return zone is None or not any(_overlap(zone, r) for r in self.bodies)

    def add(self, x: float, y: float, yaw: float, width: float, depth: float) -> None:
        self.bodies.append(_rect(x, y, yaw, width, depth))
        self.fronts.append(_rect(x, y, yaw, width, depth, self.FRONT))

    def wall_spot(self, width: float, depth: float) -> tuple[float, float, float] | None:
        """A spot along a random wall, facing the room."""
        walls = {"south": (self.w, 0.0), "north": (self.w, math.pi),
                 "west": (self.d, -math.pi / 2), "east": (self.d, math.pi / 2)}
        order = list(walls)
        self.rng.shuffle(order)
        for name in order:
            length, yaw = walls[name]
            starts = [WALL_MARGIN + k * 0.1 for k in range(int((length - 2 * WALL_MARGIN - width) / 0.1) + 1)]
            self.rng.shuffle(starts)
            for start in starts:
                along, off = start + width / 2, depth / 2 + 0.02
                x, y = {"south": (along, off), "north": (self.w - along, self.d - off),
                        "west": (off, self.d - along), "east": (self.w - off, along)}[name]
                if self.free(x, y, yaw, width, depth):
                    return x, y, yaw
        return None

    def center_spot(self, width: float, depth: float, tries: int = 200, clearance: float = CENTER_CLEARANCE,
                    facing_free: bool = False) -> tuple[float, float, float] | None:
        """A free-standing spot in the middle, with `clearance` of free floor around it.

        `facing_free`: the strip before its front is clear too, so the robot can come up to it (a person).
        """
        yaws = (0.0, math.pi, math.pi / 2, -math.pi / 2) if facing_free else (0.0, math.pi)
        margin = min(1.0, clearance + max(width, depth) / 2)
        grown = (width + 2 * clearance, depth + 2 * clearance)
        for _ in range(tries):
            yaw = self.rng.choice(yaws)
            x = self.rng.uniform(margin, self.w - margin)
            y = self.rng.uniform(margin, self.d - margin)
            if self.free(x, y, yaw, *grown, front=False) and (not facing_free or self.free(x, y, yaw, width, depth)):
                return x, y, yaw
        return None


def _reachable(room_type: str, size: tuple[float, float], objects: list[SceneObject], catalog: Catalog,
               start: tuple[float, float] | None = None) -> bool:
    """Whether the base can drive between the work poses of all fixtures (and from `start`, if given).

    Without this, about one generated room in four had a fixture boxed in by furniture.
    """
    scene = Scene("layout", room_type, size, objects, (0.0, 0.0, 0.0))
    poses = [approach_pose(scene, o.id, catalog)[:2] for o in objects if not catalog.get(o.category).is_item]
    if not poses:
        return True
    return Grid(scene).reachable(start or poses[0], poses)


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

    def jittered(cat: Category, rng: random.Random = rng) -> tuple[float, float, float]:
        k = 1 + rng.uniform(-config.size_jitter, config.size_jitter)
        return tuple(round(v * k, 3) for v in cat.size)  # type: ignore[return-value]

    def initial_state(cat: Category, rng: random.Random = rng) -> dict[str, bool]:
        state = {}
        if cat.has("openable"):
            state["open"] = rng.random() >= config.closed_prob
        if cat.has("toggleable"):
            state["on"] = rng.random() < config.on_prob
        if cat.has("cleanable"):
            state["clean"] = rng.random() < config.clean_prob
        return state

    # Fixtures: required ones, then optional ones by chance; free-standing furniture first (it needs
    # the most floor), people last (they stand wherever there is room), hosts before what they carry.
    order = {"center": 0, "wall": 1, "free": 2}
    required = sorted((catalog.get(n) for n in spec.required), key=lambda c: order[c.placement])
    optional = [catalog.get(n) for n in spec.optional if rng.random() < config.optional_fixture_prob]
    wanted = required + sorted(optional, key=lambda c: order[c.placement])
    floor = _Floor(w, d, rng)
    surfaces: dict[str, _Surface] = {}
    def place_fixture(cat: Category, clearance: float = CENTER_CLEARANCE) -> SceneObject | None:
        size = jittered(cat)
        if cat.mounted_on:
            hosts = [o for o in objects if o.category in cat.mounted_on]
            rng.shuffle(hosts)
            for host in hosts:
                u = surfaces[host.id].place(size[0], rng)
                if u is not None:
                    x, y = local_to_world(host, u, 0.0)
                    z = host.position[2] + host.size[2] / 2 + size[2] / 2
                    obj = SceneObject(f"{cat.name.lower()}_{counts.get(cat.name, 0) + 1}", cat.name, (x, y, z), size,
                                      host.yaw, parent=host.id, state=initial_state(cat))
                    if _reachable(room_type, (w, d), [*objects, obj], catalog):
                        new_id(cat)
                        objects.append(obj)
                        return obj
            return None
        for _ in range(PLACE_TRIES):  # a spot where the robot can still drive to every fixture
            if cat.placement == "center":
                pose = floor.center_spot(size[0], size[1], clearance=clearance)
            elif cat.placement == "free":
                pose = floor.center_spot(size[0], size[1], clearance=FREE_CLEARANCE, facing_free=True)
            else:
                pose = floor.wall_spot(size[0], size[1])
            if pose is None:
                return None  # the room is full; a smaller room just has fewer fixtures
            x, y, yaw = pose
            z = cat.elevation if cat.elevation is not None else size[2] / 2
            obj = SceneObject(f"{cat.name.lower()}_{counts.get(cat.name, 0) + 1}", cat.name, (x, y, z), size, yaw,
                              state=initial_state(cat))
            if _reachable(room_type, (w, d), [*objects, obj], catalog):
                new_id(cat)
                floor.add(x, y, yaw, size[0], size[1])
                objects.append(obj)
                surfaces[obj.id] = _Surface(obj)
                return obj
        return None

    for cat in sorted(wanted, key=lambda c: bool(c.mounted_on)):
        place_fixture(cat)

    # Items: on or in receptacles that they are typically found in and that can hold them.
    receptacles = [o for o in objects if catalog.get(o.category).has("receptacle")]
    for o in receptacles:
        surfaces.setdefault(o.id, _Surface(o))

    def place_item(cat: Category, rng: random.Random = rng) -> SceneObject | None:
        size = jittered(cat, rng)
        hosts = [r for r in receptacles if r.category in cat.found_in and catalog.get(r.category).can_hold(cat)]
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
            obj = SceneObject(new_id(cat), cat.name, (x, y, z), size, host.yaw + rng.uniform(-0.5, 0.5),
                              parent=host.id, state=initial_state(cat, rng))
            objects.append(obj)
            return obj
        return None

    candidates = [
        c for c in catalog.in_room(room_type, "item")
        if c.occasional is None
        and any(r.category in c.found_in and catalog.get(r.category).can_hold(c) for r in receptacles)
    ]
    n_items = rng.randint(config.min_items, config.max_items)
    chosen: list[Category] = []
    for cat in rng.sample(candidates, min(n_items, len(candidates))):
        chosen.append(cat)
        if rng.random() < config.duplicate_prob:
            chosen.append(cat)
    for cat in chosen[: max(n_items, config.min_items)]:
        place_item(cat)

    # A glass of water left standing: its own stream, so that rooms are laid out as before it existed.
    liquids = random.Random(f"{room_type}:{seed}:liquid")
    for obj in objects:
        if catalog.get(obj.category).has("fillable") and liquids.random() < config.filled_prob:
            obj.state["filled"] = True

    # Types added after rooms were laid out (a garbage bag in the bin): a stream of their own, so that every
    # room keeps the layout it had; a watering can may come filled, for rooms without a tap.
    extra = random.Random(f"{room_type}:{seed}:occasional")
    for cat in catalog.in_room(room_type, "item"):
        if cat.occasional and extra.random() < cat.occasional:
            obj = place_item(cat, extra)
            if obj is not None and cat.has("fillable") and extra.random() < config.filled_prob:
                obj.state["filled"] = True

    if config.scenery:
        decor = random.Random(f"{room_type}:{seed}:scenery")
        laid_out = set(spec.required) | set(spec.optional)
        for cat in sorted((c for c in catalog.in_room(room_type, "fixture") if c.name not in laid_out),
                          key=lambda c: (bool(c.mounted_on), order[c.placement])):
            # scenery stands closer than furniture the robot works at (a chair by the wall, a footstool)
            placed = decor.random() < config.scenery and place_fixture(cat, FREE_CLEARANCE)
            if placed and cat.has("receptacle"):
                receptacles.append(placed)
                surfaces.setdefault(placed.id, _Surface(placed))
        for cat in catalog.in_room(room_type, "item"):
            if cat.occasional == 0 and decor.random() < config.scenery:
                place_item(cat, decor)

    robot = None
    for _ in range(PLACE_TRIES):  # where the robot starts: a spot it can drive from to every fixture
        robot = floor.center_spot(0.6, 0.6)
        if robot is None or _reachable(room_type, (w, d), objects, catalog, start=robot[:2]):
            break
    robot = robot or (w / 2, d / 2, 0.0)
    scene = Scene(
        id=scene_id or f"{room_type}_{seed}",
        room_type=room_type,
        size=(round(w, 3), round(d, 3)),
        objects=objects,
        robot_pose=(robot[0], robot[1], rng.uniform(-math.pi, math.pi)),
        seed=seed,
    )
    return scene.check(catalog)
