"""Every command reads a request as the planner does: `plan`, `validate` and `export-pddl` agree on its goal."""

import pytest

from groundplan.cli import main
from groundplan.planning.registry import DEFAULT_STRATEGY, make_strategy
from groundplan.types.scene import load_scene
from groundplan.world.pddl_io import PddlFiles, validate_pddl

# A need, a composite request, a liquid with a state, and a plain task: the rule-based reader reads
# none of the first three.
REQUESTS = ["I'm thirsty", "I'd like a hot drink", "Put a hot mug in the fridge", "Could you water the plant?"]


@pytest.fixture(scope="module")
def grounded():
    return make_strategy(DEFAULT_STRATEGY)


def test_the_cli_default_is_the_planners_default():
    from groundplan.cli.common import DEFAULT_STRATEGY as CLI_DEFAULT

    assert CLI_DEFAULT == DEFAULT_STRATEGY


@pytest.mark.slow  # three commands, each loading the planner, per request
@pytest.mark.parametrize("instruction", REQUESTS)
def test_plan_validate_and_export_read_the_same_goal(grounded, tmp_path, instruction):
    scene = load_scene("kitchen_demo")
    result = grounded.plan(scene, instruction)
    assert result.success, result.refusal_reason or result.report.summary()
    assert grounded.read(scene, instruction) == result.goal

    plan = tmp_path / "plan.txt"
    assert main(["plan", instruction, "--scene", "kitchen_demo", "-o", str(plan)]) == 0
    assert main(["validate", str(plan), "--scene", "kitchen_demo", "--instruction", instruction]) == 0
    out = tmp_path / "pddl"
    assert main(["export-pddl", "--scene", "kitchen_demo", "--instruction", instruction, "--plan", str(plan),
                 "-o", str(out)]) == 0
    assert validate_pddl(PddlFiles(out / "domain.pddl", out / "problem.pddl", out / "plan.pddl"))


def test_a_strategy_that_reads_no_requests_says_so(tmp_path, capsys):
    plan = tmp_path / "plan.txt"
    plan.write_text("goto fridge_1\n")
    assert main(["validate", str(plan), "--instruction", "I'm thirsty", "--strategy", "classical"]) == 2
    assert "give it a goal" in capsys.readouterr().err
