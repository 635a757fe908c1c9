"""
Language-model planner strategies.

- `llm`: the raw model: greedy, unconstrained text, read back as a goal and a plan.
- `llm-grounded`: the goal line and every step are decoded under constraints (only the scene's
  categories and objects, only well-formed steps). Each proposed step is checked against the PDDL
  model before it is taken; an invalid one is excluded and the model's next best is tried. The
  plan ends when the stated goal holds. When no valid step is left, or the plan runs too long, the
  classical planner plans to the model's goal (LLM+P-style repair).
- `llm+p`: the model states the goal (constrained), fast-downward plans.

All three refuse, with a reason, when the model answers with a refusal.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch

from groundplan.errors import ClarificationNeeded, GroundplanError, InstructionError, PlanningError, PlanParseError
from groundplan.language.library import load_requests
from groundplan.language.meaning import clause_words
from groundplan.language.plan_text import parse_step
from groundplan.language.prompt import (
    CLAUSE_SEPARATOR,
    END,
    PLAN_HEADER,
    Clause,
    Refusal,
    clause_for,
    goal_of,
    goal_segments,
    parse_goal_line,
    render_prompt,
)
from groundplan.language.reading import (
    ReadingSpace,
    asks_to_check,
    check_reading,
    clean_instruction,
    contradicts,
    unnamed_parts,
)
from groundplan.planning import classical
from groundplan.planning.decoding import Choice, Trie, choose
from groundplan.planning.lm import PlannerLM, Session
from groundplan.planning.probes import PROBE_FILE, VALUE_FILE, LinearProbe, last_hidden
from groundplan.planning.reader import (
    Answer,
    Reader,
    Reading,
    answer_text,
    load_exemplars,
    load_reader,
    load_reading_encoder,
)
from groundplan.planning.strategy import PlannerStrategy, Proposal
from groundplan.types.actions import Step
from groundplan.types.goals import FAMILIES, PERSON, Goal, afforded_state_sets
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import UP_LOCK, Domain
from groundplan.world.validator import StepChecker

log = logging.getLogger(__name__)


@dataclass
class LLMConfig:
    max_steps: int = 30  # a plan longer than this is handed to the classical planner
    max_candidates: int = 8  # candidates tried at one step before repair
    per_action: int = 3  # rejections of one action at a step before the next best action is tried
    max_clauses: int = 3
    max_tokens: int = 400  # raw decoding
    use_probe: bool = True  # score candidates with the validity probe shipped beside the model, if any
    repair: bool = True  # hand a stuck plan to fast-downward (off: return what the model managed)
    temperature: float = 0.0  # 0: greedy; above: sample (RMFT draws several plans per task)
    seed: int = 0
    search: str = "greedy"  # greedy; value: the value model picks among `width` valid steps; beam
    width: int = 3
    check_reading: bool = True  # refuse a request naming what the scene lacks, or with no known word (not `llm`)
    within_reading: bool = True  # decode only goal lines the request can mean (language.reading.ReadingSpace)
    # Who reads the request: "pretrained" (planning.reader: SmolLM2 + LoRA, choosing among whole
    # readings) or "own" (the planner model decodes the goal line token by token: the baseline).
    reader: str = "pretrained"
    reader_adapter: str = ""  # the reader's LoRA adapter (default: the shipped one)
    reader_dtype: str = "auto"  # bfloat16 where the CPU has it natively, else float32 (planning.reader.reading_dtype)
    calibration: float = 0.0  # weight of the reader's prior of an option, subtracted (planning.reader.Reader.read)
    holds_penalty: float = 2.0  # taken off per clause that holds already: people seldom ask for what is so
    ask_margin: float = 1.0  # readings that set one thing opposite ways closer than this (nats): ask back
    encoder_weight: float = 0.0  # weight of the sentence encoder's request-reading cosine, added to the reader's score
    # a library or needs-table entry whose own phrasings the request is near: its goal lines gain this
    # much per unit of cosine above the floor (planning.reader.Exemplars)
    # (chosen on the hand-written development set's needs: 0.472 without, 0.694 / 0.750 / 0.778 at 10 / 20 / 40)
    exemplar_weight: float = 40.0
    exemplar_floor: float = 0.5
    # a need's goal loses this much per place after its first in the table's order of preference, where the
    # request is near the need: "I'm thirsty" brings water before wine
    need_order: float = 1.0
    clause_bonus: float = 0.0  # added per clause after the first (planning.reader.Reader.read); 2 did not help
    plural_weight: float = 3.0  # taken off a reading that acts on one of a thing said in the plural ("the eggs")
    # taken off a reading that acts on a thing said in a state ("a cup of tea") without bringing it about
    state_weight: float = 3.0
    # taken off a refusal other than a question back: the reader's stock refusals are likely whatever is asked
    # (chosen with reader stage 5 on the development set: 258, 260 and 259 right of 274 at 0, 1 and 2)
    refusal_penalty: float = 1.0


@cache
def load_planner(path: str = "") -> PlannerLM:
    """The planner model at `path` (default: the shipped one), loaded once per process."""
    return PlannerLM.load(path or None)


@dataclass
class _SceneOptions:
    clauses: list[Clause]  # every goal clause the scene affords
    refusals: list[Refusal]
    steps: Trie  # every well-formed step
    goal_tries: OrderedDict[tuple[str, ...], Trie]  # goal-line tries by their candidates


def goal_options(scene: Scene, domain: Domain) -> tuple[list[Clause], list[Refusal]]:
    """Every goal clause the scene affords, and every refusal that could be said about it."""
    catalog = domain.catalog
    present = {c: len(scene.of_category(c)) for c in scene.categories()}
    cats = {c: catalog.get(c) for c in present}
    items = sorted(c for c in present if cats[c].is_item)
    fixtures = sorted(c for c in present if not cats[c].is_item)
    clauses = []

    lights = [f for f in fixtures if cats[f].has("light_source")]
    for family, spec in FAMILIES.items():
        if spec.flag or spec.fixture_object:  # a fixture to set, or to wipe clean
            clauses += [clause_for(family, f, None) for f in fixtures if cats[f].has(spec.needs)]
            continue
        if spec.delivers and PERSON not in present:
            continue
        for obj in items:
            if (spec.needs and not cats[obj].has(spec.needs)) or (spec.two_objects and present[obj] < 2):
                continue
            if spec.places:
                targets: list[str | None] = [f for f in (*fixtures, *items) if cats[f].can_hold(cats[obj])
                                             and f not in (PERSON, obj)]
            elif spec.cooks:
                targets = [c for c in sorted(present) if cats[c].has("cooker") and cats[c].can_hold(cats[obj])]
            else:
                targets = lights if spec.lights else [None]
            clauses += [clause_for(family, obj, t, states) for t in targets
                        for states in afforded_state_sets(family, cats[obj])]
    refusals = [Refusal("unknown"), Refusal("vague")]
    refusals += [Refusal("absent", c.name.lower()) for c in catalog if c.name not in present]
    refusals += [Refusal("impossible", c.lower()) for c in sorted(present)]
    refusals += [Refusal("unmet", need) for need in sorted(load_requests().needs)]
    return clauses, refusals


class _LMStrategy(PlannerStrategy):
    """Shared by the model-based strategies: the model, the prompt, the goal line."""

    def __init__(self, domain: Domain | None = None, model: PlannerLM | str | Path | None = None,
                 config: LLMConfig | None = None):
        super().__init__(domain)
        self.lm = model if isinstance(model, PlannerLM) else load_planner(str(model or ""))
        self.config = config or LLMConfig()
        probe_file = self.lm.root / PROBE_FILE if self.lm.root else None
        self.probe = (LinearProbe.load(probe_file) if self.config.use_probe and probe_file and probe_file.is_file()
                      else None)
        self.value = None
        if self.config.search == "value":
            value_file = self.lm.root / VALUE_FILE if self.lm.root else None
            if value_file is None or not value_file.is_file():
                raise GroundplanError(f"value-guided search needs {VALUE_FILE} beside the model "
                                      "('groundplan planner value' trains it)")
            self.value = LinearProbe.load(value_file)
        if self.config.search not in ("greedy", "value", "beam"):
            raise GroundplanError(f"unknown search {self.config.search!r}; use greedy, value or beam")
        if self.config.reader not in ("pretrained", "own"):
            raise GroundplanError(f"unknown reader {self.config.reader!r}; use pretrained or own")
        self._reader: Reader | None = None
        self.last_reading: Reading | None = None  # the reader's last choice, with its runners-up
        self._options: OrderedDict[tuple, _SceneOptions] = OrderedDict()
        self.generator = torch.Generator().manual_seed(self.config.seed)

    @property
    def reader(self) -> Reader | None:
        """The pretrained reader, loaded at the first request it reads (replanning to a known goal needs none)."""
        if self._reader is None and self.config.reader == "pretrained":
            self._reader = load_reader(self.config.reader_adapter, dtype=self.config.reader_dtype)
        return self._reader

    def choose(self, session: Session, trie: Trie, exclude=(), blocked: frozenset = frozenset()):
        """The model's pick: greedy, or sampled at the configured temperature."""
        if self.config.temperature <= 0:
            return choose(session, trie, exclude, blocked_prefixes=blocked)
        return choose(session, trie, exclude, greedy=False, generator=self.generator,
                      temperature=self.config.temperature, blocked_prefixes=blocked)

    def options(self, scene: Scene) -> _SceneOptions:
        key = tuple(sorted((o.id, o.category) for o in scene.objects))
        if key not in self._options:
            clauses, refusals = goal_options(scene, self.domain)
            steps = Trie(self.lm, [(s.text + "\n", s) for s in self.domain.well_formed_steps(scene)])
            self._options[key] = _SceneOptions(clauses, refusals, steps, OrderedDict())
            if len(self._options) > 16:
                self._options.popitem(last=False)
        return self._options[key]

    def goal_trie(self, scene: Scene, space: ReadingSpace, chosen: list[Clause]) -> Trie:
        """The goal line's next clause (or, first, a refusal).

        Each comes with what follows it: " ;" (another clause) or a newline.
        """
        options = self.options(scene)
        # The separator is part of each candidate: a clause may be a token prefix of another
        # ("desk" and "desklamp"), never once its ending is spelt out.
        sep = CLAUSE_SEPARATOR.rstrip()
        entries = []
        for clause, end, more in space.options(chosen, scene, options.clauses, self.config.max_clauses):
            entries += [(f" {clause.text}{sep}", (clause, True))] if more else []
            entries += [(f" {clause.text}\n", (clause, False))] if end else []
        if not chosen:
            entries += [(f" {r.text}\n", (r, False)) for r in options.refusals if space.allows(r)]
        key = tuple(text for text, _ in entries)
        if key not in options.goal_tries:
            options.goal_tries[key] = Trie(self.lm, entries)
            if len(options.goal_tries) > 64:
                options.goal_tries.popitem(last=False)
        return options.goal_tries[key]

    def replan(self, scene, instruction, goal, state):
        """The model plans again from the observed state, towards the goal it understood the first time."""
        return self._validated(scene, instruction, goal, state, lambda: self.propose(scene, instruction, goal, state))

    def session(self, scene: Scene, instruction: str, state: WorldState | None) -> Session:
        return self.lm.session(render_prompt(scene, instruction, state, self.domain.catalog),
                               hidden=self.probe is not None or self.value is not None)

    def decode_goal(self, session: Session, scene: Scene, instruction: str,
                    state: WorldState | None = None) -> list[Clause] | Refusal:
        """The goal line, within the scene's categories and what the request can mean there.

        With the pretrained reader, the best whole reading; otherwise the planner model's own,
        token by token. Pushes the goal line and the newline after it.
        """
        space = (ReadingSpace.of(instruction, scene, self.validator, state) if self.config.within_reading
                 else ReadingSpace.anything(self.domain.catalog))
        if self.reader is not None:
            answer = self.read_whole(scene, instruction, space, state)
            session.push(self.lm.encode_segments(goal_segments(answer)))
            return answer
        # never empty: a request can always be asked back about (`refuse vague`)
        answer, more = self.choose(session, self.goal_trie(scene, space, [])).value
        if isinstance(answer, Refusal):
            return answer
        clauses = [answer]
        while more:  # a clause may follow only where one can (ReadingSpace.options)
            clause, more = self.choose(session, self.goal_trie(scene, space, clauses)).value
            clauses.append(clause)
        return clauses

    def read_whole(self, scene: Scene, instruction: str, space: ReadingSpace,
                   state: WorldState | None = None) -> list[Clause] | Refusal:
        """The pretrained reader's best whole reading among those the space allows."""
        options = self.options(scene)
        exemplars = close = None
        if self.config.exemplar_weight:
            exemplars = load_exemplars(self.config.exemplar_weight, self.config.exemplar_floor, self.config.need_order)
            close = exemplars.closeness(instruction)
            # a need said clearly gives its way where the words give none ("I'm overheating": heaters off)
            space = dataclasses.replace(space, asked=exemplars.directions(close) | space.asked)
            if space.named:
                space = dataclasses.replace(space, outcomes=exemplars.outcomes(
                    unnamed_parts(instruction, scene, self.domain.catalog), space.lines))
        first: list = space.options([], scene, options.clauses, self.config.max_clauses)
        first += [(r, True, False) for r in options.refusals if space.allows(r)
                  and (not r.names_category or r.category in space.mentioned)]
        terms: list[Callable[[Answer], float]] = []
        held: set[Clause] = set()
        ceilings: list[Callable[[tuple[Clause, ...]], float]] = []  # the most terms add to a line a partial grows into
        if self.config.holds_penalty and not asks_to_check(instruction):  # what is made sure of may hold
            clauses = [c for c, _, _ in first if isinstance(c, Clause)]
            goals = [goal_of([c], self.domain.catalog) for c in clauses]
            held = {c for c, h in zip(clauses, self.validator.holds(scene, goals, state)) if h}

            def holds(answer: Answer) -> float:  # per clause: "heater off and the lights too" means the ones on
                held_clauses = 0 if isinstance(answer, Refusal) else sum(c in held for c in answer)
                return -self.config.holds_penalty * held_clauses
            terms.append(holds)
        if self.config.refusal_penalty:
            terms.append(lambda answer: -self.config.refusal_penalty
                         if isinstance(answer, Refusal) and answer.kind != "vague" else 0.0)
        if self.config.encoder_weight:
            encoder = load_reading_encoder()
            encoder.similarity(instruction, [answer_text(o if isinstance(o, Refusal) else (o,)) for o, _, _ in first])
            terms.append(lambda answer: self.config.encoder_weight * encoder.similarity(
                instruction, [answer_text(answer)])[0])
            ceilings.append(lambda line: self.config.encoder_weight)  # a cosine is at most 1
        if self.config.plural_weight and space.plural:
            terms.append(lambda answer: -self.config.plural_weight if not isinstance(answer, Refusal)
                         and space.leaves_plural_single(answer) else 0.0)
        if self.config.state_weight and space.states:
            terms.append(lambda answer: -self.config.state_weight if not isinstance(answer, Refusal)
                         and space.leaves_state_unsaid(answer) else 0.0)
        if exemplars is not None and close is not None:
            terms.append(exemplars.bonus(close, space.related if space.named else frozenset()))
            ceilings.append(exemplars.ceiling(close))
        adjust = (lambda answer: sum(term(answer) for term in terms)) if terms else None
        reading = self.reader.read(
            instruction, first, lambda line: space.options(list(line), scene, options.clauses, self.config.max_clauses),
            calibration=self.config.calibration, adjust=adjust,
            ceiling=lambda line: sum(most(line) for most in ceilings), clause_bonus=self.config.clause_bonus,
            max_clauses=self.config.max_clauses)
        self.last_reading = reading
        self._ask_if_torn(reading, held)
        return reading.answer if isinstance(reading.answer, Refusal) else space.in_number(reading.answer)

    def _ask_if_torn(self, reading: Reading, held: Collection[Clause] = frozenset()) -> None:
        """Ask back where the two best readings are close and set one thing opposite ways.

        A guess there could do the very opposite of what was meant ("did I leave the drawer open? shut it").
        Not where the other reading asks only for what is so already (`held`): "there's nothing on telly and
        I'm going stir crazy" with the television off asks it on, not whether to switch it off.
        """
        if not reading.runners_up or isinstance(reading.answer, Refusal):
            return
        second, score = reading.runners_up[0]
        if isinstance(second, Refusal) or reading.score - score >= self.config.ask_margin:
            return
        if all(c in held for c in second) and not all(c in held for c in reading.answer):
            return
        for a in reading.answer:
            for b in second:
                if a.obj == b.obj and contradicts(a, [b]):
                    raise ClarificationNeeded(f"did you mean: {clause_words(a)}, or {clause_words(b)}?")

    def read(self, scene, instruction, state=None):
        instruction = clean_instruction(instruction, self.domain.catalog)
        return self.understand(self.session(scene, instruction, state), scene, None, instruction, state)

    def understand(self, session: Session, scene: Scene, goal: Goal | None, instruction: str = "",
                   state: WorldState | None = None) -> Goal:
        """The goal to plan for: the caller's (pushed into the prompt as text) or the model's."""
        if goal is not None:
            session.push(self.lm.encode_segments(goal_segments(stated_clauses(goal, scene))))
            return goal
        catalog = self.domain.catalog
        if self.config.check_reading:  # no reading can be right; its reason is better than the model's refusal
            check_reading(instruction, scene, catalog, weigh_absent=self.reader is not None)
        answer = self.decode_goal(session, scene, instruction, state)
        if isinstance(answer, Refusal):
            raise answer.error(scene, catalog)
        goal = goal_of(answer, catalog)
        goal.check_scene(scene)
        return goal


