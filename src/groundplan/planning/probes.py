"""
Linear probes on the planner's hidden states, and the features they read.

A candidate step's feature is the hidden state, at one layer, of the step's last token (its
newline): by then the model has read the whole step. The validity probe is a logistic regression
on that vector; `candidate_features` also returns the model's own log-probability of the step,
the baseline the probe is compared with.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from groundplan.planning.lm import Session

PROBE_FILE = "probe.json"
VALUE_FILE = "value.json"


@dataclass
class LinearProbe:
    """`sigmoid(w . standardise(h) + b)` on the hidden state of one layer.

    With `link="identity"` the sigmoid is left out: the value model is a linear regression.
    """

    name: str
    layer: int
    weight: list[float]
    bias: float
    mean: list[float]
    std: list[float]
    threshold: float = 0.5  # scores below it count as "invalid"
    metrics: dict | None = None
    link: str = "logistic"

    def __post_init__(self) -> None:
        self._w = torch.tensor(self.weight) / torch.tensor(self.std)
        self._b = self.bias - float((torch.tensor(self.mean) * self._w).sum())

    def score(self, hidden: torch.Tensor) -> float:
        z = float(hidden.float() @ self._w) + self._b
        return z if self.link == "identity" else 1.0 / (1.0 + math.exp(-z))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> LinearProbe:
        return cls(**json.loads(path.read_text()))


def last_hidden(session: Session, layer: int) -> torch.Tensor:
    """The hidden state at `layer` of the last token run (the session must keep hidden states)."""
    session.logits()
    assert session.hidden is not None, "open the session with hidden=True to read hidden states"
    return session.hidden[layer][0, -1]


@torch.inference_mode()
def candidate_features(session: Session, ids: tuple[int, ...]) -> tuple[float, list[torch.Tensor]]:
    """The model's log-probability of `ids` after the session's text, and each layer's last hidden state.

    The session is left as it was.
    """
    mark = session.mark()
    before = session.logits()
    out = session.lm.model(input_ids=torch.tensor([ids]), past_key_values=session.cache, use_cache=True,
                           output_hidden_states=True)
    session.length += len(ids)
    logprobs = torch.log_softmax(out.logits[0].float(), dim=-1)
    total = float(before[ids[0]]) + sum(float(logprobs[i, ids[i + 1]]) for i in range(len(ids) - 1))
    hidden = [h[0, -1].clone() for h in out.hidden_states]
    session.reset(mark)
    return total, hidden
