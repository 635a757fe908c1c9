"""
The household PDDL domain (ALFWorld-style), built with unified-planning.

One place defines each action: its parameters, preconditions, effects and the text form the
planner reads and writes. Everything else (text parsing, validation, export, planning) derives
from `ACTIONS` and `build_problem`.
"""

from __future__ import annotations

import itertools
import threading

import unified_planning.shortcuts as ups
from unified_planning.model import Fluent, FNode, InstantaneousAction, Object, Problem

from groundplan.errors import SceneError
from groundplan.types.actions import ACTIONS, ActionSpec, Step
from groundplan.types.catalog import AFFORDANCES, Catalog, default_catalog
from groundplan.types.goals import FLAG_PREDICATES, GOAL_PREDICATES, Goal, distinct
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.safety import SafetyRules, default_safety_rules

ups.get_environment().credits_stream = None  # engine credits would drown the CLI's output
# unified-planning's expression manager and walkers cache without locks: one thread at a time uses
# it (ROS nodes serve requests on several threads).
UP_LOCK = threading.RLock()

# Static predicates read from the catalog's affordances, one per affordance.
STATIC_AFFORDANCES = AFFORDANCES


class Domain:
    """UP types, fluents and actions of the household domain (one instance serves all problems)."""

    def __init__(self, catalog: Catalog | None = None, safety: SafetyRules | None = None):
        """`safety`: the rules compiled into the actions (default `config/safety.yaml`; `SafetyRules()` for none)."""
        self.catalog = catalog or default_catalog()
        self.safety = default_safety_rules() if safety is None else safety
        self.thing = ups.UserType("thing")
        self.item = ups.UserType("item", self.thing)
        self.fixture = ups.UserType("fixture", self.thing)
        # One type per category lets goals quantify over "any apple" without extra predicates.
        self.category_types = {
            c.name: ups.UserType(c.name, self.item if c.is_item else self.fixture)
            for c in self.catalog
        }
        B = ups.BoolType()
        it, fx = self.item, self.fixture
        self.fluents: dict[str, Fluent] = {
            # The robot is only ever at a fixture, and only items lie in receptacles; the wider types let
            # one put/pickup action serve fixtures and the items that hold things (a plate, a pan).
            "robot_at": Fluent("robot_at", B, f=self.thing),
            "holding": Fluent("holding", B, i=it),
            "hand_empty": Fluent("hand_empty", B),
            "in_receptacle": Fluent("in_receptacle", B, i=self.thing, r=self.thing),
            # something is in or on it: kept for receptacles that hold one thing at a time (a burner), so
            # that putting onto one needs no universal precondition, which optimal fast-downward refuses
            "occupied": Fluent("occupied", B, r=self.thing),
            **{pred: Fluent(pred, B, t=self.thing) for pred in FLAG_PREDICATES.values()},
            **{aff: Fluent(aff, B, t=self.thing) for aff in STATIC_AFFORDANCES},
            "fits": Fluent("fits", B, i=it, r=self.thing),
        }
        kinds = {"item": it, "fixture": fx, "thing": self.thing}
        for rule in self.safety:
            for index, pattern in enumerate(rule.patterns):
                params = {p: kinds[k] for p, k in ACTIONS[pattern.action].params}
                self.fluents[rule.predicate(index)] = Fluent(rule.predicate(index), B, **params)
        self.static_fluents = frozenset((*STATIC_AFFORDANCES, "fits", *self.safety.by_predicate()))
        self.actions: dict[str, InstantaneousAction] = {
            name: self._build_action(spec) for name, spec in ACTIONS.items()
        }

    def well_formed_steps(self, scene: Scene) -> list[Step]:
        """Every step over the scene's objects whose arguments are of the right kind (item or fixture).

        These are what a grounded planner may say; whether one can be done now is the validator's call.
        """
        kinds: dict[str, list[str]] = {"item": [], "fixture": [], "thing": []}
        for obj in sorted(scene.objects, key=lambda o: o.id):
            cat = self.catalog.get(obj.category)
            kinds["item" if cat.is_item else "fixture"].append(obj.id)
            if not cat.is_item or cat.has("receptacle"):  # a "thing" argument: a fixture or an item holding things
                kinds["thing"].append(obj.id)
        steps = []
        for spec in ACTIONS.values():
            for args in itertools.product(*(kinds[k] for _, k in spec.params)):
                if len(set(args)) == len(args):
                    steps.append(Step(spec.name, args))
        return steps

    def type_of(self, category: str):
        return self.category_types[self.catalog.get(category).name]

    def _build_action(self, spec: ActionSpec) -> InstantaneousAction:
        kinds = {"item": self.item, "fixture": self.fixture, "thing": self.thing}
        a = InstantaneousAction(spec.name, **{p: kinds[k] for p, k in spec.params})
        F = self.fluents
        P = a.parameter
        Not, Or, And = ups.Not, ups.Or, ups.And

        def reachable(r):
            """Closed containers hide their contents."""
            return Or(Not(F["openable"](r)), F["is_open"](r))

        def at(r):
            """The robot can reach into `r`: it is at that fixture, or `r` is an item lying on or in one it is at.

            One level deep: a plate on the table, not a plate in a box on the table.
            """
            f = ups.Variable("f", self.fixture)
            return Or(F["robot_at"](r), ups.Exists(And(F["robot_at"](f), F["in_receptacle"](r, f), reachable(f)), f))

        def here(x):
            """Item `x` lies where the robot is: on or in the fixture it is at, or on a plate or in a bowl there."""
            f, c = ups.Variable("f", self.fixture), ups.Variable("c", self.item)
            return Or(ups.Exists(And(F["robot_at"](f), F["in_receptacle"](x, f)), f),
                      ups.Exists(And(F["robot_at"](f), F["in_receptacle"](c, f), F["in_receptacle"](x, c)), f, c))

        if spec.name == "goto":
            t = P("target")
            f = ups.Variable("f", self.fixture)
            a.add_precondition(Not(F["robot_at"](t)))
            a.add_effect(F["robot_at"](f), False, condition=Not(ups.Equals(f, t)), forall=[f])
            a.add_effect(F["robot_at"](t), True)
        elif spec.name == "pickup":
            o, r = P("obj"), P("source")
            a.add_precondition(at(r))
            a.add_precondition(F["in_receptacle"](o, r))
            a.add_precondition(F["hand_empty"]())
            a.add_precondition(reachable(r))
            a.add_effect(F["holding"](o), True)
            a.add_effect(F["in_receptacle"](o, r), False)
            a.add_effect(F["occupied"](r), False, condition=F["holds_one"](r))
            a.add_effect(F["hand_empty"](), False)
        elif spec.name == "put":
            o, r = P("obj"), P("target")
            a.add_precondition(F["holding"](o))
            a.add_precondition(at(r))
            a.add_precondition(F["receptacle"](r))
            a.add_precondition(F["fits"](o, r))
            a.add_precondition(reachable(r))
            a.add_precondition(Not(And(F["holds_one"](r), F["occupied"](r))))
            a.add_effect(F["in_receptacle"](o, r), True)
            a.add_effect(F["occupied"](r), True, condition=F["holds_one"](r))
            a.add_effect(F["holding"](o), False)
            a.add_effect(F["hand_empty"](), True)
        elif spec.name in ("open", "close", "turn_on", "turn_off"):  # flip a flag of a fixture
            ability, flag, value = {
                "open": ("openable", "is_open", True), "close": ("openable", "is_open", False),
                "turn_on": ("toggleable", "is_on", True), "turn_off": ("toggleable", "is_on", False),
            }[spec.name]
            t = P("target")
            a.add_precondition(F["robot_at"](t))
            a.add_precondition(F[ability](t))
            a.add_precondition(Not(F[flag](t)) if value else F[flag](t))
            a.add_effect(F[flag](t), value)
        elif spec.name == "fill":
            o, src = P("obj"), P("source")
            a.add_precondition(F["holding"](o))
            a.add_precondition(F["fillable"](o))
            a.add_precondition(Not(F["is_filled"](o)))
            a.add_precondition(F["robot_at"](src))
            a.add_precondition(F["water_source"](src))
            a.add_effect(F["is_filled"](o), True)
            a.add_effect(F["is_hot"](o), False)  # tap water: a warm cup filled is not a hot drink
        elif spec.name in ("pour", "water"):
            # Only whether it holds liquid carries over: whether poured water was hot would be a conditional
            # effect, which the optimal planner's heuristic (LM-cut) cannot handle.
            o, t = P("obj"), P("target")
            a.add_precondition(F["holding"](o))
            a.add_precondition(F["is_filled"](o))
            a.add_precondition(here(t))
            a.add_effect(F["is_filled"](o), False)
            if spec.name == "pour":
                a.add_precondition(F["fillable"](t))
                a.add_precondition(Not(F["is_filled"](t)))
                a.add_effect(F["is_filled"](t), True)
            else:
                a.add_precondition(F["waterable"](t))
                a.add_effect(F["is_watered"](t), True)
        elif spec.name == "brew":
            o, m = P("obj"), P("machine")
            a.add_precondition(F["robot_at"](m))
            a.add_precondition(F["brewer"](m))
            a.add_precondition(F["in_receptacle"](o, m))
            a.add_precondition(F["fillable"](o))
            a.add_precondition(Not(F["is_filled"](o)))
            a.add_effect(F["is_filled"](o), True)
            a.add_effect(F["is_hot"](o), True)
            a.add_effect(F["is_cold"](o), False)
        elif spec.name == "slice":
            o, k = P("obj"), P("tool")
            a.add_precondition(F["holding"](k))
            a.add_precondition(F["slicer"](k))
            a.add_precondition(F["sliceable"](o))
            a.add_precondition(Not(F["is_sliced"](o)))
            a.add_precondition(here(o))
            a.add_effect(F["is_sliced"](o), True)
        elif spec.name == "cook":
            # Food lying in a pan or pot that stands on a burner that is on (a pot with water in it), or in a
            # toaster that is on, with the robot there: it ends cooked and hot.
            o, v = P("obj"), P("vessel")
            b = ups.Variable("b", self.fixture)
            a.add_precondition(F["in_receptacle"](o, v))
            a.add_precondition(F["cooker"](v))
            a.add_precondition(F["heatable"](o))
            a.add_precondition(Or(Not(F["fillable"](v)), F["is_filled"](v)))  # boiling needs water in the pot
            a.add_precondition(Or(And(F["robot_at"](v), F["is_on"](v)),
                                  ups.Exists(And(F["robot_at"](b), F["in_receptacle"](v, b), F["heat_source"](b),
                                                 F["is_on"](b)), b)))
            a.add_effect(F["is_cooked"](o), True)
            a.add_effect(F["is_hot"](o), True)
            a.add_effect(F["is_cold"](o), False)
        elif spec.name == "take_out":
            # Out of the room: the robot leaves the bag outside and comes back to where it was.
            o = P("obj")
            a.add_precondition(F["holding"](o))
            a.add_precondition(F["disposable"](o))
            a.add_effect(F["holding"](o), False)
            a.add_effect(F["hand_empty"], True)
            a.add_effect(F["is_out"](o), True)
        elif spec.name == "wipe":
            t, k = P("target"), P("tool")
            a.add_precondition(F["robot_at"](t))
            a.add_precondition(F["wipeable"](t))
            a.add_precondition(F["holding"](k))
            a.add_precondition(F["wiper"](k))
            a.add_effect(F["is_clean"](t), True)
        else:  # clean, heat, cool: the held item at the right appliance
            o, r = spec.params[0][0], spec.params[1][0]
            o, r = P(o), P(r)
            ability, source, result = {
                "clean": ("cleanable", "wash_place", ("is_clean", None)),
                "heat": ("heatable", "heat_source", ("is_hot", "is_cold")),
                "cool": ("coolable", "cool_source", ("is_cold", "is_hot")),
            }[spec.name]
            a.add_precondition(F["holding"](o))
            a.add_precondition(F[ability](o))
            a.add_precondition(F["robot_at"](r))
            a.add_precondition(F[source](r))
            a.add_effect(F[result[0]](o), True)
            if result[1]:
                a.add_effect(F[result[1]](o), False)
        self._add_safety(a, spec)
        return a

    def _add_safety(self, a: InstantaneousAction, spec: ActionSpec) -> None:
        """Each rule pattern of this action: not (its static match and its state conditions)."""
        F, P = self.fluents, a.parameter
        for rule in self.safety:
            for index, pattern in enumerate(rule.patterns):
                if pattern.action != spec.name:
                    continue
                parts = [F[rule.predicate(index)](*(P(p) for p, _ in spec.params))]
                for param, match in pattern.args.items():
                    parts += [F[FLAG_PREDICATES[flag]](P(param)) for flag in match.flags]
                    if match.empty:
                        inside = ups.Variable("inside", self.item)
                        parts.append(ups.Not(ups.Exists(F["in_receptacle"](inside, P(param)), inside)))
                a.add_precondition(ups.Not(ups.And(*parts)) if len(parts) > 1 else ups.Not(parts[0]))

    def build_problem(self, scene: Scene, state: WorldState | None = None,
                      name: str | None = None) -> Problem:
        """A UP problem with the scene's objects and statics, and `state` (default: the scene's)."""
        with UP_LOCK:
            return self._build_problem(scene, state, name)

    def _build_problem(self, scene: Scene, state: WorldState | None, name: str | None) -> Problem:
        state = state or WorldState.from_scene(scene, self.catalog)
        problem = Problem(name or f"{scene.id}".replace("-", "_"))
        for fluent in self.fluents.values():
            problem.add_fluent(fluent, default_initial_value=False)
        for action in self.actions.values():
            problem.add_action(action)
        objects: dict[str, Object] = {}
        for obj in scene.objects:
            objects[obj.id] = Object(obj.id, self.type_of(obj.category))
        problem.add_objects(objects.values())
        F = self.fluents
        cats = {o.id: self.catalog.get(o.category) for o in scene.objects}
        for oid, cat in cats.items():
            for aff in cat.affordances:
                problem.set_initial_value(F[aff](objects[oid]), True)
        receptacles = [oid for oid, c in cats.items() if c.has("receptacle")]
        for oid, cat in cats.items():
            if cat.is_item:
                for rid in receptacles:
                    if cats[rid].can_hold(cat):
                        problem.set_initial_value(F["fits"](objects[oid], objects[rid]), True)

        for rule in self.safety:
            for index, pattern in enumerate(rule.patterns):
                spec = ACTIONS[pattern.action]
                choices = []
                for param, kind in spec.params:
                    match = pattern.args.get(param)
                    choices.append([oid for oid, cat in cats.items()
                                    if (kind == "thing" or cat.is_item == (kind == "item"))
                                    and (match is None or match.matches_statically(cat.name, cat.material))])
                for args in itertools.product(*choices):
                    problem.set_initial_value(F[rule.predicate(index)](*(objects[x] for x in args)), True)

        def obj(oid: str) -> Object:
            if oid not in objects:
                raise SceneError(f"state refers to {oid!r}, which is not in scene {scene.id!r}")
            return objects[oid]

        for item, rec in state.located.items():
            problem.set_initial_value(F["in_receptacle"](obj(item), obj(rec)), True)
            if cats[rec].has("holds_one"):
                problem.set_initial_value(F["occupied"](obj(rec)), True)
        for oid, flags in state.flags.items():
            for flag in flags:
                problem.set_initial_value(F[FLAG_PREDICATES[flag]](obj(oid)), True)
        if state.robot_at is not None:
            problem.set_initial_value(F["robot_at"](obj(state.robot_at)), True)
        if state.holding is not None:
            problem.set_initial_value(F["holding"](obj(state.holding)), True)
        else:
            problem.set_initial_value(F["hand_empty"](), True)
        return problem

    def goal_formula(self, goal: Goal, problem: Problem) -> FNode:
        """The goal as a UP expression over `problem`'s objects; same-category item variables differ.

        A sub-goal asked of every object (`goal.every`) holds for each object of its first variable's
        category, its other variables chosen per object. It is written out over the problem's objects here
        (fast-downward takes no universal goals).
        """
        goal = goal.grounded(lambda category: [o.name for o in problem.objects(self.type_of(category))])
        variables = {v: ups.Variable(v[1:], self.type_of(c)) for v, c in goal.variables}

        def term(arg: str):
            return variables[arg] if arg.startswith("?") else problem.object(arg)

        parts = []
        for atom in goal.atoms:
            fluent = self.fluents[GOAL_PREDICATES[atom.predicate]]
            expr = fluent(*(term(a) for a in atom.args))
            parts.append(expr if atom.positive else ups.Not(expr))
        by_cat: dict[str, list[str]] = {}
        for v, c in goal.variables:
            if distinct(v, self.catalog.get(c)):
                by_cat.setdefault(c, []).append(v)
        for same in by_cat.values():
            for a, b in itertools.combinations(same, 2):
                parts.append(ups.Not(ups.Equals(variables[a], variables[b])))
        body = ups.And(*parts) if len(parts) > 1 else parts[0]
        return ups.Exists(body, *variables.values()) if variables else body
