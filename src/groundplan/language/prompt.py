"""
The language model's text format: the prompt (observed state + instruction) and its answer.

    scene: apple_1 in countertop_1 | cabinet_1 closed | countertop_1 | fridge_1 open | ...
    robot: at countertop_1 holding none
    task: Put a chilled apple on the dining table
    goal: pick_cool_then_place apple diningtable
    plan:
    goto countertop_1
    pickup apple_1 from countertop_1
    ...
    end

Objects are named by their scene ids and steps are the domain's plan text, so every answer line
maps one-to-one onto a domain action. The goal line names a task family and categories (in
lower case, as ids are spelt), then any states the object must end in ("deliver mug filled hot");
`every` before the object asks it of every object of that category ("pick_clean_then_place every
plate cabinet"); requests of several parts join clauses with " ; ". A request that cannot be done is answered with
a refusal instead of a goal, and no plan: `refuse unknown`, `refuse absent <category>`,
`refuse impossible <category>`, `refuse unmet <need>` (nothing here helps with it) or
`refuse vague` (a question back: what exactly should be done?).
"""

from __future__ import annotations

from dataclasses import dataclass

from groundplan.errors import ClarificationNeeded, InstructionError
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.goals import FAMILIES, MODIFIERS, Goal, conjoin, family_goal
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState

GOAL_PREFIX = "goal:"
PLAN_HEADER = "plan:"
END = "end"
CLAUSE_SEPARATOR = " ; "
REFUSE = "refuse"
REFUSAL_KINDS = ("unknown", "absent", "impossible", "unmet", "vague")
EVERY = "every"
# Families whose goal names a second category (a receptacle or a lamp).
TARGETED = frozenset(name for name, spec in FAMILIES.items() if spec.names_target)


def describe_state(scene: Scene, state: WorldState, catalog: Catalog | None = None) -> str:
    """The scene line: every object with where it is and the flags that matter for planning."""
    catalog = catalog or default_catalog()
    parts = []
    for obj in sorted(scene.objects, key=lambda o: o.id):
        cat = catalog.get(obj.category)
        words = [obj.id]
        if obj.id in state.located:
            words += ["in", state.located[obj.id]]
        flags = state.flags.get(obj.id, frozenset())
        if cat.has("openable"):
            words.append("open" if "open" in flags else "closed")
        if cat.has("toggleable"):
            words.append("on" if "on" in flags else "off")
        words += sorted(flags - {"open", "on"})
        parts.append(" ".join(words))
    return "scene: " + " | ".join(parts)


def render_prompt(scene: Scene, instruction: str, state: WorldState | None = None,
                  catalog: Catalog | None = None) -> str:
    """Everything the model reads before it answers, ending with the goal prefix."""
    state = state or WorldState.from_scene(scene, catalog)
    robot = f"robot: at {state.robot_at or 'start'} holding {state.holding or 'none'}"
    task = " ".join(instruction.lower().split())  # one line: a newline in a request must not fake prompt lines
    return f"{describe_state(scene, state, catalog)}\n{robot}\ntask: {task}\n{GOAL_PREFIX}"


@dataclass(frozen=True)
class Clause:
    """One task of a goal line: a family with its object category and, where it has one, a target."""

    family: str
    obj: str  # lower-case category, as in ids
    target: str | None = None
    states: tuple[str, ...] = ()  # states the object must end in, one of its family's `state_sets`
    every: bool = False  # of every object of the category ("wash all the plates")

    @property
    def text(self) -> str:
        return " ".join(w for w in (self.family, EVERY if self.every else "", self.obj, self.target, *self.states)
                        if w)


@dataclass(frozen=True)
class Refusal:
    kind: str  # one of REFUSAL_KINDS
    category: str | None = None  # a lower-case category; for `unmet`, the need

    @property
    def text(self) -> str:
        return " ".join(w for w in (REFUSE, self.kind, self.category) if w)

    @property
    def names_category(self) -> bool:
        return self.kind in ("absent", "impossible") and self.category is not None

    def reason(self, scene: Scene, catalog: Catalog | None = None) -> str:
        catalog = catalog or default_catalog()
        if self.kind == "unmet":
            return f"nothing in scene {scene.id!r} helps with that ({self.category})"
        if self.kind == "vague":
            return "the request does not say what to do with what; please name the objects or the outcome you want"
        name = category_name(self.category, catalog) if self.category else ""
        if self.kind == "absent":
            return f"there is no {name} in scene {scene.id!r}"
        if self.kind == "impossible":
            return f"the request asks a {name} for something it cannot do"
        return "the request names nothing I know or can act on"

    def error(self, scene: Scene, catalog: Catalog | None = None) -> InstructionError:
        """What the planner raises for this refusal: a vague request asks for clarification."""
        cls = ClarificationNeeded if self.kind == "vague" else InstructionError
        return cls(self.reason(scene, catalog))


def goal_line(answer: list[Clause] | Refusal) -> str:
    if isinstance(answer, Refusal):
        return answer.text
    return CLAUSE_SEPARATOR.join(c.text for c in answer)


def goal_segments(answer: list[Clause] | Refusal) -> list[str]:
    """The goal line after the prompt's `goal:`, in the pieces a decoder chooses between."""
    if isinstance(answer, Refusal):
        return [" " + answer.text, "\n"]
    segments: list[str] = []
    for i, clause in enumerate(answer):
        segments += ([CLAUSE_SEPARATOR.rstrip()] if i else []) + [" " + clause.text]
    return segments + ["\n"]


