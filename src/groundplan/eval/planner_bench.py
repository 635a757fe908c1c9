"""
Planner benchmark: every strategy on the held-out split, scored in the symbolic simulator.

Per strategy: success rate (the plan, executed step by step in the PDDL simulator, reaches the
reference goal, or for an implicit need any goal that helps with it; a refusal case succeeds when
refused), executability (every step valid),
goal-condition recall, regret (steps beyond fast-downward's optimum, on successes), refusal
accuracy, objects named that are not in the scene, PDDL checks per plan, and latency; and the
same per request category (household tasks, delivery, devices, liquids and food, composite tasks
of the library, implicit needs, vague and impossible requests, refusals).
"""

from __future__ import annotations

import json
import random
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from groundplan.language.prompt import Refusal, parse_goal_line
from groundplan.learning.planner_data import example_scene, load_examples
from groundplan.learning.scoring import ORACLE, Case, score_case
from groundplan.planning.registry import MODEL_STRATEGIES, make_strategy
from groundplan.planning.strategy import PlannerStrategy
from groundplan.types.scene import Scene


@dataclass
class StrategyScore:
    name: str
    cases: list[Case] = field(default_factory=list)

    def row(self) -> dict:
        cs = self.cases
        plans = [c for c in cs if not c.should_refuse]
        refusals = [c for c in cs if c.should_refuse]
        made = [c for c in plans if not c.refused]
        regrets = [c.regret for c in plans if c.success and c.regret is not None]
        times = sorted(c.seconds for c in cs)
        firsts = sorted(c.first_answer for c in cs)
        held = [c for c in plans if c.held_out_phrasing]

        def share(xs, pred):
            return sum(1 for x in xs if pred(x)) / len(xs) if xs else float("nan")

        return {
            "strategy": self.name, "cases": len(cs),
            "SR": share(cs, lambda c: c.success),
            "SR_tasks": share(plans, lambda c: c.success),
            "SR_held_out_phrasing": share(held, lambda c: c.success), "held_out_cases": len(held),
            "executable": share(made, lambda c: c.executable),
            "GC_recall": statistics.fmean(c.recall for c in made) if made else float("nan"),
            "regret": statistics.fmean(regrets) if regrets else float("nan"),
            "refusal_acc": share(refusals, lambda c: c.refused),
            "false_refusals": share(plans, lambda c: c.refused),
            "hallucinated": sum(c.hallucinated for c in cs),
            "hallucination_rate": share(made + [c for c in refusals if not c.refused], lambda c: c.hallucinated > 0),
            "checks": statistics.fmean(c.checks for c in cs) if cs else float("nan"),
            "median_ms": 1000 * statistics.median(times) if times else float("nan"),
            "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))] if times else float("nan"),
            "first_answer_ms": 1000 * statistics.median(firsts) if firsts else float("nan"),
            "first_answer_p95_ms": 1000 * firsts[int(0.95 * (len(firsts) - 1))] if firsts else float("nan"),
        }


# Benchmark-only variants of a strategy: name -> (strategy, LLMConfig overrides)
VARIANTS = {
    "llm-grounded-scratch": ("llm-grounded", {"reader": "own"}),  # the from-scratch model reads too
    "llm+p-scratch": ("llm+p", {"reader": "own"}),
    "llm-grounded-zeroshot": ("llm-grounded", {"reader_adapter": "none"}),  # the pretrained reader, untuned
    "llm-grounded-fp32": ("llm-grounded", {"reader_dtype": "float32"}),  # the reader in float32 where bf16 is native
    # the reader's calibration and its prior against what holds already, chosen on the val split
    "llm-grounded-cal0": ("llm-grounded", {"calibration": 0.0}),
    "llm-grounded-cal05": ("llm-grounded", {"calibration": 0.5}),
    "llm-grounded-cal1": ("llm-grounded", {"calibration": 1.0}),
    "llm-grounded-held0": ("llm-grounded", {"holds_penalty": 0.0}),
    "llm-grounded-held2": ("llm-grounded", {"holds_penalty": 2.0}),
    "llm-grounded-held4": ("llm-grounded", {"holds_penalty": 4.0}),
    # the sentence encoder's cosine beside the reader's likelihood, by weight (chosen on the val split)
    "llm-grounded-enc2": ("llm-grounded", {"encoder_weight": 2.0}),
    "llm-grounded-enc5": ("llm-grounded", {"encoder_weight": 5.0}),
    "llm-grounded-enc10": ("llm-grounded", {"encoder_weight": 10.0}),
    # the library's and needs table's own phrasings near the request, by weight (planning.reader.Exemplars)
    "llm-grounded-ex0": ("llm-grounded", {"exemplar_weight": 0.0}),
    "llm-grounded-ex10": ("llm-grounded", {"exemplar_weight": 10.0}),
    "llm-grounded-ex20": ("llm-grounded", {"exemplar_weight": 20.0}),
    # a bonus per clause after the first; the plural's prior off
    "llm-grounded-cl2": ("llm-grounded", {"clause_bonus": 2.0}),
    "llm-grounded-pl0": ("llm-grounded", {"plural_weight": 0.0}),
    "llm-grounded-st0": ("llm-grounded", {"state_weight": 0.0}),  # what a thing is said to be, off
    "llm-grounded-ref0": ("llm-grounded", {"refusal_penalty": 0.0}),
    "llm-grounded-ref2": ("llm-grounded", {"refusal_penalty": 2.0}),
    "llm-grounded-ref4": ("llm-grounded", {"refusal_penalty": 4.0}),
    "llm-grounded-noprobe": ("llm-grounded", {"use_probe": False}),
    "llm-grounded-noreading": ("llm-grounded", {"check_reading": False}),
    "llm-grounded-anyreading": ("llm-grounded", {"within_reading": False}),
    "llm-grounded-norepair": ("llm-grounded", {"repair": False}),
    "llm-grounded-value": ("llm-grounded", {"search": "value"}),
    "llm-grounded-value-norepair": ("llm-grounded", {"search": "value", "repair": False}),
    "llm-grounded-beam": ("llm-grounded", {"search": "beam"}),
    "llm-grounded-beam-norepair": ("llm-grounded", {"search": "beam", "repair": False}),
}


