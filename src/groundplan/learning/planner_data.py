"""
Planner training data: TaPA-style (scene state, instruction, plan) triples and random walks.

Plans come from fast-downward (optimal) through unified-planning, so every target is valid and
shortest. Splits are held out by scene (seed ranges per split) and by phrasing (a family's last
phrasing and a set of unknown words appear only in val/test). People's requests come from the task
library and the needs table (`groundplan.language.library`); entries marked held out, and each
entry's last phrasing, are asked only in val/test. Each scene's examples are written
to a file of their own as soon as they are made, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from groundplan.errors import GroundplanError, InstructionError, PlanningError
from groundplan.language.instructions import render_instruction, templates_for
from groundplan.language.library import Requests, helpful_goals, load_requests
from groundplan.language.prompt import Clause, Refusal, clause_for, goal_line, goal_of, parse_goal_line
from groundplan.planning import classical
from groundplan.types.actions import Step
from groundplan.types.catalog import ROOM_TYPES, Catalog
from groundplan.types.examples import Example
from groundplan.types.goals import FAMILIES, PERSON, Goal, flag_family
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import UP_LOCK, Domain
from groundplan.world.generator import generate_scene
from groundplan.world.tasks import Task, feasible_tasks
from groundplan.world.validator import StepChecker, Validator

T = TypeVar("T")

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
# Scene seeds per split; disjoint from the shipped scenes (seeds 0-1) and the detector's (1000-3999).
SPLIT_SEEDS = {"train": 5000, "val": 6000, "test": 7000}
# Words for things the catalog does not know; the test split asks with words training never saw.
UNKNOWN_WORDS = {
    "train": ("banana", "guitar", "unicorn", "skateboard", "violin", "dragon", "hammer", "sandwich",
              "bicycle", "umbrella", "helmet", "pizza", "rocket", "saxophone", "wallet", "carrot",
              "piano", "tractor", "penguin", "scarf", "drone", "lantern", "anchor", "compass", "mango",
              "pineapple", "camera", "hat", "sock", "shoe", "ladder", "broom", "bucket", "parrot", "tiger",
              "elephant", "cookie", "cheese", "noodle", "blender", "toothbrush", "comb", "mirror", "puzzle"),
    "test": ("spaceship", "giraffe", "trumpet", "cactus", "suitcase", "donut", "kite", "glove", "zebra",
             "harp", "kayak", "walrus"),
}
UNKNOWN_WORDS["val"] = UNKNOWN_WORDS["test"]
CONNECTORS = (", then ", " and ", ". After that, ", ", and also ")
# What each example asks for, as the benchmark reports it.
REQUEST_CATEGORIES = ("household", "delivery", "devices", "liquids_food", "composite", "needs", "vague_impossible",
                      "refusal")


def request_category(family: str, states: tuple[str, ...] = ()) -> str:
    """The benchmark category of a single-family request."""
    if {"filled", "sliced"} & set(states):
        return "liquids_food"
    return FAMILIES[family].category


def held_out(texts: Sequence[T], split: str, last: int = 1) -> list[T]:
    """Phrasings a split may use: training never sees the `last` ones."""
    return list(texts[:len(texts) - last]) if split == "train" else list(texts)


def impossible_requests(requests: Requests, split: str) -> list[str]:
    """The impossible requests a split may use: training never sees the last three."""
    return held_out(requests.impossible, split, 3)


@dataclass
class DataConfig:
    scenes: dict[str, int] = None  # type: ignore[assignment]  # scenes per split
    tasks_per_scene: int = 10
    phrasings_per_task: int = 3
    two_step_per_scene: int = 1
    refusals_per_scene: int = 6
    library_per_scene: int = 3  # composite tasks of the task library
    needs_per_scene: int = 2  # implicit needs (or their refusal where nothing helps)
    vague_per_scene: int = 1  # vague requests and impossible ones
    switches_per_scene: int = 2  # open/close, on/off requests from a state set the other way
    rearranged_share: float = 0.0  # share of a task's further phrasings asked from a rearranged room
    midplan_share: float = 0.3  # share of tasks also asked from a state part-way along the plan
    walks_per_scene: int = 4
    walk_length: int = 12
    seed: int = 0
    workers: int = 2

    def __post_init__(self) -> None:
        self.scenes = self.scenes or {"train": 160, "val": 16, "test": 40}


def scene_jobs(config: DataConfig) -> list[tuple[str, str, int]]:
    """(split, room type, seed) of every scene, room types in turn."""
    return [(split, ROOM_TYPES[i % len(ROOM_TYPES)], SPLIT_SEEDS[split] + i)
            for split in SPLITS for i in range(config.scenes.get(split, 0))]


class ExampleMaker:
    """Makes one scene's examples; one per worker process (it owns a Domain)."""

    def __init__(self, config: DataConfig):
        self.config = config
        self.domain = Domain()
        self.validator = Validator(self.domain)
        self.catalog: Catalog = self.domain.catalog
        self.requests: Requests = load_requests()

    def example(self, split: str, scene: Scene, kind: str, instruction: str, answer: list[Clause] | Refusal,
                steps: list[Step], state: WorldState | None = None, category: str = "household", **extra) -> Example:
        state = state or WorldState.from_scene(scene, self.catalog)
        return Example(split=split, room=scene.room_type, seed=scene.seed, scene=scene.id, kind=kind,
                       category=category, instruction=instruction, state=state.to_dict(), goal=goal_line(answer),
                       plan=tuple(s.text for s in steps), **extra)

    def phrase(self, task: Task, split: str, rng: random.Random, scene: Scene, **kw):
        index = rng.choice(templates_for(task.family, split, task.states))
        return render_instruction(task.family, task.obj, task.target, rng, scene, index, self.catalog,
                                  states=task.states, **kw)

    def scene_examples(self, split: str, room: str, seed: int) -> list[Example]:
        cfg = self.config
        rng = random.Random(f"{cfg.seed}:{split}:{room}:{seed}")
        return self.examples_in(split, generate_scene(room, seed), rng)

    def examples_in(self, split: str, scene: Scene, rng: random.Random) -> list[Example]:
        """Every kind of example for one scene."""
        cfg = self.config
        tasks = self.sample_tasks(scene, rng)
        out: list[Example] = []
        solved: list[tuple[Task, list[Step]]] = []
        for task in tasks:
            try:
                steps = classical.solve(self.domain, scene, task.goal())
            except (PlanningError, InstructionError):
                continue
            solved.append((task, steps))
            answer = [clause_for(task.family, task.obj, task.target, task.states)]
            category = request_category(task.family, task.states)
            indices = templates_for(task.family, split, task.states)
            for i, index in enumerate(rng.sample(indices, min(cfg.phrasings_per_task, len(indices)))):
                state, plan = None, steps
                if i > 0 and cfg.rearranged_share > 0 and rng.random() < cfg.rearranged_share:
                    state = self.rearranged(scene, rng)
                    try:
                        if self.validator.validate(scene, [], task.goal(), state).goal_reached:
                            continue
                        plan = classical.solve(self.domain, scene, task.goal(), state)
                    except (PlanningError, InstructionError):
                        continue
                ins = render_instruction(task.family, task.obj, task.target, rng, scene, index, self.catalog,
                                         states=task.states)
                out.append(self.example(split, scene, "task", ins.text, answer, plan, state, category,
                                        family=task.family, template=ins.template_index, optimal=len(plan)))
            if len(steps) > 1 and rng.random() < cfg.midplan_share:
                out.append(self.midplan(split, scene, task, steps, answer, rng))
        out += self.two_step(split, scene, solved, rng)
        out += self.switches(split, scene, rng)
        out += self.refusals(split, scene, rng)
        out += self.library(split, scene, rng)
        out += self.needs(split, scene, rng)
        out += self.vague(split, scene, rng)
        if split == "train":
            out += self.walks(scene, rng)
        return out

    def rearranged(self, scene: Scene, rng: random.Random) -> WorldState:
        """The scene's state with items moved, and doors, switches and dirt set at random.

        Items go to other receptacles that hold them, so the model must read where things are rather
        than remember the room.
        """
        state = WorldState.from_scene(scene, self.catalog)
        cats = {o.id: self.catalog.get(o.category) for o in scene.objects}
        # fixtures only: an item moved onto a plate could end on itself, or in a cycle of bowls and plates
        receptacles = [o for o in cats if cats[o].has("receptacle") and not cats[o].is_item]
        for item in list(state.located):
            homes = [r for r in receptacles if cats[r].can_hold(cats[item])]
            if homes and rng.random() < 0.7:
                state.located[item] = rng.choice(homes)
        for obj, cat in cats.items():
            flags = set(state.flags.get(obj, frozenset()))
            for flag, affordance in (("open", "openable"), ("on", "toggleable"), ("clean", "cleanable")):
                if cat.has(affordance) and rng.random() < 0.5:
                    flags ^= {flag}
            state.flags[obj] = frozenset(flags)
        return state

    def sample_tasks(self, scene: Scene, rng: random.Random) -> list[Task]:
        """Up to `tasks_per_scene` tasks, spread over the families, none already done."""
        pools = {f: feasible_tasks(scene, f, self.catalog) for f in FAMILIES}
        for pool in pools.values():
            rng.shuffle(pool)
        chosen: list[Task] = []
        families = [f for f in FAMILIES if pools[f]]
        while families and len(chosen) < self.config.tasks_per_scene:
            for family in rng.sample(families, len(families)):
                if pools[family] and len(chosen) < self.config.tasks_per_scene:
                    task = pools[family].pop()
                    if not self.validator.validate(scene, [], task.goal()).goal_reached:
                        chosen.append(task)
            families = [f for f in families if pools[f]]
        return chosen

    def midplan(self, split, scene, task, steps, answer, rng) -> Example:
        """The same request asked part-way along its plan (what the executor's replanning asks)."""
        k = rng.randrange(1, len(steps))
        state = self.validator.validate(scene, steps[:k]).final_state
        ins = self.phrase(task, split, rng, scene)
        return self.example(split, scene, "midplan", ins.text, answer, steps[k:], state,
                            request_category(task.family, task.states), family=task.family,
                            template=ins.template_index, optimal=len(steps) - k)

    def two_step(self, split, scene, solved, rng) -> list[Example]:
        out = []
        for _ in range(self.config.two_step_per_scene):
            if len(solved) < 2:
                break
            (t1, _), (t2, _) = rng.sample(solved, 2)
            answer = [clause_for(t.family, t.obj, t.target, t.states) for t in (t1, t2)]
            try:
                steps = classical.solve(self.domain, scene, goal_of(answer, self.catalog))
            except (PlanningError, InstructionError):
                continue
            a, b = self.phrase(t1, split, rng, scene), self.phrase(t2, split, rng, scene)
            text = a.text.rstrip(".?!") + rng.choice(CONNECTORS) + b.text[0].lower() + b.text[1:]
            out.append(self.example(split, scene, "two_step", text, answer, steps, category="composite",
                                    family=f"{t1.family}+{t2.family}", template=-1, optimal=len(steps)))
        return out

    def switches(self, split: str, scene: Scene, rng: random.Random) -> list[Example]:
        """Requests to open, close or switch a device, asked from a state where it is the other way.

        Scenes alone mostly ask to switch on what starts off; here every device is asked both ways,
        so the model reads "off" in the request rather than guessing from the device.
        """
        switched = {spec.flag: spec.needs for spec in FAMILIES.values() if spec.flag}  # "open": "openable", ...
        devices = [o for o in scene.objects if set(switched.values()) & self.catalog.get(o.category).affordances]
        out = []
        for obj in rng.sample(devices, min(self.config.switches_per_scene, len(devices))):
            cat = self.catalog.get(obj.category)
            flag = rng.choice([f for f, a in switched.items() if cat.has(a)])
            want = rng.random() < 0.5
            family = flag_family(flag, want)
            state = WorldState.from_scene(scene, self.catalog)
            flags = set(state.flags.get(obj.id, frozenset()))
            flags = flags - {flag} if want else flags | {flag}
            state.flags[obj.id] = frozenset(flags)
            task = Task(family, obj.category, None)
            try:
                steps = classical.solve(self.domain, scene, task.goal(), state)
            except (PlanningError, InstructionError):
                continue
            ins = self.phrase(task, split, rng, scene)
            out.append(self.example(split, scene, "task", ins.text, [clause_for(family, obj.category, None)], steps,
                                    state, "devices", family=family, template=ins.template_index,
                                    optimal=len(steps)))
        return out

    def solve_line(self, scene: Scene, goal: str) -> list[Step] | None:
        """The optimal plan for a goal line, or None where it cannot be reached (or already holds)."""
        try:
            target = goal_of(parse_goal_line(goal, self.catalog), self.catalog)  # type: ignore[arg-type]
            if self.validator.validate(scene, [], target).goal_reached:
                return None
            return classical.solve(self.domain, scene, target)
        except (PlanningError, InstructionError):
            return None

    def library(self, split: str, scene: Scene, rng: random.Random) -> list[Example]:
        """Composite tasks of the library that the scene has the things for; held-out ones only in val/test."""
        entries = [(t, line) for t in self.requests.tasks.values() if scene.room_type in t.rooms
                   and (split != "train" or not t.held_out) and (line := t.in_room(scene, self.catalog))]
        out = []
        for entry, line in rng.sample(entries, len(entries)):
            if len(out) >= self.config.library_per_scene:
                break
            steps = self.solve_line(scene, line)
            if steps is None:
                continue
            text = rng.choice(held_out(entry.phrasings, split))
            out.append(self.example(split, scene, "library", text[0].upper() + text[1:], parse_goal_line(line),
                                    steps, category="composite", family=entry.name, template=-1,
                                    optimal=len(steps), held_out_entry=entry.held_out))
        return out

    def needs(self, split: str, scene: Scene, rng: random.Random) -> list[Example]:
        """Implicit needs: the first goal of the table that the scene can reach, or `refuse unmet`."""
        out = []
        needs = list(self.requests.needs.values())
        helped = [n for n in needs if helpful_goals(n, scene, self.catalog)]
        chosen = []
        for _ in range(self.config.needs_per_scene):  # mostly needs the room can meet; some it cannot
            pool = [n for n in (helped if helped and rng.random() < 0.75 else needs) if n not in chosen]
            if pool:
                chosen.append(rng.choice(pool))
        for need in chosen:
            text = rng.choice(held_out(need.phrasings, split))
            text = text[0].upper() + text[1:]
            for goal in helpful_goals(need, scene, self.catalog):
                steps = self.solve_line(scene, goal)
                if steps is not None:
                    out.append(self.example(split, scene, "need", text, parse_goal_line(goal), steps,
                                            category="needs", family=need.name, template=-1, optimal=len(steps)))
                    break
            else:
                out.append(self.example(split, scene, "refusal", text, Refusal("unmet", need.name), [],
                                        category="needs", family=need.name, template=-1, refusal="unmet"))
        return out

    def vague(self, split: str, scene: Scene, rng: random.Random) -> list[Example]:
        """Requests that do not say what to do (a question back) and ones no robot here can do."""
        out = []
        requests = self.requests
        for _ in range(self.config.vague_per_scene):
            if rng.random() < 0.6:
                request = rng.choice(held_out(requests.vague, split))
                absent = request.unless_absent
                answer = (Refusal("absent", absent.lower()) if absent and not scene.of_category(absent)
                          else Refusal("vague"))
                text, kind = request.text, answer.kind
            else:
                text = rng.choice(impossible_requests(requests, split))
                answer, kind = Refusal("unknown"), "unknown"
            out.append(self.example(split, scene, "refusal", text[0].upper() + text[1:], answer, [],
                                    category="vague_impossible", family="vague", template=-1, refusal=kind))
        return out

    def refusals(self, split: str, scene: Scene, rng: random.Random) -> list[Example]:
        """Requests that name something absent, unknown, or ask for what an object cannot do."""
        present = sorted(scene.categories())  # a set's order changes with the hash seed: data must not
        cats = {c: self.catalog.get(c) for c in present}
        receptacles = [c for c, cat in cats.items() if cat.has("receptacle") and c != PERSON]
        out = []
        items = [c for c in present if cats[c].is_item]
        if PERSON not in present and items:  # "bring me ...", with nobody here to hand it to
            obj = rng.choice(items)
            index = rng.choice(templates_for("deliver", split))
            ins = render_instruction("deliver", obj, None, rng, scene, index, self.catalog)
            out.append(self.example(split, scene, "refusal", ins.text, Refusal("absent", PERSON.lower()), [],
                                    category="refusal", family="deliver", template=index, refusal="absent"))
        for i in range(self.config.refusals_per_scene):
            kind = ("absent", "unknown", "impossible")[i % 3]
            family = rng.choice([f for f, s in FAMILIES.items() if s.places or s.delivers] if kind != "impossible"
                                else [f for f, s in FAMILIES.items() if s.needs])
            spec = FAMILIES[family]
            target = rng.choice(receptacles) if spec.places and receptacles else None
            if spec.cooks:  # "cook the book in the pan": a pan, pot or toaster the room has
                target = rng.choice([c for c in present if cats[c].has("cooker")] or [None])
            if spec.names_target and not spec.lights and target is None:
                continue
            need = spec.needs
            if kind == "absent":
                options = [c.name for c in self.catalog if c.name not in present and c.is_item
                           and (need is None or c.has(need))]
                obj, word = rng.choice(options), None
                refusal = Refusal("absent", obj.lower())
            elif kind == "unknown":
                obj = rng.choice([c for c in present if cats[c].is_item] or present)
                word = rng.choice(UNKNOWN_WORDS[split])
                refusal = Refusal("unknown")
            else:
                kind_ok = (lambda c: c.is_item) if spec.places or spec.cooks else (lambda c: not c.is_item)
                options = [c for c, cat in cats.items() if kind_ok(cat) and not cat.has(need)]
                if not options:
                    continue
                obj, word = rng.choice(options), None
                refusal = Refusal("impossible", obj.lower())
            index = rng.choice(templates_for(family, split))
            ins = render_instruction(family, obj, target, rng, scene if kind != "unknown" else None, index,
                                     self.catalog, obj_word=word)
            out.append(self.example(split, scene, "refusal", ins.text, refusal, [], category="refusal",
                                    family=family, template=index, refusal=kind))
        return out

    def walks(self, scene: Scene, rng: random.Random) -> list[Example]:
        """Random walks of valid steps: wide state coverage for pre-training (no instruction).

        Each step picks an action name at random, then tries that action's steps in random order
        until the validator accepts one, so rare actions are as likely as goto.
        """
        by_action: dict[str, list[Step]] = {}
        for step in self.domain.well_formed_steps(scene):
            by_action.setdefault(step.action, []).append(step)
        out = []
        for _ in range(self.config.walks_per_scene):
            steps: list[Step] = []
            with UP_LOCK:
                checker = StepChecker(self.validator, scene)
                at = held = None
                while len(steps) < self.config.walk_length:
                    step = self.valid_step(checker, by_action, at, held, rng)
                    if step is None:
                        break
                    checker.apply(step)
                    steps.append(step)
                    at = step.args[0] if step.action == "goto" else at
                    held = step.args[0] if step.action == "pickup" else None if step.action == "put" else held
                checker.close()
            state = WorldState.from_scene(scene, self.catalog)
            out.append(Example(split="train", room=scene.room_type, seed=scene.seed, scene=scene.id,
                               kind="walk", category="walk", state=state.to_dict(), plan=tuple(s.text for s in steps)))
        return out

    @staticmethod
    def valid_step(checker: StepChecker, by_action: dict[str, list[Step]], at: str | None, held: str | None,
                   rng: random.Random) -> Step | None:
        """A random step the checker accepts from here (`at`, holding `held`); None when there is none."""
        names = sorted(by_action)
        rng.shuffle(names)
        for name in names:
            # Skip, unchecked, what cannot be valid: every action but goto and slice needs the robot at
            # its fixture, and these need the hand empty or holding their item (slice: its tool).
            options = [s for s in by_action[name]
                       if (name in ("goto", "slice", "pour", "water") or s.args[-1] == at)
                       and (held is None if name == "pickup" else
                            s.args[-1] == held if name in ("slice", "water") else
                            s.args[0] == held if name in ("put", "clean", "heat", "cool", "fill", "pour") else True)]
            for step in rng.sample(options, len(options)):
                if checker.check(step) is None:
                    return step
        return None


