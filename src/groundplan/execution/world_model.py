"""The world model: what the robot knows of the room, from what it saw and what it did.

Perception sees only what is in view, so the robot remembers. For each object it knows, the world
model holds where it is (a `SceneObject`: its pose, the receptacle it rests on or in, its state
flags), when evidence last confirmed it, and how sure it is. Consecutive tasks share one world
model; `scene()` is what the planner plans on.

Evidence, and how it is merged:

- What the robot did (`acted`). After each step, the skill server's reading of the step's objects
  is taken as it stands, with full confidence: the apple the robot put into the fridge is in the
  fridge, and stays there once the door is shut, though no camera can see it.
- What perception saw (`perceived`). An object seen is confirmed (its confidence becomes the
  detection's score); seen on or in something else, it has moved. Perception places things; it
  does not read their states, so a known object keeps the states the robot read. An object that
  perception did not see, where a view should have shown it (in front of the camera, large enough,
  nothing nearer in the way), loses confidence and is forgotten below a threshold. An object
  out of view keeps what it had. The contents of a closed container are never judged absent from not
  being seen, nor is an object the robot moved (or holds) whose new pose no view has seen yet.
- Looking inside. A container's contents are unknown until the robot has looked into it:
  `unexplored()` lists the containers it has not. When a request names a kind of thing the world
  model lacks and an unexplored container could hold it, the executor goes to that container,
  opens it, looks in (`perceived(..., inside=container)`) and plans again (see
  `groundplan.execution.executor`). The planner plans on known objects only and never guesses a
  container's contents. A scene known in full (`from_scene`: a scene file, or an oracle) has
  no unexplored container.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from groundplan.types.camera import Frame
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.scene import Scene, SceneObject
from groundplan.types.state import WorldState

log = logging.getLogger(__name__)


@dataclass
class Belief:
    """What the world model holds about one object."""

    obj: SceneObject  # where it is and its state flags
    confirmed: float  # the world model's clock when evidence last confirmed it
    confidence: float  # 1: acted on, or seen by a sure detector; lowered each time it goes unseen in plain view
    # Its pose is where a view saw it. False once the robot moved it (or holds it) until a view sees it
    # again: until then nobody knows where exactly to look for it, so no view can miss it.
    pose_seen: bool = True


@dataclass(frozen=True)
class WorldModelConfig:
    miss_factor: float = 0.5  # confidence kept by an object not seen where a view should have shown it
    forget_below: float = 0.3  # forgotten when less sure than this: a sure object missed twice in a row
    min_pixels: float = 15.0  # an object this many pixels across or fewer may go unseen in a view (as fusion's)


@dataclass
class Sighting:
    """What the eyes reported: the objects seen, with the skill server's ids, and the views they came from."""

    scene: Scene
    frames: list[Frame] = field(default_factory=list)  # what each view should have shown decides what was missed


class Eyes(Protocol):
    def look(self, into: str | None = None) -> Sighting:
        """Perceive the room, or (`into`) the inside of an open container the robot stands at."""


class WorldModel:
    """Objects known from perception and action, for consecutive tasks of one robot in one room."""

    def __init__(self, room: Scene, catalog: Catalog | None = None, config: WorldModelConfig | None = None,
                 clock: Callable[[], float] = time.monotonic):
        # The map: the room's id, type and size and the robot's start. Its objects are not known
        # until evidence comes (see `from_scene`).
        self.room = room
        self.catalog = catalog or default_catalog()
        self.config = config or WorldModelConfig()
        self.clock = clock
        self.beliefs: dict[str, Belief] = {}
        self.looked_into: set[str] = set()  # containers whose inside the robot has seen

    @classmethod
    def from_scene(cls, scene: Scene, catalog: Catalog | None = None, config: WorldModelConfig | None = None,
                   clock: Callable[[], float] = time.monotonic) -> WorldModel:
        """A world model that knows the scene in full, insides included (a scene file is the truth)."""
        model = cls(scene, catalog, config, clock)
        now = clock()
        model.beliefs = {o.id: Belief(o, now, o.score) for o in scene.objects}
        model.looked_into = {o.id for o in scene.objects if model._container(o)}
        return model

    def scene(self) -> Scene:
        """The known objects as a scene to plan on."""
        room = self.room
        return Scene(room.id, room.room_type, room.size, [b.obj for b in self.beliefs.values()], room.robot_pose,
                     room.seed)

    def unexplored(self) -> list[str]:
        """Known containers whose inside the robot has not looked into."""
        return [oid for oid, b in self.beliefs.items() if self._container(b.obj) and oid not in self.looked_into]

    # ------------------------------------------------------------------ evidence
    def acted(self, state: WorldState, objects: Iterable[str]) -> None:
        """The skill server's state after a step, about the objects the step acted on."""
        now = self.clock()
        for oid in objects:
            belief = self.beliefs.get(oid)
            if belief is None:
                continue
            obj = belief.obj
            parent = state.located.get(oid, obj.parent)  # in the hand: where it was, until put somewhere
            if parent != obj.parent or state.holding == oid:
                belief.pose_seen = False
            flags = state.flags.get(oid, frozenset())
            belief.obj = replace(obj, parent=parent, state={k: k in flags for k in sorted(set(obj.state) | flags)})
            belief.confirmed, belief.confidence = now, 1.0

    def perceived(self, sighting: Sighting, inside: str | None = None) -> None:
        """Merge what perception saw; `inside`: the container it looked into."""
        now = self.clock()
        seen = {o.id: o for o in sighting.scene.objects}
        for oid, obj in seen.items():
            belief = self.beliefs.get(oid)
            if belief is None:
                log.info("new: %s %s", oid, f"in or on {obj.parent}" if obj.parent else "")
                self.beliefs[oid] = Belief(obj, now, obj.score)
                continue
            parent = belief.obj.parent if obj.support_assumed and belief.obj.parent else obj.parent
            if parent != belief.obj.parent:
                log.info("moved: %s from %s to %s", oid, belief.obj.parent, parent)
            belief.obj = replace(obj, parent=parent, support_assumed=obj.support_assumed and parent == obj.parent,
                                 state=belief.obj.state)
            belief.confirmed, belief.confidence, belief.pose_seen = now, obj.score, True
        for oid, belief in list(self.beliefs.items()):
            if oid in seen or not self._should_have_seen(belief, sighting.frames):
                continue
            belief.confidence *= self.config.miss_factor
            if belief.confidence < self.config.forget_below and not self._holds_known(oid):
                log.info("forgotten: %s, not seen where it was (confidence %.2f)", oid, belief.confidence)
                del self.beliefs[oid]
        if inside is not None:
            self.looked_into.add(inside)

    # ------------------------------------------------------------------ rules
    def _container(self, obj: SceneObject) -> bool:
        """A receptacle with a door or a drawer: what is inside shows only when it is open and looked into."""
        cat = self.catalog.get(obj.category)
        return cat.has("openable") and cat.has("receptacle")

    def _shut_in(self, obj: SceneObject) -> bool:
        host = self.beliefs.get(obj.parent) if obj.parent else None
        return host is not None and self._container(host.obj) and not host.obj.flag("open")

    def _should_have_seen(self, belief: Belief, frames: list[Frame]) -> bool:
        if not belief.pose_seen or self._shut_in(belief.obj):
            return False
        reach = max(belief.obj.size)
        return any(f.sees(belief.obj.position, reach, self.config.min_pixels) for f in frames)

    def _holds_known(self, oid: str) -> bool:
        # what rests on or in a thing says it is there: its contents would be left resting on nothing
        return any(b.obj.parent == oid for b in self.beliefs.values())
