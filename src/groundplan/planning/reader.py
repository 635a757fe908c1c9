"""
The reader: a pretrained causal language model, LoRA-tuned, chooses what a request means.

It never writes a goal. It scores whole options that the room affords and the request can mean
(language.reading.ReadingSpace), each said in words (language.meaning), by their summed token
log-likelihood after a compact prompt that holds only the request, and takes the best. Lines of
several clauses are found by a beam over clauses. Options are scored in one pass on the prompt's
KV cache, as a tree of their tokens: what options share is run once. Close runners-up are reported,
so a caller can ask back instead of guessing.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from groundplan.errors import GroundplanError
from groundplan.language.library import load_requests
from groundplan.language.meaning import END, MORE, option_pieces, reader_prompt
from groundplan.language.prompt import Clause, Refusal, parse_goal_line
from groundplan.language.reading import need_ways
from groundplan.planning.pretrained import SMOLLM2, pretrained_checkpoint
from groundplan.resources import models_dir

log = logging.getLogger(__name__)

Answer = tuple[Clause, ...] | Refusal


def default_reader_dir() -> Path:
    return models_dir() / "reader"


def set_threads() -> int:
    """The intra-op threads of torch, set on purpose: $GROUNDPLAN_THREADS, else 1.

    Measured on 2 cores: with one other busy process, 2 threads ran a small model 7x slower than 1.
    """
    threads = int(os.environ.get("GROUNDPLAN_THREADS", "1"))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def reading_dtype(name: str = "auto") -> torch.dtype:
    """The dtype the reader scores in: "auto" is bfloat16 where the CPU computes it natively, else float32.

    Measured on 2 cores with AVX512-BF16 (31 development requests): bfloat16 read 1.85x faster and chose
    the same reading for all 31. int8 dynamic quantisation read 2.6x faster but changed 4 of them.
    """
    if name == "auto":
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            flags = ""
        return torch.bfloat16 if " avx512_bf16" in flags or " amx_bf16" in flags else torch.float32
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}
    if name not in dtypes:
        raise GroundplanError(f"reader dtype {name!r}: choose auto, {' or '.join(dtypes)}")
    return dtypes[name]


@dataclass
class Reading:
    answer: Answer
    score: float  # summed log-likelihood of its words
    runners_up: list[tuple[Answer, float]]  # the next best whole options, best first


class Reader:
    """A causal LM (default: SmolLM2-135M-Instruct) with the LoRA adapter in `adapter`, if any."""

    def __init__(self, adapter: Path | str | None = None, base: Path | str | None = None,
                 dtype: torch.dtype = torch.float32):
        set_threads()
        base = Path(base) if base else pretrained_checkpoint(SMOLLM2.name)
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
        self.adapter = Path(adapter) if adapter else None
        if self.adapter is not None:
            if not (self.adapter / "adapter_config.json").is_file():
                raise GroundplanError(f"no LoRA adapter in {self.adapter} (adapter_config.json missing); "
                                      "train one with 'groundplan planner reader'")
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, self.adapter).merge_and_unload()
        self.model = model.to(dtype).eval()  # merged in float32, then cast: training keeps float32
        self.pad = self.tokenizer.eos_token_id
        self._ids: dict[str, tuple[int, ...]] = {}
        self._prior: dict[tuple[tuple[int, ...], tuple[int, ...]], float] = {}

    def encode(self, text: str) -> tuple[int, ...]:
        ids = self._ids.get(text)
        if ids is None:
            ids = self._ids[text] = tuple(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        return ids

    def score(self, prefix: Sequence[int], continuations: Sequence[Sequence[int]]) -> list[float]:
        """Summed log-probability of each continuation after `prefix`, in one batch on the prefix's cache."""
        return self._run(prefix, continuations, hidden=False)[0]

    def states(self, prefix: Sequence[int], continuations: Sequence[Sequence[int]]) -> tuple[list[float], torch.Tensor]:
        """`score`, and each continuation's hidden states at its last token: (n, layers + 1, width)."""
        scores, states = self._run(prefix, continuations, hidden=True)
        assert states is not None
        return scores, states

    @torch.inference_mode()
    def _run(self, prefix: Sequence[int], continuations: Sequence[Sequence[int]],
             hidden: bool) -> tuple[list[float], torch.Tensor | None]:
        out = self.model(input_ids=torch.tensor([list(prefix)]), use_cache=True)
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        n, width = len(continuations), max(len(c) for c in continuations)
        scores = [float(first[c[0]]) for c in continuations]
        if width == 1 and not hidden:
            return scores, None
        if not hidden:
            return self._tree(len(prefix), out.past_key_values, continuations, scores), None
        cache_ = copy.deepcopy(out.past_key_values)
        cache_.batch_repeat_interleave(n)
        # right padding: under causal attention no real token sees a pad after it
        ids = torch.full((n, width), self.pad)
        for i, c in enumerate(continuations):
            ids[i, :len(c)] = torch.tensor(c)
        run = self.model(input_ids=ids, past_key_values=cache_, use_cache=True, output_hidden_states=hidden)
        logp = torch.log_softmax(run.logits.float(), dim=-1)
        for i, c in enumerate(continuations):
            scores[i] += float(sum(logp[i, t - 1, c[t]] for t in range(1, len(c))))
        if not hidden:
            return scores, None
        last = torch.tensor([len(c) - 1 for c in continuations])
        return scores, torch.stack([h[torch.arange(n), last] for h in run.hidden_states], dim=1).float()

    def _tree(self, start: int, cache_, continuations: Sequence[Sequence[int]], scores: list[float]) -> list[float]:
        """Add to `scores` each continuation's log-probability after its first token, each shared prefix run once.

        The options' tokens go in as one tree, each token attending to the prompt and its own ancestors. Options
        share most of their words ("put the apple in the fridge", "... in the microwave"): the tree holds about a
        quarter of the padded batch's tokens.
        """
        node: dict[tuple[int, ...], int] = {}  # a prefix of some continuation (all but its last token) -> its token
        tokens: list[int] = []
        parent: list[int] = []
        for c in continuations:
            for i in range(1, len(c)):
                if tuple(c[:i]) not in node:
                    node[tuple(c[:i])] = len(tokens)
                    tokens.append(c[i - 1])
                    parent.append(node[tuple(c[:i - 1])] if i > 1 else -1)
        if not tokens:
            return scores
        size = len(tokens)
        sees = torch.zeros(size, start + size, dtype=torch.bool)
        sees[:, :start] = True
        depth = []
        for j in range(size):
            k, d = j, 0
            while k != -1:
                sees[j, start + k] = True
                k, d = parent[k], d + 1
            depth.append(start + d - 1)
        run = self.model(input_ids=torch.tensor([tokens]), attention_mask=sees[None, None],
                         position_ids=torch.tensor([depth]), past_key_values=cache_, use_cache=True)
        logp = torch.log_softmax(run.logits[0].float(), dim=-1)
        return [s + float(sum(logp[node[tuple(c[:t])], c[t]] for t in range(1, len(c))))
                for s, c in zip(scores, continuations)]

    def prior(self, prefix: Sequence[int], continuations: Sequence[Sequence[int]]) -> list[float]:
        """`score` after the prompt of an empty request: how likely each option is whatever is asked.

        Options do not depend on the request, so their priors are kept across requests.
        """
        key = tuple(prefix)
        missing = [c for c in continuations if (key, tuple(c)) not in self._prior]
        if missing:
            for c, value in zip(missing, self.score(prefix, missing)):
                self._prior[(key, tuple(c))] = value
        return [self._prior[(key, tuple(c))] for c in continuations]

    def read(self, request: str, first: Sequence[tuple[Answer, bool, bool]],
             following: Callable[[tuple[Clause, ...]], Sequence[tuple[Clause, bool, bool]]],
             beam: int = 3, keep: int = 4, calibration: float = 0.0,
             adjust: Callable[[Answer], float] | None = None,
             ceiling: Callable[[tuple[Clause, ...]], float] = lambda line: 0.0, clause_bonus: float = 0.0,
             max_clauses: int = 3) -> Reading:
        """The best whole option for `request`.

        `first` lists the first pieces: (a clause or refusal, may the line end there, may it go on);
        `following(line)` what may follow a line of clauses. With `calibration` w, an option scores
        log p(option | request) - w log p(option | empty request): an option likely whatever is
        asked (a stock refusal, say) gains nothing from being likely here too. `adjust(answer)`
        is added to a whole option's score (a prior over answers, e.g. against what holds already);
        `ceiling(line)` is the most it adds to any line that `line` grows into, so that no line is
        given up before its bonus counts.
        Each clause after the first gains `clause_bonus`: summed log-likelihoods favour short lines, so
        a second thing asked ("switch the telly on and hand me the book") is otherwise easily dropped.
        No line has more than `max_clauses` clauses.
        """
        prompt = self.encode(reader_prompt(request))
        empty = self.encode(reader_prompt(""))
        done: list[tuple[Answer, float]] = []
        Frontier = list[tuple[tuple[Clause, ...], tuple[int, ...], tuple[int, ...], float]]
        frontier: Frontier = [((), prompt, empty, 0.0)]
        while frontier:
            grown: Frontier = []
            for line, prefix, neutral, base in frontier:
                options = first if not line else following(line)
                pieces, keys = [], []
                for option, end, more in options:
                    for ends in ((True,) if end else ()) + ((False,) if more else ()):
                        answer = option if isinstance(option, Refusal) else (*line, option)
                        text = option_pieces(answer if isinstance(answer, Refusal) else list(answer))[-1]
                        text = text if ends else text.removesuffix(END) + MORE
                        pieces.append(self.encode(text))
                        keys.append((answer, ends))
                if not pieces:
                    continue
                scores = self.score(prefix, pieces)
                if calibration:
                    scores = [s - calibration * p for s, p in zip(scores, self.prior(neutral, pieces))]
                if line:
                    scores = [s + clause_bonus for s in scores]
                for (answer, ends), piece, s in zip(keys, pieces, scores):
                    if ends or isinstance(answer, Refusal):
                        done.append((answer, base + s + (adjust(answer) if adjust else 0.0)))
                    else:
                        grown.append((answer, (*prefix, *piece), (*neutral, *piece), base + s))
            grown.sort(key=lambda g: -g[3])
            best_done = max((s for _, s in done), default=float("-inf"))
            # a piece more lowers a plain score by its log-likelihood, and raises it by at most the clause bonus
            # per clause still to come; a calibrated score may rise: keep the beam then
            frontier = [g for g in grown[:beam]
                        if calibration or g[3] + clause_bonus * (max_clauses - len(g[0])) + ceiling(g[0]) > best_done]
        if not done:
            raise GroundplanError(f"no reading of {request!r} to choose from")
        done.sort(key=lambda d: -d[1])
        return Reading(done[0][0], done[0][1], done[1:1 + keep])


