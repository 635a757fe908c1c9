"""
Training the planner's language model, top to bottom.

1. `build_base_model`: a small Llama built from a `transformers` config (no downloaded weights).
2. `pretrain`: causal-LM loss on every token of random walks and planning examples.
3. `finetune`: LoRA (peft) supervised fine-tuning on the (scene, instruction) -> (goal, plan)
   triples, loss on the answer only. Works on any local HF checkpoint directory as the base.

Both stages checkpoint every `checkpoint_every` steps and resume from the last checkpoint; the
order of examples is a function of (seed, epoch), so a resumed run sees the same batches.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm
from transformers import LlamaConfig, LlamaForCausalLM

from groundplan.language.prompt import (
    answer_segments,
    describe_state,
    goal_segments,
    parse_goal_line,
    render_prompt,
)
from groundplan.planning.lm import PlannerLM
from groundplan.types.examples import Example
from groundplan.types.state import WorldState

log = logging.getLogger(__name__)
IGNORE = -100


@dataclass
class ModelSize:
    hidden: int = 256
    layers: int = 4
    heads: int = 8
    intermediate: int = 768
    max_positions: int = 1024


@dataclass
class TrainConfig:
    epochs: float = 3.0
    batch_size: int = 32
    lr: float = 2e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 30
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    checkpoint_every: int = 50
    eval_every: int = 100
    eval_examples: int = 96
    seed: int = 0
    # LoRA (fine-tuning only)
    lora_r: int = 32
    lora_alpha: int = 64
    lora_dropout: float = 0.05
    # Fine-tuning only. The goal line is the one part of an answer that grounding cannot repair
    # (steps are checked and replanned; a misread goal is planned for faithfully), so its tokens
    # may weigh more than the plan's; and request categories with few examples may be repeated.
    goal_weight: float = 1.0
    oversample: dict[str, int] = field(default_factory=dict)  # category -> copies per epoch


def build_base_model(tokenizer, size: ModelSize | None = None) -> LlamaForCausalLM:
    size = size or ModelSize()
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=size.hidden, num_hidden_layers=size.layers,
        num_attention_heads=size.heads, num_key_value_heads=size.heads, intermediate_size=size.intermediate,
        max_position_embeddings=size.max_positions, tie_word_embeddings=True,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)


# ---------------------------------------------------------------------------------------------
# examples -> token sequences


def example_prompt(example: Example, scene) -> str:
    return render_prompt(scene, example.instruction, WorldState.from_dict(example.state))


def walk_text(example: Example, scene) -> str:
    state = WorldState.from_dict(example.state)
    return describe_state(scene, state) + "\nwalk:\n" + "".join(s + "\n" for s in example.plan)


Sequence = tuple[list[int], list[int], list[float]]  # token ids, labels, loss weight of each label


def encode_example(lm: PlannerLM, example: Example, scene, answer_only: bool, goal_weight: float = 1.0) -> Sequence:
    """Token ids, labels and weights; with `answer_only` the prompt is not learnt (fine-tuning).

    The goal line's tokens weigh `goal_weight`, every other label 1.
    """
    if example.kind == "walk":
        ids = list(lm.encode(walk_text(example, scene))) + [lm.eos_id]
        return ids, list(ids), [1.0] * len(ids)
    prompt = list(lm.encode(example_prompt(example, scene)))
    goal = parse_goal_line(example.goal)
    answer = lm.encode_segments(answer_segments(goal, list(example.plan))) + [lm.eos_id]
    labels = ([IGNORE] * len(prompt) if answer_only else prompt) + answer
    stated = len(lm.encode_segments(goal_segments(goal)))
    weights = [1.0] * len(prompt) + [goal_weight] * stated + [1.0] * (len(answer) - stated)
    return prompt + answer, labels, weights


def encode_all(lm: PlannerLM, examples: list[Example], answer_only: bool, goal_weight: float = 1.0) -> list[Sequence]:
    from groundplan.learning.planner_data import example_scene

    scenes: dict[tuple[str, int], object] = {}
    out = []
    for ex in tqdm(examples, desc="encoding", unit="ex", leave=False):
        key = (ex.room, ex.seed)
        if key not in scenes:
            scenes[key] = example_scene(ex)
        out.append(encode_example(lm, ex, scenes[key], answer_only, goal_weight))
    return out


def _batch(seqs: list[Sequence], pad: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    n = max(len(ids) for ids, _, _ in seqs)
    ids = torch.full((len(seqs), n), pad)
    labels = torch.full((len(seqs), n), IGNORE)
    weights = torch.zeros((len(seqs), n))
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, (x, y, w) in enumerate(seqs):
        ids[i, :len(x)], labels[i, :len(y)], weights[i, :len(w)], mask[i, :len(x)] = (
            torch.tensor(x), torch.tensor(y), torch.tensor(w), 1)
    return ids, labels, weights, mask


def weighted_loss(model, ids: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor,
                  mask: torch.Tensor) -> torch.Tensor:
    """Next-token cross-entropy, averaged with each label's weight (all 1: the usual causal-LM loss)."""
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
    target, weight = labels[:, 1:], weights[:, 1:] * (labels[:, 1:] != IGNORE)
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), target.reshape(-1),
                                           ignore_index=IGNORE, reduction="none")
    return (ce * weight.reshape(-1)).sum() / weight.sum().clamp(min=1e-8)


