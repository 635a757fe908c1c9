"""Step-by-step plan validation against the PDDL domain, with each failure put in words."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import unified_planning.shortcuts as ups
from unified_planning.exceptions import UPInvalidActionError
from unified_planning.model import FNode, Problem, UPState
from unified_planning.model.walkers import StateEvaluator, Substituter

from groundplan.types.actions import ACTIONS, Step
from groundplan.types.goals import FLAG_PREDICATES, Goal
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import UP_LOCK, Domain


class Verdict(enum.IntEnum):
    """Values match groundplan_interfaces/PlanStep's VERDICT_* constants."""

    UNCHECKED = 0
    VALID = 1
    INVALID = 2
    REPAIRED = 3


@dataclass
class StepVerdict:
    index: int
    step: Step
    verdict: Verdict
    reason: str = ""
    probe_score: float = -1.0  # the planner's validity probe, where one ran

    @property
    def valid(self) -> bool:
        return self.verdict in (Verdict.VALID, Verdict.REPAIRED)


@dataclass
class ValidationReport:
    verdicts: list[StepVerdict]
    goal_reached: bool | None  # None when no goal was given
    unmet_goal: str = ""
    final_state: WorldState = field(default_factory=WorldState)

    @property
    def valid(self) -> bool:
        """Every step is executable in sequence."""
        return all(v.valid for v in self.verdicts)

    @property
    def success(self) -> bool:
        return self.valid and self.goal_reached is not False

    @property
    def first_invalid(self) -> StepVerdict | None:
        return next((v for v in self.verdicts if v.verdict == Verdict.INVALID), None)

    def summary(self) -> str:
        lines = []
        for v in self.verdicts:
            mark = {Verdict.VALID: "ok", Verdict.INVALID: "INVALID", Verdict.UNCHECKED: "skipped",
                    Verdict.REPAIRED: "repaired"}[v.verdict]
            probe = f" (probe {v.probe_score:.2f})" if v.probe_score >= 0 else ""
            lines.append(f"{v.index + 1:>2}. {v.step.text:<45} {mark}{probe}" + (f": {v.reason}" if v.reason else ""))
        if self.goal_reached is not None:
            lines.append("goal reached" if self.goal_reached else f"goal NOT reached: {self.unmet_goal}")
        return "\n".join(lines)


_STATIC_WORDS = {
    "receptacle": "{0} cannot hold things",
    "openable": "{0} cannot be opened or closed",
    "toggleable": "{0} cannot be switched on or off",
    "sliceable": "{0} cannot be sliced",
    "cleanable": "{0} cannot be washed",
    "heatable": "{0} cannot be heated",
    "coolable": "{0} cannot be cooled",
    "heat_source": "{0} cannot heat things",
    "cool_source": "{0} cannot cool things",
    "wash_place": "{0} is not a place to wash things",
    "slicer": "{0} cannot cut things",
    "light_source": "{0} is not a light",
    "cooker": "{0} is not a pan, pot or toaster to cook in",
    "wiper": "{0} is not a sponge or cloth to wipe with",
    "wipeable": "{0} cannot be wiped clean",
    "disposable": "{0} is not rubbish to take out",
    "fits": "{0} does not fit in or on {1}",
}
_DYNAMIC_WORDS = {  # predicate -> (words when it should hold but does not, when it should not but does)
    "robot_at": ("the robot is not at {0}", "the robot is already at {0}"),
    "holding": ("the robot is not holding {0}", "the robot is already holding {0}"),
    "hand_empty": ("the robot's hand is not empty", "the robot's hand is empty"),
    "in_receptacle": ("{0} is not in or on {1}", "{0} is already in or on {1}"),
    "is_open": ("{0} is closed", "{0} is already open"),
    "is_on": ("{0} is off", "{0} is already on"),
    "is_clean": ("{0} is not clean", "{0} is already clean"),
    "is_hot": ("{0} is not hot", "{0} is already hot"),
    "is_cold": ("{0} is not cold", "{0} is already cold"),
    "is_sliced": ("{0} is not sliced", "{0} is already sliced"),
    "is_filled": ("{0} is empty", "{0} is already full"),
    "is_cooked": ("{0} is not cooked", "{0} is already cooked"),
    "is_out": ("{0} is not out of the room", "{0} is already out of the room"),
}


