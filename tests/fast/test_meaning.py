"""The reader's options in words, and the retold requests it trains on."""

import random
import re

import pytest

from groundplan.language.instructions import load_idioms, render_idiom
from groundplan.language.library import load_requests
from groundplan.language.meaning import option_pieces, reader_prompt
from groundplan.language.prompt import Refusal, parse_goal_line
from groundplan.language.text import normalise
from groundplan.learning.reader_data import (
    held_out_requests,
    library_pairs,
    reader_pairs,
    retell,
    say_where,
    where_it_lies,
)
from groundplan.types.catalog import default_catalog
from groundplan.types.examples import Example
from groundplan.types.goals import FAMILIES


@pytest.mark.parametrize("line, words", [
    ("pick_and_place apple fridge", [" put the apple in the fridge\n"]),
    ("deliver mug filled hot", [" bring me the mug of hot water\n"]),
    ("turn_off television", [" switch off the television\n"]),
    ("pick_cool_then_place winebottle diningtable", [" chill the wine bottle and put it in the dining table\n"]),
    ("pick_two_obj_and_place dishsponge shelf", [" put two dish sponges in the shelf\n"]),
    ("slice apple ; turn_on lightswitch", [" slice the apple;", " switch on the light switch\n"]),
    ("refuse absent garbagecan", [" refuse: there is no garbage can here\n"]),
    ("refuse vague", [" ask back: what exactly should I do?\n"]),
])
def test_a_goal_line_in_words(line, words):
    assert option_pieces(parse_goal_line(line)) == words


def test_every_family_has_words_and_they_tell_families_apart():
    said = {family: option_pieces(parse_goal_line(f"{family} mug countertop" if spec.names_target
                                                  else f"{family} mug"))[0]
            for family, spec in FAMILIES.items()}
    assert len(set(said.values())) == len(said), said


def test_the_prompt_is_one_line_of_request():
    assert reader_prompt("put the\napple  away") == "Request: put the apple away\nMeaning:"


def test_a_retold_request_keeps_what_it_asks():
    rng = random.Random(0)
    names = ["apple", "fridge"]
    for _ in range(200):
        told = retell("Put the apple in the fridge", rng, names).lower()
        assert "apple" in told and "fridge" in told  # a typo never touches a name
    forms = {retell("Turn off the TV", random.Random(seed), ["tv"]).lower() for seed in range(40)}
    assert any(f.endswith("?") for f in forms) and len(forms) > 20
    needs = {retell("I'm thirsty", random.Random(seed), []) for seed in range(40)}
    assert not any(n.lower().startswith(("can you", "could you")) for n in needs)  # a need is no question


def test_a_request_may_say_where_its_object_lies_but_never_as_where_it_goes():
    catalog = default_catalog()
    state = {"located": {"book_1": "desk_1", "peppershaker_1": "cabinet_1", "peppershaker_2": "cabinet_1",
                         "apple_1": "fridge_1", "apple_2": "countertop_1", "mug_1": "diningtable_1"}}
    deliver, pepper = parse_goal_line("deliver book"), parse_goal_line("pick_and_place peppershaker diningtable")
    assert where_it_lies(deliver, state, catalog) == ("on", "Desk")
    assert where_it_lies(pepper, state, catalog) == ("in", "Cabinet")
    assert where_it_lies(parse_goal_line("deliver apple"), state, catalog) is None  # two places: which one?
    assert where_it_lies(parse_goal_line("pick_and_place mug diningtable"), state, catalog) is None  # there already
    rng = random.Random(0)
    told = {say_where("put the pepper shaker on the dining table", "peppershaker", ("in", "Cabinet"), catalog, rng)
            for _ in range(60)}
    assert len(told) > 10
    for text in told:
        assert "dining table" in text and ("cabinet" in text or "cupboard" in text)
        assert not re.search(r"shaker in the (cabinet|cupboard) on the", text)  # that would say where it goes


def _asked(kind, instruction, goal, family="", refusal=None):
    return Example(split="train", room="bedroom", seed=0, scene="bedroom_0", kind=kind, instruction=instruction,
                   state={"located": {}}, goal=goal, plan=(), family=family, refusal=refusal)


def test_things_are_also_asked_in_their_own_idiom_but_never_its_last():
    idioms = load_idioms()
    assert "roll up {obj}" in idioms["Blinds"]["open"] and "pull {obj} out" in idioms["Drawer"]["open"]
    catalog = default_catalog()
    for category, families in idioms.items():  # every idiom names a real thing and a way it can go
        for family in families:
            assert catalog.get(category).has(FAMILIES[family].needs), (category, family)
    said = {render_idiom("open", "Blinds", random.Random(seed)) for seed in range(200)}
    last = idioms["Blinds"]["open"][-1].split()[0]
    assert any(s.lower().startswith("roll up the") for s in said)
    assert not any(s.startswith(last.capitalize()) for s in said)
    assert render_idiom("open", "Apple", random.Random(0)) is None
    pairs = reader_pairs([_asked("task", "Open the blinds", "open blinds", "open")], idioms=1.0, retold=0.0)
    assert len(pairs) == 2 and pairs[0][1] == pairs[1][1] == parse_goal_line("open blinds")
    assert reader_pairs([_asked("task", "Open the blinds", "open blinds", "open")], retold=0.0) == \
        [("Open the blinds", parse_goal_line("open blinds"))]  # idioms off: the request alone