def answer_segments(answer: list[Clause] | Refusal, steps_text: list[str]) -> list[str]:
    """The model's whole answer: goal line, then (unless it refuses) the plan and `end`.

    Training encodes each piece on its own, as constrained decoding does, so both see the same tokens.
    """
    if isinstance(answer, Refusal):
        return goal_segments(answer)
    return goal_segments(answer) + [PLAN_HEADER + "\n", *(s + "\n" for s in steps_text), END + "\n"]


def category_name(token: str, catalog: Catalog | None = None) -> str:
    """The catalog category a lower-case goal token names."""
    name = (catalog or default_catalog()).canonical(token)
    if name is None:
        raise InstructionError(f"{token!r} names no object category")
    return name


def parse_goal_line(line: str, catalog: Catalog | None = None) -> list[Clause] | Refusal:
    """Read a goal line back; InstructionError names what is malformed."""
    words = line.split()
    if not words:
        raise InstructionError("the goal line is empty")
    if words[0] == REFUSE:
        if len(words) < 2 or words[1] not in REFUSAL_KINDS:
            raise InstructionError(f"a refusal must be one of {', '.join(REFUSAL_KINDS)}: {line!r}")
        return Refusal(words[1], words[2] if len(words) > 2 else None)
    clauses = []
    for part in line.split(CLAUSE_SEPARATOR.strip()):
        words = part.split()
        if not words or words[0] not in FAMILIES:
            raise InstructionError(f"goal clause {part.strip()!r} does not start with a task family")
        words, every = _without_every(words)
        want = 3 if words[0] in TARGETED else 2
        states = tuple(words[want:])
        if len(words) < want or any(w not in MODIFIERS for w in states):
            raise InstructionError(f"goal clause {part.strip()!r} needs {want - 1} categories, then only states "
                                   f"({', '.join(MODIFIERS)})")
        for w in words[1:want]:
            category_name(w, catalog)
        clauses.append(Clause(words[0], words[1], words[2] if want == 3 else None, states, every))
    return clauses


def _without_every(words: list[str]) -> tuple[list[str], bool]:
    """A clause's words without `every` after the family, and whether it was there."""
    every = len(words) > 1 and words[1] == EVERY
    return [words[0], *words[1 + every:]], every


def clause_for(family: str, obj: str, target: str | None, states: tuple[str, ...] = (), every: bool = False) -> Clause:
    """The clause for a task over catalog categories."""
    return Clause(family, obj.lower(), target.lower() if target else None, tuple(states), every)


def goal_of(clauses: list[Clause], catalog: Catalog | None = None) -> Goal:
    """The domain goal a goal line stands for (category-level: 'any apple')."""
    catalog = catalog or default_catalog()
    goals = [family_goal(c.family, category_name(c.obj, catalog),
                         category_name(c.target, catalog) if c.target else None, catalog=catalog, states=c.states,
                         every=c.every)
             for c in clauses]
    goal = goals[0] if len(goals) == 1 else conjoin(goals)
    return Goal(goal.atoms, goal.variables, goal.family, goal_line(clauses), goal.slots, goal.every)


def parse_goal(text: str, scene: Scene, catalog: Catalog | None = None) -> Goal:
    """An explicit goal in the goal language, over categories (any case) or the scene's own ids.

    What `groundplan plan --goal` and the ROS goal fields take: "pick_heat_then_place mug fridge",
    "pick_and_place apple_1 fridge_1", "open fridge ; deliver mug filled hot". InstructionError says
    what is malformed, or what the scene lacks.
    """
    catalog = catalog or default_catalog()
    if not text.strip():
        raise InstructionError("the goal is empty; write e.g. 'pick_and_place apple fridge'")
    goals, clauses = [], []
    for part in text.split(CLAUSE_SEPARATOR.strip()):
        words = part.split()
        if not words or words[0] not in FAMILIES:
            raise InstructionError(f"goal clause {part.strip()!r} must start with a task family, one of "
                                   f"{', '.join(FAMILIES)}")
        words, every = _without_every(words)
        want = 3 if words[0] in TARGETED else 2
        if len(words) < want:
            what = "an object and a target" if want == 3 else "an object"
            raise InstructionError(f"goal clause {part.strip()!r} needs {what} (a category or an id of the scene)")
        names = [w if w in scene else category_name(w.lower(), catalog) for w in words[1:want]]
        states = tuple(words[want:])
        unknown = [s for s in states if s not in MODIFIERS]
        if unknown:
            raise InstructionError(f"goal clause {part.strip()!r}: {unknown[0]!r} is not a state; use "
                                   f"{', '.join(MODIFIERS)}")
        target = names[1] if want == 3 else None
        goals.append(family_goal(words[0], names[0], target, scene=scene, catalog=catalog, states=states,
                                 every=every))
        category = [scene.get(n).category if n in scene else n for n in names]  # the model's view: categories
        clauses.append(clause_for(words[0], category[0], category[1] if target else None, states, every))
    goal = goals[0] if len(goals) == 1 else conjoin(goals)
    goal.check_scene(scene, catalog)
    return Goal(goal.atoms, goal.variables, goal.family, goal_line(clauses), goal.slots, goal.every)


def goal_text(goal: Goal) -> str:
    """The goal a strategy read from a request, as text `parse_goal` reads back to the same goal.

    Its goal line (model strategies), or its family, slots and states (the template reader's family goals).
    """
    if goal.description:
        return goal.description
    spec = FAMILIES.get(goal.family)
    if spec is None:
        return ""
    main = goal.atoms[0].args[0] if goal.atoms else ""
    states = [a.predicate for a in goal.atoms if a.predicate in MODIFIERS and a.predicate != spec.result
              and a.args[:1] == (main,)]
    return " ".join(w for w in (goal.family, goal.slots.get("object"), goal.slots.get("target"), *states) if w)
