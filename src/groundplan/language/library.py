"""
People's requests kept as data, and what a scene makes of them.

The task library is `config/task_library.yaml`, the needs table `config/needs.yaml`. Entries are
goal lines of the planner's goal language, so the planner learns them as it learns any goal, and a
held-out entry or phrasing tests whether it composes rather than looks sentences up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from groundplan.errors import InstructionError
from groundplan.language.prompt import Clause, category_name, goal_line, goal_of, parse_goal_line
from groundplan.resources import config_dir
from groundplan.types.catalog import ROOM_TYPES, Catalog, default_catalog
from groundplan.types.goals import FAMILIES, PERSON
from groundplan.types.scene import Scene
from groundplan.world.tasks import can_bring_about


class LibraryError(InstructionError):
    """A task library or needs file that cannot be used; says which entry and why."""


@dataclass(frozen=True)
class LibraryTask:
    name: str
    rooms: tuple[str, ...]
    goal: str  # a goal line
    phrasings: tuple[str, ...]
    held_out: bool = False

    @property
    def clauses(self) -> list[Clause]:
        return parse_goal_line(self.goal)  # type: ignore[return-value]

    def in_room(self, scene: Scene, catalog: Catalog | None = None) -> str | None:
        """The entry's goal line as this room can be asked it, or None where the room lacks what it needs.

        A clause about every object of a kind the room has none of asks nothing: washing the dishes
        where there are bowls and no plates washes the bowls. Two clauses about one kind of item ask
        for two of it.
        """
        present = scene.categories()
        clauses = [c for c in self.clauses if not (c.every and category_name(c.obj, catalog) not in present)]
        line = goal_line(clauses)
        if not clauses or not applies(line, scene, catalog):
            return None
        try:  # as many of each thing as its clauses ask for
            goal_of(clauses, catalog).check_scene(scene, catalog)
        except InstructionError:
            return None
        return line

    def lines(self) -> list[frozenset[Clause]]:
        """Every way `in_room` can say the entry: its whole line, and it without each set of every-clauses."""
        every = [c for c in self.clauses if c.every]
        out = []
        for dropped in range(1 << len(every)):
            kept = [c for c in self.clauses if c not in {e for i, e in enumerate(every) if dropped >> i & 1}]
            if kept:
                out.append(frozenset(kept))
        return out


@dataclass(frozen=True)
class Need:
    name: str
    goals: tuple[str, ...]  # goal lines, most preferred first
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class VagueRequest:
    text: str
    unless_absent: str | None = None  # a category: without it in the scene, the request is refused as absent


@dataclass(frozen=True)
class BeyondRequest:
    """What people ask of a thing that no robot here does ("charge my laptop"): refused as impossible for it."""

    text: str  # with "{obj}" where the thing is named
    things: tuple[str, ...]  # the categories it is said of


@dataclass(frozen=True)
class Requests:
    tasks: dict[str, LibraryTask]
    needs: dict[str, Need]
    vague: tuple[VagueRequest, ...]
    impossible: tuple[str, ...]
    beyond: tuple[BeyondRequest, ...] = ()


def categories_of(goal: str, catalog: Catalog | None = None) -> set[str]:
    """The catalog categories a goal line needs in the scene (a delivery needs a person)."""
    catalog = catalog or default_catalog()
    answer = parse_goal_line(goal, catalog)
    if not isinstance(answer, list):
        raise InstructionError(f"{goal!r} is a refusal, not a goal")
    cats = set()
    for clause in answer:
        cats |= {category_name(w, catalog) for w in (clause.obj, clause.target) if w}
        if FAMILIES[clause.family].delivers:
            cats.add(PERSON)
    return cats


def applies(goal: str, scene: Scene, catalog: Catalog | None = None) -> bool:
    """Whether the scene has everything the goal line names, the tools its tasks use and what makes its states.

    A sponge to wipe with, a container to water from, a knife for a sliced tomato; not whether the goal
    can be reached.
    """
    catalog = catalog or default_catalog()
    present = scene.categories()
    if not categories_of(goal, catalog) <= present:
        return False
    clauses: list[Clause] = parse_goal_line(goal, catalog)  # type: ignore[assignment]
    tools = {FAMILIES[c.family].tool for c in clauses} - {None}
    states = {s for c in clauses for s in (*c.states, FAMILIES[c.family].reaches) if s}
    return (all(any(catalog.get(c).has(tool) for c in present) for tool in tools)
            and all(can_bring_about(s, scene, catalog) for s in states))


def _check_goal(where: str, goal: str, catalog: Catalog) -> None:
    try:
        goal_of(parse_goal_line(goal, catalog), catalog)  # type: ignore[arg-type]
    except InstructionError as exc:
        raise LibraryError(f"{where}: goal {goal!r} is not a goal line the planner can read: {exc}") from None


def _texts(where: str, raw, minimum: int) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) < minimum or not all(isinstance(t, str) and t.strip() for t in raw):
        raise LibraryError(f"{where}: needs a list of at least {minimum} non-empty phrasings")
    return tuple(raw)


@cache
def load_requests(library: Path | None = None, needs: Path | None = None) -> Requests:
    """Read and check both files; a LibraryError names the entry that is wrong."""
    catalog = default_catalog()
    library = library or config_dir() / "task_library.yaml"
    needs = needs or config_dir() / "needs.yaml"
    try:
        raw_lib = yaml.safe_load(library.read_text())
        raw_needs = yaml.safe_load(needs.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryError(f"cannot read the request files: {exc}") from exc
    tasks = {}
    for name, entry in (raw_lib.get("tasks") or {}).items():
        where = f"{library.name}: task {name!r}"
        rooms = tuple(entry.get("rooms") or ())
        if not rooms or set(rooms) - set(ROOM_TYPES):
            raise LibraryError(f"{where}: rooms must be a non-empty subset of {ROOM_TYPES}")
        _check_goal(where, str(entry.get("goal", "")), catalog)
        tasks[name] = LibraryTask(name, rooms, entry["goal"], _texts(where, entry.get("phrasings"), 2),
                                  bool(entry.get("held_out", False)))
    need_table = {}
    for name, entry in (raw_needs.get("needs") or {}).items():
        where = f"{needs.name}: need {name!r}"
        goals = tuple(entry.get("goals") or ())
        if not goals:
            raise LibraryError(f"{where}: lists no goals")
        for goal in goals:
            _check_goal(where, goal, catalog)
        need_table[name] = Need(name, goals, _texts(where, entry.get("phrasings"), 2))
    vague = []
    for entry in raw_needs.get("vague") or ():
        absent = entry.get("unless_absent")
        if absent is not None and absent not in catalog:
            raise LibraryError(f"{needs.name}: vague request {entry.get('text')!r} names unknown category {absent!r}")
        vague.append(VagueRequest(str(entry["text"]), absent))
    beyond = []
    for entry in raw_needs.get("beyond") or ():
        text, things = str(entry.get("text", "")), tuple(entry.get("things") or ())
        if text.count("{obj}") != 1 or not things or set(things) - {c.name for c in catalog}:
            raise LibraryError(f"{needs.name}: beyond request {text!r} must say {{obj}} once and list catalog "
                               f"categories as things (got {list(things)})")
        beyond.append(BeyondRequest(text, things))
    return Requests(tasks, need_table, tuple(vague), tuple(raw_needs.get("impossible") or ()), tuple(beyond))


def helpful_goals(need: Need, scene: Scene, catalog: Catalog | None = None) -> list[str]:
    """The need's goals that the scene has the things for, most preferred first; none: nothing here helps."""
    return [g for g in need.goals if applies(g, scene, catalog)]
