"""
Iterative regret-minimisation fine-tuning (RMFT), and plain SFT given the same compute.

Each round, for every training task: sample K plans from the current model (grounded decoding
at a temperature, no repair), score each by regret (its length minus fast-downward's optimum;
a plan that is invalid or misses the goal gets the worst regret), and fine-tune the LoRA adapter
on the k lowest-regret plans, the reference plan among the candidates (the model's own plan wins
a tie). The SFT arm fine-tunes on the reference plans for the same number of steps. After each
round both are measured on held-out tasks. Rounds are saved as they finish; a rerun resumes.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from tqdm import tqdm

from groundplan.language.plan_text import parse_plan
from groundplan.language.prompt import Refusal, goal_of, parse_goal_line
from groundplan.learning.planner_data import example_scene, load_examples
from groundplan.learning.train_lm import TrainConfig, encode_example, train_loop
from groundplan.planning.lm import PlannerLM
from groundplan.types.actions import Step
from groundplan.types.examples import Example
from groundplan.types.state import WorldState
from groundplan.world.validator import Validator

log = logging.getLogger(__name__)


@dataclass
class RMFTConfig:
    rounds: int = 3
    tasks: int = 160  # training tasks per round
    samples: int = 4  # K plans sampled per task
    keep: int = 1  # k lowest-regret plans kept per task
    temperature: float = 1.0
    eval_cases: int = 120
    worst_regret: int = 30  # regret of a plan that is invalid or misses its goal
    seed: int = 0


def regret(steps: list[Step], optimal: int, success: bool, worst: int) -> int:
    """Steps beyond the optimum for a plan that reaches its goal; `worst` for any other."""
    return len(steps) - optimal if success else worst


def select(candidates: list[tuple[list[Step], int, bool]], keep: int) -> list[list[Step]]:
    """The `keep` lowest-regret distinct plans; on equal regret the model's own (flag True) come first."""
    seen, out = set(), []
    for steps, _, _ in sorted(candidates, key=lambda c: (c[1], not c[2])):
        key = tuple(s.text for s in steps)
        if key not in seen:
            seen.add(key)
            out.append(steps)
        if len(out) == keep:
            break
    return out


def _tasks(examples: list[Example]) -> list[Example]:
    return [e for e in examples if e.kind in ("task", "midplan", "two_step")]


def sample_round(strategy, tasks: list[Example], cfg: RMFTConfig, validator: Validator) -> tuple[list[Example], dict]:
    """The training examples of one round (k lowest-regret plans per task) and the round's sample stats."""
    chosen, regrets, optimal_share = [], [], 0
    for ex in tqdm(tasks, desc="sampling", unit="task"):
        scene = example_scene(ex)
        state = WorldState.from_dict(ex.state)
        goal = goal_of(parse_goal_line(ex.goal))
        gold = parse_plan(ex.plan)
        pool = [(gold, 0, False)]
        solved_optimally = False
        for _ in range(cfg.samples):
            result = strategy.plan(scene, ex.instruction, None, state)
            ok = (not result.refused) and validator.validate(scene, result.steps, goal, state).success
            r = regret(result.steps, ex.optimal, ok, cfg.worst_regret)
            regrets.append(r)
            solved_optimally |= r == 0
            if not result.refused:
                pool.append((result.steps, r, True))
        optimal_share += solved_optimally
        for steps in select(pool, cfg.keep):
            chosen.append(replace(ex, plan=tuple(s.text for s in steps)))
    stats = {"mean_sample_regret": sum(regrets) / max(1, len(regrets)),
             "tasks_solved_optimally": optimal_share / max(1, len(tasks))}
    return chosen, stats


def _finetune_round(lm: PlannerLM, adapter_in: Path, adapter_out: Path, examples: list[Example],
                    cfg: TrainConfig, work: Path, stage: str) -> None:
    from peft import PeftModel

    if (adapter_out / "adapter_config.json").is_file():
        return
    model = PeftModel.from_pretrained(lm.model, adapter_in, is_trainable=True)
    scenes: dict[tuple, object] = {}
    seqs = []
    for ex in examples:
        scene = scenes.setdefault((ex.room, ex.seed), example_scene(ex))
        seqs.append(encode_example(lm, ex, scene, answer_only=True))
    pad = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else lm.eos_id
    train_loop(model, seqs, [], cfg, work, pad, stage)
    model.save_pretrained(adapter_out)