def stated_clauses(goal: Goal, scene: Scene) -> list[Clause]:
    """A goal as the model would state it (category level), to continue from when replanning."""
    if goal.description:
        answer = parse_goal_line(goal.description)
        if isinstance(answer, list):
            return answer
    if goal.family not in FAMILIES:
        raise GroundplanError(f"the goal {goal} cannot be put as a goal line for the model")

    def category(name: str | None) -> str | None:
        return scene.get(name).category if name and name in scene else name

    return [clause_for(goal.family, category(goal.slots["object"]), category(goal.slots.get("target")))]


class RawLLMStrategy(_LMStrategy):
    """The model's own text, unconstrained; shows what grounding adds."""

    name = "llm"

    def propose(self, scene, instruction, goal, state):
        session = self.session(scene, instruction, state)
        if goal is not None:
            self.understand(session, scene, goal)
        else:
            goal = self._free_goal(session, scene)
        text = session.generate(self.config.max_tokens, END + "\n")
        lines = text.split("\n")
        if lines and lines[0].strip() == PLAN_HEADER:
            lines = lines[1:]
        steps = []
        for number, line in enumerate(lines, start=1):
            if line.strip() == END:
                break
            if not line.strip():
                continue
            try:
                steps.append(parse_step(line, None, number))
            except PlanParseError as exc:
                raise PlanningError(f"the model's plan is unreadable: {exc}") from None
        return Proposal(steps, goal)

    def read(self, scene, instruction, state=None):
        instruction = clean_instruction(instruction, self.domain.catalog)
        return self._free_goal(self.session(scene, instruction, state), scene)

    def _free_goal(self, session: Session, scene: Scene) -> Goal:
        """The goal line as the model writes it, unconstrained; pushes the newline after it."""
        line = session.generate(self.config.max_tokens, "\n").partition("\n")[0]
        try:
            answer = parse_goal_line(line.strip())
        except InstructionError as exc:
            raise PlanningError(f"the model's goal line is unreadable: {exc}") from None
        if isinstance(answer, Refusal):
            raise answer.error(scene, self.domain.catalog)
        return goal_of(answer, self.domain.catalog)