def test_taking_out_what_opens_is_never_taught_as_impossible():
    drawer = _asked("refusal", "Take the drawer out", "refuse impossible drawer", "take_out", "impossible")
    lamp = _asked("refusal", "Take the floor lamp out", "refuse impossible floorlamp", "take_out", "impossible")
    kept = reader_pairs([drawer, lamp], retold=0.0)
    assert [text for text, _ in kept] == ["Take the floor lamp out"]  # "take the drawer out" asks it open


def test_requests_are_also_taught_said_together():
    asked = [_asked("task", "Open the blinds", "open blinds", "open"),
             _asked("task", "Close the blinds", "close blinds", "close"),
             _asked("task", "Turn on the desk lamp", "turn_on desklamp", "turn_on"),
             _asked("refusal", "Slice the lamp", "refuse impossible desklamp", "slice", "impossible")]
    pairs = reader_pairs(asked, retold=0.0, joined=1.0)
    joined = [(text, answer) for text, answer in pairs if not isinstance(answer, Refusal) and len(answer) > 1]
    assert joined
    for text, answer in joined:
        # said in the order asked; never one thing twice or two ways, never a refusal joined in
        assert len({c.obj for c in answer}) == len(answer)
        first = text.lower().find("blinds") < text.lower().find("lamp")
        assert (answer[0].obj == "blinds") == first
        assert "slice" not in text.lower()
    assert reader_pairs(asked, retold=0.0) == reader_pairs(asked, retold=0.0, joined=0.0)  # off: as before
    assert not any(isinstance(a, list) and len(a) > 1 for _, a in reader_pairs(asked, retold=0.0))


def test_library_and_needs_phrasings_are_taught_without_a_room():
    """The generated rooms seldom hold all a recipe needs (no sandwich was ever taught); the reader reads
    without the room, so every phrasing a split may use is taught with its goal line."""
    requests = load_requests()
    train = library_pairs("train", random.Random(0), copies=2, retold=0.0)
    taught = {(text, " ; ".join(c.text for c in answer)) for text, answer in train if isinstance(answer, list)}
    sandwich = requests.tasks["make_a_sandwich"]
    assert all((text, sandwich.goal) in taught for text in sandwich.phrasings[:-1])
    assert sandwich.phrasings[-1] not in {text for text, _ in taught}  # each entry's last is held out
    held = [t for t in requests.tasks.values() if t.held_out]
    assert held and not {text for t in held for text in t.phrasings} & {text for text, _ in taught}
    thirsty = requests.needs["thirsty"]  # a need's phrasing with each of its goals, its first the most
    said = [" ; ".join(c.text for c in a) for text, a in train if text == thirsty.phrasings[0]]  # type: ignore[union-attr]
    assert set(said) == set(thirsty.goals) and said.count(thirsty.goals[0]) == 2
    val = library_pairs("val", random.Random(0), copies=1)
    assert (sandwich.phrasings[-1], sandwich.clauses) in val
    assert not {text for text, _ in val} & {text for text, _ in train}  # validation says only what is unseen
    # with the needs, what the table refuses: vague requests asked back, impossible ones refused
    refused = {text: answer for text, answer in train if isinstance(answer, Refusal)}
    assert refused[requests.impossible[0]] == Refusal("unknown")
    assert not set(requests.impossible[-3:]) & set(refused)  # as the generator, the last three held out
    # what no robot here does to a thing that is here ("charge my laptop"): impossible for that thing
    beyond = [(text, answer) for text, answer in refused.items() if answer.kind == "impossible"]
    taught_things = {a.category for _, a in beyond}  # less what says a benchmark request ("sharpen my pencil")
    assert taught_things <= {t.lower() for b in requests.beyond[:-3] for t in b.things} and len(taught_things) > 30
    assert not {normalise(text) for text, _ in beyond} & held_out_requests()
    assert any(text.startswith("charge ") and answer == Refusal("impossible", "laptop") for text, answer in beyond)
    unseen = {b.text.split()[0] for b in requests.beyond[-3:]}
    assert not any(text.split()[0] in unseen for text, _ in beyond)
    assert any(text.split()[0] in unseen for text, _ in val)
    vague = next(v for v in requests.vague if not v.unless_absent)
    assert refused[vague.text] == Refusal("vague")
    assert not any(v.text in refused for v in requests.vague if v.unless_absent)  # the room decides those