def answer_text(answer: Answer) -> str:
    """An answer's words as one sentence: "put the apple in the fridge and switch on the lamp"."""
    pieces = option_pieces(answer if isinstance(answer, Refusal) else list(answer))
    return " and ".join(p.strip().removesuffix(MORE) for p in pieces)


class ReadingEncoder:
    """How close a request is to a reading's words: the cosine of their sentence embeddings.

    A second opinion beside the reader's likelihood (`LLMConfig.encoder_weight`). Embeddings are
    kept per text: readings recur across requests and rooms.
    """

    def __init__(self):
        from groundplan.language.encoder import load_sentence_encoder

        set_threads()
        self.model = load_sentence_encoder()
        self._vectors: dict[str, torch.Tensor] = {}

    def similarity(self, request: str, texts: Sequence[str]) -> list[float]:
        missing = [t for t in dict.fromkeys([request, *texts]) if t not in self._vectors]
        if missing:
            vectors = self.model.encode(missing, normalize_embeddings=True, batch_size=64, convert_to_tensor=True,
                                        show_progress_bar=False)
            self._vectors.update(zip(missing, vectors))
        query = self._vectors[request]
        return [float(self._vectors[t] @ query) for t in texts]


@cache
def load_reading_encoder() -> ReadingEncoder:
    return ReadingEncoder()


