"""MCAP files written by the recorder read back with the mcap reader: types and counts."""

from collections import Counter

from groundplan_interfaces.msg import PlanStep
from mcap.reader import make_reader
from mcap_ros2.reader import read_ros2_messages
from sensor_msgs.msg import Image

from groundplan.planning.registry import make_strategy
from groundplan.ros.convert import plan_to_msg, world_state_to_msg
from groundplan.ros.recording import McapRecorder
from groundplan.types.state import WorldState


def test_recorder_round_trip(kitchen, tmp_path):
    path = tmp_path / "run.mcap"
    recorder = McapRecorder(path)
    state = world_state_to_msg(kitchen, WorldState.from_scene(kitchen))
    plan = plan_to_msg(make_strategy("template").plan(kitchen, "Put a mug in the fridge"))
    for i in range(3):
        recorder.write("/world/state", state, 1_000 + i)
    recorder.write("/executor/plan", plan, 2_000)
    for i, step in enumerate(plan.steps):
        recorder.write("/executor/step", step, 3_000 + i)
    recorder.write("/camera/head/image_raw", Image(height=2, width=3, encoding="rgb8", step=9, data=bytes(range(18))),
                   4_000)
    recorder.close()

    with path.open("rb") as f:
        summary = make_reader(f).get_summary()
    schemas = {s.name for s in summary.schemas.values()}
    assert schemas == {"groundplan_interfaces/msg/WorldState", "groundplan_interfaces/msg/Plan",
                       "groundplan_interfaces/msg/PlanStep", "sensor_msgs/msg/Image"}
    assert all(s.encoding == "ros2msg" for s in summary.schemas.values())
    messages = list(read_ros2_messages(str(path)))
    counts = Counter(m.channel.topic for m in messages)
    assert counts == {"/world/state": 3, "/executor/plan": 1, "/executor/step": len(plan.steps),
                      "/camera/head/image_raw": 1}
    decoded = {m.channel.topic: m.ros_msg for m in messages}
    assert [s.text for s in decoded["/executor/plan"].steps] == [s.text for s in plan.steps]
    assert decoded["/executor/plan"].steps[0].verdict == PlanStep.VERDICT_VALID
    assert len(decoded["/world/state"].scene.objects) == len(kitchen.objects)
    assert bytes(decoded["/camera/head/image_raw"].data) == bytes(range(18))