def describe(condition: FNode, state: WorldState | None = None, domain: Domain | None = None) -> str:
    """An unmet precondition in words."""
    positive = True
    node = condition
    if node.is_not():
        positive, node = False, node.arg(0)
    if not positive and domain is not None:  # a safety rule: not (its match and its state conditions)
        rules = domain.safety.by_predicate()
        for part in (node.args if node.is_and() else (node,)):
            if part.is_fluent_exp() and part.fluent().name in rules:
                rule = rules[part.fluent().name]
                return f"unsafe, breaks safety rule {rule.id}: {rule.text}"
    if not positive and node.is_and():  # put: not (holds_one r and occupied r)
        taken = [a.arg(0) for a in node.args if a.is_fluent_exp() and a.fluent().name == "occupied"]
        if taken:
            there = [i for i, r in (state.located.items() if state else ()) if r == str(taken[0])]
            return f"{taken[0]} takes one thing at a time and already holds {there[0] if there else 'one'}"
    if node.is_fluent_exp():
        name = node.fluent().name
        args = [str(a) for a in node.args]
        if name in _STATIC_WORDS and positive:
            return _STATIC_WORDS[name].format(*args)
        if name in _DYNAMIC_WORDS:
            text = _DYNAMIC_WORDS[name][0 if positive else 1].format(*args)
            if name == "hand_empty" and positive and state is not None and state.holding:
                text += f" (it holds {state.holding})"
            return text
    if node.is_or() and positive:  # (not openable r) or (is_open r): a closed container
        opens = [a for a in node.args if a.is_fluent_exp() and a.fluent().name == "is_open"]
        if opens:
            return f"{opens[0].arg(0)} is closed"
        first = node.arg(0)
        if first.is_fluent_exp() and first.fluent().name == "robot_at":  # put/pickup: at a fixture, or where a plate is
            return f"the robot is not at {first.arg(0)}"
        if first.is_not() and first.arg(0).is_fluent_exp() and first.arg(0).fluent().name == "fillable":
            return f"{first.arg(0).arg(0)} has no water in it"
        if first.is_and():  # cook: the toaster on, or the pan on a burner that is on
            return f"{first.arg(0).arg(0)} is not on a burner that is on with the robot there, nor itself on"
        if first.is_exists():  # slice, pour, water: the object must lie where the robot is
            node = first
    if node.is_exists() and positive:  # slice, pour, water: the object must lie where the robot is
        body = node.arg(0)
        inside = [a for a in body.args if a.is_fluent_exp() and a.fluent().name == "in_receptacle"]
        if inside:
            return f"{inside[0].arg(0)} is not lying where the robot is"
    return f"condition {condition} does not hold"


def read_state(problem: Problem, up_state, domain: Domain) -> WorldState:
    """The WorldState a UP state stands for."""
    F = domain.fluents
    items = [o for o in problem.all_objects if domain.item.is_compatible(o.type)]
    fixtures = [o for o in problem.all_objects if domain.fixture.is_compatible(o.type)]
    holders = [*fixtures, *items]  # what an item can lie on or in: a fixture, or a plate, bowl, pan...

    def true(expr) -> bool:
        return up_state.get_value(expr).bool_constant_value()

    robot_at = next((f.name for f in fixtures if true(F["robot_at"](f))), None)
    holding = next((i.name for i in items if true(F["holding"](i))), None)
    located = {}
    for i in items:
        for f in holders:
            if true(F["in_receptacle"](i, f)):
                located[i.name] = f.name
                break
    flags = {}
    for o in problem.all_objects:
        on = frozenset(flag for flag, pred in FLAG_PREDICATES.items() if true(F[pred](o)))
        if on:
            flags[o.name] = on
    return WorldState(robot_at=robot_at, holding=holding, located=located, flags=flags)


def unmet_preconditions(problem: Problem, action, params, up_state) -> list[FNode]:
    """Preconditions of the lifted action, ground with `params`, that are false in `up_state`.

    Unlike the simulator's grounded check, this keeps each precondition as written, and it works for
    actions the grounder dropped because a static precondition is false.
    """
    em = problem.environment.expression_manager
    # A parsed plan's parameters are already object expressions; a Step's are objects.
    binding = {em.ParameterExp(p): o if isinstance(o, FNode) else em.ObjectExp(o)
               for p, o in zip(action.parameters, params)}
    substituter, evaluator = Substituter(problem.environment), StateEvaluator(problem)
    ground = [substituter.substitute(c, binding) for c in action.preconditions]
    # A parsed domain may state preconditions as one conjunction: name the conjuncts that fail.
    conjuncts = [part for c in ground for part in (c.args if c.is_and() else (c,))]
    return [c for c in conjuncts if not evaluator.evaluate(c, up_state).bool_constant_value()]