class Exemplars:
    """How close a request is to the ways the task library and the needs table say each entry.

    A need in new words ("it's pitch black in here") is far from its goal's words ("switch on the
    light switch") but near the table's own phrasings ("it's dark in here"). Each entry scores its
    best cosine to the request; its goal lines, and for a need its unmet refusal, gain `weight`
    times what that clears `floor`, less `order` per place a need's goal comes after its first (the
    table lists them in order of preference: "I'm thirsty" is water before wine). Only phrasings the
    reader trains on are used: an entry's last phrasing and held-out entries stay out, so the
    held-out splits still measure what they did.
    """

    def __init__(self, encoder: ReadingEncoder, weight: float, floor: float, order: float = 0.0):
        self.encoder, self.weight, self.floor, self.order = encoder, weight, floor, order
        requests = load_requests()
        self.phrasings: dict[str, tuple[str, ...]] = {}
        self.ways = {need.name: need_ways(need.goals) for need in requests.needs.values()}
        self.answers: dict[Answer, set[str]] = {}
        self.places: dict[tuple[Answer, str], int] = {}  # (a need's goal line, the need): its place in the order
        for need in requests.needs.values():
            self.phrasings[need.name] = need.phrasings[:-1]
            for place, line in enumerate(need.goals):
                self.answers.setdefault(frozenset(parse_goal_line(line)), set()).add(need.name)
                self.places[frozenset(parse_goal_line(line)), need.name] = place
            self.answers.setdefault(Refusal("unmet", need.name), set()).add(need.name)
        for task in requests.tasks.values():
            if not task.held_out:
                self.phrasings[f"task:{task.name}"] = task.phrasings[:-1]
                for line in task.lines():
                    self.answers.setdefault(line, set()).add(f"task:{task.name}")

    def directions(self, close: dict[str, float], margin: float = 0.1) -> dict[str, bool]:
        """The way a need the request is clearly nearest asks things to go: "I'm overheating" asks heaters off.

        A need whose goals all set a flag one way ("too_hot": switch off) gives that way, where it is
        nearer than `floor` + `margin` and nearer by `margin` than every need that asks it the other way.
        """
        asked: dict[str, bool] = {}
        for name, way in self.ways.items():
            for flag, value in way.items():
                if close[name] >= self.floor + margin and close[name] >= self._rival(close, flag, value) + margin:
                    asked[flag] = value
        return asked

    def _rival(self, close: dict[str, float], flag: str, value: bool) -> float:
        """The nearest need that asks `flag` the other way."""
        return max((close[other] for other, w in self.ways.items() if w.get(flag) == (not value)), default=0.0)

    def _untorn(self, close: dict[str, float], margin: float = 0.05) -> dict[str, float]:
        """`close`, with a need as near as one asking the other way ("a bit warm": cold or too hot?) at the floor.

        Neither gains then: the words decide, not a coin toss between opposite needs.
        """
        return {name: self.floor if any(c < self._rival(close, flag, value) + margin
                                         for flag, value in self.ways.get(name, {}).items()) else c
                for name, c in close.items()}

    def closeness(self, request: str) -> dict[str, float]:
        """Each entry's best cosine to the request."""
        texts = [t for ts in self.phrasings.values() for t in ts]
        cosines = iter(self.encoder.similarity(request, texts))
        return {name: max(next(cosines) for _ in texts) for name, texts in self.phrasings.items()}

    def outcomes(self, parts: Sequence[str], lines: Iterable[frozenset[Clause]],
                 margin: float = 0.15) -> frozenset[frozenset[Clause]]:
        """Those of `lines` whose entry a part of the request is near, by `margin` over the floor.

        "open the blinds and get me a coffee": "get me a coffee" is near the coffee entry's phrasings.
        """
        near = {name for part in parts for name, c in self._untorn(self.closeness(part)).items()
                if c >= self.floor + margin}
        return frozenset(line for line in lines if self.answers.get(line, set()) & near)

    def ceiling(self, close: dict[str, float]) -> Callable[[tuple[Clause, ...]], float]:
        """The most `bonus(close)` adds to any line that a partial line of clauses may grow into."""
        close = self._untorn(close)
        lines = [(line, max(close[name] for name in names)) for line, names in self.answers.items()
                 if isinstance(line, frozenset)]

        def most(partial: tuple[Clause, ...]) -> float:
            ways = (frozenset(partial), _each_once(partial))
            return self._lift(max((c for line, c in lines if any(line.issuperset(w) for w in ways)),
                                  default=self.floor))
        return most

    def _later(self, line: Answer, need: str, close: dict[str, float]) -> float:
        """What a need's goal loses for its place in the need's order, where the request is near the need."""
        return self.order * self.places.get((line, need), 0) if close[need] > self.floor else 0.0

    def _lift(self, cosine: float) -> float:
        return self.weight * max(0.0, cosine - self.floor)

    def bonus(self, close: dict[str, float], named: frozenset[str] = frozenset()) -> Callable[[Answer], float]:
        """The term added to a whole answer's score, given `closeness` of the request.

        Where the request names things (`named`, lower-case categories), only a line acting on them
        gains: "the lettuce and the bread, pop them in the fridge" is near "put the groceries in the
        fridge", whose line moves a tomato.
        """
        close = self._untorn(close)

        def term(answer: Answer) -> float:
            if named and not isinstance(answer, Refusal) and any(c.obj not in named for c in answer):
                return 0.0
            keys = (answer,) if isinstance(answer, Refusal) else (frozenset(answer), _each_once(answer))
            return max((self._lift(close[name]) - self._later(key, name, close)
                        for key in keys for name in self.answers.get(key, ())), default=0.0)
        return term


def _each_once(line: Iterable[Clause]) -> frozenset[Clause]:
    """A line with what it asks of every object of a kind asked of one, to gain as the library's line does.

    "Water the plants" is said as the library's "water the plant" is.
    """
    return frozenset(dataclasses.replace(c, every=False) for c in line)


@cache
def load_exemplars(weight: float, floor: float, order: float = 0.0) -> Exemplars:
    return Exemplars(load_reading_encoder(), weight, floor, order)


def load_reader(adapter: str = "", base: str = "", dtype: str = "auto") -> Reader:
    """The reader (default: the shipped adapter on SmolLM2; "none": the untuned model), loaded once per process."""
    return _load_reader(adapter, base, reading_dtype(dtype))


@cache
def _load_reader(adapter: str, base: str, kind: torch.dtype) -> Reader:
    if adapter == "none":
        return Reader(None, base or None, kind)
    path = Path(adapter) if adapter else default_reader_dir() / "adapter"
    if not adapter and not (path / "adapter_config.json").is_file():
        log.warning("no reader adapter at %s: the pretrained model reads untuned", path)
        return Reader(None, base or None, kind)
    return Reader(path, base or None, kind)
