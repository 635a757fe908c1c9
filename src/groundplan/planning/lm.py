"""
The planner's language model: loading, text encoding, and a decoding session.

A base checkpoint is loaded with an optional LoRA adapter merged in; a session grows a KV cache
and can roll it back.

Any local Hugging Face causal-LM directory works as the base (the project's own small Llama, or a
user's Qwen2.5 / Llama 3 with its tokenizer); the adapter is a peft LoRA directory.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

from groundplan.errors import GroundplanError
from groundplan.resources import models_dir

log = logging.getLogger(__name__)


def default_model_dir() -> Path:
    return models_dir() / "planner"


def _is_checkpoint(path: Path) -> bool:
    return (path / "config.json").is_file()


@dataclass
class PlannerLM:
    model: torch.nn.Module
    tokenizer: object
    source: str
    root: Path | None = None  # the folder it was loaded from (probes live beside the weights)
    _encoded: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, base: Path | str | None = None, adapter: Path | str | None = None) -> PlannerLM:
        """Load `base` (default: the shipped planner) and merge `adapter` into it.

        A directory holding `base/` and `adapter/` (as `models/planner` does) may be given as `base`.
        """
        base = Path(base) if base else default_model_dir()
        root = base
        if not _is_checkpoint(base) and _is_checkpoint(base / "base"):
            adapter = adapter if adapter is not None else (base / "adapter" if (base / "adapter").is_dir() else None)
            base = base / "base"
        if not _is_checkpoint(base):
            raise GroundplanError(f"no language-model checkpoint in {base} (config.json missing); train one with "
                                  "'groundplan planner build' or pass a Hugging Face checkpoint directory")
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
        if adapter is not None:
            adapter = Path(adapter)
            if not (adapter / "adapter_config.json").is_file():
                raise GroundplanError(f"no LoRA adapter in {adapter} (adapter_config.json missing)")
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
        model.eval()
        return cls(model, tokenizer, f"{base}" + (f" + {adapter}" if adapter else ""), root)

    @property
    def eos_id(self) -> int:
        return self.tokenizer.eos_token_id

    def encode(self, text: str) -> tuple[int, ...]:
        ids = self._encoded.get(text)  # step lines repeat across plans: encode each once
        if ids is None:
            ids = self._encoded[text] = tuple(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        return ids

    def encode_segments(self, segments: list[str]) -> list[int]:
        """Each piece encoded on its own, as the constrained decoder sees them."""
        return [t for s in segments for t in self.encode(s)]

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids)

    def session(self, prompt: str, hidden: bool = False) -> Session:
        return Session(self, list(self.encode(prompt)), hidden)


class Session:
    """One prompt being answered: tokens go in through `push` and are run lazily by `logits`.

    `mark` and `reset` roll the cache back, so a decoder can try a candidate step and take it back.
    """

    def __init__(self, lm: PlannerLM, prompt_ids: list[int], hidden: bool = False):
        self.lm = lm
        self.keep_hidden = hidden  # hidden states cost time: only probes need them
        self.cache = DynamicCache()
        self.length = 0  # tokens in the cache
        self.pending: list[int] = list(prompt_ids)
        self._logits: torch.Tensor | None = None
        self.hidden: tuple[torch.Tensor, ...] | None = None  # per layer, for the last run tokens
        self.forwards = 0

    @torch.inference_mode()
    def logits(self) -> torch.Tensor:
        """Next-token log-probabilities after everything pushed so far."""
        if self.pending:
            ids = torch.tensor([self.pending])
            out = self.lm.model(input_ids=ids, past_key_values=self.cache, use_cache=True,
                                output_hidden_states=self.keep_hidden)
            self.cache = out.past_key_values
            self.length += len(self.pending)
            self.pending = []
            self._logits = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
            self.hidden = out.hidden_states
            self.forwards += 1
        assert self._logits is not None, "nothing to predict from: push a prompt first"
        return self._logits

    def fork(self) -> Session:
        """An independent copy (its own cache), for search that grows several continuations."""
        other = Session(self.lm, [], self.keep_hidden)
        self.logits()
        other.cache, other.length, other._logits = copy.deepcopy(self.cache), self.length, self._logits
        other.hidden = self.hidden
        return other

    def push(self, ids: list[int] | tuple[int, ...]) -> None:
        self.pending.extend(ids)

    def mark(self) -> tuple[int, list[int], torch.Tensor | None]:
        return self.length, list(self.pending), self._logits

    def reset(self, mark: tuple[int, list[int], torch.Tensor | None]) -> None:
        length, pending, logits = mark
        if self.length > length:
            self.cache.crop(length - self.length)  # a negative count: the tokens to drop
            self.length = length
        self.pending, self._logits = list(pending), logits

    def generate(self, max_tokens: int, stop: str) -> str:
        """Greedy, unconstrained continuation until `stop` appears, EOS, or `max_tokens`."""
        out: list[int] = []
        for _ in range(max_tokens):
            token = int(self.logits().argmax())
            if token == self.lm.eos_id:
                break
            out.append(token)
            self.push([token])
            if stop in self.lm.decode(out[-4:]):
                break
        return self.lm.decode(out)
