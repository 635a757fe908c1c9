"""MCAP files written by the recorder read back with the mcap reader: types and counts."""

import random
import time
from collections import Counter

import rclpy
from builtin_interfaces.msg import Time
from groundplan_interfaces.action import ExecuteTask
from groundplan_interfaces.msg import PlanStep
from mcap.reader import make_reader
from mcap_ros2.reader import read_ros2_messages
from rclpy.executors import SingleThreadedExecutor
from sensor_msgs.msg import CameraInfo, Image
from tf2_msgs.msg import TFMessage

from groundplan.planning.registry import make_strategy
from groundplan.ros.common import LATCHED
from groundplan.ros.convert import code_msg, plan_to_msg, scene_to_msg, world_state_to_msg
from groundplan.ros.frames import TF_QOS, tf_message
from groundplan.ros.markers import scene_markers
from groundplan.ros.recording import McapRecorder, RecordedTopics
from groundplan.types.frames import HEAD_OPTICAL, head_camera_links
from groundplan.types.results import ResultCode
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
    info = CameraInfo(height=2, width=3, distortion_model="plumb_bob", k=[1.0, 0, 1.5, 0, 1.0, 1.0, 0, 0, 1.0])
    info.header.frame_id = HEAD_OPTICAL
    recorder.write("/camera/head/camera_info", info, 4_000)
    recorder.write("/tf_static", tf_message(head_camera_links(), Time(sec=5)), 5_000)
    recorder.write("/tf", tf_message(head_camera_links()[:1], Time(sec=5)), 5_000)
    markers = scene_markers(scene_to_msg(kitchen))
    recorder.write("/executor/markers", markers, 6_000)
    feedback = ExecuteTask.Feedback(phase="executing", status="success", step=plan.steps[0])
    recorder.write("/execute_task/feedback", feedback, 7_000)
    recorder.write("/execute_task/goal", ExecuteTask.Goal(instruction="Put a mug in the fridge"), 7_000)
    recorder.write("/execute_task/result", ExecuteTask.Result(code=code_msg(ResultCode.SUCCESS), message="done",
                                                              plan=plan, executed_steps=plan.steps), 8_000)
    recorder.close()

    with path.open("rb") as f:
        summary = make_reader(f).get_summary()
    schemas = {s.name for s in summary.schemas.values()}
    assert schemas == {"groundplan_interfaces/msg/WorldState", "groundplan_interfaces/msg/Plan",
                       "groundplan_interfaces/msg/PlanStep", "sensor_msgs/msg/Image", "sensor_msgs/msg/CameraInfo",
                       "tf2_msgs/msg/TFMessage", "visualization_msgs/msg/MarkerArray",
                       *(f"groundplan_interfaces/action/ExecuteTask_{part}" for part in ("Goal", "Feedback", "Result"))}
    assert all(s.encoding == "ros2msg" for s in summary.schemas.values())
    messages = list(read_ros2_messages(str(path)))
    counts = Counter(m.channel.topic for m in messages)
    assert counts == {"/world/state": 3, "/executor/plan": 1, "/executor/step": len(plan.steps),
                      "/camera/head/image_raw": 1, "/camera/head/camera_info": 1, "/tf_static": 1, "/tf": 1,
                      "/executor/markers": 1, "/execute_task/feedback": 1, "/execute_task/goal": 1,
                      "/execute_task/result": 1}
    decoded = {m.channel.topic: m.ros_msg for m in messages}
    assert [s.text for s in decoded["/executor/plan"].steps] == [s.text for s in plan.steps]
    assert decoded["/executor/plan"].steps[0].verdict == PlanStep.VERDICT_VALID
    assert len(decoded["/world/state"].scene.objects) == len(kitchen.objects)
    assert bytes(decoded["/camera/head/image_raw"].data) == bytes(range(18))
    assert decoded["/camera/head/camera_info"].header.frame_id == HEAD_OPTICAL
    assert list(decoded["/camera/head/camera_info"].k) == list(info.k)
    static = decoded["/tf_static"].transforms
    assert [(t.header.frame_id, t.child_frame_id) for t in static] == [(link.parent, link.child)
                                                                       for link in head_camera_links()]
    assert static[1].transform.translation.z == head_camera_links()[1].transform[2, 3]
    optical = tf_message(head_camera_links(), Time()).transforms[-1].transform.rotation
    assert [getattr(static[-1].transform.rotation, a) for a in "xyzw"] == [getattr(optical, a) for a in "xyzw"]
    assert len(decoded["/executor/markers"].markers) == len(markers.markers)
    assert decoded["/executor/markers"].markers[1].header.frame_id == "map"
    assert decoded["/execute_task/feedback"].step.text == plan.steps[0].text
    assert decoded["/execute_task/feedback"].phase == "executing"
    assert decoded["/execute_task/goal"].instruction == "Put a mug in the fridge"
    result = decoded["/execute_task/result"]
    assert result.code.value == ResultCode.SUCCESS and [s.text for s in result.executed_steps] == [
        s.text for s in plan.steps]


def test_recorded_topics_take_tf_static_from_every_broadcaster(tmp_path):
    """Latched /tf_static from two broadcasters, sent before the recording, is in it; /tf is thinned."""
    rclpy.init(domain_id=random.randint(101, 200))
    try:
        talker, recorder_node = rclpy.create_node("talker"), rclpy.create_node("recorder")
        executor = SingleThreadedExecutor()
        executor.add_node(talker)
        executor.add_node(recorder_node)
        links = head_camera_links()
        for i in range(2):  # two static broadcasters, each latching its own message
            talker.create_publisher(TFMessage, "/tf_static", LATCHED).publish(tf_message(links[i:i + 1], Time()))
        recorder = McapRecorder(tmp_path / "run.mcap")
        recorded = []
        topics = RecordedTopics(recorder_node, lambda topic, msg: recorded.append(topic))
        deadline = time.monotonic() + 30
        while recorded.count("/tf_static") < 2 and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.05)
        topics._record = lambda topic, msg: recorder.write(topic, msg, 1)  # the recording starts
        topics.start()
        tf = talker.create_publisher(TFMessage, "/tf", TF_QOS)
        while not recorder.counts.get("/tf") and time.monotonic() < deadline:
            for _ in range(20):  # a burst, as the simulator sends during a skill
                tf.publish(tf_message(links[2:], Time()))
            executor.spin_once(timeout_sec=0.05)
        for _ in range(20):
            executor.spin_once(timeout_sec=0.01)
        recorder.close()
    finally:
        rclpy.try_shutdown()
    messages = {m.channel.topic: m.ros_msg for m in read_ros2_messages(str(tmp_path / "run.mcap"))}
    assert {t.child_frame_id for t in messages["/tf_static"].transforms} == {links[0].child, links[1].child}
    assert 1 <= recorder.counts["/tf"] < 20
