"""
Constrained decoding: the model may only say one of a finite set of strings.

The strings (well-formed steps over the scene's objects, goal clauses over its categories) are
walked token by token in a trie.

At each branching node the model's log-probabilities are masked to the children; nodes with one
child are forced and cost no decision (they are run together with the next decision's forward
pass). Candidates already rejected are excluded without rebuilding the trie.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import torch

from groundplan.planning.lm import PlannerLM, Session


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    value: Hashable | None = None
    leaves: int = 0


class Trie:
    """Token sequences of candidate strings, each ending at a leaf that holds its value."""

    def __init__(self, lm: PlannerLM, options: Iterable[tuple[str, Hashable]]):
        self.root = _Node()
        self.paths: dict[Hashable, tuple[int, ...]] = {}
        for text, value in options:
            ids = lm.encode(text)
            node = self.root
            node.leaves += 1
            for token in ids:
                node = node.children.setdefault(token, _Node())
                node.leaves += 1
            if node.children or node.value is not None:
                raise ValueError(f"candidate {text!r} is a prefix of, or equal to, another candidate")
            node.value = value
            self.paths[value] = ids

    def __len__(self) -> int:
        return self.root.leaves


@dataclass
class Choice:
    value: Hashable
    logprob: float  # summed over the tokens the model decided (forced tokens add nothing)
    tokens: tuple[int, ...]


def choose(session: Session, trie: Trie, exclude: Iterable[Hashable] = (), greedy: bool = True,
           generator: torch.Generator | None = None, temperature: float = 1.0,
           blocked_prefixes: frozenset[tuple[int, ...]] = frozenset()) -> Choice | None:
    """The model's pick among the trie's candidates not in `exclude` (None when none is left).

    Candidates under a token prefix in `blocked_prefixes` are out too (a whole action, say).

    The chosen tokens are pushed into the session; `Session.mark`/`reset` take them back.
    """
    blocked: Counter[tuple[int, ...]] = Counter()
    for value in exclude:
        path = trie.paths.get(value)
        if path is not None:
            for i in range(1, len(path) + 1):
                blocked[path[:i]] += 1
    node, prefix, logprob = trie.root, (), 0.0
    while node.children:
        live = [t for t, child in node.children.items()
                if child.leaves > blocked[(*prefix, t)] and (*prefix, t) not in blocked_prefixes]
        if not live:
            return None  # only reachable at the root: every candidate is excluded
        if len(live) == 1:
            token = live[0]
        else:
            scores = session.logits()[live]
            if greedy:
                k = int(scores.argmax())
            else:
                probs = torch.softmax(scores / temperature, dim=-1)
                k = int(torch.multinomial(probs, 1, generator=generator))
            token = live[k]
            logprob += float(scores[k])
        session.push([token])
        prefix = (*prefix, token)
        node = node.children[token]
    return Choice(node.value, logprob, prefix)
