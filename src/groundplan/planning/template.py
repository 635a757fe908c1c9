"""A rule-based reader from instruction phrasings to goals: the non-learned baseline.

Its rules are written from the training phrasings; the held-out ones (each family's last) test
whether a reader generalises, and this one need not.
"""

from __future__ import annotations

import re

from groundplan.errors import InstructionError
from groundplan.language.reading import find_mentions, unknown_nouns
from groundplan.language.text import normalise
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.goals import FAMILIES, Goal, family_goal
from groundplan.types.scene import Scene

_TOGGLE = re.compile(r"\b(?:turn|turning|switch|switching)\b(?:\s+\w+){0,4}?\s+\b(on|off)\b|\b(on|off)$")
_FAMILY_WORDS = [  # checked in order; the first match decides
    ("pick_heat_then_place", re.compile(r"\b(heat|heated|heating|warm|hot|microwave)\b")),
    ("pick_cool_then_place", re.compile(r"\b(cool|cooled|cooling|chill|chilled|cold)\b")),
    ("pick_clean_then_place", re.compile(r"\b(clean|wash|washed|rinse|rinsed|rinsing|scrub)\b")),
    ("pick_two_obj_and_place", re.compile(r"\b(two|both|2|pair of|couple of)\b")),
]


def parse_instruction(text: str, scene: Scene, catalog: Catalog | None = None) -> Goal:
    """The goal an instruction asks for; InstructionError when it names nothing it can act on."""
    catalog = catalog or default_catalog()
    if not text or not text.strip():
        raise InstructionError("the instruction is empty; say what to do, e.g. 'put an apple in the fridge'")
    norm = normalise(text)
    mentions = find_mentions(text, scene, catalog)
    items = [m for m in mentions if catalog.get(m.category).is_item]
    fixtures = [m for m in mentions if not catalog.get(m.category).is_item]

    def nothing(what: str) -> InstructionError:
        unknown = unknown_nouns(norm, catalog, mentions)
        why = (f"{', '.join(repr(w) for w in unknown)} is not an object I know" if unknown
               else "no word in it names a known object")
        return InstructionError(f"cannot tell {what} in {text!r}: {why}")

    lights = [m for m in fixtures if catalog.get(m.category).has("light_source")]
    if items and lights:
        return family_goal("look_at_obj_in_light", items[0].category, lights[0].category)
    toggle = _TOGGLE.search(norm)
    if toggle and not items:
        devices = [m for m in fixtures if catalog.get(m.category).has("toggleable")]
        if not devices:
            raise nothing("what to switch")
        return family_goal("turn_on" if "on" in toggle.groups() else "turn_off", devices[0].category)
    for family, pattern in (("open", r"\bopen(ing)?\b"), ("close", r"\b(close|closing|shut)\b")):
        if re.search(pattern, norm) and not items:
            doors = [m for m in fixtures if catalog.get(m.category).has("openable")]
            if not doors:
                raise nothing(f"what to {family}")
            return family_goal(family, doors[0].category)
    if not items:
        raise nothing("which object to move")
    family = next((f for f, p in _FAMILY_WORDS if p.search(norm)), "pick_and_place")
    receptacles = [m for m in fixtures if catalog.get(m.category).has("receptacle")]
    source = FAMILIES[family].source  # the microwave heats the mug; it is not where the mug goes
    if source and len(receptacles) > 1:
        receptacles = [m for m in receptacles if not catalog.get(m.category).has(source)] or receptacles
    if not receptacles:
        raise nothing(f"where to put the {items[0].phrase}")
    return family_goal(family, items[0].category, receptacles[-1].category)
