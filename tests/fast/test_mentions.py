"""A word that names a thing is not always a demand on it: a verb is no object."""

import pytest

from groundplan.language.reading import find_mentions
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