def evaluate_adapter(model_dir: Path, adapter: Path, cases: list[Example]) -> dict:
    """Held-out success rate, mean regret and executability of greedy llm-grounded (no repair) and raw llm."""
    from groundplan.learning.scoring import score_case
    from groundplan.planning.llm import GroundedLLMStrategy, LLMConfig, RawLLMStrategy

    lm = PlannerLM.load(model_dir / "base", adapter)
    out = {}
    for name, strategy in (("llm-grounded", GroundedLLMStrategy(None, lm, LLMConfig(repair=False, use_probe=False))),
                           ("llm", RawLLMStrategy(None, lm))):
        scored = [score_case(strategy, ex, example_scene(ex)) for ex in cases]
        wins = [c for c in scored if c.success]
        out[name] = {"SR": len(wins) / len(scored),
                     "regret": sum(c.regret or 0 for c in wins) / max(1, len(wins)),
                     "executable": sum(1 for c in scored if c.executable) / max(1, sum(1 for c in scored
                                                                                     if c.executable is not None))}
    return out


def run_rmft(model_dir: Path, data: Path, work: Path, cfg: RMFTConfig, train_cfg: TrainConfig) -> list[dict]:
    """R rounds of RMFT and of plain SFT from the same adapter; returns a row per round and arm."""
    from groundplan.planning.llm import GroundedLLMStrategy, LLMConfig

    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "rounds.jsonl"
    rows = [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []
    rng = random.Random(cfg.seed)
    train_tasks = _tasks(load_examples(data / "train.jsonl"))
    held_out = [e for e in load_examples(data / "val.jsonl") if not isinstance(parse_goal_line(e.goal), Refusal)]
    held_out = rng.sample(held_out, min(cfg.eval_cases, len(held_out)))
    validator = Validator()
    adapters = {"rmft": model_dir / "adapter", "sft": model_dir / "adapter"}
    if not rows:
        start = evaluate_adapter(model_dir, model_dir / "adapter", held_out)
        rows.append({"round": 0, "arm": "start", **_flat(start), "config": asdict(cfg)})
        log_path.write_text(json.dumps(rows[-1]) + "\n")
    for r in range(1, cfg.rounds + 1):
        tasks = random.Random(f"{cfg.seed}:{r}").sample(train_tasks, min(cfg.tasks, len(train_tasks)))
        for arm in ("rmft", "sft"):
            out = work / f"round{r}_{arm}"
            if any(row["round"] == r and row["arm"] == arm for row in rows):
                adapters[arm] = out
                continue
            stats: dict = {}
            if arm == "rmft":
                lm = PlannerLM.load(model_dir / "base", adapters[arm])
                sampler = GroundedLLMStrategy(None, lm, LLMConfig(repair=False, use_probe=False,
                                                                  temperature=cfg.temperature, seed=cfg.seed + r))
                examples, stats = sample_round(sampler, tasks, cfg, validator)
            else:
                examples = [e for e in tasks for _ in range(cfg.keep)]
            base = PlannerLM.load(model_dir / "base")
            _finetune_round(base, adapters[arm], out, examples, train_cfg, out, "round")
            adapters[arm] = out
            rows.append({"round": r, "arm": arm, **stats, **_flat(evaluate_adapter(model_dir, out, held_out))})
            with log_path.open("a") as f:
                f.write(json.dumps(rows[-1]) + "\n")
            log.info("round %d %s: %s", r, arm, rows[-1])
    return rows


def _flat(metrics: dict) -> dict:
    return {f"{name}_{k}": v for name, m in metrics.items() for k, v in m.items()}


def format_rounds(rows: list[dict]) -> str:
    cols = ("round", "arm", "llm-grounded_SR", "llm-grounded_regret", "llm_SR", "llm_executable",
            "tasks_solved_optimally", "mean_sample_regret")
    heads = ("round", "arm", "SR(grounded)", "regret", "SR(raw)", "exec(raw)", "train optimal", "sample regret")
    lines = ["  ".join(f"{h:>13}" for h in heads)]
    for row in rows:
        cells = []
        for c in cols:
            v = row.get(c, "-")
            cells.append(f"{v:>13.3f}" if isinstance(v, float) else f"{v!s:>13}")
        lines.append("  ".join(cells))
    return "\n".join(lines)
