"""The reader's options in words, and the retold requests it trains on."""

import random
import re

import pytest

from groundplan.language.meaning import option_pieces, reader_prompt
from groundplan.language.prompt import parse_goal_line
from groundplan.learning.reader_data import retell, say_where, where_it_lies
from groundplan.types.catalog import default_catalog
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