# ---------------------------------------------------------------------------------------------
# the loop


def _lr(step: int, total: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


@torch.no_grad()
def evaluate(model, seqs, pad: int, batch_size: int) -> float:
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(seqs), batch_size):
        ids, labels, _, mask = _batch(seqs[i:i + batch_size], pad)
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        n = int((labels[:, 1:] != IGNORE).sum())
        total, count = total + float(out.loss) * n, count + n
    model.train()
    return total / max(1, count)


def train_loop(model, train: list, val: list, cfg: TrainConfig, out: Path, pad: int, stage: str) -> dict:
    """Train `model` in place on token sequences; checkpoints in `out` and resumes from them."""
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.95))
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = max(1, int(cfg.epochs * steps_per_epoch))
    ckpt_path, metrics_path = out / f"{stage}_checkpoint.pt", out / f"{stage}_metrics.jsonl"
    step = 0
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, weights_only=False)
        if ckpt["config"] != asdict(cfg) or ckpt["examples"] != len(train):
            raise RuntimeError(f"{ckpt_path} was made with other settings or data; delete it to start over")
        model.load_state_dict(ckpt["model"], strict=False)
        opt.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]
        log.info("resuming %s at step %d of %d", stage, step, total)

    def save() -> None:
        # fine-tuning checkpoints hold the LoRA weights only; the frozen base is on disk already
        trainable = {k: v for k, v in model.state_dict().items() if stage == "pretrain" or "lora_" in k}
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save({"model": trainable, "optimizer": opt.state_dict(), "step": step,
                    "config": asdict(cfg), "examples": len(train)}, tmp)
        tmp.replace(ckpt_path)

    model.train()
    bar = tqdm(total=total, initial=step, desc=stage, unit="step")
    tokens, start, last = 0, time.perf_counter(), {}
    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        order = list(range(len(train)))
        random.Random(f"{cfg.seed}:{epoch}").shuffle(order)
        batch = [train[i] for i in order[offset * cfg.batch_size:(offset + 1) * cfg.batch_size]]
        ids, labels, weights, mask = _batch(batch, pad)
        for group in opt.param_groups:
            group["lr"] = _lr(step, total, cfg)
        loss = weighted_loss(model, ids, labels, weights, mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        step += 1
        tokens += int(mask.sum())
        last = {"step": step, "loss": round(loss.item(), 4), "lr": round(opt.param_groups[0]["lr"], 6),
                "tokens_per_s": round(tokens / (time.perf_counter() - start))}
        if val and (step % cfg.eval_every == 0 or step == total):
            last["val_loss"] = round(evaluate(model, val, pad, cfg.batch_size), 4)
        if step % 10 == 0 or "val_loss" in last:
            with metrics_path.open("a") as f:
                f.write(json.dumps(last) + "\n")
        bar.set_postfix(loss=last["loss"], val=last.get("val_loss", "-"))
        bar.update(1)
        if step % cfg.checkpoint_every == 0 or step == total:
            save()
    bar.close()
    model.eval()
    return last | {"steps": total, "seconds": round(time.perf_counter() - start, 1)}


# ---------------------------------------------------------------------------------------------
# the two stages


def pretrain(data: Path, out: Path, cfg: TrainConfig, size: ModelSize | None = None,
             vocab_size: int = 2048, walks: bool = True) -> dict:
    """Fit the tokenizer and pre-train the base model on walks and plans; writes `out/base/`.

    `walks=False` leaves the random walks out (the ablation of the world-model study).
    """
    from groundplan.learning.planner_data import load_examples
    from groundplan.learning.tokenizer import fit_tokenizer

    train_ex, val_ex = load_examples(data / "train.jsonl"), load_examples(data / "val.jsonl")
    if not walks:
        train_ex = [e for e in train_ex if e.kind != "walk"]
    base = out / "base"
    if (base / "config.json").is_file():
        log.info("base model already in %s", base)
        return json.loads((out / "pretrain.json").read_text())
    tok_dir = out / "tokenizer"
    if not (tok_dir / "tokenizer.json").is_file():
        fit_tokenizer(list(_texts(train_ex)), vocab_size).save_pretrained(tok_dir)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tok_dir)
    torch.manual_seed(cfg.seed)
    model = build_base_model(tokenizer, size)
    lm = PlannerLM(model, tokenizer, "pretraining")
    train = encode_all(lm, train_ex, answer_only=False)
    val = encode_all(lm, val_ex[:cfg.eval_examples], answer_only=False)
    result = train_loop(model, train, val, cfg, out, tokenizer.pad_token_id, "pretrain")
    result |= {"parameters": sum(p.numel() for p in model.parameters()), "examples": len(train),
               "tokens": sum(len(x) for x, _, _ in train), "vocab": len(tokenizer), "walks": walks}
    model.save_pretrained(base)
    tokenizer.save_pretrained(base)
    (out / "pretrain.json").write_text(json.dumps(result | {"config": asdict(cfg)}, indent=1))
    return result


