"""The hand-written request sets: well formed, in rooms no data split uses, and in no training phrasing."""

import re

import pytest

from groundplan.errors import InstructionError
from groundplan.eval.hand_bench import (
    CATEGORIES,
    HAND_FILE,
    case_scene,
    frozen_scene_path,
    load_hand_cases,
    polarity_error,
)
from groundplan.language.instructions import load_templates
from groundplan.language.library import load_requests
from groundplan.language.prompt import Clause, Refusal, goal_of, parse_goal_line
from groundplan.language.text import normalise
from groundplan.learning.planner_data import SPLIT_SEEDS
from groundplan.resources import share_dir

SETS = [HAND_FILE, HAND_FILE.with_name("requests_by_hand_sealed.yaml"), HAND_FILE.with_name("requests_household.yaml"),
        HAND_FILE.with_name("requests_by_hand_2.yaml"), HAND_FILE.with_name("requests_by_hand_3.yaml")]
LEAST = {"requests_by_hand.yaml": 200, "requests_by_hand_sealed.yaml": 150, "requests_household.yaml": 30,
         "requests_by_hand_2.yaml": 100, "requests_by_hand_3.yaml": 60}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_a_hand_written_set_is_well_formed_and_unseen(path):
    cases = load_hand_cases(share_dir() / path)
    assert len(cases) >= LEAST[path.name]
    categories = {c.category for c in cases}
    assert categories <= set(CATEGORIES) and (categories == set(CATEGORIES) or "household" in path.name)
    seeds = [int(c.scene_key.partition(":")[2]) for c in cases if ":" in c.scene_key]
    assert seeds and all(s >= 9000 for s in seeds) and all(s < min(SPLIT_SEEDS.values()) or s >= 9000 for s in seeds)
    for case in cases:
        answers = [parse_goal_line(line) for line in case.goals]
        assert all(isinstance(a, Refusal) for a in answers) == case.should_refuse, case.say
    phrasings = {normalise(re.sub(r"\{\w+\}", " ", t)) for ts in load_templates().values() for t in ts}
    requests = load_requests()
    entries = [*requests.tasks.values(), *requests.needs.values()]
    phrasings |= {normalise(p) for entry in entries for p in entry.phrasings}
    said = [c.say for c in cases if normalise(c.say) in phrasings]
    assert not said, f"hand-written requests that a training phrasing says word for word: {said}"


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_case_is_asked_in_its_frozen_room_and_its_goal_fits_there(path):
    # the generator re-laid 33 of these rooms once (to keep fixtures reachable), and 28 reference
    # goals then named things their room no longer had: no planner could pass them
    unfit = []
    for case in load_hand_cases(share_dir() / path):
        if ":" in case.scene_key:
            assert frozen_scene_path(case.scene_key).is_file(), f"{case.scene_key} is not frozen under bench/scenes"
        answer = parse_goal_line(case.goals[0])
        if isinstance(answer, Refusal):
            continue
        try:
            goal_of(answer).check_scene(case_scene(case.scene_key))
        except InstructionError as exc:
            unfit.append(f"{case.say!r}: {exc}")
    assert not unfit, unfit


def test_a_polarity_error_is_a_flag_or_temperature_the_other_way():
    off, on = [Clause("turn_off", "television")], [Clause("turn_on", "television")]
    assert polarity_error(off, on) and not polarity_error(off, off)
    assert not polarity_error(off, [Clause("turn_on", "floorlamp")])  # another thing
    chill = [Clause("pick_cool_then_place", "apple", "fridge")]
    assert polarity_error(chill, [Clause("deliver", "apple", None, ("hot",))])
    assert not polarity_error(chill, [Clause("pick_and_place", "apple", "fridge")])
