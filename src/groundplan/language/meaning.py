"""
Goal lines in plain words, for a pretrained model that chooses what a request means.

The reader (planning.reader) sees a compact prompt and one option at a time:

    Request: could you chill the apple and leave it on the table?
    Meaning: chill the apple and put it on the dining table

An option is a goal line (`prompt.Clause`s or a `prompt.Refusal`) said in words the pretrained model
already knows, one piece per clause, so that a whole line is scored as the sum of its pieces. The
scene is not in the prompt: what the room has decides which options exist (language.reading), not
how a request reads, so adding an unrelated object to a room cannot change the reading.
"""

from __future__ import annotations

from groundplan.language.prompt import Clause, Refusal, category_name
from groundplan.types.catalog import split_camel

READER_PROMPT = "Request: {request}\nMeaning:"
MORE = ";"  # another clause follows
END = "\n"

_FAMILY = {
    "pick_and_place": "put the {obj} in the {target}",
    "pick_clean_then_place": "wash the {obj} and put it in the {target}",
    "pick_heat_then_place": "heat the {obj} and put it in the {target}",
    "pick_cool_then_place": "chill the {obj} and put it in the {target}",
    "look_at_obj_in_light": "look at the {obj} under the {target}",
    "pick_two_obj_and_place": "put two {obj} in the {target}",
    "open": "open the {obj}",
    "close": "close the {obj}",
    "turn_on": "switch on the {obj}",
    "turn_off": "switch off the {obj}",
    "deliver": "bring me the {obj}",
    "fill": "fill the {obj} with water",
    "water": "water the {obj}",
    "slice": "slice the {obj}",
    "heat": "heat the {obj}",
    "cook": "cook the {obj} in the {target}",
    "wipe": "wipe the {obj} clean",
    "take_out": "take the {obj} out",
}
# How an end state reads before the object: "a hot filled mug" reads "the mug of hot water".
_STATE = {"sliced": "sliced", "clean": "clean", "hot": "hot", "cold": "cold", "filled": "filled"}


def category_words(token: str) -> str:
    """'sinkbasin' -> 'sink basin' (lower-case goal tokens are catalog names, case folded)."""
    return split_camel(category_name(token))


def clause_words(clause: Clause) -> str:
    obj = category_words(clause.obj)
    states = set(clause.states)
    if clause.family == "fill" and "hot" in states:
        return f"fill the {obj} with hot water"
    if "filled" in states:  # a drink: "the mug of hot water"
        drink = " ".join(_STATE[s] for s in clause.states if s != "filled")
        obj = f"{obj} of {drink + ' ' if drink else ''}water"
    elif states:
        obj = " ".join(_STATE[s] for s in clause.states) + " " + obj
    if clause.family == "pick_two_obj_and_place":
        obj = obj + ("es" if obj.endswith(("s", "x", "ch", "sh")) else "s")
    target = category_words(clause.target) if clause.target else ""
    template = _FAMILY[clause.family]
    if clause.every:  # "wash every plate and put it in the cabinet"
        template = template.replace("the {obj}", "every {obj}", 1)
    return template.format(obj=obj, target=target)


def refusal_words(refusal: Refusal) -> str:
    name = refusal.category.replace("_", " ") if refusal.category else ""
    if refusal.kind == "absent":
        return f"refuse: there is no {category_words(name)} here"
    if refusal.kind == "impossible":
        return f"refuse: a {category_words(name)} cannot do that"
    if refusal.kind == "unmet":
        return f"refuse: nothing here helps, {name}"
    if refusal.kind == "vague":
        return "ask back: what exactly should I do?"
    return "refuse: that is not a household task I know"


def option_pieces(answer: list[Clause] | Refusal) -> list[str]:
    """The meaning's text after the prompt, one piece per clause, each with what follows it."""
    if isinstance(answer, Refusal):
        return [f" {refusal_words(answer)}{END}"]
    return [f" {clause_words(c)}{MORE if i < len(answer) - 1 else END}" for i, c in enumerate(answer)]


def reader_prompt(request: str) -> str:
    return READER_PROMPT.format(request=" ".join(request.split()))
