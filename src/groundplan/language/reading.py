"""
Reading a request before any planner sees it.

Clean text, the categories it mentions, a check that it names nothing the scene lacks, and the goal
lines it can mean in a scene (`ReadingSpace`), which a learned planner decodes within.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import dropwhile

from groundplan.errors import InstructionError
from groundplan.language.instructions import load_idioms
from groundplan.language.library import BeyondRequest, helpful_goals, load_requests
from groundplan.language.prompt import Clause, Refusal, category_name, goal_of, parse_goal_line
from groundplan.language.text import normalise
from groundplan.types.catalog import Catalog, split_camel
from groundplan.types.goals import FAMILIES, MODIFIERS, PERSON, flag_family
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.validator import Validator

MAX_INSTRUCTION_CHARS = 500  # a spoken request; longer text is a paste or an attack, not a task


def clean_instruction(text: str, catalog: Catalog | None = None) -> str:
    """The request as plain text: Unicode normalised, control characters and lone surrogates gone.

    With a catalog, a misspelt name is spelt its way too (`correct_spelling`). Raises
    InstructionError for an empty request or one too long to be a request.
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
    return correct_spelling(text, catalog) if catalog is not None else text


def correct_spelling(text: str, catalog: Catalog) -> str:
    """`text` with misspelt object names spelt as the catalog does: "teh micorwave", "kettel", "fridg".

    A word is corrected only where it is no English word (pyspellchecker's list: "stone" is never
    the stove, nor "flour" the floor) and the planner knows it no other way, it has five letters or
    more, and exactly one name word with its first letter is one edit away, so that a word it does
    not know ("bananna") stays unknown rather than taken for another.
    """
    known = known_words(catalog)
    names = {w for phrase in mention_index(catalog) for w in phrase.split() if len(w) >= 4}

    def fix(match: re.Match) -> str:
        word = match.group(0)
        low = word.lower()
        if len(low) < 5 or low in known or _singular(low, known) in known:
            return word
        near = {n for n in _english().edit_distance_1(low) & names if n[0] == low[0]}
        # the word list loads (about a second) only once a word is near a name
        return near.pop() if len(near) == 1 and low not in _english() else word
    return re.sub(r"[A-Za-z]+", fix, text)


@cache
def _english():
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


def _singular(word: str, names: Container[str]) -> str:
    """The name a plural says: cups, glasses, knives, shelves, teddies (the word itself where none)."""
    stems = (word[:-1], word[:-2]) if word.endswith("s") else ()
    stems += (word[:-3] + "f", word[:-3] + "fe") if word.endswith("ves") else ()
    stems += (word[:-3] + "y",) if word.endswith("ies") else ()  # teddies
    return next((stem for stem in stems if stem in names), word)


@dataclass(frozen=True)
class Mention:
    start: int
    phrase: str
    category: str
    plural: bool = False  # said of more than one: "the eggs", "both cups"
    as_verb: bool = False  # a place said as the verb of putting there: "fridge the wine", "bin the papers"
    implied: bool = False  # not named but needed for what a word asks: the pan of "fry", the bin of "throw away"

    @property
    def end(self) -> int:
        """The place of the word after it."""
        return self.start + len(self.phrase.split())


_mention_indexes: dict[int, tuple[Catalog, dict[str, tuple[str, ...]]]] = {}


