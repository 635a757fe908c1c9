"""
Probe data and training: how well hidden states linearly encode a candidate step's validity.

And the state around it: the probes also read facts about the candidate's objects.

For states along the reference plans (and along random walks), candidate steps are the plan's
own next step, other valid steps, and invalid ones (many of them near misses: the right action
on the wrong object, a closed container, a full hand). Each gets the hidden state of its last
token at every layer, the model's log-probability of it, its validity from the PDDL simulator,
and state predicates about its objects. Probes are trained on training scenes and evaluated on
held-out scenes.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from groundplan.language.plan_text import parse_step
from groundplan.language.prompt import PLAN_HEADER, goal_segments, parse_goal_line
from groundplan.learning.planner_data import DataConfig, ExampleMaker, example_scene, load_examples
from groundplan.learning.train_lm import example_prompt, walk_text
from groundplan.planning.lm import PlannerLM
from groundplan.planning.probes import LinearProbe, candidate_features
from groundplan.types.actions import Step
from groundplan.types.examples import Example
from groundplan.types.state import WorldState
from groundplan.world.domain import UP_LOCK
from groundplan.world.validator import StepChecker

log = logging.getLogger(__name__)
PREDICATES = ("robot_at_target", "holding_obj", "hand_empty", "obj_in_target", "target_open")


@dataclass
class ProbeSet:
    hidden: np.ndarray  # (samples, layers, width)
    logprob: np.ndarray
    valid: np.ndarray
    predicates: dict[str, np.ndarray]  # -1 where the predicate says nothing about the candidate
    meta: list[dict] = field(default_factory=list)  # room, seed, state and step text of each sample


def predicate_labels(step: Step, state: WorldState, maker: ExampleMaker, scene) -> dict[str, int]:
    """State facts about the candidate's own objects (-1: not about this candidate)."""
    kind = {o.id: maker.catalog.get(o.category) for o in scene.objects}
    items = [a for a in step.args if kind[a].is_item]
    fixtures = [a for a in step.args if not kind[a].is_item]
    obj, target = (items or [None])[0], (fixtures or [None])[-1]
    return {
        "robot_at_target": int(state.robot_at == target) if target else -1,
        "holding_obj": int(state.holding == obj) if obj else -1,
        "hand_empty": int(state.holding is None),
        "obj_in_target": int(state.located.get(obj) == target) if obj and target else -1,
        "target_open": int(state.has(target, "open")) if target and kind[target].has("openable") else -1,
    }


def build_probe_set(lm: PlannerLM, examples: list[Example], contexts: int, seed: int = 0,
                    candidates: int = 6) -> ProbeSet:
    """Up to `contexts` (state, plan prefix) points from `examples`, `candidates` steps at each."""
    rng = random.Random(seed)
    maker = ExampleMaker(DataConfig())
    usable = [e for e in examples if e.kind == "walk" or (e.plan and e.kind != "refusal")]
    rng.shuffle(usable)
    rows: dict[str, list] = {"hidden": [], "logprob": [], "valid": [], "meta": []}
    preds: dict[str, list[int]] = {p: [] for p in PREDICATES}
    scenes: dict[tuple, object] = {}
    for ex in tqdm(usable[:contexts], desc="probe data", unit="ctx"):
        key = (ex.room, ex.seed)
        scene = scenes.setdefault(key, example_scene(ex))
        plan = [parse_step(t) for t in ex.plan]
        k = rng.randrange(len(plan)) if plan else 0
        state = maker.validator.validate(scene, plan[:k], None, WorldState.from_dict(ex.state)).final_state
        if ex.kind == "walk":
            text = walk_text(replace(ex, plan=()), scene) + "".join(s.text + "\n" for s in plan[:k])
            session = lm.session(text)
        else:
            session = lm.session(example_prompt(ex, scene))
            session.push(lm.encode_segments(goal_segments(parse_goal_line(ex.goal))))
            session.push(lm.encode_segments([PLAN_HEADER + "\n", *(s.text + "\n" for s in plan[:k])]))
        for step in _candidates(maker, scene, state, plan[k] if k < len(plan) else None, candidates, rng):
            with UP_LOCK:
                checker = StepChecker(maker.validator, scene, None, state)
                valid = checker.check(step) is None
                checker.close()
            logprob, hidden = candidate_features(session, lm.encode(step.text + "\n"))
            rows["hidden"].append(torch.stack(hidden).numpy())
            rows["logprob"].append(logprob)
            rows["valid"].append(int(valid))
            rows["meta"].append({"room": ex.room, "seed": ex.seed, "kind": ex.kind,
                                 "state": state.to_dict(), "step": step.text})
            for name, value in predicate_labels(step, state, maker, scene).items():
                preds[name].append(value)
    return ProbeSet(np.stack(rows["hidden"]), np.array(rows["logprob"]), np.array(rows["valid"]),
                    {p: np.array(v) for p, v in preds.items()}, rows["meta"])


