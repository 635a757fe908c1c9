"""
Goals as small formulas over the domain's predicates, and the task families that make them.

A goal is a conjunction of atoms whose arguments are instance ids ("fridge_1") or variables
("?x") that range over a category; "put a cold apple in the fridge" reads
`exists ?x - Apple, ?r - Fridge: in(?x, ?r) and cold(?x)`. Variables of the same item category
stand for distinct objects, so "two apples" means two; places may be shared ("an apple and a
bread on the table" needs one table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from groundplan.errors import InstructionError
from groundplan.types.catalog import Catalog, Category, default_catalog
from groundplan.types.scene import STATE_FLAGS, Scene

# Scene state flag -> dynamic predicate name of the PDDL domain.
FLAG_PREDICATES = {flag: f"is_{flag}" for flag in STATE_FLAGS}
# Goal vocabulary -> domain predicate.
GOAL_PREDICATES = {"in": "in_receptacle", "holding": "holding", "robot_at": "robot_at",
                   **FLAG_PREDICATES}

FAMILIES = (
    "pick_and_place", "pick_clean_then_place", "pick_heat_then_place", "pick_cool_then_place",
    "look_at_obj_in_light", "pick_two_obj_and_place", "open", "close", "turn_on", "turn_off",
    "deliver", "fill", "water", "slice",
)
# People's requests name outcomes ("a hot drink", "a sliced apple"): states the main object must be in,
# each with the affordance it needs.
MODIFIERS = {"filled": "fillable", "hot": "heatable", "cold": "coolable", "clean": "cleanable", "sliced": "sliceable"}
# The state sets a family may ask for besides its own (deliver: to the person in the room).
MODIFIER_SETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "deliver": ((), ("filled",), ("filled", "hot"), ("filled", "cold"), ("hot",), ("cold",), ("clean",),
                ("sliced",)),
    "pick_and_place": ((), ("sliced",), ("filled",)),
    "fill": ((), ("hot",)),
}
PERSON = "Person"  # the category things are delivered to


def afforded_state_sets(family: str, category: Category) -> list[tuple[str, ...]]:
    """The state sets `family` may ask of an object of `category` (its affordances allow every state)."""
    return [states for states in MODIFIER_SETS.get(family, ((),))
            if all(category.has(MODIFIERS[s]) for s in states)]


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

    def __str__(self) -> str:
        body = " ".join(str(a) for a in self.atoms)
        body = f"(and {body})" if len(self.atoms) > 1 else body
        if not self.variables:
            return body
        decl = " ".join(f"{v} - {c}" for v, c in self.variables)
        return f"(exists ({decl}) {body})"

    def check_scene(self, scene: Scene, catalog: Catalog | None = None) -> None:
        """Raise InstructionError when the scene lacks the objects the goal needs."""
        catalog = catalog or default_catalog()
        need: dict[str, int] = {}
        for _, cat in self.variables:
            need[cat] = need.get(cat, 0) + 1 if catalog.get(cat).is_item else 1
        for cat, n in need.items():
            have = len(scene.of_category(cat))
            if have < n:
                what = "no" if have == 0 else f"only {have}"
                raise InstructionError(f"there is {what} {cat} in scene {scene.id!r} (needs {n})")
        for atom in self.atoms:
            for arg in atom.args:
                if not arg.startswith("?") and arg not in scene:
                    raise InstructionError(f"there is no object {arg!r} in scene {scene.id!r}")


def _ref(name: str, var: str, variables: list[tuple[str, str]], scene: Scene | None) -> str:
    """An instance id stays as it is; a category becomes a fresh variable over it."""
    if scene is not None and name in scene:
        return name
    variables.append((var, name))
    return var


# What the main object of a family must afford, and how to say that it does not.
_NEEDS = {
    "pick_clean_then_place": ("cleanable", "washed"), "pick_heat_then_place": ("heatable", "heated"),
    "pick_cool_then_place": ("coolable", "cooled"), "open": ("openable", "opened"),
    "close": ("openable", "closed"), "turn_on": ("toggleable", "switched on"),
    "turn_off": ("toggleable", "switched off"), "fill": ("fillable", "filled"),
    "water": ("waterable", "watered"), "slice": ("sliceable", "sliced"),
}


def family_needs(family: str) -> str | None:
    """The affordance a family's main object must have, if any."""
    return _NEEDS[family][0] if family in _NEEDS else None


