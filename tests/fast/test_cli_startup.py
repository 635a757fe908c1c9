"""The command line starts light: building its parser loads no heavy library; recipes fail on one line."""

import argparse
import subprocess
import sys

import pytest

from groundplan.cli import build_parser, main
from groundplan.resources import config_dir

HEAVY = ("pybullet", "torch", "unified_planning", "rclpy", "open3d", "ultralytics", "transformers")
COMMANDS = ("scene", "plan", "validate", "export-pddl", "validate-pddl", "run", "demo", "ros", "perceive",
            "perception", "planner", "bench", "bench-suite", "bench-sim")
SHIPPED = (config_dir() / "recipes" / "planner.yaml").read_text()


def test_building_the_parser_loads_no_heavy_library():
    code = ("import sys, groundplan.cli; groundplan.cli.build_parser(); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"building the parser loaded {out}"


@pytest.mark.parametrize("strategy", ["template", pytest.param("llm-grounded", marks=pytest.mark.slow)])
def test_planning_loads_neither_the_simulator_nor_ros(strategy):
    """`groundplan plan` plans in the symbolic model: PyBullet and rclpy stay out of the process."""
    code = ("import sys; from groundplan.cli import main; "
            f"code = main(['plan', 'Put an apple in the fridge', '--scene', 'kitchen_demo', "
            f"'--strategy', {strategy!r}]); "
            "print(code, ','.join(m for m in ('pybullet', 'rclpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    code, _, loaded = out.strip().splitlines()[-1].partition(" ")
    assert code == "0", out
    assert loaded == "", f"planning loaded {loaded}"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("    ") and line.split()}
    assert set(COMMANDS) <= listed, f"not in --help: {sorted(set(COMMANDS) - listed)}"
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == set(COMMANDS)


@pytest.mark.parametrize("text, says", [
    ("seed: 0\ndata: [unclosed\n", "is not valid YAML at line"),
    ("- just\n- a list\n", "must be a mapping"),
    (SHIPPED.replace("seed: 0 ", "seed: zero "), "seed must be an integer, got 'zero'"),
    (SHIPPED.replace("  lr: 0.002", "  lr: fast", 1), "pretrain.lr must be a number, got 'fast'"),
])
def test_a_malformed_recipe_is_a_one_line_error(tmp_path, capsys, text, says):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(text)
    out = tmp_path / "model"
    assert main(["planner", "value", "--recipe", str(recipe), "--model", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and says in err and "Traceback" not in err, err
    assert err.count("\n") == 1, err
    assert not out.exists()


def test_recipe_keys_are_checked(tmp_path, capsys):
    recipe = tmp_path / "detector.yaml"
    recipe.write_text("dataset: {train_scenes: 1, val_scenes: 1, views: 1, seed: 0, colour: red}\ntrain: {}\n")
    assert main(["perception", "dataset", "--recipe", str(recipe), "--out", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert "unknown keys dataset.colour" in err and err.count("\n") == 1
    assert main(["perception", "train", "--recipe", str(tmp_path / "missing.yaml")]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read recipe")


def test_shipped_recipes_hold_their_pipelines_keys():
    from groundplan.cli import perception, planner
    from groundplan.cli.recipes import read_recipe, shipped

    assert read_recipe(shipped("planner"), planner.SCHEMA)["finetune"]["goal_weight"] == 4.0
    assert read_recipe(shipped("detector"), perception.SCHEMA)["train"]["device"] == "cpu"
