import pytest

from groundplan.errors import PlanParseError
from groundplan.language.plan_text import format_plan, parse_plan
from groundplan.types.actions import Step


def test_round_trip(tiny):
    text = "1. goto countertop_1\n2. pickup apple_1 from countertop_1\n3. slice apple_1 with knife_1"
    steps = parse_plan(text, tiny)
    assert steps[1] == Step("pickup", ("apple_1", "countertop_1"))
    assert format_plan(steps) == text


def test_lenient_forms(tiny):
    steps = parse_plan("# comment\n\nStep 1: GOTO Desk_1.\n- put apple_1 onto desk_1\n3) turn_on desklamp_1", tiny)
    assert [s.text for s in steps] == ["goto desk_1", "put apple_1 in desk_1", "turn_on desklamp_1"]


@pytest.mark.parametrize("line, message", [
    ("fly to fridge_1", "line 1: unknown action 'fly'"),
    ("pickup apple_1", "'pickup' takes 2 object(s)"),
    ("goto banana_1", "unknown object 'banana_1'"),
    ("goto the fridge!", "'goto' takes 1 object(s)"),
    ("goto Fridge-1", "'fridge-1' is not an object id"),
])
def test_malformed_lines_name_the_problem(tiny, line, message):
    with pytest.raises(PlanParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_plan(line, tiny)