def family_goal(family: str, obj: str | None = None, target: str | None = None,
                scene: Scene | None = None, catalog: Catalog | None = None, states: tuple[str, ...] = ()) -> Goal:
    """The goal of a task family over categories or instance ids `obj` and `target`.

    `states` are further states the object must end in (see MODIFIER_SETS).
    """
    catalog = catalog or default_catalog()
    if family not in FAMILIES:
        raise InstructionError(f"unknown task family {family!r}; use one of {', '.join(FAMILIES)}")
    if obj is None:
        raise InstructionError(f"task family {family!r} needs an object")
    category = scene.get(obj).category if scene is not None and obj in scene else obj
    if family in _NEEDS and not catalog.get(category).has(_NEEDS[family][0]):
        raise InstructionError(f"a {category} cannot be {_NEEDS[family][1]}")
    if states and tuple(states) not in MODIFIER_SETS.get(family, ((),)):
        raise InstructionError(f"task family {family!r} cannot also ask for {' and '.join(states)}")
    for state in states:
        if not catalog.get(category).has(MODIFIERS[state]):
            raise InstructionError(f"a {category} cannot be {state}")
    v: list[tuple[str, str]] = []
    slots = {"object": obj, **({"target": target} if target else {})}
    placing = family.startswith("pick")
    if placing and target is None:
        raise InstructionError(f"task family {family!r} needs a target receptacle")
    if family == "look_at_obj_in_light" and target is None:
        raise InstructionError("looking at an object in the light needs a lamp")
    if family == "deliver":
        x, person = _ref(obj, "?x", v, scene), _ref(target or PERSON, "?p", v, scene)
        atoms = (Atom("in", (x, person)),)
    elif family in ("fill", "water", "slice"):
        x = _ref(obj, "?x", v, scene)
        atoms = (Atom({"fill": "filled", "water": "watered", "slice": "sliced"}[family], (x,)),)
    elif family in ("open", "close", "turn_on", "turn_off"):
        x = _ref(obj, "?x", v, scene)
        flag = "open" if family in ("open", "close") else "on"
        atoms = (Atom(flag, (x,), positive=family in ("open", "turn_on")),)
    elif family == "look_at_obj_in_light":
        x, lamp = _ref(obj, "?x", v, scene), _ref(target, "?l", v, scene)  # type: ignore[arg-type]
        atoms = (Atom("holding", (x,)), Atom("on", (lamp,)), Atom("robot_at", (lamp,)))
    elif family == "pick_two_obj_and_place":
        x1, x2 = _ref(obj, "?x1", v, scene), _ref(obj, "?x2", v, scene)
        r = _ref(target, "?r", v, scene)  # type: ignore[arg-type]
        atoms = (Atom("in", (x1, r)), Atom("in", (x2, r)))
    else:
        x, r = _ref(obj, "?x", v, scene), _ref(target, "?r", v, scene)  # type: ignore[arg-type]
        extra = {"pick_clean_then_place": "clean", "pick_heat_then_place": "hot",
                 "pick_cool_then_place": "cold"}.get(family)
        atoms = (Atom("in", (x, r)),) + ((Atom(extra, (x,)),) if extra else ())
    atoms += tuple(Atom(state, (atoms[0].args[0],)) for state in states)
    return Goal(atoms=atoms, variables=tuple(v), family=family, slots=slots)


def conjoin(goals: list[Goal]) -> Goal:
    """All of `goals` at once ("put the apple in the fridge, then open the drawer").

    Each goal's variables are renamed apart; same-category item variables stay distinct objects, so
    two clauses about "an apple" ask for two apples, while two clauses about "the table" may share it.
    """
    atoms: list[Atom] = []
    variables: list[tuple[str, str]] = []
    for i, goal in enumerate(goals):
        rename = {v: f"{v}_{i}" for v, _ in goal.variables}
        variables += [(rename[v], c) for v, c in goal.variables]
        atoms += [Atom(a.predicate, tuple(rename.get(x, x) for x in a.args), a.positive) for a in goal.atoms]
    return Goal(tuple(atoms), tuple(variables), "+".join(g.family for g in goals),
                slots=goals[0].slots if goals else {})
