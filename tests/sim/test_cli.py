import subprocess
import sys

from groundplan.cli import main


def test_demo_plans_and_executes_in_simulation(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "scene kitchen_demo" in out and "goal reached" in out and "refused:" in out
    assert "result: SUCCESS" in out
    (run_dir,) = tmp_path.iterdir()
    for name in ("plan.txt", "record.jsonl", "before.png", "after.png", "execution.gif"):
        assert (run_dir / name).stat().st_size > 0, name


def test_plan_validate_export(tmp_path, capsys):
    plan = tmp_path / "plan.txt"
    assert main(["plan", "Put a hot mug in the fridge", "-o", str(plan)]) == 0
    assert main(["validate", str(plan), "--instruction", "Put a hot mug in the fridge"]) == 0
    assert "goal reached" in capsys.readouterr().out
    assert main(["export-pddl", "--goal", "pick_heat_then_place Mug Fridge", "--plan", str(plan),
                 "-o", str(tmp_path / "pddl")]) == 0
    assert (tmp_path / "pddl" / "plan.pddl").read_text().startswith("(goto")


def test_generate_scene(tmp_path):
    out = tmp_path / "s.yaml"
    assert main(["scene", "generate", "--room", "bathroom", "--seed", "4", "-o", str(out)]) == 0
    assert main(["scene", "show", str(out)]) == 0


def test_user_mistakes_get_one_line_errors(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("goto fridge_1\nfly away\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: line 2: unknown action 'fly'") and "Traceback" not in err
    assert main(["validate", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read plan file" in capsys.readouterr().err
    assert main(["plan", "", "--scene", "kitchen_demo"]) == 2
    assert "instruction is empty" in capsys.readouterr().err
    assert main(["plan", "put it away", "--scene", "attic"]) == 2
    assert "no scene 'attic'" in capsys.readouterr().err
    assert main(["planner", "finetune", "--oversample", "kitchen=2", "--out", str(tmp_path / "model")]) == 2
    assert "got 'kitchen=2'" in capsys.readouterr().err and not (tmp_path / "model").exists()


def test_console_script_is_installed():
    done = subprocess.run([sys.executable, "-m", "groundplan", "scene", "show"], capture_output=True, text=True)
    assert done.returncode == 0 and "kitchen_demo" in done.stdout