def _candidates(maker: ExampleMaker, scene, state: WorldState, gold: Step | None, n: int,
                rng: random.Random) -> list[Step]:
    """The reference step, a valid alternative, and near misses and random steps (mostly invalid)."""
    steps = maker.domain.well_formed_steps(scene)
    out: list[Step] = [gold] if gold else []
    with UP_LOCK:
        checker = StepChecker(maker.validator, scene, None, state)
        by_action: dict[str, list[Step]] = {}
        for s in steps:
            by_action.setdefault(s.action, []).append(s)
        other = maker.valid_step(checker, by_action, state.robot_at, state.holding, rng)
        checker.close()
    if other is not None and other not in out:
        out.append(other)
    near = [s for s in steps if gold and s.action == gold.action and s != gold]
    while len(out) < n:
        pool = near if near and rng.random() < 0.5 else steps
        pick = rng.choice(pool)
        if pick not in out:
            out.append(pick)
    return out


# ---------------------------------------------------------------------------------------------


def fit_logistic(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    """A logistic regression on standardised `x`, with the mean and spread it standardised by."""
    mean, std = x.mean(0), x.std(0) + 1e-6
    clf = LogisticRegression(max_iter=2000, C=0.1, random_state=seed)
    clf.fit((x - mean) / std, y)
    return clf, mean, std


def _scores(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict:
    auroc = roc_auc_score(y, p) if len(set(y.tolist())) > 1 else float("nan")
    return {"acc": float(((p >= threshold) == y).mean()), "auroc": float(auroc), "n": int(len(y))}


def best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The threshold on `score` with the best training accuracy (for the log-probability baseline)."""
    candidates = np.unique(score)
    accs = [((score >= t) == y).mean() for t in candidates]
    return float(candidates[int(np.argmax(accs))])


def train_probes(train: ProbeSet, test: ProbeSet, seed: int = 0) -> tuple[list[dict], LinearProbe]:
    """Per layer: validity and predicate probes (accuracy, AUROC on held-out scenes), and the baseline.

    Returns the table rows and the validity probe of the best layer (by held-out AUROC).
    """
    rows = []
    best: tuple[float, LinearProbe] | None = None
    layers = train.hidden.shape[1]
    threshold = best_threshold(train.valid, train.logprob)
    base = _scores(test.valid, test.logprob, threshold)
    base["auroc"] = float(roc_auc_score(test.valid, test.logprob))
    rows.append({"layer": "baseline: log p(step)", "validity": base})
    for layer in range(layers):
        clf, mean, std = fit_logistic(train.hidden[:, layer], train.valid, seed)
        p = clf.predict_proba((test.hidden[:, layer] - mean) / std)[:, 1]
        row = {"layer": layer, "validity": _scores(test.valid, p)}
        for name in PREDICATES:
            tr, te = train.predicates[name] >= 0, test.predicates[name] >= 0
            if len(set(train.predicates[name][tr].tolist())) < 2 or te.sum() == 0:
                continue
            pc, pm, ps = fit_logistic(train.hidden[tr, layer], train.predicates[name][tr], seed)
            row[name] = _scores(test.predicates[name][te], pc.predict_proba((test.hidden[te, layer] - pm) / ps)[:, 1])
        rows.append(row)
        # The planner drops a candidate the probe scores below the threshold without checking it, so the
        # threshold keeps 98% of the valid training candidates: a filter, not a second opinion.
        train_scores = clf.predict_proba((train.hidden[:, layer] - mean) / std)[:, 1]
        threshold = float(np.quantile(train_scores[train.valid == 1], 0.02))
        kept = p[test.valid == 1] >= threshold
        dropped = p[test.valid == 0] < threshold
        metrics = {"heldout": row["validity"], "threshold": threshold, "heldout_valid_kept": float(kept.mean()),
                   "heldout_invalid_dropped": float(dropped.mean())}
        probe = LinearProbe("validity", layer, clf.coef_[0].tolist(), float(clf.intercept_[0]),
                            mean.tolist(), std.tolist(), threshold, metrics)
        if best is None or row["validity"]["auroc"] > best[0]:
            best = (row["validity"]["auroc"], probe)
    assert best is not None
    return rows, best[1]


def format_probe_table(rows: list[dict]) -> str:
    cols = ["validity", *PREDICATES]
    lines = [f"{'layer':<22}" + "".join(f"{c:>22}" for c in cols),
             f"{'':<22}" + "".join(f"{'acc / AUROC':>22}" for _ in cols)]
    for row in rows:
        cells = []
        for c in cols:
            s = row.get(c)
            cells.append(f"{s['acc']:.3f} / {s['auroc']:.3f}".rjust(22) if s else f"{'-':>22}")
        lines.append(f"{str(row['layer']):<22}" + "".join(cells))
    return "\n".join(lines)


def run_probe_study(model_dir: Path, data: Path, contexts: int = 600, seed: int = 0,
                    save: bool = True) -> tuple[list[dict], LinearProbe]:
    lm = PlannerLM.load(model_dir)
    train = build_probe_set(lm, load_examples(data / "train.jsonl"), contexts, seed)
    test = build_probe_set(lm, load_examples(data / "test.jsonl"), contexts // 2, seed + 1)
    rows, probe = train_probes(train, test, seed)
    if save:
        probe.save(model_dir / "probe.json")
    return rows, probe