def make(name: str, model: str = "", reader_adapter: str = "") -> PlannerStrategy:
    """A strategy or benchmark variant by name; `reader_adapter`: another reader adapter for the model-based ones."""
    base, overrides = VARIANTS.get(name, (name, {}))
    if base not in MODEL_STRATEGIES or not (overrides or reader_adapter):
        return make_strategy(name, model=model)
    from groundplan.planning.llm import MODEL_STRATEGY_CLASSES, LLMConfig

    adapter = {"reader_adapter": reader_adapter} if reader_adapter and "reader_adapter" not in overrides else {}
    strategy = MODEL_STRATEGY_CLASSES[base](None, model or None, LLMConfig(**overrides, **adapter))
    strategy.name = name
    return strategy


def run(data: Path, strategies: list[str], limit: int | None = None, split: str = "test",
        out: Path | None = None, model: str = "", categories: tuple[str, ...] = (), retell: bool = False,
        reader_adapter: str = "") -> list[dict]:
    """Every strategy on the split; `retell`: each request retold as people speak (learning.reader_data)."""
    examples = [e for e in load_examples(data / f"{split}.jsonl") if e.kind != "walk"
                and (not categories or e.category in categories)]
    if limit:
        step = max(1, len(examples) // limit)
        examples = examples[::step][:limit]
    if retell:
        from dataclasses import replace

        from groundplan.learning.reader_data import object_phrases
        from groundplan.learning.reader_data import retell as retold
        from groundplan.types.catalog import default_catalog

        rng = random.Random(f"retell:{split}")
        names = object_phrases(default_catalog())
        examples = [replace(e, instruction=retold(e.instruction, rng, names)) for e in examples]
    scenes: dict[tuple, Scene] = {}
    rows, failures = [], {}
    for name in strategies:
        strategy = make(name, model, reader_adapter)
        score = StrategyScore(name)
        for ex in tqdm(examples, desc=name, unit="case"):
            key = (ex.room, ex.seed)
            scenes.setdefault(key, example_scene(ex))
            if name in ORACLE and parse_goal_line(ex.goal).__class__ is Refusal:
                continue  # an oracle goal cannot express a refusal
            score.cases.append(score_case(strategy, ex, scenes[key]))
        rows.append(score.row() | {"by_category": category_rows(score)})
        failures[name] = [c.__dict__ for c in score.cases if not c.success]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "planner_bench.json").write_text(json.dumps({"rows": rows, "examples": len(examples)}, indent=1))
        (out / "planner_failures.json").write_text(json.dumps(failures, indent=1))
    return rows


COLUMNS = (("strategy", "{:<13}"), ("cases", "{:>5}"), ("SR", "{:>6.3f}"), ("SR_held_out_phrasing", "{:>8.3f}"),
           ("executable", "{:>6.3f}"), ("GC_recall", "{:>6.3f}"), ("regret", "{:>6.2f}"),
           ("refusal_acc", "{:>7.3f}"), ("false_refusals", "{:>7.3f}"), ("hallucinated", "{:>5}"),
           ("checks", "{:>6.1f}"), ("median_ms", "{:>7.0f}"), ("p95_ms", "{:>7.0f}"), ("first_answer_ms", "{:>7.0f}"),
           ("first_answer_p95_ms", "{:>7.0f}"))
HEADERS = ("strategy", "cases", "SR", "SR(held)", "exec", "GCrec", "regret", "refusal", "falsRef", "hallu",
           "checks", "med ms", "p95 ms", "1st ms", "1st p95")


def category_rows(score: StrategyScore) -> list[dict]:
    """The strategy's row for each request category, and for the library entries it never trained on."""
    rows = []
    groups: dict[str, list[Case]] = {}
    for case in score.cases:
        groups.setdefault(case.category, []).append(case)
        if case.held_out_entry:
            groups.setdefault("composite (held-out entries)", []).append(case)
    for category, cases in sorted(groups.items()):
        row = StrategyScore(score.name, cases).row()
        rows.append({"category": category, **row})
    return rows


CATEGORY_COLUMNS = (("strategy", "{:<13}"), ("category", "{:<28}"), ("cases", "{:>5}"), ("SR", "{:>6.3f}"),
                    ("SR_held_out_phrasing", "{:>8.3f}"), ("refusal_acc", "{:>7.3f}"),
                    ("false_refusals", "{:>7.3f}"), ("hallucinated", "{:>5}"), ("hallucination_rate", "{:>7.3f}"))
CATEGORY_HEADERS = ("strategy", "category", "cases", "SR", "SR(held)", "refusal", "falsRef", "hallu", "halluRate")


def table(rows: list[dict], columns=COLUMNS, headers=HEADERS) -> str:
    widths = [len(f.format(rows[0][k])) if rows else 8 for k, f in columns]
    lines = [" ".join(h.ljust(w) if f.startswith("{:<") else h.rjust(w)
                      for (h, w), (_, f) in zip(zip(headers, widths), columns))]
    for row in rows:
        lines.append(" ".join(f.format(row[k]) for k, f in columns))
    return "\n".join(lines)
