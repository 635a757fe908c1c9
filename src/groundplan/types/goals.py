"""
Goals as small formulas over the domain's predicates, and the task families that make them.

A goal is a conjunction of atoms whose arguments are instance ids ("fridge_1") or variables
("?x") that range over a category; "put a cold apple in the fridge" reads
`exists ?x - Apple, ?r - Fridge: in(?x, ?r) and cold(?x)`. Variables of the same item category
stand for distinct objects, so "two apples" means two; places may be shared ("an apple and a
bread on the table" needs one table, "bread and tomato on a plate" one plate).

A clause may be asked of every object of its category ("wash all the dishes"): such a sub-goal, in
`Goal.every`, holds when each object of its first variable's category meets it, with its other
variables chosen per object: `forall ?x - Plate: exists ?r - Cabinet: in(?x, ?r) and clean(?x)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from groundplan.errors import InstructionError
from groundplan.types.catalog import Catalog, Category, default_catalog
from groundplan.types.scene import STATE_FLAGS, Scene

# Scene state flag -> dynamic predicate name of the PDDL domain.
FLAG_PREDICATES = {flag: f"is_{flag}" for flag in STATE_FLAGS}
# Goal vocabulary -> domain predicate.
GOAL_PREDICATES = {"in": "in_receptacle", "holding": "holding", "robot_at": "robot_at",
                   **FLAG_PREDICATES}

# People's requests name outcomes ("a hot drink", "a sliced apple"): states the main object must be in,
# each with the affordance it needs.
MODIFIERS = {"filled": "fillable", "hot": "heatable", "cold": "coolable", "clean": "cleanable", "sliced": "sliceable"}
# What a family's target is: a receptacle the object goes in, a lamp to look at it under, the person it is
# delivered to (whoever is in the room unless named), or the pan, pot or toaster it is cooked in.
TargetKind = Literal["receptacle", "lamp", "person", "vessel"]


@dataclass(frozen=True)
class FamilySpec:
    """A task family: what its main object and target are, and the goal it asks for.

    `family_goal` builds every goal from these fields; the task sampler, the data generator and the
    readers ask them rather than the family's name.
    """

    name: str
    target: TargetKind | None = None  # None: the object alone
    needs: str | None = None  # affordance the main object must have ("heatable")
    participle: str = ""  # what the family does to it, for "a Plate cannot be heated"
    result: str | None = None  # state the main object ends in ("hot", "sliced")
    flag: str | None = None  # the fixture flag the family sets ("open", "on"); its object is a fixture
    flag_value: bool = True  # what it sets the flag to (close: False)
    two_objects: bool = False  # two objects of the category, both to the target
    source: str | None = None  # affordance of the fixture its process runs at ("heat_source")
    reaches: str | None = None  # a state the scene must be able to bring about ("filled": a tap or a brewer)
    tool: str | None = None  # affordance of a further item it uses (watering: a "fillable" container)
    state_sets: tuple[tuple[str, ...], ...] = ((),)  # the state sets (of MODIFIERS) it may also ask for
    category: str = "household"  # the benchmark category of its requests
    fixture_object: bool = False  # its object is a fixture (wiping the table), without a flag to set

    @property
    def places(self) -> bool:
        """Whether it puts its object (or two) in a receptacle: the pick families."""
        return self.target == "receptacle"

    @property
    def lights(self) -> bool:
        """Whether it holds its object under a lamp that it switches on."""
        return self.target == "lamp"

    @property
    def delivers(self) -> bool:
        """Whether it hands its object to a person."""
        return self.target == "person"

    @property
    def cooks(self) -> bool:
        """Whether it cooks its object in a pan, pot or toaster (the target)."""
        return self.target == "vessel"

    @property
    def takes_every(self) -> bool:
        """Whether it can be asked of every object of a kind ("wash all the plates"): not of two, nor under a lamp."""
        return not (self.two_objects or self.lights)

    @property
    def names_target(self) -> bool:
        """Whether its goal line names a target category (a receptacle, a lamp, a pan: a delivery's is implied)."""
        return self.places or self.lights or self.cooks


# In the order data generation draws them (seeds depend on it); the first ten make benchmark suite v1.
FAMILIES: dict[str, FamilySpec] = {f.name: f for f in (
    FamilySpec("pick_and_place", "receptacle", state_sets=((), ("sliced",), ("filled",))),
    FamilySpec("pick_clean_then_place", "receptacle", "cleanable", "washed", result="clean", source="wash_place"),
    FamilySpec("pick_heat_then_place", "receptacle", "heatable", "heated", result="hot", source="heat_source"),
    FamilySpec("pick_cool_then_place", "receptacle", "coolable", "cooled", result="cold", source="cool_source"),
    FamilySpec("look_at_obj_in_light", "lamp"),
    FamilySpec("pick_two_obj_and_place", "receptacle", two_objects=True),
    FamilySpec("open", None, "openable", "opened", flag="open", category="devices"),
    FamilySpec("close", None, "openable", "closed", flag="open", flag_value=False, category="devices"),
    FamilySpec("turn_on", None, "toggleable", "switched on", flag="on", category="devices"),
    FamilySpec("turn_off", None, "toggleable", "switched off", flag="on", flag_value=False, category="devices"),
    FamilySpec("deliver", "person", category="delivery", state_sets=(
        (), ("filled",), ("filled", "hot"), ("filled", "cold"), ("hot",), ("cold",), ("clean",), ("sliced",))),
    FamilySpec("fill", None, "fillable", "filled", result="filled", reaches="filled", state_sets=((), ("hot",)),
               category="liquids_food"),
    FamilySpec("water", None, "waterable", "watered", result="watered", reaches="filled", tool="fillable",
               category="liquids_food"),
    FamilySpec("slice", None, "sliceable", "sliced", result="sliced", reaches="sliced", category="liquids_food"),
    # Heating as a goal of its own (any way: a microwave, a burner), cooking in a pan, pot or toaster, and wiping a
    # fixture clean with a sponge or cloth.
    FamilySpec("heat", None, "heatable", "heated", result="hot", source="heat_source", category="liquids_food"),
    FamilySpec("cook", "vessel", "heatable", "cooked", result="cooked", category="liquids_food"),
    FamilySpec("wipe", None, "wipeable", "wiped clean", result="clean", tool="wiper", fixture_object=True),
    # Rubbish out of the room: the full garbage bag taken out.
    FamilySpec("take_out", None, "disposable", "taken out", result="out"),
)}
PERSON = "Person"  # the category things are delivered to


def afforded_state_sets(family: str, category: Category) -> list[tuple[str, ...]]:
    """The state sets `family` may ask of an object of `category` (its affordances allow every state)."""
    return [states for states in FAMILIES[family].state_sets if all(category.has(MODIFIERS[s]) for s in states)]


@dataclass(frozen=True)
class Atom:
    predicate: str  # a key of GOAL_PREDICATES
    args: tuple[str, ...]
    positive: bool = True

    def __str__(self) -> str:
        inner = f"({' '.join((GOAL_PREDICATES[self.predicate], *self.args))})"
        return inner if self.positive else f"(not {inner})"


@dataclass(frozen=True)
class Goal:
    atoms: tuple[Atom, ...]
    variables: tuple[tuple[str, str], ...] = ()  # ("?x", "Apple")
    family: str = ""
    description: str = ""
    # categories the goal's main object and target were named by (for refusals and reports)
    slots: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    every: tuple[Goal, ...] = ()  # sub-goals asked of every object of their first variable's category

    def __str__(self) -> str:
        body = " ".join(str(a) for a in self.atoms)
        body = f"(and {body})" if len(self.atoms) > 1 else body
        if self.variables:
            decl = " ".join(f"{v} - {c}" for v, c in self.variables)
            body = f"(exists ({decl}) {body})"
        alls = []
        for sub in self.every:
            (x, cat), rest = sub.variables[0], Goal(sub.atoms, sub.variables[1:])
            alls.append(f"(forall ({x} - {cat}) {rest})")
        parts = [p for p in (body, *alls) if p]
        return parts[0] if len(parts) == 1 else f"(and {' '.join(parts)})"

    @property
    def categories(self) -> set[str]:
        """The categories its variables range over, those asked of every object included."""
        return {c for _, c in self.variables} | {c for sub in self.every for _, c in sub.variables}

    def grounded(self, ids: Callable[[str], Iterable[str]]) -> Goal:
        """The goal with each sub-goal asked of every object written out once per object.

        Its other variables are kept apart per object; `ids(category)` names the objects (a scene's, a problem's).
        """
        atoms, variables = list(self.atoms), list(self.variables)
        for i, sub in enumerate(self.every):
            (x, category), rest = sub.variables[0], sub.variables[1:]
            for j, obj in enumerate(ids(category)):
                part = _renamed(Goal(sub.atoms, rest), f"e{i}_{j}", {x: obj})
                atoms += part.atoms
                variables += part.variables
        return Goal(tuple(atoms), tuple(variables), self.family, self.description, self.slots)

    def in_words(self) -> str:
        """The goal as a person would say it: "the Television is off", "a Mug is in the Fridge and hot"."""
        alls = [Goal(sub.atoms, sub.variables).in_words().replace(f"a {sub.variables[0][1]}",
                                                                  f"every {sub.variables[0][1]}")
                for sub in self.every]
        if alls:
            return "; ".join([*([Goal(self.atoms, self.variables).in_words()] if self.atoms else []), *alls])
        names = {v: f"a {c}" for v, c in self.variables}
        said = []
        for atom in self.atoms:
            subject, *rest = (names.get(a, a) for a in atom.args)
            if atom.predicate == "in":
                said.append(f"{subject} is in or on {rest[0]}")
            elif atom.predicate in ("holding", "robot_at"):
                said.append(f"the robot {'is at' if atom.predicate == 'robot_at' else 'holds'} {subject}"
                            if atom.positive else f"the robot is not {atom.predicate.replace('_', ' ')} {subject}")
            else:
                state = {("on", False): "off", ("open", False): "closed"}.get(
                    (atom.predicate, atom.positive), atom.predicate if atom.positive else f"not {atom.predicate}")
                said.append(f"{subject} is {state}")
        return "; ".join(s.replace("a ", "the ", 1) if s.startswith("a ") and len(self.atoms) == 1 else s
                         for s in said)

    def check_scene(self, scene: Scene, catalog: Catalog | None = None) -> None:
        """Raise InstructionError when the scene lacks the objects the goal needs."""
        catalog = catalog or default_catalog()
        need: dict[str, int] = {}
        for sub in self.every:  # every plate: at least one, and somewhere to put them
            for _, cat in sub.variables:
                need[cat] = max(need.get(cat, 0), 1)
        for var, cat in self.variables:
            need[cat] = need.get(cat, 0) + 1 if distinct(var, catalog.get(cat)) else max(need.get(cat, 0), 1)
        for cat, n in need.items():
            have = len(scene.of_category(cat))
            if have < n:
                what = "no" if have == 0 else f"only {have}"
                raise InstructionError(f"there is {what} {cat} in scene {scene.id!r} (needs {n})")
        for atom in self.atoms:
            for arg in atom.args:
                if not arg.startswith("?") and arg not in scene:
                    raise InstructionError(f"there is no object {arg!r} in scene {scene.id!r}")


def distinct(var: str, category: Category) -> bool:
    """Whether a goal variable stands for an object of its own: a clause's item (?x, ?x1, ?x2).

    No other clause's item may be the same object. Places (?r, ?v, ...) may be shared, a plate as well as a
    table: bread and tomato on a plate.
    """
    return var.startswith("?x") and category.is_item


def _ref(name: str, var: str, variables: list[tuple[str, str]], scene: Scene | None) -> str:
    """An instance id stays as it is; a category becomes a fresh variable over it."""
    if scene is not None and name in scene:
        return name
    variables.append((var, name))
    return var


def flag_family(flag: str, value: bool) -> str:
    """The family that sets a fixture's `flag` to `value` ("on", False: "turn_off")."""
    return next(name for name, spec in FAMILIES.items() if spec.flag == flag and spec.flag_value == value)


def family_goal(family: str, obj: str | None = None, target: str | None = None,
                scene: Scene | None = None, catalog: Catalog | None = None, states: tuple[str, ...] = (),
                every: bool = False) -> Goal:
    """The goal of a task family over categories or instance ids `obj` and `target`.

    `states` are further states the object must end in (one of its FamilySpec's `state_sets`); with `every`,
    every object of the category `obj` must end so ("wash all the plates").
    """
    catalog = catalog or default_catalog()
    spec = FAMILIES.get(family)
    if spec is None:
        raise InstructionError(f"unknown task family {family!r}; use one of {', '.join(FAMILIES)}")
    if obj is None:
        raise InstructionError(f"task family {family!r} needs an object")
    category = scene.get(obj).category if scene is not None and obj in scene else obj
    if spec.needs and not catalog.get(category).has(spec.needs):
        raise InstructionError(f"a {category} cannot be {spec.participle}")
    if states and tuple(states) not in spec.state_sets:
        raise InstructionError(f"task family {family!r} cannot also ask for {' and '.join(states)}")
    for state in states:
        if not catalog.get(category).has(MODIFIERS[state]):
            raise InstructionError(f"a {category} cannot be {state}")
    v: list[tuple[str, str]] = []
    slots = {"object": obj, **({"target": target} if target else {})}
    if spec.places and target is None:
        raise InstructionError(f"task family {family!r} needs a target receptacle")
    if spec.lights and target is None:
        raise InstructionError("looking at an object in the light needs a lamp")
    if spec.cooks and target is None:
        raise InstructionError(f"task family {family!r} needs a pan, pot or toaster to cook in")
    if spec.cooks and not catalog.get(scene.get(target).category if scene is not None and target in scene
                                      else target).has("cooker"):
        raise InstructionError(f"a {target} is not something to cook in")
    if every and (not spec.takes_every or (scene is not None and obj in scene)):
        raise InstructionError(f"task family {family!r} cannot be asked of every {obj}: it takes one named object"
                               if scene is None or obj not in scene else f"'every' takes a category, not {obj!r}")
    x = _ref(obj, "?x1" if spec.two_objects else "?x", v, scene)
    atoms: tuple[Atom, ...] = ()
    if spec.delivers:
        atoms = (Atom("in", (x, _ref(target or PERSON, "?p", v, scene))),)
    elif spec.lights:
        lamp = _ref(target, "?l", v, scene)  # type: ignore[arg-type]
        atoms = (Atom("holding", (x,)), Atom("on", (lamp,)), Atom("robot_at", (lamp,)))
    elif spec.cooks:
        atoms = (Atom("in", (x, _ref(target, "?v", v, scene))),)  # type: ignore[arg-type]
    elif spec.places:
        objects = (x, _ref(obj, "?x2", v, scene)) if spec.two_objects else (x,)
        r = _ref(target, "?r", v, scene)  # type: ignore[arg-type]
        atoms = tuple(Atom("in", (o, r)) for o in objects)
    elif spec.flag:
        atoms = (Atom(spec.flag, (x,), positive=spec.flag_value),)
    if spec.result:
        atoms += (Atom(spec.result, (x,)),)
    atoms += tuple(Atom(state, (atoms[0].args[0],)) for state in states)
    if every:
        return Goal((), (), family, slots=slots, every=(Goal(atoms, tuple(v), family),))
    return Goal(atoms=atoms, variables=tuple(v), family=family, slots=slots)


def conjoin(goals: list[Goal]) -> Goal:
    """All of `goals` at once ("put the apple in the fridge, then open the drawer").

    Each goal's variables are renamed apart; same-category item variables stay distinct objects, so
    two clauses about "an apple" ask for two apples, while two clauses about "the table" may share it.
    """
    atoms: list[Atom] = []
    variables: list[tuple[str, str]] = []
    every: list[Goal] = []
    for i, goal in enumerate(goals):
        part = _renamed(goal, str(i))
        atoms += part.atoms
        variables += part.variables
        every += [_renamed(sub, str(i)) for sub in goal.every]
    return Goal(tuple(atoms), tuple(variables), "+".join(g.family for g in goals),
                slots=goals[0].slots if goals else {}, every=tuple(every))


def _renamed(goal: Goal, suffix: str, fixed: dict[str, str] | None = None) -> Goal:
    """`goal`'s atoms and variables with each variable renamed `{var}_{suffix}`, or to what `fixed` maps it to."""
    rename = {v: f"{v}_{suffix}" for v, _ in goal.variables} | (fixed or {})
    return Goal(tuple(Atom(a.predicate, tuple(rename.get(x, x) for x in a.args), a.positive) for a in goal.atoms),
                tuple((rename[v], c) for v, c in goal.variables if v not in (fixed or {})), goal.family)