_worker: ExampleMaker | None = None


def _init(config: DataConfig) -> None:
    global _worker
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _worker = ExampleMaker(config)


def _make(job: tuple[str, str, int, str]) -> str:
    split, room, seed, path = job
    assert _worker is not None
    examples = _worker.scene_examples(split, room, seed)
    tmp = Path(path + ".tmp")
    tmp.write_text("".join(json.dumps(e.to_dict()) + "\n" for e in examples))
    tmp.replace(path)  # atomic: a scene file is either complete or absent
    return path


def generate(out: Path, config: DataConfig | None = None) -> dict:
    """Write `out/{train,val,test}.jsonl` and `out/manifest.json`; resumes from `out/scenes/`."""
    config = config or DataConfig()
    parts = out / "scenes"
    parts.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    settings = asdict(config) | {"workers": None}
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text()).get("config")
        if old is not None:  # settings added since then read as their defaults
            old = asdict(DataConfig()) | {"workers": None} | old
        if old is not None and old != settings:
            raise GroundplanError(f"{out} holds data made with other settings; choose another folder or delete it")
    manifest_path.write_text(json.dumps({"config": settings, "complete": False}, indent=1))
    jobs = [(s, r, seed, str(parts / f"{s}_{r}_{seed}.jsonl")) for s, r, seed in scene_jobs(config)]
    todo = [j for j in jobs if not Path(j[3]).exists()]
    if todo:
        log.info("%d of %d scenes to make (%d done before)", len(todo), len(jobs), len(jobs) - len(todo))
        with Pool(max(1, config.workers), initializer=_init, initargs=(config,)) as pool:
            for _ in tqdm(pool.imap_unordered(_make, todo), total=len(todo), desc="scenes", unit="scene"):
                pass
    counts: dict[str, Counter] = {}
    for split in SPLITS:
        lines = [line for s, _, _, p in jobs if s == split for line in Path(p).read_text().splitlines()]
        (out / f"{split}.jsonl").write_text("".join(line + "\n" for line in lines))
        counts[split] = Counter(Example.from_dict(json.loads(line)).kind for line in lines)
    manifest = {"config": settings, "complete": True, "counts": {s: dict(c) for s, c in counts.items()},
                "scenes": {s: [f"{r}_{seed}" for sp, r, seed, _ in jobs if sp == s] for s in SPLITS},
                "held_out": {"phrasing": "each family's last phrasing (val/test only)",
                             "unknown_words": UNKNOWN_WORDS["test"]}}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def load_examples(path: Path) -> list[Example]:
    if not path.exists():
        raise GroundplanError(f"no planner data at {path}; make it with 'groundplan planner data'")
    return [Example.from_dict(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def example_scene(example: Example) -> Scene:
    """The generated scene an example was made in (the generator is deterministic per seed)."""
    return generate_scene(example.room, example.seed)


def accepted_goals(example: Example, scene: Scene, validator: Validator) -> list[Goal]:
    """The goals a plan for the example may reach to succeed: its reference goal, first.

    An implicit need is met by any goal the needs table lists as helping with it in this room
    (a desk lamp as well as a floor lamp when it is dark), except one that already holds.
    """
    reference = goal_of(parse_goal_line(example.goal))  # type: ignore[arg-type]
    need = load_requests().needs.get(example.family) if example.kind == "need" else None
    if need is None:
        return [reference]
    state = WorldState.from_dict(example.state)
    others = [goal_of(parse_goal_line(line)) for line in helpful_goals(need, scene) if line != example.goal]
    return [reference] + [g for g, held in zip(others, validator.holds(scene, others, state)) if not held]
