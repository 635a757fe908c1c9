"""A robot that remembers, in PyBullet with the real planner and its own perception (`--perceive`).

What it put in the fridge is planned on in the next task though the shut door hides it; a request
about a thing nobody has seen opens the container that may hold it and looks in.
"""

import pytest

from groundplan.cli import main
from groundplan.execution.record import read_record
from groundplan.planning.registry import make_strategy
from groundplan.sim.task import SimSession, SimTaskConfig
from groundplan.types.scene import load_scene


@pytest.fixture(scope="module")
def template():
    return make_strategy("template")


def test_what_the_robot_put_in_the_fridge_is_planned_on_in_the_next_task(tmp_path, template):
    with SimSession(load_scene("kitchen_demo"), template, SimTaskConfig(gif=False), perceive=True) as session:
        for instruction in ("put the apple in the fridge", "close the fridge"):
            outcome = session.run(instruction)
            assert outcome.result.success, f"{instruction}: {outcome.result.message}"
        model = session.world_model
        when = model.beliefs["apple_1"].confirmed  # the step that put it there
        sighting = session.eyes.look()
        assert "apple_1" not in sighting.scene  # the shut door hides it from every view
        model.perceived(sighting)
        kept = model.beliefs["apple_1"]
        assert (kept.obj.parent, kept.confirmed, kept.confidence) == ("fridge_1", when, 1.0)
        outcome = session.run("bring me the apple", run_dir=tmp_path)
    result = outcome.result
    assert result.success, result.message
    events = read_record(tmp_path / "record.jsonl")
    first = next(e for e in events if e["event"] == "plan")
    # planned on the apple at once, where the robot had put it: nobody had to look for it
    assert not first["refused"] and "pickup apple_1 from fridge_1" in first["steps"]
    assert not [e for e in events if e["event"] == "look"]
    assert result.final_state.located["apple_1"] == "person_1"


def test_a_request_about_a_thing_in_an_unseen_closed_container_opens_it_and_looks(tmp_path, capsys):
    scene = load_scene("kitchen_demo")
    assert scene.get("peppershaker_1").parent == "cabinet_1" and not scene.get("cabinet_1").flag("open")
    # a request that names nothing a container could hold is refused without opening anything
    code = main(["run", "bring me the moon", "put the pepper shaker on the dining table", "--strategy", "template",
                 "--perceive", "--no-gif", "--out", str(tmp_path)])
    assert code == 3, capsys.readouterr().out
    records = {r[0]["instruction"]: r for r in (read_record(d / "record.jsonl") for d in tmp_path.iterdir())}
    moon = records["bring me the moon"]
    assert [e["event"] for e in moon] == ["start", "plan", "end"] and moon[-1]["code"] == "REFUSED"

    events = records["put the pepper shaker on the dining table"]
    plans = [e for e in events if e["event"] == "plan"]
    assert plans[0]["refused"]  # perception saw no pepper shaker: the cabinet was shut
    (looked,) = [e for e in events if e["event"] == "looked"]
    assert looked["container"] == "cabinet_1" and "peppershaker_1" in looked["found"]
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert steps[:2] == ["goto cabinet_1", "open cabinet_1"] and "pickup peppershaker_1 from cabinet_1" in steps
    end = events[-1]
    assert end["code"] == "SUCCESS" and end["state"]["located"]["peppershaker_1"] == "diningtable_1"