def _texts(examples: list[Example]):
    from groundplan.learning.planner_data import example_scene

    for ex in examples:
        scene = example_scene(ex)
        if ex.kind == "walk":
            yield walk_text(ex, scene)
        else:
            yield example_prompt(ex, scene) + "".join(answer_segments(parse_goal_line(ex.goal), list(ex.plan)))


def finetune(data: Path, base: Path, out: Path, cfg: TrainConfig, kinds: tuple[str, ...] | None = None) -> dict:
    """LoRA fine-tuning of `base` on the triples; writes the adapter to `out/adapter/`."""
    from peft import LoraConfig, get_peft_model

    from groundplan.learning.planner_data import load_examples

    adapter = out / "adapter"
    if (adapter / "adapter_config.json").is_file():
        log.info("adapter already in %s", adapter)
        return json.loads((out / "finetune.json").read_text())
    lm = PlannerLM.load(base)
    train_ex = [e for e in load_examples(data / "train.jsonl") if e.kind != "walk"
                and (kinds is None or e.kind in kinds)]
    train_ex = [e for e in train_ex for _ in range(cfg.oversample.get(e.category, 1))]
    val_ex = load_examples(data / "val.jsonl")[:cfg.eval_examples]
    torch.manual_seed(cfg.seed)
    names = {n.split(".")[-1] for n, m in lm.model.named_modules() if isinstance(m, torch.nn.Linear)} - {"lm_head"}
    model = get_peft_model(lm.model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                                target_modules=sorted(names), task_type="CAUSAL_LM"))
    train = encode_all(lm, train_ex, answer_only=True, goal_weight=cfg.goal_weight)
    val = encode_all(lm, val_ex, answer_only=True)
    pad = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else lm.eos_id
    result = train_loop(model, train, val, cfg, out, pad, "finetune")
    result |= {"trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
               "examples": len(train), "base": str(base)}
    model.save_pretrained(adapter)
    (out / "finetune.json").write_text(json.dumps(result | {"config": asdict(cfg)}, indent=1))
    return result

