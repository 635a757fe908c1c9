"""
A goal-conditioned value function for planning without search (PNLC-style), trained offline.

The value of taking a candidate step is read, by a linear regression, from the planner's hidden
state at that step's last token: the model has then read the state (scene and plan so far), the
goal and the candidate. Targets are discounted Monte-Carlo returns from whole trajectories: the
reference plans and plans sampled from the model (including ones that wander and never reach
the goal, whose steps are worth 0): `gamma ** steps_still_needed` on a trajectory that reaches
its goal.
"""

from __future__ import annotations

import logging
import random

import numpy as np
import torch
from sklearn.linear_model import Ridge
from tqdm import tqdm

from groundplan.language.plan_text import parse_plan
from groundplan.language.prompt import PLAN_HEADER, goal_of, goal_segments, parse_goal_line
from groundplan.learning.planner_data import example_scene, load_examples
from groundplan.learning.train_lm import example_prompt
from groundplan.planning.lm import PlannerLM
from groundplan.planning.probes import LinearProbe, candidate_features
from groundplan.types.actions import Step
from groundplan.types.examples import Example
from groundplan.types.state import WorldState
from groundplan.world.validator import Validator

log = logging.getLogger(__name__)


def trajectory_features(lm: PlannerLM, example: Example, scene, steps: list[Step], success: bool,
                        gamma: float) -> tuple[list[np.ndarray], list[float]]:
    """Hidden states (all layers) at each step of a trajectory, and each step's discounted return."""
    session = lm.session(example_prompt(example, scene), hidden=True)
    session.push(lm.encode_segments(goal_segments(parse_goal_line(example.goal))))
    session.push(lm.encode(PLAN_HEADER + "\n"))
    xs, ys = [], []
    for i, step in enumerate(steps):
        ids = lm.encode(step.text + "\n")
        _, hidden = candidate_features(session, ids)
        xs.append(torch.stack(hidden).numpy())
        ys.append(gamma ** (len(steps) - i - 1) if success else 0.0)
        session.push(ids)
    return xs, ys


def value_dataset(lm: PlannerLM, examples: list[Example], tasks: int, samples: int, gamma: float = 0.9,
                  temperature: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    from groundplan.planning.llm import GroundedLLMStrategy, LLMConfig

    rng = random.Random(seed)
    pool = [e for e in examples if e.kind in ("task", "midplan", "two_step")]
    chosen = rng.sample(pool, min(tasks, len(pool)))
    sampler = GroundedLLMStrategy(None, lm, LLMConfig(repair=False, use_probe=False, temperature=temperature,
                                                      seed=seed, max_steps=20))
    validator = Validator()
    xs: list[np.ndarray] = []
    ys: list[float] = []
    outcomes = {"reference": 0, "sampled_success": 0, "sampled_failure": 0}
    for ex in tqdm(chosen, desc="value data", unit="task"):
        scene = example_scene(ex)
        state = WorldState.from_dict(ex.state)
        goal = goal_of(parse_goal_line(ex.goal))
        trajectories = [(parse_plan(ex.plan), True)]
        outcomes["reference"] += 1
        for _ in range(samples):
            result = sampler.plan(scene, ex.instruction, goal, state)
            ok = not result.refused and validator.validate(scene, result.steps, goal, state).success
            trajectories.append((result.steps, ok))
            outcomes["sampled_success" if ok else "sampled_failure"] += 1
        for steps, ok in trajectories:
            x, y = trajectory_features(lm, ex, scene, steps, ok, gamma)
            xs += x
            ys += y
    return np.stack(xs), np.array(ys), outcomes


def train_value(train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray]) -> LinearProbe:
    """A ridge regression per layer; the layer with the best held-out R^2 is kept."""
    (xt, yt), (xv, yv) = train, val
    best = None
    for layer in range(xt.shape[1]):
        mean, std = xt[:, layer].mean(0), xt[:, layer].std(0) + 1e-6
        reg = Ridge(alpha=10.0).fit((xt[:, layer] - mean) / std, yt)
        pred = reg.predict((xv[:, layer] - mean) / std)
        r2 = 1 - float(((pred - yv) ** 2).sum() / max(1e-9, ((yv - yv.mean()) ** 2).sum()))
        if best is None or r2 > best[0]:
            metrics = {"heldout_r2": r2, "heldout_mse": float(((pred - yv) ** 2).mean()),
                       "train_samples": int(len(yt)), "heldout_samples": int(len(yv))}
            best = (r2, LinearProbe("value", layer, reg.coef_.tolist(), float(reg.intercept_), mean.tolist(),
                                    std.tolist(), 0.0, metrics, link="identity"))
    assert best is not None
    return best[1]


def run_value_study(model_dir, data, tasks: int = 150, samples: int = 2, seed: int = 0) -> LinearProbe:
    from groundplan.planning.probes import VALUE_FILE

    lm = PlannerLM.load(model_dir)
    xt, yt, out_t = value_dataset(lm, load_examples(data / "train.jsonl"), tasks, samples, seed=seed)
    xv, yv, out_v = value_dataset(lm, load_examples(data / "val.jsonl"), max(20, tasks // 3), samples, seed=seed + 1)
    value = train_value((xt, yt), (xv, yv))
    value.metrics |= {"trajectories_train": out_t, "trajectories_heldout": out_v}
    value.save(model_dir / VALUE_FILE)
    return value
