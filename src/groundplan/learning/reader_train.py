"""
LoRA fine-tuning of the reader (planning.reader): a pretrained causal LM learns what requests mean.

It learns to say the meaning in the words of language.meaning, after the compact reader prompt.

Loss on the meaning's tokens only. The pairs come from the planner data's train split, a share
retold as people speak (learning.reader_data); the validation loss is on the val split. The loop
is the planner's (learning.train_lm.train_loop): seeded, checkpointed, resumable.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import asdict
from pathlib import Path

import torch

from groundplan.errors import GroundplanError
from groundplan.language.meaning import option_pieces, reader_prompt
from groundplan.learning.reader_data import Pair, library_pairs, object_phrases, reader_pairs
from groundplan.learning.train_lm import IGNORE, TrainConfig, train_loop
from groundplan.planning.reader import Reader
from groundplan.types.catalog import default_catalog

log = logging.getLogger(__name__)


def encode_pair(reader: Reader, pair: Pair) -> tuple[list[int], list[int], list[float]]:
    """Ids, labels (the meaning only) and weights, encoded piece by piece as the reader scores them."""
    text, answer = pair
    prompt = list(reader.encode(reader_prompt(text)))
    meaning = [t for piece in option_pieces(answer) for t in reader.encode(piece)]
    return prompt + meaning, [IGNORE] * len(prompt) + meaning, [1.0] * (len(prompt) + len(meaning))


def train_reader(data: Path, out: Path, cfg: TrainConfig, pairs: int = 6000, retold: float = 0.5,
                 sourced: float = 0.0, init: Path | None = None, idioms: float = 0.0, joined: float = 0.0,
                 library: int = 0) -> dict:
    """Train the reader's adapter on at most `pairs` pairs; writes `out/adapter/` and `out/training.json`.

    With `library` > 0, the task library's and needs table's phrasings, and the table's vague and
    impossible requests, come on top of `pairs` (`library_pairs`, `library` copies each).

    With `init`, an adapter trained before goes on learning (new data, a gentler rate) instead of a new one.
    """
    from peft import LoraConfig, PeftModel, get_peft_model

    from groundplan.learning.planner_data import load_examples

    adapter = out / "adapter"
    if (adapter / "adapter_config.json").is_file():
        log.info("adapter already in %s", adapter)
        return json.loads((out / "training.json").read_text())
    reader = Reader()
    train_pairs = reader_pairs(load_examples(data / "train.jsonl"), cfg.seed, retold, sourced, idioms, joined)[:pairs]
    val_pairs = reader_pairs(load_examples(data / "val.jsonl"), cfg.seed, retold, sourced, idioms,
                             joined)[:cfg.eval_examples]
    if library:
        rng = random.Random(f"{cfg.seed}:library")
        names = object_phrases(default_catalog())
        train_pairs += library_pairs("train", rng, library, retold, names)
        rng.shuffle(train_pairs)
        val_pairs += library_pairs("val", rng, 1)
    torch.manual_seed(cfg.seed)
    if init is not None:
        if not (init / "adapter_config.json").is_file():
            raise GroundplanError(f"no LoRA adapter to continue from in {init} (adapter_config.json missing)")
        model = PeftModel.from_pretrained(reader.model, init, is_trainable=True)
    else:
        names = {n.split(".")[-1] for n, m in reader.model.named_modules()
                 if isinstance(m, torch.nn.Linear)} - {"lm_head"}
        model = get_peft_model(reader.model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                                                        lora_dropout=cfg.lora_dropout, target_modules=sorted(names),
                                                        task_type="CAUSAL_LM"))
    train = [encode_pair(reader, p) for p in train_pairs]
    val = [encode_pair(reader, p) for p in val_pairs]
    result = train_loop(model, train, val, cfg, out, reader.pad, "reader")
    result |= {"trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
               "pairs": len(train), "retold": retold, "sourced": sourced, "idioms": idioms, "joined": joined,
               "library": library, "base": "smollm2-135m-instruct", "init": str(init) if init else None}
    if init is not None:  # the adapter it went on from sets the LoRA shape, not the recipe
        lora = model.peft_config["default"]
        result["lora_from_init"] = {"r": lora.r, "alpha": lora.lora_alpha, "dropout": lora.lora_dropout}
    model.save_pretrained(adapter)
    (out / "training.json").write_text(json.dumps(result | {"config": asdict(cfg)}, indent=1))
    return result
