"""Seeded fault injection: slipping grasps, objects moved or removed by others, sticking doors.

Every fault changes the physical world only; the executor has to notice it from what it observes.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from groundplan.sim.state import observe
from groundplan.types.actions import Step

log = logging.getLogger(__name__)

FAULT_TYPES = ("slip", "move", "stick", "remove")


@dataclass
class FaultConfig:
    slip: float = 0.0  # chance a grasp slips after lifting
    move: float = 0.0  # chance, after each step, that someone moves an item elsewhere
    stick: float = 0.0  # chance a door or drawer does not move when opened
    remove: float = 0.0  # chance, after each step, that an item disappears
    seed: int = 0
    limit: int = 1  # how often each fault type may fire in a run
    sticky: bool = False  # a door that stuck stays stuck
    target: str | None = None  # restrict move/remove/stick/slip to this object id

    @classmethod
    def parse(cls, spec: str, seed: int = 0) -> FaultConfig:
        """'slip=1,move=0.5,target=apple_1,limit=2' -> FaultConfig."""
        config = cls(seed=seed)
        for part in filter(None, (s.strip() for s in spec.split(","))):
            key, _, value = part.partition("=")
            if key in FAULT_TYPES:
                setattr(config, key, float(value or 1.0))
            elif key in ("limit", "seed"):
                setattr(config, key, int(value))
            elif key == "sticky":
                config.sticky = value.lower() in ("1", "true", "yes", "")
            elif key == "target":
                config.target = value
            else:
                raise ValueError(f"unknown fault setting {key!r}; use {', '.join(FAULT_TYPES)}, limit, sticky, target")
        return config


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    fired: list[tuple[str, str]] = field(default_factory=list)  # (fault type, object id)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.config.seed)
        self.stuck: set[str] = set()

    def _fires(self, kind: str, object_id: str | None) -> bool:
        if self.config.target is not None and object_id != self.config.target:
            return False
        if sum(1 for k, _ in self.fired if k == kind) >= self.config.limit:
            return False
        if self.rng.random() < getattr(self.config, kind):
            self.fired.append((kind, object_id or ""))
            log.info("fault %s on %s", kind, object_id)
            return True
        return False

    def grasp_slips(self, object_id: str) -> bool:
        return self._fires("slip", object_id)

    def door_sticks(self, fixture_id: str) -> bool:
        if fixture_id in self.stuck:
            return True
        if self._fires("stick", fixture_id):
            if self.config.sticky:
                self.stuck.add(fixture_id)
            return True
        return False

    def after_step(self, world, step: Step) -> None:
        """Someone else acts between the robot's steps."""
        if not (self.config.move or self.config.remove):
            return
        items = [oid for oid, b in world.bodies.items()
                 if b.is_item and b.pieces and b.uid != world.robot.held_body]
        candidates = [self.config.target] if self.config.target in items else items
        if not candidates:
            return
        oid = self.rng.choice(sorted(candidates))
        if self._fires("remove", oid):
            world.remove(oid)
            return
        cat = world.catalog.get(world.bodies[oid].category)
        here = observe(world).located.get(oid)
        others = [rid for rid, b in world.bodies.items()
                  if not b.is_item and rid != here and world.catalog.get(b.category).can_hold(cat)
                  and (b.spec.door_joint is None or world.joint(rid) > 0.5 * world.door_limit(rid))]
        if others and self._fires("move", oid):
            world.teleport(oid, self.rng.choice(sorted(others)))
