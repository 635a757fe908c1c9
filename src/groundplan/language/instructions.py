"""Instruction phrasings per task family (data in `config/instructions.yaml`) and their rendering."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from groundplan.errors import InstructionError
from groundplan.resources import config_dir
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.scene import Scene


@dataclass(frozen=True)
class Instruction:
    text: str
    family: str
    template_index: int
    obj: str  # category
    target: str | None  # category
    states: tuple[str, ...] = ()


@cache
def load_templates(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    path = path or config_dir() / "instructions.yaml"
    raw = yaml.safe_load(path.read_text())
    return {family: tuple(phrasings) for family, phrasings in raw["families"].items()}


@cache
def load_idioms(path: Path | None = None) -> dict[str, dict[str, tuple[str, ...]]]:
    """Category -> family -> what people say to that kind of thing in its own words ("roll up the blinds")."""
    path = path or config_dir() / "instructions.yaml"
    raw = yaml.safe_load(path.read_text()).get("idioms") or {}
    return {category: {family: tuple(phrasings) for family, phrasings in families.items()}
            for category, families in raw.items()}


def phrasing_key(family: str, states: tuple[str, ...] = ()) -> str:
    """The phrasings' key for a family whose object must also end in `states`: "deliver+filled+hot"."""
    return "+".join((family, *states))


def phrasings(family: str, states: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The phrasings of a family (with states): InstructionError when there are none."""
    key = phrasing_key(family, states)
    if key not in load_templates():
        raise InstructionError(f"no phrasings for task family {key!r}")
    return load_templates()[key]


def templates_for(family: str, split: str, states: tuple[str, ...] = ()) -> list[int]:
    """Phrasing indices a data split may use: training never sees a family's last phrasing."""
    n = len(phrasings(family, states))
    return list(range(n - 1)) if split == "train" else list(range(n))


def words_for(category: str, scene: Scene | None, catalog: Catalog) -> list[str]:
    """Words naming `category` that name no other category present in the scene."""
    index = catalog.phrase_index()
    present = scene.categories() if scene is not None else {category}
    words = [w for w in catalog.get(category).words
             if not (set(index[w]) - {category}) & present]
    return words or [catalog.get(category).words[0]]


def _article(word: str, definite: bool) -> str:
    if definite:
        return f"the {word}"
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _plural(word: str) -> str:
    if re.search(r"(s|sh|ch|x)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def render_idiom(family: str, obj: str, rng: random.Random, catalog: Catalog | None = None) -> str | None:
    """A request of `family` for category `obj` in that thing's own idiom, or None where it has none.

    An idiom's last phrasing is never said: it stays unseen, as a family's last does in training.
    """
    catalog = catalog or default_catalog()
    options = load_idioms().get(obj, {}).get(family, ())[:-1]
    if not options:
        return None
    noun = rng.choice(catalog.get(obj).words)
    text = rng.choice(options).format(obj=_article(noun, True), noun=noun)
    return text[0].upper() + text[1:]


def render_instruction(family: str, obj: str, target: str | None, rng: random.Random,
                       scene: Scene | None = None, template_index: int | None = None,
                       catalog: Catalog | None = None, obj_word: str | None = None,
                       states: tuple[str, ...] = ()) -> Instruction:
    """An instruction of `family` about categories `obj` and `target`, in a random phrasing.

    `obj_word` names the object with a word of the caller's (a word for something the catalog
    does not know, for refusal data).
    """
    catalog = catalog or default_catalog()
    options = phrasings(family, states)
    index = rng.randrange(len(options)) if template_index is None else template_index
    noun = obj_word or rng.choice(words_for(obj, scene, catalog))
    slots = {
        "obj": _article(noun, rng.random() < 0.7),
        "noun": noun,
        "nouns": _plural(noun),
        "obj2": f"two {_plural(noun)}",
    }
    if target is not None:
        word = rng.choice(words_for(target, scene, catalog))
        slots.update(target=_article(word, True), lamp=_article(word, True), tool=_article(word, True))
    text = options[index].format(**slots)
    return Instruction(text[0].upper() + text[1:], family, index, obj, target, tuple(states))
