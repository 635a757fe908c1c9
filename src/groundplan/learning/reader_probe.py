"""
Probes on the reader's hidden states, against the reader's own likelihood.

Does a linear read of the model tell the meant reading from the others better than its likelihood?

For requests of the planner data, the options the room affords for a one-clause answer (or a
refusal) are scored by the reader as `llm-grounded` scores them; the meant one is labelled 1. A
probe per layer is a logistic regression on the hidden state of the option's last token (its
newline). Compared with the baseline, the option's summed log-likelihood, by AUROC over options and
by top-1: how often the best-ranked option of a request is the meant one. Layers are chosen on the
val split and reported on the test split; the scenes of the three splits are disjoint, and val and
test requests are retold as people speak (learning.reader_data.retell), as the reader meets them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from groundplan.language.meaning import option_pieces, reader_prompt
from groundplan.language.prompt import Clause, Refusal, parse_goal_line
from groundplan.language.reading import ReadingSpace
from groundplan.learning.planner_data import example_scene, load_examples
from groundplan.learning.probe_train import fit_logistic
from groundplan.learning.reader_data import object_phrases, retell
from groundplan.planning.llm import GroundedLLMStrategy
from groundplan.types.state import WorldState

KINDS = ("task", "refusal", "library", "need")


@dataclass
class ReaderProbeSet:
    hidden: np.ndarray  # (options, layers, width)
    logprob: np.ndarray  # (options,)
    meant: np.ndarray  # (options,) 1 for the meant reading
    request: np.ndarray  # (options,) which request each option belongs to


def build_reader_probe_set(strategy: GroundedLLMStrategy, data: Path, split: str, requests: int,
                           options: int = 12, seed: int = 0, retold: bool = False) -> ReaderProbeSet:
    """Up to `requests` requests of `split`, each with its meant reading and up to `options` - 1 others."""
    reader = strategy.reader
    assert reader is not None
    rng = random.Random(seed)
    names = object_phrases(strategy.domain.catalog)
    examples = [e for e in load_examples(data / f"{split}.jsonl") if e.kind in KINDS and e.instruction]
    rng.shuffle(examples)
    rows: dict[str, list] = {"hidden": [], "logprob": [], "meant": [], "request": []}
    done = 0
    with tqdm(total=requests, desc=f"reader probe data ({split})", unit="request") as bar:
        for ex in examples:
            if done == requests:
                break
            gold = parse_goal_line(ex.goal, strategy.domain.catalog)
            if isinstance(gold, list) and len(gold) != 1:
                continue
            meant: Clause | Refusal = gold if isinstance(gold, Refusal) else gold[0]
            scene = example_scene(ex)
            state = WorldState.from_dict(ex.state)
            space = ReadingSpace.of(ex.instruction, scene, strategy.validator, state)
            afforded = strategy.options(scene)
            allowed = [c for c, end, _ in space.options([], scene, afforded.clauses, 1) if end]
            allowed += [r for r in afforded.refusals if space.allows(r)
                        and (not r.names_category or r.category in space.mentioned)]
            if meant not in allowed:
                continue
            others = [a for a in allowed if a != meant]
            chosen = [meant, *rng.sample(others, min(len(others), options - 1))]
            pieces = [reader.encode(option_pieces(a if isinstance(a, Refusal) else [a])[-1]) for a in chosen]
            text = retell(ex.instruction, rng, names) if retold else ex.instruction
            scores, states = reader.states(reader.encode(reader_prompt(text)), pieces)
            rows["hidden"].append(states.numpy())
            rows["logprob"] += scores
            rows["meant"] += [1] + [0] * (len(chosen) - 1)
            rows["request"] += [done] * len(chosen)
            done += 1
            bar.update()
    return ReaderProbeSet(np.concatenate(rows["hidden"]), np.array(rows["logprob"]), np.array(rows["meant"]),
                          np.array(rows["request"]))


def top1(score: np.ndarray, meant: np.ndarray, request: np.ndarray) -> float:
    """The share of requests whose best-scored option is the meant one."""
    hits = [meant[request == r][int(np.argmax(score[request == r]))] for r in np.unique(request)]
    return float(np.mean(hits))


def reader_probe_study(strategy: GroundedLLMStrategy, data: Path, requests: int = 300,
                       seed: int = 0) -> list[dict]:
    """Rows: the likelihood baseline, then each layer's probe (val and test AUROC and top-1)."""
    sets = {split: build_reader_probe_set(strategy, data, split, n, seed=seed + i, retold=split != "train")
            for i, (split, n) in enumerate((("train", requests), ("val", requests // 2), ("test", requests // 2)))}
    train, val, test = sets["train"], sets["val"], sets["test"]

    def row(layer, val_score, test_score) -> dict:
        return {"layer": layer, "val_auroc": float(roc_auc_score(val.meant, val_score)),
                "val_top1": top1(val_score, val.meant, val.request),
                "test_auroc": float(roc_auc_score(test.meant, test_score)),
                "test_top1": top1(test_score, test.meant, test.request)}

    rows = [row("baseline: log p(option)", val.logprob, test.logprob)]
    for layer in range(1, train.hidden.shape[1]):
        clf, mean, std = fit_logistic(train.hidden[:, layer], train.meant, seed)
        rows.append(row(layer, clf.decision_function((val.hidden[:, layer] - mean) / std),
                        clf.decision_function((test.hidden[:, layer] - mean) / std)))
    return rows


def format_reader_probe_table(rows: list[dict]) -> str:
    best = max(rows[1:], key=lambda r: r["val_auroc"])
    lines = [f"{'layer':<24}{'val AUROC':>11}{'val top-1':>11}{'test AUROC':>12}{'test top-1':>12}"]
    for r in [rows[0], *rows[1:]]:
        mark = "  <- best on val" if r is best else ""
        lines.append(f"{str(r['layer']):<24}{r['val_auroc']:>11.3f}{r['val_top1']:>11.3f}"
                     f"{r['test_auroc']:>12.3f}{r['test_top1']:>12.3f}{mark}")
    return "\n".join(lines)