@dataclass
class _Candidate:
    step: Step
    tokens: tuple[int, ...]
    logprob: float
    probe: float | None
    value: float | None = None


@dataclass
class _Beam:
    session: Session
    state: object  # the UP state after `steps`
    steps: list[Step]
    logprob: float
    probes: list[float | None]


class GroundedLLMStrategy(_LMStrategy):
    name = "llm-grounded"

    def propose(self, scene, instruction, goal, state):
        start = time.perf_counter()
        session = self.session(scene, instruction, state)
        goal = self.understand(session, scene, goal, instruction, state)
        reading_time = time.perf_counter() - start
        session.push(self.lm.encode(PLAN_HEADER + "\n"))
        trie = self.options(scene).steps
        with UP_LOCK:
            checker = StepChecker(self.validator, scene, goal, state)
            try:
                if self.config.search == "beam":
                    steps, notes, scores, stuck = self._beam_search(session, trie, checker)
                else:
                    steps, notes, scores, stuck = self._step_by_step(session, trie, checker)
                if stuck and len(steps) >= self.config.max_steps:
                    steps, notes, scores = [], {}, {}  # it wandered: plan the whole task again
                    checker = self._restart(checker, scene, goal, state)
                repaired: frozenset[int] = frozenset()
                if stuck and self.config.repair:
                    rest = classical.solve(self.domain, scene, goal, checker.state())
                    repaired = frozenset(range(len(steps), len(steps) + len(rest)))
                    if rest:
                        notes[len(steps)] = f"repaired by fast-downward to the model's goal: {stuck}"
                    steps = steps + rest
                checks = checker.checks
            finally:
                checker.close()
        return Proposal(steps, goal, repaired, notes, scores, checks, reading_time)

    def _step_by_step(self, session: Session, trie: Trie, checker: StepChecker):
        """Greedy (or sampled) steps; with `search="value"` the value model picks among `width` valid ones."""
        steps: list[Step] = []
        notes: dict[int, str] = {}
        scores: dict[int, float] = {}
        width = self.config.width if self.config.search == "value" else 1
        while not checker.goal_reached():
            if len(steps) >= self.config.max_steps:
                return steps, notes, scores, f"the model's plan reached {len(steps)} steps without reaching the goal"
            found, rejected = self._valid_candidates(session, trie, checker, width)
            if not found:
                tried = "; ".join(f"'{s.text}' ({why})" for s, why in rejected[:3])
                why = f"no valid step among the model's candidates at step {len(steps) + 1}: {tried}"
                return steps, notes, scores, why
            best = found[0]
            if width > 1:
                best = max(found, key=lambda c: c.value)
                session.push(best.tokens)
                if best is not found[0]:
                    rejected = rejected + [(c.step, f"value {c.value:.2f} < {best.value:.2f}") for c in found
                                           if c is not best]
            if rejected:
                notes[len(steps)] = "model's pick after rejecting " + "; ".join(
                    f"'{s.text}' ({why})" for s, why in rejected[:3])
            if best.probe is not None:
                scores[len(steps)] = best.probe
            checker.apply(best.step)
            steps.append(best.step)
        return steps, notes, scores, ""

    def _beam_search(self, session: Session, trie: Trie, checker: StepChecker):
        """Beam search over plans by summed log-probability: `width` plans, each grown by `width` valid steps."""
        width = self.config.width
        beams = [_Beam(session, checker.current, [], 0.0, [])]
        for _ in range(self.config.max_steps):
            done = []
            for beam in beams:
                checker.current = beam.state
                if checker.goal_reached():
                    done.append(beam)
            if done:
                best = max(done, key=lambda b: b.logprob)
                checker.current = best.state
                scores = {i: p for i, p in enumerate(best.probes) if p is not None}
                return best.steps, {}, scores, ""
            grown = []
            for beam in beams:
                checker.current = beam.state
                found, _ = self._valid_candidates(beam.session, trie, checker, width)
                grown += [(beam.logprob + c.logprob, beam, c) for c in found]
            if not grown:
                checker.current = beams[0].state
                return beams[0].steps, {}, {}, f"no valid step for any of the {len(beams)} plans in the beam"
            grown.sort(key=lambda g: -g[0])
            beams = []
            for logprob, beam, cand in grown[:width]:
                fork = beam.session.fork()
                fork.push(cand.tokens)
                checker.current = beam.state
                checker.apply(cand.step)
                beams.append(_Beam(fork, checker.current, beam.steps + [cand.step], logprob,
                                   beam.probes + [cand.probe]))
        checker.current = beams[0].state
        return beams[0].steps, {}, {}, f"no plan in the beam reached the goal in {self.config.max_steps} steps"

    def _restart(self, checker: StepChecker, scene, goal, state) -> StepChecker:
        checks = checker.checks
        checker.close()
        fresh = StepChecker(self.validator, scene, goal, state)
        fresh.checks = checks
        return fresh

    def _valid_candidates(self, session: Session, trie: Trie, checker: StepChecker,
                          width: int) -> tuple[list[_Candidate], list[tuple[Step, str]]]:
        """Up to `width` of the model's best steps that the PDDL model accepts, best first, probe-trusted first.

        Also the candidates rejected on the way. A candidate the probe doubts is put off, not dropped:
        the model's next best are tried first, and only where they run out is a doubted one checked by
        the PDDL model (and taken if valid). Nothing unchecked is ever taken, and no valid step is lost
        to the probe. With `width` 1 the session keeps the accepted step's tokens (its forward pass
        serves the next step); otherwise the session is left as it was.
        """
        mark = session.mark()
        rejected: list[tuple[Step, str]] = []
        found: list[_Candidate] = []
        # Backtracking only the last token would try every argument of one action before another action:
        # after `per_action` rejections of an action, its whole subtree is out.
        by_action: dict[int, int] = {}
        doubted: list[tuple[Choice, float]] = []
        while len(rejected) + len(doubted) < self.config.max_candidates and len(found) < width:
            blocked = frozenset((t,) for t, n in by_action.items() if n >= self.config.per_action)
            tried = [s for s, _ in rejected] + [c.step for c in found] + [c.value for c, _ in doubted]
            choice = self.choose(session, trie, tried, blocked)
            if choice is None:
                break
            score = None
            if self.probe is not None:
                score = self.probe.score(last_hidden(session, self.probe.layer))
                if score < self.probe.threshold:
                    doubted.append((choice, score))
                    session.reset(mark)
                    continue
            why = checker.check(choice.value)
            if why is not None:
                rejected.append((choice.value, why))
                by_action[choice.tokens[0]] = by_action.get(choice.tokens[0], 0) + 1
                session.reset(mark)
                continue
            self._take(session, mark, choice, score, width, found)
        for choice, score in doubted:  # the probe's doubts, checked before they are given up
            if len(found) >= width:
                break
            why = checker.check(choice.value)
            if why is not None:
                rejected.append((choice.value, f"validity probe {score:.2f}, and {why}"))
                continue
            session.reset(mark)
            session.push(choice.tokens)
            session.logits()  # the hidden state after the step, for the value model
            self._take(session, mark, choice, score, width, found)
        return found, rejected

    def _take(self, session: Session, mark, choice: Choice, score: float | None, width: int,
              found: list[_Candidate]) -> None:
        cand = _Candidate(choice.value, choice.tokens, choice.logprob, score)
        if self.value is not None and width > 1:
            cand.value = self.value.score(last_hidden(session, self.value.layer))
        found.append(cand)
        if width > 1:
            session.reset(mark)


class LLMPlusPStrategy(_LMStrategy):
    """LLM+P: the model translates the request into a goal, fast-downward plans."""

    name = "llm+p"

    def propose(self, scene, instruction, goal, state):
        start = time.perf_counter()
        goal = self.understand(self.session(scene, instruction, state), scene, goal, instruction, state)
        reading_time = time.perf_counter() - start
        return Proposal(classical.solve(self.domain, scene, goal, state), goal, reading_time=reading_time)


MODEL_STRATEGY_CLASSES: dict[str, type[_LMStrategy]] = {
    c.name: c for c in (RawLLMStrategy, GroundedLLMStrategy, LLMPlusPStrategy)}