def mention_index(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """The catalog's phrases as requests are normalised: 'washing-up liquid' is read 'washing up liquid'.

    Built once per catalog: every reading asks for it several times.
    """
    known = _mention_indexes.get(id(catalog))
    if known is not None and known[0] is catalog:
        return known[1]
    index: dict[str, tuple[str, ...]] = {}
    for phrase, cats in catalog.phrase_index().items():
        key = normalise(phrase)
        index[key] = index.get(key, ()) + tuple(c for c in cats if c not in index.get(key, ()))
    _mention_indexes[id(catalog)] = (catalog, index)
    return index


# A one-word name used as a verb names no object: "throw the mug away" (not the blanket called a
# throw), "I want to watch TV". A verb follows "to" or a request's opening, or comes before an object.
_BEFORE_VERB = frozenset({"to", "you", "i", "we", "please", "can", "could", "would", "will", "lets", "let's"})
_AFTER_VERB = frozenset({"the", "a", "an", "my", "your", "our", "it", "this", "that", "these", "those", "some",
                         "me", "him", "her", "them", "away", "out"})


def _verb_use(words: list[str], i: int, ends_part: bool = False) -> bool:
    """`ends_part`: the word ends a part of the request, so what follows is no object of it ("plunger! the ...")."""
    before = words[i - 1] if i else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return (i == 0 or before in _BEFORE_VERB) and after in _AFTER_VERB and not ends_part or before == "to"


def _without_clitic(word: str) -> str:
    """A word without its clitic: "fridge's" (the fridge is, or its door) names the fridge."""
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


def find_mentions(text: str, scene: Scene, catalog: Catalog) -> list[Mention]:
    """Category mentions, longest phrase first, resolved to categories present where ambiguous."""
    index = mention_index(catalog)
    words = [_without_clitic(w) for w in normalise(text).split()]
    ends = {part.start + len(part.words) - 1 for part in _clauses(text)}  # "plunger! the loo's ...": no verb
    mentions: list[Mention] = []
    present = scene.categories()
    i = 0
    while i < len(words):
        for n in range(min(4, len(words) - i), 0, -1):
            said = " ".join(words[i:i + n])
            phrase = said if said in index else _singular(said, index)
            verb = n == 1 and phrase == said and _verb_use(words, i, i in ends)  # "pens out of ...": no verb
            if phrase in index:
                cats = index[phrase]
                category = ([c for c in cats if c in present] or list(cats))[0]
                # a place that opens a part as its verb still names the place: "fridge the wine"
                as_verb = verb and (i == 0 or words[i - 1] != "to") and catalog.get(category).has("receptacle")
                if verb and not as_verb:
                    continue
                plural = (phrase != said and words[max(0, i - 3):i - 1] != ["one", "of"]) or (
                    i > 0 and words[i - 1] in ("both", "two"))  # "one of the laptops" is one
                mentions.append(Mention(i, phrase, category, plural, as_verb))
                i += n
                break
        else:
            i += 1
    return sorted(mentions + _implied(words, mentions), key=lambda m: m.start)


# "throw the mug away", "get rid of the old papers": the bin is where it goes, as in "bin the papers"
_THROW_AWAY = re.compile(r"\b(?:(?:get|getting) rid of|dispose of|do away with|ditch|"
                         r"(?:throw|chuck|toss|bung|tip)(?= (?:away|out)\b| (?:\S+ ){1,4}(?:away|out)\b(?! of\b)))\b")
# "fry the egg", "boil the potatoes": the verb names what it is done in
_COOK_IN = {"fry": "Pan", "boil": "Pot"}
_VESSELS = frozenset({"Pan", "Pot", "Kettle", "GarbageCan", "GarbageBag"})


def _implied(words: list[str], mentions: list[Mention]) -> list[Mention]:
    """What a verb names without saying it: the bin of throwing away, the pan of frying, the pot of boiling.

    The bin is said as the verb, as "bin the papers" says it. None where a bin, a bag or a vessel is named:
    "chuck it in the bin", "get rid of the rubbish bag" (taking it out), "boil the kettle".
    """
    if any(m.category in _VESSELS for m in mentions):
        return []
    norm = " ".join(words)
    match = _THROW_AWAY.search(norm)
    if match:
        return [Mention(norm[:match.start()].count(" "), match.group(0), "GarbageCan", as_verb=True, implied=True)]
    cook = next((at for at, word in enumerate(words) if word in _COOK_IN and any(m.start > at for m in mentions)), None)
    return [] if cook is None else [Mention(cook, words[cook], _COOK_IN[words[cook]], implied=True)]


# A noun slot: after a determiner or a number, or opening a terse request ("cold suitcase to the
# burner"), past the states a person may put before it ("a nice cold cookie").
_STATE_WORDS = r"(?:hot|cold|warm|chilled|clean|dirty|sliced|filled|fresh|nice|big|little|small|other|new|old)"
_NOUN_SLOT = re.compile(rf"(?:\b(?:the|a|an|my|some|two|both|your|this|that|these|those)\s+|^)"
                        rf"(?:{_STATE_WORDS}\s+)*([a-z]+)")


def unknown_nouns(norm: str, catalog: Catalog, mentions: list[Mention]) -> list[str]:
    """Words in a noun's place that name no category, e.g. 'banana' in 'put the banana away'."""
    index = mention_index(catalog)
    known = {w for m in mentions for w in m.phrase.split()}
    words = [m.group(1) for m in _NOUN_SLOT.finditer(norm) if m.start(1) > 0 or m.group(0) != m.group(1)]
    return [w for w in words if w not in index and _singular(w, index) not in index and w not in known
            and not re.fullmatch(_STATE_WORDS, w) and w not in _outcome_words()]


@cache
def _outcome_words() -> frozenset[str]:
    """The words of the task library's and needs table's phrasings: "a coffee", "a cuppa" are outcomes."""
    requests = load_requests()
    texts = [t for entry in (*requests.tasks.values(), *requests.needs.values()) for t in entry.phrasings]
    return frozenset(w for t in texts for w in normalise(t).split())



# Verbs a request opens with to ask something of a thing: what follows one is asked for.
ACTION_VERBS = frozenset("""put place move bring take get fetch hand give carry turn switch open close shut heat warm
cool chill wash rinse clean scrub fill water slice cut leave set drop make boil throw toss power flick light
microwave store grab lay pour pass chuck bin hang wipe cook fry toast serve""".split())
_DETERMINER = r"(?:the|a|an|my|some|two|both|your|this|that|these|those)"
# after an action verb, or opening a terse request ("cold spaceship to the fridge")
_VERB_FIRST = rf"\b(?:{'|'.join(sorted(ACTION_VERBS))})\s+(?:(?:me|us|up|out|away|down)\s+)?{_DETERMINER}\s+"
_OBJECT_SLOT = re.compile(rf"(?:{_VERB_FIRST}|^(?:{_DETERMINER}\s+)?)(?:{_STATE_WORDS}\s+)*([a-z]+)")


def asked_unknowns(norm: str, catalog: Catalog, mentions: list[Mention]) -> list[str]:
    """Unknown nouns a request asks something of ("put the banana away"), not passing ones ("with the kids around")."""
    unknown = set(unknown_nouns(norm, catalog, mentions)) - _MEASURES
    return [m.group(1) for m in _OBJECT_SLOT.finditer(norm) if m.group(1) in unknown]


# of a thing, or how many ("those two apples")
_MEASURES = frozenset({"piece", "bit", "slice", "lot", "couple", "pair", "few", "drop", "splash",
                       "one", "two", "three", "four", "five", "both", "several"})


def asked_for(norm: str, mention: Mention) -> bool:
    """Whether the request asks something of a mentioned thing.

    That is, its name stands in an object's place: the first words after a verb's determiner, or
    opening the request ("fetch the bathroom light", "the laptop, please").
    """
    return any(0 <= mention.start - norm[:m.start(1)].count(" ") <= 2 for m in _OBJECT_SLOT.finditer(norm))


def known_words(catalog: Catalog) -> frozenset[str]:
    """Every word of the catalog's names and synonyms and of the request phrasings (config/instructions.yaml)."""
    return _phrasing_words() | {w for phrase in mention_index(catalog) for w in phrase.split()}


@cache
def _phrasing_words() -> frozenset[str]:
    from groundplan.language.instructions import load_templates

    return frozenset(w for templates in load_templates().values() for template in templates
                     for w in normalise(re.sub(r"\{\w+\}", " ", template)).split())


def check_reading(text: str, scene: Scene, catalog: Catalog, weigh_absent: bool = False) -> None:
    """Raise InstructionError where no reading of the request can be right.

    That is, where it names a thing the scene lacks or has no word the planner knows. (What a
    reading may act on is ReadingSpace's.) With `weigh_absent`, a thing the scene lacks refuses
    here only where a verb asks something of it or puts something in it (`asked_by_verb`: "open the
    blinds", though a light that is here is named too), or where the request asks something of it
    (`asked_for`) and names nothing that is present. A passing mention ("before I go to bed, switch
    the TV off") and a thing only talked about ("I left my phone upstairs", "there's no towel") may
    tell a need: the reader weighs refusing for it against the readings on what is there.
    """
    mentions = [m for m in find_mentions(text, scene, catalog) if m.category != PERSON]
    present = scene.categories()
    norm = normalise(text)
    absent = [m for m in mentions if m.category not in present]
    by_verb = [m for m in absent if m.implied or asked_by_verb(text, m)]
    # "by the light of the lamp": a word of the phrasings is not taken for an object that is missing,
    # but where a verb asks for it ("flick the bathroom light on")
    absent = [m for m in absent if m in by_verb or m.phrase not in _phrasing_words()]
    if weigh_absent and not by_verb and (any(m.category in present for m in mentions)
                                         or not any(asked_for(norm, m) for m in absent)):
        absent = []
    if absent:
        missing = (by_verb or absent)[0]
        # a place a verb implies is said by its name: "fry the egg" in a room with no pan
        name = split_camel(missing.category).lower() if missing.implied else missing.phrase
        raise InstructionError(f"there is no {name} in scene {scene.id!r}")
    if not set(norm.split()) & known_words(catalog):
        raise InstructionError("the request has no word I know; say it in English, e.g. 'put an apple in the fridge'")


@dataclass(frozen=True)
class _Clause:
    start: int  # its first word's place among the request's normalised words
    words: list[str]
    question: bool  # it ends in "?"

    def named(self, mentions: Iterable[Mention]) -> list[Mention]:
        """The mentions that start in this part."""
        return [m for m in mentions if self.start <= m.start < self.start + len(self.words)]


def _then_acts_on_it(parts: Sequence[_Clause], i: int) -> bool:
    """Whether a part after the i-th does something to "it" or "them" ("the book on the desk, bring it here")."""
    return any({"it", "them"} & set(part.words) for part in parts[i + 1:])


def _lying(scene: Scene, now: WorldState) -> set[tuple[str, str]]:
    """(item, place) categories of what lies in or on what in the room as it stands."""
    return {(scene.get(item).category, scene.get(place).category) for item, place in now.located.items()
            if item in scene and place in scene}


def _clauses(text: str) -> list[_Clause]:
    """The request's parts between punctuation, with their places among `normalise(text)`'s words."""
    out, start = [], 0
    for match in re.finditer(r"[^,;.!?:]+([,;.!?:]*)", text.lower()):
        words = normalise(match.group(0)).split()
        if words:
            out.append(_Clause(start, words, "?" in match.group(1)))
            start += len(words)
    return out


def _word_before_name(words: Sequence[str], at: int) -> int:
    """The place of the word before a name at `at` and its determiners and states ("in [the old] fridge"); -1: none."""
    before = at - 1
    while before >= 0 and _BEFORE_NAME.fullmatch(words[before]):
        before -= 1
    return before


# Where a clause opening with a verb puts something, or makes it: "brew me a pot in the coffee machine"
_INTO = frozenset({"in", "into", "on", "onto", "inside"})
# words before a clause's verb: "could you just ...", "oh and then ..."
_OPENERS = frozenset("please pls could can would will you just now and also then so oh ok okay well right hey um"
                     .split())
_VERB_SLOT = re.compile(rf"{_VERB_FIRST}(?:{_STATE_WORDS}\s+)*([a-z]+)")
# a word that may open an imperative ("stick the telly on"): not a determiner, pronoun, question word,
# auxiliary or conjunction ("since the TV is broken", "does the TV work?", "after the kettle boils")
_IMPERATIVE = re.compile(rf"(?!(?:{_DETERMINER}|there|here|it|what|where|when|who|how|why|is|are|was|were|i|we|"
                         r"they|he|she|not|no|all|only|even|let|lets|let's|since|with|without|if|after|before|"
                         r"because|as|though|although|until|unless|once|while|does|do|did|has|have|had|maybe|"
                         r"but|or|for|of|to|in|on|at|by|from|about|like)\b)[a-z']+")
_DETERMINER_WORD = re.compile(_DETERMINER)
_PARTICLES = frozenset({"up", "on", "off", "out", "down"})


def asked_by_verb(text: str, mention: Mention) -> bool:
    """Whether a verb in the mention's clause acts on it, or a clause opening with a verb asks something into it.

    "open the blinds", "flick the bathroom light on", "stick the telly on", "fire up the space heater",
    "put the apple in the fridge", "brew me a pot in the coffee machine"; not "there's no TV in here",
    "since the TV is broken, ...", "I'm on the sofa", or "bring the remote, it's on the sofa" (where a
    thing lies, said in a clause of its own). A word of the phrasings ("the light") is asked for only by
    a verb the planner knows: it may be daylight.
    """
    for clause in _clauses(text):
        words = clause.words
        if not clause.start <= mention.start < clause.start + len(words):
            continue
        at = mention.start - clause.start
        said = " ".join(words)
        if any(0 <= at - said[:m.start(1)].count(" ") <= 2 for m in _VERB_SLOT.finditer(said)):
            return True
        if mention.phrase in _phrasing_words():
            return False
        first = next((i for i, w in enumerate(words) if w not in _OPENERS), len(words))
        if first == len(words):
            return False
        name = first + 1 + (first + 1 < len(words) and words[first + 1] in _PARTICLES)
        after = at + len(mention.phrase.split())
        described = after < len(words) and words[after] in _SAID_OF  # "the TV is broken"
        if (_IMPERATIVE.fullmatch(words[first]) and name < len(words) and _DETERMINER_WORD.fullmatch(words[name])
                and 0 < at - name <= 2 and not described):
            return True
        before = _word_before_name(words, at)
        return before > 0 and words[before] in _INTO and words[first] in ACTION_VERBS | {"brew"}
    return False


# Clauses that cannot both be asked of one object: "open the blinds ; close the blinds" is no request.
_OPPOSITE = {name: flag_family(spec.flag, not spec.flag_value) for name, spec in FAMILIES.items() if spec.flag}


def contradicts(clause: Clause, others: Iterable[Clause]) -> bool:
    opposite = _OPPOSITE.get(clause.family)
    return opposite is not None and any(o.family == opposite and o.obj == clause.obj for o in others)


# The direction a request asks for, by its words: a reading never goes the other way ("turn off the TV" is
# never the TV on, "chill the apple" never a hot one). Each direction is a (flag or state, value) pair,
# and a request that says both ways of one thing ("hot drink in a cold room") gives no direction for it.
_VERB = r"(?:turn|switch|power|flick|shut)(?:s|ed|ing)?"
_DIRECTIONS: tuple[tuple[re.Pattern, tuple[str, bool]], ...] = (
    (re.compile(rf"\b{_VERB}\s+(?:\w+\s+){{0,4}}?off\b|\bunplug|\boff with\b|\bkill\b|\blights? out\b"),
     ("on", False)),
    (re.compile(rf"\b{_VERB}\s+(?:\w+\s+){{0,4}}?on\b"), ("on", True)),
    (re.compile(r"\b(?:close|closed|closing|shut)\b(?!\s+(?:\w+\s+){0,4}?off\b)"), ("open", False)),
    (re.compile(r"\bopen(?:s|ed|ing)?\b"), ("open", True)),
    (re.compile(r"\b(?:chill|chilled|cool|cooled|cold|colder|freeze|frozen|refrigerate)\b"), ("hot", False)),
    (re.compile(r"\b(?:heat|heated|warm|warmed|warmer|hot|hotter)\b"), ("hot", True)),
)


# "the fridge is wide open again", "the telly's been on all day", "did I leave the drawer open?": a state
# described, not asked for (the person may want it either way: the reader weighs that).
_LEFT = (r"\b(?:did (?:i|you|we|someone) leave|(?:i|you|we|someone|they) left|have (?:i|you|we) left)"
         r"\s+(?:\w+\s+){1,3}?(open|on|closed|shut|off)\b")
_DESCRIBED = re.compile(r"(?:'s|\b(?:is|are|was|were|been|left|still|stays?))\s+"
                        rf"(?:(?:wide|all|still|been|already|left)\s+)?(open|on|closed|shut|off)\b|{_LEFT}"
                        # "too bright with all these lamps on": how things are, said after "with"
                        r"|\bwith\s+(?:all\s+)?(?:the|these|those|my|your|its)\s+(?:\w+\s+){1,2}?(open|on|closed|shut|off)\b")


# ...unless the person asks to have it checked: "make sure the tap's shut off", "stove's off, right?"
_STATE_ASKED = {"shut off": ("on", False), "turned off": ("on", False), "switched off": ("on", False),
                "off": ("on", False), "on": ("on", True), "open": ("open", True), "closed": ("open", False),
                "shut": ("open", False)}
_STATE = "|".join(_STATE_ASKED)
# "leave it on the table", "the cup off the shelf": "on" and "off" before a place say where, not a switch
_PLACE_FOLLOWS = r"(?:the|a|an|my|your|our|his|her|their|this|that|top|of|to|in|at|for|there|here)\b"
_CHECKED = re.compile(rf"\b(?:make sure|check|ensure|see that)\b(?:\s+[\w']+){{0,5}}?(?:'s|\s+is|\s+are)\s+"
                      rf"(?:(?:all|still|properly)\s+)?({_STATE})\b"
                      rf"|(?:'s|\bis|\bare)\s+({_STATE})\s+(?:right|yeah|surely|isn't it|aren't they|make sure|"
                      rf"(?:double )?check)\b"
                      rf"|\b(?:leave|keep)\s+(?:it|them|(?:the\s+)?\w+)\s+({_STATE}|running)\b(?!\s+{_PLACE_FOLLOWS})")
# "desk lamp off and pull the curtains", "hob off please": a thing named, then the way it should be.
# Not before a place or an object ("the book on the shelf", "I'm off to bed" names no thing).
_SHORT_SWITCH_NOT_BEFORE = re.compile(rf"{_PLACE_FOLLOWS}|(?:with|it|them|again)\b")


def short_switches(text: str, mentions: Iterable[Mention]) -> dict[str, tuple[str, bool]]:
    """The way each named thing is asked to be by a bare state after it, outside described states and questions.

    {"stoveburner": ("on", False), "fridge": ("open", False)} for "fridge closed, hob off". A list of
    things shares the word: "microwave and hob off" asks both off, and a part that is only a name the way
    the part before asks ("shut the fridge, then the microwave"). A thing named as a place ("the mug out
    of the microwave") is not in the list, and "microwave on?" asks nothing.
    """
    norm = normalise(text)
    words = norm.split()
    starts = [len(" ".join(words[:i])) + (i > 0) for i in range(len(words))]
    described = [m.span() for m in _DESCRIBED.finditer(norm)]
    asked_about = {clause.start + i for clause in _clauses(text) if clause.question for i in range(len(clause.words))}
    mentions = sorted(mentions, key=lambda m: m.start)
    places = {m.start for m in mentions}  # "the remote on sofa": a thing named after "on" is where
    mentions = [m for m in mentions if not _named_as_place(words, m.start)]
    found: dict[str, tuple[str, bool]] = {}
    for i, mention in enumerate(mentions):
        last = mention  # "microwave and the hob": the things listed up to the last one
        while i + 1 < len(mentions) and all(w == "and" or _BEFORE_NAME.fullmatch(w) for w in
                                            words[last.end:mentions[i + 1].start]):
            i += 1
            last = mentions[i]
        after = last.end
        said = words[after] if after < len(words) else ""
        if said in _BARE_STATES and after not in asked_about and (
                after + 1 == len(words) or not _SHORT_SWITCH_NOT_BEFORE.match(words[after + 1])) and (
                after + 1 not in places or said != "on") and not any(a <= starts[after] < b for a, b in described):
            found.setdefault(mention.category.lower(), _BARE_STATES[said])
    # "shut the fridge, then the microwave": a part that is only a name takes the way the part before asks
    parts = _clauses(text)
    for before, part in zip(parts, parts[1:]):
        inside = part.named(mentions)
        if len(inside) != 1 or part.question:
            continue
        name = range(inside[0].start, inside[0].end)
        rest = [w for at, w in enumerate(part.words, part.start) if at not in name]
        if not all(w in _OPENERS or w == "too" or _BEFORE_NAME.fullmatch(w) for w in rest):
            continue
        ways = directions(" ".join(before.words))
        if len(ways) == 1:
            found.setdefault(inside[0].category.lower(), next(iter(ways.items())))
    return found


def _named_as_place(words: Sequence[str], at: int) -> bool:
    """Whether a name follows a word of place ("out of the microwave"); not "on" or "off", which may be states."""
    before = _word_before_name(words, at)
    return before >= 0 and words[before] in (_WHERE - {"on", "off"}) | {"of", "into"}


_BARE_STATES = {"on": ("on", True), "off": ("on", False), "open": ("open", True), "closed": ("open", False),
                "shut": ("open", False)}


@cache
def _idiom_patterns() -> dict[str, list[tuple[str, bool, str, str]]]:
    """Category -> (flag, value, words before the thing, words after) of its idioms ("roll up {obj}").

    An idiom's last phrasing stays out, as it does of training (`render_idiom`): it measures what is learnt.
    """
    out: dict[str, list[tuple[str, bool, str, str]]] = {}
    for category, families in load_idioms().items():
        for family, said in families.items():
            spec = FAMILIES[family]
            for idiom in said[:-1]:
                if spec.flag is not None and "{obj}" in idiom:
                    before, after = (normalise(part) for part in idiom.split("{obj}", 1))
                    out.setdefault(category, []).append((spec.flag, spec.flag_value, before, after))
    return out


def _idiom_ways(said: str, mentions: Sequence[Mention]) -> set[tuple[str, bool]]:
    """The flags a thing's own idiom asks: "roll up the blinds" opens them, "pull the drawer out" opens it."""
    found = set()
    for mention in mentions:
        thing = rf"(?:{_DETERMINER}\s+)?(?:[a-z']+\s+)?{re.escape(mention.phrase)}(?:e?s)?"
        for flag, value, before, after in _idiom_patterns().get(mention.category, ()):
            pattern = r"\s+".join(p for p in (re.escape(before), thing, re.escape(after)) if p)
            # "pull the curtains to the side": a word the idiom ends in, before a place, is no idiom
            place = rf"(?!\s+{_DETERMINER}\b)" if after else ""
            if re.search(rf"\b{pattern}\b{place}", said):
                found.add((flag, value))
    return found


def _single_ways(asked: dict[str, set[bool]]) -> dict[str, bool]:
    """Each flag asked one way only; one asked both ways ("open it and shut it again") is asked nothing."""
    return {what: values.pop() for what, values in asked.items() if len(values) == 1}


def need_ways(goals: Iterable[str]) -> dict[str, bool]:
    """The flags a need's goal lines all set one way: {"on": False} for being too hot (heaters off)."""
    ways: dict[str, set[bool]] = {}
    for line in goals:
        for clause in parse_goal_line(line):  # type: ignore[union-attr]
            spec = FAMILIES[clause.family]
            if spec.flag is not None:
                ways.setdefault(spec.flag, set()).add(spec.flag_value)
    return _single_ways(ways)


def directions(text: str, mentions: Iterable[Mention] = ()) -> dict[str, bool]:
    """What the request's words ask of each flag: {"on": False} for "turn off the TV".

    With the request's `mentions` (find_mentions), a thing named then "on" or "off" counts too.
    """
    asked: dict[str, set[bool]] = {}
    said = normalise(text)
    norm = re.sub(_LEFT, " ", said)  # "did I leave the drawer open?" asks nothing to be left so
    for match in _CHECKED.finditer(norm):
        what, value = _STATE_ASKED[match.group(1) or match.group(2) or match.group(3).replace("running", "on")]
        asked.setdefault(what, set()).add(value)
    mentions = list(mentions)
    for what, value in short_switches(text, mentions).values():
        asked.setdefault(what, set()).add(value)
    for what, value in _idiom_ways(said, mentions):
        asked.setdefault(what, set()).add(value)
    norm = _DESCRIBED.sub(" ", norm)
    for pattern, (what, value) in _DIRECTIONS:
        if pattern.search(norm):
            asked.setdefault(what, set()).add(value)
    return _single_ways(asked)


def asks_to_check(text: str) -> bool:
    """Whether the request asks to have a state made sure of, which may hold already ("stove's off, right?")."""
    return _CHECKED.search(normalise(text)) is not None


_ABILITY = {"open": "openable", "on": "toggleable"}


def can_go(catalog: Catalog, category: str, flag: str) -> bool:
    """Whether a thing has a flag a request may ask of it ("on": it switches, "open": it opens)."""
    return catalog.get(category_name(category, catalog)).has(_ABILITY[flag])

# What a verb asks of the thing it acts on: to be carried ("item": anything that is one), or an ability.
# "gimme the spatula", "give it a wash in the bath and hang it back up", "can you move it there?"
_VERB_ASKS = {**dict.fromkeys("""put place move bring take get fetch hand give gimme carry grab pass chuck throw toss
hang store lay set drop bin serve pick""".split(), "item"),
              **dict.fromkeys("wash rinse clean scrub".split(), "cleanable"),
              **dict.fromkeys("slice cut chop".split(), "sliceable"), "fill": "fillable", "water": "waterable"}
_PRONOUNS = frozenset({"it", "them", "one", "both"})


# What a thing is said to hold or be: "a cup of tea" is a cup filled and hot, "a cold glass of water" one
# filled and cold, "apple slices" an apple sliced.
_HOT_DRINKS = frozenset({"tea", "coffee", "cocoa"})
_CONTENTS = re.compile(r"of\s+((?:(?:hot|cold|warm|chilled|iced|boiling|fresh|some|nice)\s+)*)"
                       r"(water|tea|coffee|cocoa|milk|juice)\b")
_TEMPERATURE = {"hot": "hot", "warm": "hot", "boiling": "hot", "cold": "cold", "chilled": "cold", "iced": "cold"}
# "the cat's bowl needs water in it", "the kettle wants filling": said to need filling
_NEEDS_FILLING = re.compile(r"(?:needs|need|wants)\s+(?:(?:some|more|fresh)\s+)?"
                            r"(?:water|filling|refilling|topping up|a top up)\b")


def said_states(text: str, mentions: Iterable[Mention], catalog: Catalog) -> dict[str, frozenset[str]]:
    """The states each thing named is said in: {"cup": {"filled", "hot"}} for "I could murder a cup of tea"."""
    words = normalise(text).split()
    mentions = sorted(mentions, key=lambda m: m.start)
    out: dict[str, frozenset[str]] = {}
    for mention in mentions:
        after = mention.end
        states: set[str] = set()
        contents = _CONTENTS.match(" ".join(words[after:after + 5]))
        if contents:
            states = {"filled"} | ({"hot"} if contents.group(2) in _HOT_DRINKS else set())
            said = [*contents.group(1).split(), *words[max(0, mention.start - 2):mention.start]]  # "a cold glass"
            states |= {_TEMPERATURE[w] for w in said if w in _TEMPERATURE}
        if _NEEDS_FILLING.match(" ".join(words[after:after + 5])) and catalog.get(mention.category).has("fillable"):
            states.add("filled")  # a plant that "needs water" is watered, not filled
        if (after < len(words) and words[after] in ("slices", "wedges")) or (
                mention.start and words[mention.start - 1] in ("sliced", "chopped")):
            states.add("sliced")
        # "hand me a clean towel" asks for one clean; "the clean towel" only says which
        if words[max(0, mention.start - 2):mention.start] in (["a", "clean"], ["some", "clean"]) and catalog.get(
                mention.category).has("cleanable"):
            states.add("clean")
        if states and not {"hot", "cold"} <= states:
            out[mention.category.lower()] = frozenset(states)
    # "put the tomato on the plate, sliced please": said after a name, of the nearest thing named before that
    # can be sliced
    before_names = {m.start - 1 for m in mentions}
    for i, word in enumerate(words):
        if word in ("sliced", "chopped") and i not in before_names and (i == 0 or words[i - 1] not in _NOT):
            named = [m for m in mentions if m.start < i and catalog.get(m.category).has("sliceable")]
            if named:
                out[named[-1].category.lower()] = out.get(named[-1].category.lower(), frozenset()) | {"sliced"}
    return out


_NOT = frozenset({"not", "never", "no"})

# A thing only talked about asks nothing of it: the subject of what is said of it ("the loo's about to
# overflow", "both knives should be in the drawer"), where something is ("dozing off on the sofa") or
# when ("after my bath").
_SAID_OF = frozenset("""is are was were isn't aren't wasn't needs need should would could will can has have
keeps looks seems gets got might must""".split())
_WHERE = frozenset("on in at by near off from under beside over behind inside".split())
_WHEN = frozenset("after before during since until till".split())  # "it's nippy in here after my bath"
_BEFORE_NAME = re.compile(rf"{_DETERMINER}|{_STATE_WORDS}|\w+'s|our|his|her|their|all")


def talked_of(text: str, mentions: Iterable[Mention]) -> frozenset[str]:
    """The categories named only as a subject or a place, never as what a verb or a pronoun after one acts on."""
    words = normalise(text).split()
    mentions = list(mentions)
    verbs = ACTION_VERBS | set(_VERB_ASKS)
    # a pronoun a verb acts on ("the fridge isn't cold, switch it on") may stand for anything named before it
    pronouns = [j for i, w in enumerate(words) if w in verbs for j in range(i + 1, min(i + 5, len(words)))
                if words[j] in ("it", "them")]
    asked, passing = set(), set()
    for mention in mentions:
        last = mention.end - 1
        before = _word_before_name(words, mention.start)
        # "... into the frying pan, would you": a question tagged on is no description of the thing
        subject = words[last].endswith("'s") or (last + 1 < len(words) and words[last + 1] in _SAID_OF
                                                 and words[last + 2:last + 3] not in (["you"], ["u"]))
        # "on" after a verb is its particle ("turn on the fridge"), not where the thing is
        place = before >= 0 and (words[before] in _WHERE and not (before and words[before - 1] in verbs)
                                 or words[before] in _WHEN)
        category = mention.category.lower()
        if (subject or place) and not any(j > last for j in pronouns):
            passing.add(category)
        else:
            asked.add(category)
    return frozenset(passing - asked)


def verbs_ask(text: str, mentions: Iterable[Mention]) -> dict[str, frozenset[str]]:
    """What known verbs ask of each thing named: {"spatula": {"item"}} for "gimme the spatula".

    A verb acts on a thing named within its next four words, or on a pronoun there ("hang it back up"),
    which may stand for anything named before it. A thing said to go in or on another without a verb
    ("tidy up: pencil in the drawer, keys on the table"), or named then "please" ("laptop please"), is
    asked to be moved, as an item.
    """
    words = normalise(text).split()
    mentions = list(mentions)
    asked: dict[str, set[str]] = {}
    for thing, place in zip(mentions, mentions[1:]):
        between = words[thing.end:place.start]
        if between and between[0] in _INTO and all(_BEFORE_NAME.fullmatch(w) for w in between[1:]):
            asked.setdefault(thing.category.lower(), set()).add("item")
    for thing in mentions:  # "laptop please": handed over
        if words[thing.end:][:1] in (["please"], ["pls"], ["plz"]):
            asked.setdefault(thing.category.lower(), set()).add("item")
    for i, word in enumerate(words):
        what = _VERB_ASKS.get(word)
        if what is None:
            continue
        window = range(i + 1, min(i + 5, len(words)))
        acted = [m for m in mentions if m.start in window]
        if not acted and any(words[j] in _PRONOUNS for j in window):
            acted = [m for m in mentions if m.start < i]
        for mention in acted:
            asked.setdefault(mention.category.lower(), set()).add(what)
    return {category: frozenset(what) for category, what in asked.items()}


# words around a name said alone ("my pillow. now. please.", "oh, the plunger, quick!")
_AROUND_NAME = _OPENERS | frozenset("quick quickly thanks cheers ta mate love here one of whichever either any".split())


def handed_over(text: str, mentions: Iterable[Mention]) -> frozenset[str]:
    """Things asked for by name alone, in a part of the request to themselves: wanted in hand.

    "plunger! the loo's about to overflow", "laptop please, it should be on the couch somewhere". A
    question ("the laptop?") asks where it is, and a plural ("the plates!") which of them.
    """
    mentions = list(mentions)
    parts = _clauses(text)
    # "apple please, in the fridge": a place said on its own is where it goes
    if any([w for w in part.words if w not in _OPENERS][:1] in ([w] for w in _INTO | {"to", "back"})
           for part in parts):
        return frozenset()
    words = normalise(text).split()
    out = set()
    for part in parts:
        if part.question:
            continue
        inside = part.named(mentions)
        # "the spoon's dirty" says what it is
        if len(inside) != 1 or inside[0].plural or words[inside[0].end - 1].endswith("'s"):
            continue
        name = range(inside[0].start, inside[0].end)
        rest = [w for at, w in enumerate(part.words, part.start) if at not in name]
        if all(w in _AROUND_NAME or w in _WANTING or _BEFORE_NAME.fullmatch(w) for w in rest):
            out.add(inside[0].category.lower())
    return frozenset(out)


# "I'd like the candle over here", "I want my book": wanting a thing, and nothing else said, is wanting it in hand
_WANTING = frozenset("i i'd id i'll like love want wanna need needed over".split())
_GOES = frozenset({"goes", "go", "belongs", "belong", "lives", "live"})


def put_without_verb(text: str, mentions: Iterable[Mention]) -> frozenset[tuple[str, str]]:
    """(item, place) said alone as where the item goes, in a part with no verb of its own.

    "The teddy goes on the armchair, the book on the desk, and then lights out": the book goes on the
    desk, the verb said once for both. Only a part that is nothing but the two names, an "in" or "on"
    (or "goes in", "belongs on") between them, and the words around a name; not a question, nor one
    followed by what to do with "it", and where it comes from may come between ("the pens out of the
    drawer and onto the desk"). So too a place said as the verb: "fridge the wine".
    """
    mentions = list(mentions)
    words = normalise(text).split()
    parts = _clauses(text)
    out = set()
    for i, part in enumerate(parts):
        inside = part.named(mentions)
        # "pens out of the drawer and onto the desk": where they come from is no place they go
        source: range = range(0)
        if len(inside) == 3:
            came = words[inside[0].end:inside[1].start]
            if came[:2] == ["out", "of"] or came[:1] in (["off"], ["from"]):
                source = range(inside[0].end, inside[1].end + (words[inside[1].end:inside[1].end + 1] == ["and"]))
                inside = [inside[0], inside[2]]
        # "the book on the desk, bring it here": where it is, then what to do with it
        if part.question or len(inside) != 2 or _then_acts_on_it(parts, i):
            continue
        thing, place = inside
        names = {*range(thing.start, thing.end), *source, *range(place.start, place.end)}
        between = [w for at, w in enumerate(words[thing.end:place.start], thing.end) if at not in source]
        between = between[1:] if between[:1] and between[0] in _GOES else between  # "the mug goes in the sink"
        rest = [w for at, w in enumerate(part.words, part.start) if at not in names and w not in _GOES]
        if (between and between[0] in _INTO and all(_BEFORE_NAME.fullmatch(w) for w in between[1:])
                and all(w in _AROUND_NAME or w in _INTO or _BEFORE_NAME.fullmatch(w) or w == "too" for w in rest)):
            out.add((thing.category.lower(), place.category.lower()))
    for place in (m for m in mentions if m.as_verb):  # "fridge the wine that's on the table"
        thing = next((m for m in mentions if m.start >= place.end and m.start - place.end <= 4
                      and all(_BEFORE_NAME.fullmatch(w) or w in ("away", "out") for w in words[place.end:m.start])),
                     None)
        if thing:
            out.add((thing.category.lower(), place.category.lower()))
    # "put the teddy in the drawer and the racket on the armchair": the verb said once for both
    for part in parts:
        ands = [at for at, w in enumerate(part.words, part.start) if w == "and"]
        inside = part.named(mentions)
        for cut, stop in zip(ands, [*ands[1:], part.start + len(part.words)]):
            before = [m for m in inside if m.start < cut]
            after = [m for m in inside if cut < m.start < stop]
            if (len(after) == 2 and len(before) >= 2 and words[_word_before_name(words, before[-1].start)] in _INTO
                    and words[after[0].end] in _INTO
                    and all(_BEFORE_NAME.fullmatch(w) for w in words[cut + 1:after[0].start])
                    and all(_BEFORE_NAME.fullmatch(w) for w in words[after[0].end + 1:after[1].start])
                    and after[1].end == stop):
                out.add((after[0].category.lower(), after[1].category.lower()))
    return frozenset(out)


@cache
def _words_before_obj(phrasing: str) -> tuple[str, ...]:
    return tuple(normalise(phrasing.split("{obj}")[0]).split())


def beyond_asked(text: str, mentions: Iterable[Mention], beyond: Iterable[BeyondRequest]) -> frozenset[str]:
    """Things a part of the request asks what no robot here does (the needs table's `beyond`).

    "Read me the paper" asks "read {obj} out to me" of a newspaper: the part opens with the words
    before `{obj}`, and names one of the table's kinds of thing within its next few words.
    """
    mentions = list(mentions)
    out = set()
    for part in _clauses(text):
        opening = list(dropwhile(lambda w: w in _OPENERS, part.words))
        at = part.start + len(part.words) - len(opening)
        for request in beyond:
            verb = _words_before_obj(request.text)
            if not verb or tuple(opening[:len(verb)]) != verb:
                continue
            window = range(at + len(verb), at + len(verb) + 4)
            out |= {m.category.lower() for m in mentions if m.start in window and m.category in request.things}
    return frozenset(out)


def complaints(text: str, scene: Scene, catalog: Catalog, named: Iterable[str], state: WorldState) -> dict[str, bool]:
    """A state described that holds of a thing named is a complaint, asking the other way.

    "The fridge is wide open again" with the fridge open asks it shut; "the telly's been on all day"
    with the TV on asks it off. A state described that does not hold asks nothing.
    """
    named = set(named)
    asked: dict[str, set[bool]] = {}
    for match in _DESCRIBED.finditer(normalise(text)):
        what, value = _STATE_ASKED[next(g for g in match.groups() if g)]
        holds = [(what in state.flags.get(o.id, frozenset())) == value for o in scene.objects
                 if o.category.lower() in named and can_go(catalog, o.category, what)]
        if holds and all(holds):
            asked.setdefault(what, set()).add(not value)
    return _single_ways(asked)


def goes_against(clause: Clause, asked: dict[str, bool]) -> bool:
    """Whether a clause sets a flag or state the other way from what the request asks."""
    spec = FAMILIES[clause.family]
    if spec.flag is not None and spec.flag in asked:
        return asked[spec.flag] != spec.flag_value
    if "hot" in asked:  # heating and cooling: a result or a state, hot or cold
        made = {spec.result, *clause.states} & {"hot", "cold"}
        return bool(made) and made != {"hot" if asked["hot"] else "cold"}
    return False


_PART_BREAK = re.compile(r"\s*(?:[,;:.!?]|\s-\s|\band then\b|\bthen\b|\band\b|\balso\b|\bplus\b)\s*")


def unnamed_parts(text: str, scene: Scene, catalog: Catalog) -> list[str]:
    """The parts of a request run together ("open the blinds and get me a coffee") that name nothing here.

    Such a part may ask an outcome of the library or the needs table beside what the rest names.
    """
    present = scene.categories() - {PERSON}
    parts = [p for p in _PART_BREAK.split(text) if len(p.split()) > 1]
    return [p for p in parts if not any(m.category in present for m in find_mentions(p, scene, catalog))]


_LIES = frozenset("in on from off at inside".split())


def said_to_lie(text: str, mentions: Sequence[Mention], scene: Scene, now: WorldState,
                catalog: Catalog) -> frozenset[tuple[str, str]]:
    """(item, place) categories said as where the item lies.

    "Those two apples on the table would last longer in the fridge": the table is where they are, the
    fridge where they go. So too a thing and its place said first, before a part that acts on it
    ("that statue on the coffee table, bring it here"). Only where the room agrees: an item of that
    kind lies in or on such a place.
    """
    words = normalise(text).split()
    places = [m for m in mentions if catalog.get(m.category).has("receptacle")]
    lying = _lying(scene, now)

    def said_there(thing: Mention, place: Mention) -> bool:  # "the apples on the table", and the room has it so
        between = words[thing.end:place.start]
        put_there = words[_word_before_name(words, thing.start)] in _PUT  # "put both teddies on the bed"
        return (bool(between) and between[0] in _LIES and len(between) <= 2 and not put_there
                and (thing.category, place.category) in lying)

    starts = {part.start for part in _clauses(text)}

    def said_of(place: Mention) -> bool:  # "the plant on the table is looking crispy", "... table's dying"
        return words[place.end - 1].endswith("'s") or (
            place.end < len(words) and place.end not in starts and words[place.end] in _IS)

    out = set()
    for thing in mentions:
        for place in places:
            if said_there(thing, place) and (said_of(place) or any(
                    other.category not in (place.category, thing.category) for other in places)):
                out.add((thing.category.lower(), place.category.lower()))
    # "that statue on the coffee table, bring it here": a thing and where it is, said first, then what to do with it
    parts = _clauses(text)
    for i, part in enumerate(parts):
        inside = part.named(mentions)
        if len(inside) < 2 or not _then_acts_on_it(parts, i):
            continue
        thing, place = inside[:2]
        if (all(w in _OPENERS or _BEFORE_NAME.fullmatch(w) for w in words[part.start:thing.start])
                and place in places and said_there(thing, place)):
            out.add((thing.category.lower(), place.category.lower()))
    # "laptop please, it should be on the couch somewhere": a pronoun said to be somewhere is the item before it
    norm = " ".join(words)
    for match in _IT_LIES.finditer(norm):
        at = norm[:match.start()].count(" ")
        place = next((p for p in places if 0 < p.start - at <= 7), None)
        thing = next((m for m in reversed(mentions) if m.start < at and catalog.get(m.category).is_item), None)
        if place and thing and (thing.category, place.category) in lying:
            out.add((thing.category.lower(), place.category.lower()))
    return frozenset(out)


# verbs whose place is where a thing goes: "put the teddies on the bed" is no teddy said to lie there
_PUT = frozenset("put place set stick pop lay hang leave stand plonk shove".split())
_IS = frozenset("is are was were isn't aren't wasn't needs has keeps looks looking seems".split())

# "it should be on the shelf" is where it goes, but "it should be on the couch somewhere" where it lies
_IT_LIES = re.compile(r"\b(?:it|they)(?:'s|'re|\s+(?:is|are|was|were|might be|could be|may be)|"
                      r"\s+(?:should|must|ought to) be(?=.*\bsomewhere\b))\s+(?:\w+\s+){0,2}?"
                      r"(?:on|in|under|inside|by|near)\b")


_EACH = re.compile(r"\b(?:both|all|each|every)\b")


@dataclass(frozen=True)
class ReadingSpace:
    """The goal lines a request can mean in a scene; a learned planner picks one of them.

    A line acts only on what the request names (its object and any place; the lamp of "look at X
    in the light" is implied), or it is a whole goal of the task library or the needs table that the
    scene has the things for: the outcomes people ask for without naming every object ("movie
    night", "I'm cold"). Where the request names things, such a goal must act on one of them or on
    what lies in or on one ("tidy the desk" moves the book that is on it). A request that names
    things is not refused over a thing it does not name, and a need is refused as unmet only where
    nothing in the scene helps with it and nothing here is asked what it can do. A library line does
    not move an item the request does not name while leaving one it names, but for an outcome that a
    part naming nothing asks (`outcomes`: "open the blinds and get me a coffee"), which may join what
    is named. No line asks one thing twice, or for opposite states of one object, or puts a thing
    where it is said to lie (`lies`).
    """

    named: frozenset[str] | None  # lower-case categories named and present; None: any (no constraint)
    related: frozenset[str]  # those and the categories of items lying in or on them
    mentioned: frozenset[str]  # lower-case categories named, present or not (the person too: "bring me")
    strange: bool  # a verb asks something of a word that names no category ("put the banana away")
    lines: tuple[frozenset[Clause], ...]  # library and need goals the scene has the things for, not yet
    # holding (a need's goals that all hold already stay: they answer it, with nothing to do)
    unmet: frozenset[str]  # needs that nothing in the scene helps with
    catalog: Catalog
    asked: dict[str, bool] = field(default_factory=dict)  # the request's direction per flag (`directions`)
    # item categories said in the plural ("water the plants") that the scene has several of: a line may
    # ask one of them twice, once per thing
    plural: frozenset[str] = frozenset()
    verbs: dict[str, frozenset[str]] = field(default_factory=dict)  # what verbs ask of things named (`verbs_ask`)
    passing: frozenset[str] = frozenset()  # categories only talked about, asked nothing (`talked_of`)
    states: dict[str, frozenset[str]] = field(default_factory=dict)  # states things are said in (`said_states`)
    # library and need lines that a part naming nothing asks for (`unnamed_parts`): each may join what the
    # rest of the request names ("open the blinds and get me a coffee")
    outcomes: frozenset[frozenset[Clause]] = frozenset()
    lies: frozenset[tuple[str, str]] = frozenset()  # (item, place) said as where it lies (`said_to_lie`)
    # things asked on or off, open or shut, by name (`short_switches`)
    switched: dict[str, tuple[str, bool]] = field(default_factory=dict)
    handed: frozenset[str] = frozenset()  # items asked for by name alone (`handed_over`): delivered
    each: bool = False  # "both", "all", "each" or "every" said: a thing said in the plural is asked of each
    beyond: frozenset[str] = frozenset()  # things asked what no robot here does (`beyond_asked`): refused
    put: frozenset[tuple[str, str]] = frozenset()  # (item, place) said without a verb (`put_without_verb`)
    # (item, place) where an item asked to be washed lies, its place unnamed: "wash the apple" leaves it there
    home: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, text: str, scene: Scene, validator: Validator, state: WorldState | None = None) -> ReadingSpace:
        """The space of `text` in the scene as it stands (`state`; default: as the scene was made)."""
        catalog = validator.domain.catalog
        mentions = find_mentions(text, scene, catalog)
        present = scene.categories()
        # a phrase that can name several things present ("the holder") names each: the reader chooses
        index = mention_index(catalog)
        def can_name(m: Mention) -> tuple[str, ...]:  # a verb of throwing away names the bin, not a "throw"
            return (m.category,) if m.implied else index.get(m.phrase, (m.category,))

        named = frozenset(c.lower() for m in mentions for c in can_name(m)
                          if c in present and c != PERSON)
        now = state or WorldState.from_scene(scene, catalog)
        lying = {scene.get(item).category.lower() for item, place in now.located.items()
                 if item in scene and place in scene and scene.get(place).category.lower() in named}
        requests = load_requests()
        needs = {need.name: helpful_goals(need, scene, catalog) for need in requests.needs.values()}
        tasks = [t.in_room(scene, catalog) for t in requests.tasks.values()]
        candidates = list(dict.fromkeys([line for line in tasks if line]
                                        + [line for lines in needs.values() for line in lines]))
        parsed = [parse_goal_line(line, catalog) for line in candidates]
        # what holds already is no outcome to ask for, and a need it was is met
        done = validator.holds(scene, [goal_of(clauses, catalog) for clauses in parsed], now)  # type: ignore[arg-type]
        open_lines = {line for line, held in zip(candidates, done) if not held}
        # a need already met ("it's dark" with the light on) is answered by what meets it: nothing to do
        met = {line for lines in needs.values() if lines and not set(lines) & open_lines for line in lines}
        several = frozenset(m.category.lower() for m in mentions if m.plural and catalog.get(m.category).is_item
                            and len(scene.of_category(m.category)) > 1)
        asked = complaints(text, scene, catalog, named, now) | directions(text, mentions)
        # "hob off, lights off": each is asked, so not only talked of; not where the words ask both ways
        # ("microwave off ... turn it on") or a phrase names several things here ("light off": which?)
        ambiguous = {c.lower() for m in mentions for c in can_name(m) if c in present
                     and sum(other in present for other in can_name(m)) > 1}
        switched = {c: (flag, value) for c, (flag, value) in short_switches(text, mentions).items()
                    if c in named and c not in ambiguous and asked.get(flag) == value and can_go(catalog, c, flag)}
        # "plunger!": the one item named, and nothing else asked of another ("the mug, then the plate in the sink")
        items_said = {m.category.lower() for m in mentions if catalog.get(m.category).is_item}
        handed = frozenset(c for c in handed_over(text, mentions) if c in named & items_said and c not in ambiguous
                           and len(items_said) == 1)
        lies = said_to_lie(text, mentions, scene, now, catalog)
        verbs = verbs_ask(text, mentions)
        washed = {c for c, asked_of in verbs.items() if "cleanable" in asked_of and c in named}
        home = frozenset((item.lower(), place.lower()) for item, place in _lying(scene, now)
                         if item.lower() in washed and place.lower() not in named)
        # where an item of the kind is already, it is no place it is asked to go ("the book on the desk")
        lying_pairs = {(item.lower(), place.lower()) for item, place in _lying(scene, now)}
        return cls(named, named | lying, frozenset(m.category.lower() for m in mentions),
                   bool(asked_unknowns(normalise(text), catalog, mentions)),
                   tuple(frozenset(clauses) for line, clauses, held in zip(candidates, parsed, done)  # type: ignore[arg-type]
                         if not held or line in met),
                   frozenset(name for name, lines in needs.items() if not lines), catalog,
                   asked, several,
                   verbs, talked_of(text, mentions) - set(switched),
                   said_states(text, mentions, catalog), lies=lies,
                   switched=switched,
                   handed=handed,
                   each=bool(several and _EACH.search(normalise(text))),
                   beyond=beyond_asked(text, mentions, requests.beyond) & named,
                   put=frozenset(p for p in put_without_verb(text, mentions) if p[0] in named & items_said
                                 and p[1] in named and p not in lies and p not in lying_pairs),
                   home=home)

    @classmethod
    def anything(cls, catalog: Catalog) -> ReadingSpace:
        """No constraint but the scene's: any clause, any refusal (for ablations)."""
        return cls(None, frozenset(), frozenset(), False, (), frozenset(), catalog)

    def leaves_state_unsaid(self, answer: Sequence[Clause]) -> bool:
        """Whether an answer acts on a thing said in some state ("a cup of tea") but never brings it about."""
        for category, wanted in self.states.items():
            made = [{FAMILIES[c.family].result, *c.states} for c in answer if c.obj == category]
            if made and not any(wanted <= m for m in made):
                return True
        return False

    def in_number(self, answer: Sequence[Clause]) -> list[Clause]:
        """A thing said in the plural and put somewhere once is two of them put there ("the eggs on the counter")."""
        return [Clause("pick_two_obj_and_place", c.obj, c.target)
                if c.family == "pick_and_place" and c.obj in self.plural and not c.states and not c.every
                and sum(d.obj == c.obj for d in answer) == 1 else c for c in answer]

    def leaves_plural_single(self, answer: Sequence[Clause]) -> bool:
        """Whether an answer acts on only one of a thing said in the plural (two for a two-object family)."""
        acted: Counter[str] = Counter()
        for clause in self.in_number(answer):
            acted[clause.obj] += 2 if FAMILIES[clause.family].two_objects or clause.every else 1
        return any(acted[c] == 1 for c in self.plural)

    def switched_otherwise(self, clause: Clause) -> bool:
        """Whether a clause does other than what a thing is asked by name ("microwave and hob off": not shut)."""
        way = self.switched.get(clause.obj)
        spec = FAMILIES[clause.family]
        return way is not None and (spec.flag, spec.flag_value) != way

    def said(self, clause: Clause) -> bool:
        if self.named is None:
            return True
        slots = (clause.obj,) if FAMILIES[clause.family].lights else (clause.obj, clause.target)  # a lamp is implied
        return all(s in self.named for s in slots if s) or (
            clause.family == "pick_clean_then_place" and (clause.obj, clause.target) in self.home)

    def can_do_asked(self, category: str) -> bool:
        """Whether a thing can go the way the request asks, so it is not refused as asked what it cannot do.

        "open the blinds": blinds open; "microwave and hob off": a microwave switches off; "gimme the
        spatula": a spatula can be handed over; "give it a wash": a towel can be washed.
        """
        kind = self.catalog.get(category_name(category, self.catalog))
        wanted = [] if "hot" not in self.asked else ["heatable" if self.asked["hot"] else "coolable"]
        asked_of = self.verbs.get(category.lower(), frozenset())
        if category.lower() in self.handed | {item for item, _ in self.put}:  # "plunger!", "the book on the desk"
            asked_of |= {"item"}
        # a state it is said to need that it can take: "the cat's bowl needs water in it"
        wanted += [MODIFIERS[state] for state in self.states.get(category.lower(), ()) if state in MODIFIERS]
        return any(can_go(self.catalog, category, what) for what in self.asked if what in _ABILITY) or any(
            kind.has(ability) for ability in wanted) or ("item" in asked_of and kind.is_item) or any(
            kind.has(ability) for ability in asked_of - {"item"})

    def allows(self, refusal: Refusal) -> bool:
        if self.named is None:
            return True
        if self.beyond:  # "read me the paper": that, and only that, is what cannot be done
            return refusal.kind == "impossible" and (refusal.category or "").lower() in self.beyond
        if refusal.kind == "unmet":  # no need goes unmet where a thing here is asked what it can do
            return refusal.category in self.unmet and not any(
                self.can_do_asked(c) for c in self.named - self.passing)
        if refusal.kind == "unknown":  # "names nothing I know": not so where it names things and no unknown one
            return not self.named or self.strange
        if refusal.kind == "vague":  # "microwave and hob off" says what, and which way; "plunger!" too
            return not self.switched and not self.handed and not self.put
        if refusal.kind == "impossible" and refusal.category and (
                self.can_do_asked(refusal.category) or refusal.category.lower() in self.passing):
            return False
        if refusal.names_category and self.mentioned:
            return refusal.category in self.mentioned
        return True

    def options(self, chosen: Sequence[Clause], scene: Scene, clauses: Sequence[Clause],
                max_clauses: int) -> list[tuple[Clause, bool, bool]]:
        """The clauses that may come next after `chosen`, out of the scene's `clauses`.

        Each comes with whether the line may end after it and whether it may go on. A request that asks
        what no robot here does (`beyond`) has none: it is refused.
        """
        if self.beyond:
            return []
        def fits(line) -> bool:  # clauses on one kind of item ask for as many of them (goals.conjoin)
            try:
                goal_of(list(line), self.catalog).check_scene(scene, self.catalog)
            except InstructionError:
                return False
            return True

        afforded = {c for c in clauses if not goes_against(c, self.asked) and (c.obj, c.target) not in self.lies
                    and not self.switched_otherwise(c) and (c.obj not in self.handed or c.family == "deliver")}
        # a library line's clause asked of every object is afforded where it is for one of them
        afforded |= {c for line in self.lines for c in line
                     if c.every and dataclasses.replace(c, every=False) in afforded}
        def is_item(category: str) -> bool:
            return self.catalog.get(category_name(category, self.catalog)).is_item

        items = {c for c in self.named or () if is_item(c)}

        def leaves_named(line) -> bool:  # moves an item not named and leaves one named ("the lettuce and the bread")
            acted = {c.obj for c in line} | {c.target for c in line}
            return any(is_item(c.obj) and c.obj not in items for c in line) and bool(items - acted)

        lines = [line for line in self.lines if line <= afforded and fits(line) and (
            line in self.outcomes
            or ((not self.named - self.passing  # "I'm by the fridge and it's too dark": no constraint
                 or any(s in self.related for c in line for s in (c.obj, c.target))) and not leaves_named(line)))]
        outcome_lines = [line for line in lines if line in self.outcomes]
        outcome_clauses = sorted(set().union(*outcome_lines), key=lambda c: c.text)
        said = [c for c in clauses if self.said(c) and c in afforded]
        # a thing said in the plural that the room has several of may be asked of each ("water the plants")
        said += [dataclasses.replace(c, every=True) for c in said
                 if c.obj in self.plural and FAMILIES[c.family].takes_every]
        in_lines = sorted(set().union(*lines) - set(said), key=lambda c: c.text)
        # "fridge closed, hob off, lights off", "plunger!": a line ends only once each thing asked so by name is
        bound = set(self.switched) | self.handed
        bound = bound if len(bound) <= max_clauses else set()
        # "..., the book on the desk"; a pair the room cannot make (a racket on the armchair) binds nothing
        put = {p for p in self.put if any((c.obj, c.target) == p for c in clauses)}
        put = put if len(put) <= max_clauses else set()

        def may_add(clause: Clause, line: Sequence[Clause]) -> bool:  # a plural's clause once more, for its second
            again = (clause.obj in self.plural and list(line).count(clause) == 1
                     and not FAMILIES[clause.family].two_objects)
            return ((clause not in line or again) and not contradicts(clause, line)
                    and not any(c.every != clause.every and c.obj == clause.obj for c in line))

        out = []
        for clause in said + in_lines:
            if not may_add(clause, chosen) or (chosen and not fits((*chosen, clause))):
                continue
            line = (*chosen, clause)
            whole = frozenset(line)
            all_said = all(self.said(c) for c in line)
            within = [candidate for candidate in lines if whole <= candidate]
            # what is named, and an outcome asked beside it, whole
            unsaid = frozenset(c for c in line if not self.said(c))
            mixed = any(unsaid <= o for o in outcome_lines)
            if not (all_said or within or mixed):
                continue
            end = (all_said or whole in within or any(unsaid == o for o in outcome_lines)) and (
                bound <= {c.obj for c in line}) and not (self.each and self.leaves_plural_single(line)) and (
                put <= {(c.obj, c.target) for c in line})
            more = len(line) < max_clauses and (
                any(whole < candidate for candidate in within)
                or ((all_said or mixed) and any(may_add(c, line) and fits((*line, c))
                                                for c in said + outcome_clauses if c not in whole)))
            if end or more:
                out.append((clause, end, more))
        return out
