"""
Reading a request before any planner sees it.

Clean text, the categories it mentions, and a check that a learned planner's reading of it names
what the request names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from groundplan.errors import ClarificationNeeded, InstructionError
from groundplan.language.text import normalise
from groundplan.world.catalog import Catalog, split_camel
from groundplan.world.goals import PERSON
from groundplan.world.scene import Scene

MAX_INSTRUCTION_CHARS = 500  # a spoken request; longer text is a paste or an attack, not a task


def clean_instruction(text: str) -> str:
    """The request as plain text: Unicode normalised, control characters and lone surrogates gone.

    Raises InstructionError for an empty request or one too long to be a request.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be encoded
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise InstructionError("the instruction is empty; say what to do, e.g. 'put an apple in the fridge'")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InstructionError(f"the instruction is {len(text)} characters long; say it in at most "
                               f"{MAX_INSTRUCTION_CHARS}")
    return text


@dataclass(frozen=True)
class Mention:
    start: int
    phrase: str
    category: str


def find_mentions(text: str, scene: Scene, catalog: Catalog) -> list[Mention]:
    """Category mentions, longest phrase first, resolved to categories present where ambiguous."""
    index = catalog.phrase_index()
    words = normalise(text).split()
    plural = {w + "s": w for w in index} | {w + "es": w for w in index}
    mentions: list[Mention] = []
    present = scene.categories()
    i = 0
    while i < len(words):
        for n in range(min(4, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + n])
            phrase = phrase if phrase in index else plural.get(phrase, phrase)
            if phrase in index:
                cats = index[phrase]
                here = [c for c in cats if c in present]
                mentions.append(Mention(i, phrase, (here or list(cats))[0]))
                i += n
                break
        else:
            i += 1
    return mentions


_DETERMINER = re.compile(r"\b(?:the|a|an|my|some|two|both)\s+([a-z]+)")


def unknown_nouns(norm: str, catalog: Catalog, mentions: list[Mention]) -> list[str]:
    """Words after a determiner that name no category, e.g. 'banana' in 'put the banana away'."""
    index = catalog.phrase_index()
    known = {w for m in mentions for w in m.phrase.split()}
    return [w for w in _DETERMINER.findall(norm)
            if w not in index and w.rstrip("s") not in index and w not in known]



def known_words(catalog: Catalog) -> frozenset[str]:
    """Every word of the catalog's names and synonyms and of the request phrasings (config/instructions.yaml)."""
    return _phrasing_words() | {w for phrase in catalog.phrase_index() for w in phrase.split()}


@cache
def _phrasing_words() -> frozenset[str]:
    from groundplan.language.instructions import load_templates

    return frozenset(w for templates in load_templates().values() for template in templates
                     for w in normalise(re.sub(r"\{\w+\}", " ", template)).split())


def check_reading(text: str, scene: Scene, read: list[tuple[str, str, str | None]], catalog: Catalog,
                  refused: str | None = None) -> None:
    """Raise InstructionError where a learned reader's goal is not what the request says.

    `read` holds the goal's clauses as (family, object category, target category); `refused`, the
    category a refusal names (absent, or unable to do what was asked). The request may
    name an object that is absent, have no word the planner knows, or mention some categories while
    the goal acts on none of them. "Me" (the person) is the speaker, not an object the goal must act on:
    whether someone is there to hand things to is the goal's check.
    """
    mentions = [m for m in find_mentions(text, scene, catalog) if m.category != PERSON]
    present = scene.categories()
    # "by the light of the lamp": a word of the phrasings is not taken for an object that is missing
    absent = [m for m in mentions if m.category not in present and m.phrase not in _phrasing_words()]
    if absent:
        raise InstructionError(f"there is no {absent[0].phrase} in scene {scene.id!r}")
    if not set(normalise(text).split()) & known_words(catalog):
        raise InstructionError("the request has no word I know; say it in English, e.g. 'put an apple in the fridge'")
    if not mentions:
        return
    named = {m.category for m in mentions}
    if refused and refused not in named:
        raise ClarificationNeeded(f"unclear request: I would refuse it over {split_camel(refused)}, which it does not "
                               f"mention; please say it another way")
    # A composite request may leave parts unsaid ("movie night: tv on" also closes the curtains), but at
    # least one part of the goal must act on only what the request names.
    def unsaid(family: str, obj: str, target: str | None) -> list[str]:
        # a lamp is implied by "look at X in the light"; the main object and a place are not
        slots = (obj,) if family == "look_at_obj_in_light" else (obj, target)
        return [c for c in slots if c and c not in named]

    if read and all(unsaid(*clause) for clause in read):
        family, obj, target = read[0]
        words = ", ".join(sorted({m.phrase for m in mentions}))
        raise ClarificationNeeded(
            f"unclear request: I read it as {family.replace('_', ' ')} {split_camel(obj)}"
            + (f" {split_camel(target)}" if target else "")
            + f", but it mentions only {words}; please say it another way")
