"""A word that names a thing is not always a demand on it: a verb is no object."""

import pytest

from groundplan.language.reading import correct_spelling, find_mentions
from groundplan.planning.registry import DEFAULT_STRATEGY, make_strategy
from groundplan.types.catalog import default_catalog
from groundplan.types.scene import load_scene


@pytest.mark.parametrize("scene_name, text, categories", [
    ("kitchen_demo", "Throw the mug in the garbage can", ["Mug", "GarbageCan"]),  # not the blanket called a throw
    ("living_room_demo", "I want to watch TV", ["Television"]),  # not the wristwatch on the table
    ("living_room_demo", "Bring me the watch", ["Person", "Watch"]),  # "me": the person in the room
    ("kitchen_demo", "Turn off the lights", ["LightSwitch"]),
])
def test_what_a_request_names(scene_name, text, categories):
    scene = load_scene(scene_name)
    assert [m.category for m in find_mentions(text, scene, default_catalog())] == categories


@pytest.mark.parametrize("scene_name, text, goal", [
    ("kitchen_demo", "Throw the mug in the garbage can", "(exists (?x - Mug ?r - GarbageCan) (in_receptacle ?x ?r))"),
    ("living_room_demo", "I want to watch TV", "(exists (?x - Television) (is_on ?x))"),
])
def test_a_verb_that_is_also_a_name_does_not_refuse_the_request(scene_name, text, goal):
    result = make_strategy(DEFAULT_STRATEGY).plan(load_scene(scene_name), text)
    assert result.success, result.refusal_reason
    assert str(result.goal) == goal


@pytest.mark.parametrize("scene_name, text, categories", [
    ("kitchen_demo", "both knives in the drawer", ["Knife", "Drawer"]),
    ("living_room_demo", "dust the shelves", ["Shelf"]),
    ("kitchen_demo", "rinse the glasses", ["Cup"]),
])
def test_plurals_name_their_category(scene_name, text, categories):
    scene = load_scene(scene_name)
    assert [m.category for m in find_mentions(text, scene, default_catalog())] == categories


@pytest.mark.parametrize("text, plural", [
    ("move the eggs to the counter", [True, False]),
    ("both mug in the sink", [True, False]),
    ("move the egg to the counter", [False, False]),
    ("open the blinds", [False]),  # a name that is plural itself says nothing of number
])
def test_a_mention_knows_its_number(text, plural):
    scene = load_scene("kitchen_demo")
    assert [m.plural for m in find_mentions(text, scene, default_catalog())] == plural


@pytest.mark.parametrize("text, goal", [
    ("could you move the eggs over to the counter", "pick_two_obj_and_place egg countertop"),
    ("move an egg over to the counter", "pick_and_place egg countertop"),
])
def test_things_said_in_the_plural_are_moved_two_at_least(text, goal):
    kitchen = load_scene("kitchen_demo")
    assert len(kitchen.of_category("Egg")) == 2
    assert make_strategy(DEFAULT_STRATEGY).read(kitchen, text).description == goal


def test_a_line_may_ask_a_plural_thing_twice(validator):
    from groundplan.language.prompt import Clause
    from groundplan.language.reading import ReadingSpace

    kitchen = load_scene("kitchen_demo")
    bring = Clause("deliver", "egg")
    for text, twice in (("bring me the eggs", True), ("bring me an egg", False)):
        space = ReadingSpace.of(text, kitchen, validator)
        assert (bring in [c for c, _, _ in space.options([bring], kitchen, [bring], 3)]) == twice
    assert ReadingSpace.of("both cups in the sink", kitchen, validator).plural == {"cup"}
    space = ReadingSpace.of("move the eggs to the counter", kitchen, validator)
    once = [Clause("pick_and_place", "egg", "countertop")]
    assert space.in_number(once) == [Clause("pick_two_obj_and_place", "egg", "countertop")]
    assert space.in_number(once + [Clause("pick_and_place", "egg", "fridge")])[0] == once[0]  # each said


@pytest.mark.parametrize("typed, meant", [
    ("warm up the apple in teh micorwave", "warm up the apple in teh microwave"),
    ("boil the kettel", "boil the kettle"),
    ("plz shut the fridg properly", "plz shut the fridge properly"),
    # English words that are one letter from a name stay what they are
    ("the stone is cold", "the stone is cold"),
    ("a bag of flour", "a bag of flour"),
    ("store the lettuce", "store the lettuce"),
    ("put the bananna away", "put the bananna away"),  # a thing the catalog lacks is not taken for another
])
def test_a_misspelt_name_is_read_as_the_name(typed, meant):
    assert correct_spelling(typed, default_catalog()) == meant


def test_a_misspelt_name_reaches_the_goal():
    result = make_strategy(DEFAULT_STRATEGY).plan(load_scene("kitchen_demo"), "put the apple in teh micorwave")
    assert result.success, result.refusal_reason
    assert str(result.goal) == "(exists (?x - Apple ?r - Microwave) (in_receptacle ?x ?r))"


@pytest.mark.parametrize("text, states", [
    ("I could murder a cup of tea", {"cup": {"filled", "hot"}}),
    ("a cold glass of water please", {"cup": {"filled", "cold"}}),
    ("a bowl of hot water for my feet", {"bowl": {"filled", "hot"}}),
    ("some apple slices for the kids", {"apple": {"sliced"}}),
    ("bring me the cup", {}),
    ("put the cup of water in the sink", {"cup": {"filled"}}),
    # said after a name: of the nearest thing named before it that can be sliced
    ("put the apple on the plate, sliced please", {"apple": {"sliced"}}),
    ("bring me the apple, sliced please", {"apple": {"sliced"}}),
    ("put the plate on the table and the tomato, sliced", {"tomato": {"sliced"}}),
    ("put the apple on the plate, not sliced", {}),
])
def test_what_a_thing_is_said_to_be(kitchen, catalog, text, states):
    from groundplan.language.reading import said_states

    assert said_states(text, find_mentions(text, kitchen, catalog), catalog) == states