class Validator:
    """Checks plans for one scene; reuse it across plans to avoid rebuilding the domain."""

    def __init__(self, domain: Domain | None = None):
        self.domain = domain or Domain()

    def holds(self, scene: Scene, goals: list[Goal], state: WorldState | None = None) -> list[bool]:
        """Whether each goal holds already, in `state` (default: the scene as it stands)."""
        with UP_LOCK:
            problem = self.domain.build_problem(scene, state)
            evaluator = StateEvaluator(problem)
            now = UPState(problem.explicit_initial_values, problem)
            return [evaluator.evaluate(self.domain.goal_formula(g, problem), now).bool_constant_value() for g in goals]

    def type_error(self, problem: Problem, step: Step) -> str | None:
        spec = ACTIONS[step.action]
        kinds = {"item": self.domain.item, "fixture": self.domain.fixture, "thing": self.domain.thing}
        for (param, kind), arg in zip(spec.params, step.args):
            if not problem.has_object(arg):
                return f"there is no object {arg!r}"
            obj = problem.object(arg)
            if not kinds[kind].is_compatible(obj.type):
                what = {"item": "an item the robot can carry", "fixture": "a place the robot can go to",
                        "thing": "a thing"}[kind]
                return f"{arg} is a {obj.type.name}, not {what} ({step.action} needs one as its {param})"
        return None

    def validate(self, scene: Scene, steps: list[Step], goal: Goal | None = None,
                 state: WorldState | None = None) -> ValidationReport:
        with UP_LOCK:
            checker = StepChecker(self, scene, goal, state)
            try:
                verdicts: list[StepVerdict] = []
                broken = False
                for index, step in enumerate(steps):
                    if broken:
                        verdicts.append(StepVerdict(index, step, Verdict.UNCHECKED, "follows an invalid step"))
                        continue
                    reason = checker.check(step)
                    if reason is None:
                        checker.apply(step)
                        verdicts.append(StepVerdict(index, step, Verdict.VALID))
                    else:
                        verdicts.append(StepVerdict(index, step, Verdict.INVALID, reason))
                        broken = True
                goal_reached, unmet_goal = None, ""
                if goal is not None:
                    goal_reached = checker.goal_reached()
                    if not goal_reached:
                        unmet_goal = f"{goal} does not hold after the last step"
                final = checker.state()
            finally:
                checker.close()
        return ValidationReport(verdicts, goal_reached, unmet_goal, final)


class StepChecker:
    """Step-at-a-time validation: check a step against the current state, apply it, look at the goal.

    Planners that build a plan step by step use it to test candidates before they commit to one.
    Callers hold UP_LOCK while they use it (unified-planning is not thread-safe).
    """

    def __init__(self, validator: Validator, scene: Scene, goal: Goal | None = None,
                 state: WorldState | None = None):
        self.validator = validator
        self.domain = validator.domain
        self.problem = self.domain.build_problem(scene, state)
        if goal is not None:
            self.problem.add_goal(self.domain.goal_formula(goal, self.problem))
        self.has_goal = goal is not None
        self.sim = ups.SequentialSimulator(self.problem)
        self.current = self.sim.get_initial_state()
        self.checks = 0  # how many candidate steps were checked (a cost planners report)

    def _ground(self, step: Step):
        return self.problem.action(step.action), [self.problem.object(a) for a in step.args]

    def check(self, step: Step) -> str | None:
        """Why `step` cannot be done now, or None when it can."""
        self.checks += 1
        if step.action not in ACTIONS or len(step.args) != ACTIONS[step.action].arity:
            return f"{step.action!r} with {len(step.args)} argument(s) is not an action of the domain"
        reason = self.validator.type_error(self.problem, step)
        if reason is not None:
            return reason
        action, params = self._ground(step)
        try:
            unmet, _ = self.sim.get_unsatisfied_conditions(self.current, action, params)
        except UPInvalidActionError:  # the grounder dropped it: a static precondition fails
            unmet = True
        if not unmet:
            return None
        # The lifted preconditions keep their written form (the grounder simplifies safety rules away).
        unmet = unmet_preconditions(self.problem, action, params, self.current)
        world = read_state(self.problem, self.current, self.domain)
        return "; ".join(dict.fromkeys(describe(c, world, self.domain) for c in unmet))

    def apply(self, step: Step) -> None:
        """Advance the state by a step that `check` accepted."""
        self.current = self.sim.apply_unsafe(self.current, *self._ground(step))

    def goal_reached(self) -> bool:
        return self.has_goal and bool(self.sim.is_goal(self.current))

    def state(self) -> WorldState:
        return read_state(self.problem, self.current, self.domain)

    def close(self) -> None:
        self.sim.destroy()
