"""The symbolic world state: where the robot is, what it holds, where items lie, which flags are true."""

from __future__ import annotations

from dataclasses import dataclass, field

from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.scene import Scene


@dataclass
class WorldState:
    """The symbolic state the domain reasons over; derived from a Scene or read back from a world."""

    robot_at: str | None = None
    holding: str | None = None
    located: dict[str, str] = field(default_factory=dict)  # item -> receptacle it is on or in
    flags: dict[str, frozenset[str]] = field(default_factory=dict)  # object -> true state flags

    @classmethod
    def from_scene(cls, scene: Scene, catalog: Catalog | None = None) -> WorldState:
        catalog = catalog or default_catalog()
        located = {
            o.id: o.parent for o in scene.objects
            if o.parent is not None and catalog.get(o.category).is_item
        }
        flags = {o.id: frozenset(k for k, v in o.state.items() if v) for o in scene.objects
                 if any(o.state.values())}
        return cls(robot_at=None, holding=None, located=located, flags=flags)

    def restricted_to(self, ids: set[str]) -> WorldState:
        """The part of the state about these objects (a world model may know more than a scene lists)."""
        return WorldState(robot_at=self.robot_at if self.robot_at in ids else None,
                          holding=self.holding if self.holding in ids else None,
                          located={i: r for i, r in self.located.items() if i in ids and r in ids},
                          flags={o: f for o, f in self.flags.items() if o in ids})

    def has(self, object_id: str, flag: str) -> bool:
        return flag in self.flags.get(object_id, frozenset())

    def atoms(self) -> frozenset[tuple[str, ...]]:
        """The state as ground atoms in the goal vocabulary, e.g. ("in", "apple_1", "fridge_1")."""
        out: set[tuple[str, ...]] = {("in", i, r) for i, r in self.located.items()}
        out |= {(flag, o) for o, flags in self.flags.items() for flag in flags}
        if self.robot_at:
            out.add(("robot_at", self.robot_at))
        if self.holding:
            out.add(("holding", self.holding))
        return frozenset(out)

    @classmethod
    def from_dict(cls, raw: dict) -> WorldState:
        return cls(robot_at=raw.get("robot_at"), holding=raw.get("holding"), located=dict(raw.get("located", {})),
                   flags={o: frozenset(f) for o, f in raw.get("flags", {}).items()})

    def to_dict(self) -> dict:
        return {"robot_at": self.robot_at, "holding": self.holding, "located": dict(sorted(self.located.items())),
                "flags": {o: sorted(f) for o, f in sorted(self.flags.items()) if f}}
