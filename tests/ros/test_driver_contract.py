"""The robot driver contract (docs/robot-driver.md) over real rclpy.

check-driver's verdicts on the reference driver, on sim_node and on a driver that breaks three rules;
executor_node holding a driver to the contract (fresh states, cancels the driver confirms, one task
at a time); explicit goals over generate_plan and execute_task; typed answers to malformed input.
Nodes run in this process on one multi-threaded executor (test_lifecycle.Graph); the reference
driver (no physics) stands in for the robot wherever the physics is not the point.
"""

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rclpy
from broken_driver import BROKEN_RULES, BrokenDriver
from geometry_msgs.msg import Pose
from groundplan_interfaces.action import ExecuteTask
from groundplan_interfaces.msg import WorldState as WorldStateMsg
from groundplan_interfaces.srv import CaptureViews, GeneratePlan
from lifecycle_msgs.msg import Transition
from rclpy.action import ActionClient
from test_lifecycle import Graph
from test_ros_graph import domain_id, unique_namespace

from groundplan.errors import RequestError
from groundplan.ros.convert import capture_poses, msg_to_world_state, world_state_to_msg
from groundplan.ros.driver_check import RULES, CheckConfig, check_driver
from groundplan.ros.executor_node import ExecutorNode
from groundplan.ros.planner_node import PlannerNode
from groundplan.ros.reference_driver import ReferenceDriver
from groundplan.types.results import ResultCode
from groundplan.types.state import WorldState

TIMEOUT = 60.0
GOAL = "pick_and_place mug_1 countertop_1"  # four steps from the start of kitchen_demo
HERE = Path(__file__).parent


class RecordingDriver(ReferenceDriver):
    """The reference driver, keeping each skill it ran: (skill, start, end, code) in monotonic seconds."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.log: list[tuple[str, float, float, ResultCode]] = []

    def run_skill(self, goal_handle):
        start = time.monotonic()
        outcome = super().run_skill(goal_handle)
        self.log.append((goal_handle.request.skill, start, time.monotonic(), outcome.code))
        return outcome


class StubbornDriver(RecordingDriver):
    """Accepts a cancel but never stops: it answers only when its skill is done."""

    def move(self, goal_handle, step):
        time.sleep(self.params["skill_delay"])
        return None


class LostStateDriver(RecordingDriver):
    """Its answers name a state it never publishes."""

    def answer(self, goal_handle, outcome, before):
        result = super().answer(goal_handle, outcome, before)
        result.state_stamp.sec += 3600
        return result


class LateStateDriver(RecordingDriver):
    """Its first world/state comes a second after it starts (a robot still booting); its skills answer at once."""

    def __init__(self, **kwargs):
        self.quiet_until = time.monotonic() + 1.0
        super().__init__(**kwargs)

    def publish_state(self):
        if time.monotonic() < self.quiet_until:
            return self.get_clock().now().to_msg()
        return super().publish_state()


class SlipDriver(RecordingDriver):
    """Its first pickup answers SUCCESS but leaves the item where it was (a slipping grasp)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.slipped = False

    def apply(self, step, state):
        if step.action == "pickup" and not self.slipped:
            self.slipped = True
            return
        super().apply(step, state)


def wait_for(future, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while not future.done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert future.done(), "no answer"
    return future.result()


def no_overlap(log) -> bool:
    """No skill started before the one before it ended: never two motions at once."""
    return all(later[1] >= earlier[2] for earlier, later in zip(log, log[1:]))


class Stack:
    """The reference driver, planner_node (classical) and executor_node, active, in one graph."""

    def __init__(self, graph: Graph, run_dir: Path):
        self.graph = graph
        self.driver = graph.add(RecordingDriver)
        graph.add(PlannerNode, strategy="classical")
        graph.add(ExecutorNode, run_dir=str(run_dir), record_mcap=False, server_timeout=2.0)
        for node in ("planner_node", "executor_node"):
            assert graph.transition(node, Transition.TRANSITION_CONFIGURE), node
            assert graph.transition(node, Transition.TRANSITION_ACTIVATE), node
        self.tasks = ActionClient(graph.client, ExecuteTask, "execute_task")
        assert self.tasks.wait_for_server(timeout_sec=TIMEOUT)

    def swap_driver(self, cls, **params):
        self.graph.remove(self.driver)
        self.driver = self.graph.add(cls, **params)
        return self.driver

    def send(self, goal: str = GOAL, **fields):
        """A task's goal handle (None when rejected) and the list its feedback goes to."""
        feedback = []
        request = ExecuteTask.Goal(**{"goal": goal, "strategy": "classical", "skip_perception": True, **fields})
        handle = wait_for(self.tasks.send_goal_async(request, feedback_callback=lambda m: feedback.append(m.feedback)))
        return (handle if handle.accepted else None), feedback

    def until_started(self, feedback, steps: int = 1) -> None:
        deadline = time.monotonic() + TIMEOUT
        while sum(f.status == "started" for f in feedback) < steps and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sum(f.status == "started" for f in feedback) >= steps, [f.phase for f in feedback]

    def plan(self, **request) -> GeneratePlan.Response:
        return self.graph.call(GeneratePlan, "generate_plan", GeneratePlan.Request(**request))


@pytest.fixture(scope="module")
def graph():
    rclpy.init(domain_id=int(domain_id()))
    g = Graph(unique_namespace("contract"), num_threads=12)
    yield g
    g.close()
    rclpy.shutdown()


@pytest.fixture(scope="module")
def stack(graph, tmp_path_factory):
    return Stack(graph, tmp_path_factory.mktemp("runs"))


@pytest.fixture
def fresh(stack):
    """A new recording driver (no skill delay) and the executor's defaults again, for each test."""
    stack.swap_driver(RecordingDriver)
    assert stack.graph.set("executor_node", state_max_age=5.0).successful
    time.sleep(0.5)  # the executor hears the new driver's state
    return stack


def failing(verdicts) -> dict[str, str]:
    return {v.rule.id: v.detail for v in verdicts if not v.passed}


# ---------------------------------------------------------------------------------------------- check-driver
def test_reference_driver_passes_check_driver(fresh):
    assert fresh.graph.set("reference_driver", skill_delay=1.0).successful  # busy and cancel need time
    node = rclpy.create_node("check_driver_test", namespace=fresh.graph.namespace)
    try:
        verdicts = check_driver(node, CheckConfig())
    finally:
        node.destroy_node()
    assert [v.rule.id for v in verdicts] == [r.id for r in RULES]
    assert not failing(verdicts), failing(verdicts)


def test_broken_driver_fails_exactly_the_rules_it_breaks():
    """The command line, against a driver process that answers SUCCESS to unknown skills, publishes its
    state only from its timer and keeps moving after it answered CANCELLED."""
    namespace = unique_namespace("broken")
    env = {**os.environ, "ROS_DOMAIN_ID": domain_id()}
    driver = subprocess.Popen([sys.executable, str(HERE / "broken_driver.py"), "--ros-args", "-r",
                               f"__ns:=/{namespace}", "-p", "skill_delay:=0.8"], env=env)
    try:
        out = subprocess.run([sys.executable, "-m", "groundplan", "ros", "check-driver", "--namespace", namespace,
                              "--settle", "3.0"], env=env, capture_output=True, text=True, timeout=300)
    finally:
        driver.terminate()
        driver.wait(30)
    failed = {line.split()[1] for line in out.stdout.splitlines() if line.startswith("FAIL")}
    passed = {line.split()[1] for line in out.stdout.splitlines() if line.startswith("PASS")}
    assert out.returncode == 3, out.stdout + out.stderr
    assert failed == BROKEN_RULES, out.stdout
    assert passed | failed == {r.id for r in RULES}


@pytest.fixture(scope="module")
def sim_graph(graph):
    """sim_node, active, in a graph (and a namespace) of its own."""
    from groundplan.ros.sim_node import SimNode

    g = Graph(unique_namespace("sim_contract"), num_threads=6)
    g.add(SimNode, camera_period=30.0)
    assert g.transition("sim_node", Transition.TRANSITION_CONFIGURE)
    assert g.transition("sim_node", Transition.TRANSITION_ACTIVATE)
    yield g
    g.close()


def test_sim_node_passes_check_driver(graph, sim_graph):
    node = rclpy.create_node("check_sim_test", namespace=sim_graph.namespace)
    try:
        verdicts = check_driver(node, CheckConfig(fixture="diningtable_1"))
    finally:
        node.destroy_node()
    assert not failing(verdicts), failing(verdicts)
    unknown = next(v for v in verdicts if v.rule.id == "unknown-skill")
    assert "INVALID_REQUEST" in unknown.detail and "unknown skill 'fly'" in unknown.detail


def _pose(x=1.0, y=1.0, z=1.2, q=(0.0, 0.0, 0.0, 1.0)) -> Pose:
    pose = Pose()
    pose.position.x, pose.position.y, pose.position.z = x, y, z
    pose.orientation.x, pose.orientation.y, pose.orientation.z, pose.orientation.w = q
    return pose


BAD_CAPTURES = {  # the request -> words the answer must contain (the field it names)
    "poses[1]: position and orientation must be finite": dict(poses=[_pose(), _pose(x=float("nan"))]),
    "poses[0].orientation: a zero quaternion": dict(poses=[_pose(q=(0.0, 0.0, 0.0, 0.0))]),
    "width: 100000 pixels": dict(poses=[_pose()], width=100000, height=120),
    "poses: 500 poses": dict(poses=[_pose()] * 500),
    "poses: 0 poses": dict(poses=[]),
    "pixels in all": dict(poses=[_pose()] * 64, width=1920, height=1080),
}


def test_capture_views_checks_its_requests(graph, sim_graph):
    for words, fields in BAD_CAPTURES.items():
        with pytest.raises(RequestError, match=words.replace("[", r"\[").replace("]", r"\]")):
            capture_poses(CaptureViews.Request(**fields))
        response = sim_graph.call(CaptureViews, "capture_views", CaptureViews.Request(**fields))
        assert response.code.value == ResultCode.INVALID_REQUEST and words in response.message, response.message
    good = sim_graph.call(CaptureViews, "capture_views", CaptureViews.Request(poses=[_pose()], width=64, height=48))
    assert good.code.value == ResultCode.SUCCESS and len(good.rgb) == 1


# ---------------------------------------------------------------------------------------------- executor_node
def test_busy_executor_rejects_a_second_task(fresh):
    fresh.graph.set("reference_driver", skill_delay=1.0)
    first, feedback = fresh.send()
    fresh.until_started(feedback)
    second, _ = fresh.send()
    assert second is None  # rejected in handle_goal, not accepted then aborted
    first.cancel_goal_async()
    assert wait_for(first.get_result_async()).result.code.value == ResultCode.CANCELLED


def test_cancel_is_reported_once_the_driver_stopped(fresh):
    driver = fresh.driver
    fresh.graph.set("reference_driver", skill_delay=1.0)
    handle, feedback = fresh.send()
    fresh.until_started(feedback)
    handle.cancel_goal_async()
    result = wait_for(handle.get_result_async()).result
    answered = time.monotonic()
    assert result.code.value == ResultCode.CANCELLED, result.message
    skill, _, ended, code = driver.log[-1]
    assert code == ResultCode.CANCELLED and ended <= answered  # the driver stopped before the task said so
    again, _ = fresh.send()  # the robot stands still: the next task may start
    assert again is not None
    again.cancel_goal_async()
    wait_for(again.get_result_async())
    assert no_overlap(driver.log)


def test_unconfirmed_cancel_keeps_the_next_task_out_until_the_driver_answers(fresh):
    driver = fresh.swap_driver(StubbornDriver, skill_delay=5.0)
    time.sleep(0.5)
    handle, feedback = fresh.send()
    fresh.until_started(feedback)
    handle.cancel_goal_async()
    result = wait_for(handle.get_result_async()).result
    assert result.code.value == ResultCode.TIMEOUT, result.message  # not CANCELLED: the robot still moves
    assert "may still be moving" in result.message
    rejected, _ = fresh.send()
    assert rejected is None and not driver.log  # no second motion while the first runs
    deadline = time.monotonic() + TIMEOUT
    while not driver.log and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # its answer reaches the executor
    assert fresh.graph.set("reference_driver", skill_delay=0.0).successful
    after, _ = fresh.send()
    assert after is not None  # the driver answered: the robot stopped
    assert wait_for(after.get_result_async()).result.code.value == ResultCode.SUCCESS
    assert no_overlap(driver.log)


def test_a_task_sent_before_the_drivers_first_state_waits_for_it(graph, tmp_path):
    """A task that comes as the graph starts, before the driver's first world/state, waits for it (up to
    server_timeout) rather than failing: under load, the latched state can arrive after the first goal."""
    late = Graph(unique_namespace("late_state"), num_threads=8)
    try:
        driver = late.add(LateStateDriver)
        late.add(PlannerNode, strategy="classical")
        late.add(ExecutorNode, run_dir=str(tmp_path), record_mcap=False, server_timeout=3.0)
        for node in ("planner_node", "executor_node"):
            assert late.transition(node, Transition.TRANSITION_CONFIGURE), node
            assert late.transition(node, Transition.TRANSITION_ACTIVATE), node
        tasks = ActionClient(late.client, ExecuteTask, "execute_task")
        assert tasks.wait_for_server(timeout_sec=TIMEOUT)
        assert time.monotonic() < driver.quiet_until, "the graph took too long to start for this test to mean much"
        request = ExecuteTask.Goal(goal=GOAL, strategy="classical", skip_perception=True)
        handle = wait_for(tasks.send_goal_async(request))
        result = wait_for(handle.get_result_async()).result
        assert result.code.value == ResultCode.SUCCESS, result.message
        assert driver.log
    finally:
        late.close()


def test_stale_state_ends_the_task_before_anything_moves(fresh):
    driver = fresh.driver
    for timer in list(driver.timers):  # its state publisher dies; its skill server still answers
        driver.destroy_timer(timer)
    assert fresh.graph.set("executor_node", state_max_age=1.0).successful
    time.sleep(1.5)
    handle, _ = fresh.send()
    result = wait_for(handle.get_result_async()).result
    assert result.code.value == ResultCode.TIMEOUT and "stale" in result.message, result.message
    assert not driver.log


def test_a_state_that_never_comes_after_a_step_is_stale(fresh):
    fresh.swap_driver(LostStateDriver)
    time.sleep(0.5)
    handle, _ = fresh.send()
    result = wait_for(handle.get_result_async()).result
    assert result.code.value == ResultCode.TIMEOUT, result.message
    assert "after goto" in result.message and "stale" in result.message
    assert len(result.executed_steps) == 1


def test_a_driver_that_publishes_only_on_a_timer_gets_no_false_effect_missing(fresh):
    """The broken driver's answers name no state, and its state comes only from its timer (every 0.5 s)."""
    fresh.swap_driver(BrokenDriver)
    time.sleep(0.5)
    handle, _ = fresh.send()
    result = wait_for(handle.get_result_async()).result
    assert result.code.value == ResultCode.SUCCESS, result.message
    assert result.replans == 0


# ---------------------------------------------------------------------------------------------- goals
def test_explicit_goal_over_generate_plan(fresh):
    goal = "pick_and_place mug fridge"
    response = fresh.plan(goal=goal, strategy="classical")  # the state: the driver's latest
    assert response.code.value == ResultCode.SUCCESS, response.message
    assert response.plan.goal_line == goal and response.plan.goal_reached
    assert [s.action for s in response.plan.steps][-1] == "put" and response.plan.steps[-1].arguments[-1] == "fridge_1"
    refused = fresh.plan(instruction="Put a mug in the fridge", strategy="classical")
    assert refused.code.value == ResultCode.REFUSED and "needs a goal" in refused.message
    for bad, words in (("fly mug", "must start with a task family"), ("pick_and_place mug", "needs an object and a "
                                                                                          "target"),
                       ("pick_and_place dragon fridge", "'dragon' names no object category")):
        answer = fresh.plan(goal=bad, strategy="classical")
        assert answer.code.value == ResultCode.INVALID_REQUEST, answer.message
        assert answer.message.startswith(f"goal {bad!r}") and words in answer.message


def test_explicit_goal_over_execute_task_keeps_it_when_replanning(fresh):
    """classical plans only for a given goal: the replan after the slip succeeds only if the goal went with it."""
    fresh.swap_driver(SlipDriver)
    time.sleep(0.5)
    handle, feedback = fresh.send("pick_and_place mug fridge")
    result = wait_for(handle.get_result_async(), 120).result
    assert result.code.value == ResultCode.SUCCESS, result.message
    assert result.replans == 1 and result.plan.goal_line == "pick_and_place mug fridge"
    phases = [f.phase for f in feedback]
    assert phases.index("planning") < phases.index("executing") < phases.index("replanning")
    started = [f for f in feedback if f.status == "started"]
    assert [f.steps_started for f in started] == list(range(1, len(started) + 1))  # never restarts
    assert all(f.step.action and f.step.arguments and f.step.text for f in started)
    after = [f for f in started if f.replans == 1]
    assert after and after[0].step_index == 0  # the index restarts with the new plan, which replans says
    assert any(f.skill_status for f in feedback)  # the driver's own feedback, forwarded


def test_without_perception_the_client_is_told_what_the_plan_rests_on(fresh):
    """No perceive server in this graph: the task plans on the last known objects, and its feedback says so."""
    handle, feedback = fresh.send(skip_perception=False)
    result = wait_for(handle.get_result_async(), 120).result
    assert result.code.value == ResultCode.SUCCESS, result.message
    notes = [f.status for f in feedback if f.phase == "perceiving"]
    assert any("no 'perceive' server: planning on the last known objects" in n for n in notes), notes


def test_a_missing_planner_is_a_typed_error(fresh):
    graph = fresh.graph
    graph.remove(next(n for n in graph.nodes if isinstance(n, PlannerNode)))
    try:
        handle, _ = fresh.send()
        result = wait_for(handle.get_result_async()).result
        assert result.code.value == ResultCode.PLANNING_FAILED, result.message
        assert "no generate_plan service" in result.message and "start planner_node" in result.message
        assert not fresh.driver.log
    finally:
        graph.add(PlannerNode, strategy="classical")
        assert graph.transition("planner_node", Transition.TRANSITION_CONFIGURE)
        assert graph.transition("planner_node", Transition.TRANSITION_ACTIVATE)


# ---------------------------------------------------------------------------------------------- input checks
def _bad_states(kitchen):
    good = world_state_to_msg(kitchen, WorldState.from_scene(kitchen))
    ids = [o.id for o in good.scene.objects]
    cases = {}

    def case(words, change):
        msg = copy.deepcopy(good)
        change(msg)
        cases[words] = msg

    case("holding: 'fridge_1' is a Fridge, not an item", lambda m: setattr(m, "holding", "fridge_1"))
    case("robot_at: 'mug_1' is a Mug, not a fixture", lambda m: setattr(m, "robot_at", "mug_1"))
    case("holding: 'mug_9' is not an object", lambda m: setattr(m, "holding", "mug_9"))
    case("size must not be negative", lambda m: setattr(m.scene.objects[0].size, "x", -0.5))
    case("attributes: hot and cold at once", lambda m: setattr(m.scene.objects[ids.index("mug_1")], "attributes",
                                                                ["hot", "cold"]))
    case("attributes: unknown flag 'wet'", lambda m: setattr(m.scene.objects[ids.index("mug_1")], "attributes",
                                                              ["wet"]))
    return cases


def test_malformed_world_states_get_typed_answers(fresh, kitchen):
    for words, msg in _bad_states(kitchen).items():
        with pytest.raises(RequestError, match=words.replace("(", r"\(")):
            msg_to_world_state(msg)
        response = fresh.plan(goal="pick_and_place mug fridge", strategy="classical", state=msg)
        assert response.code.value == ResultCode.INVALID_REQUEST and words in response.message, response.message
    assert fresh.plan(goal="close fridge", strategy="classical", state=WorldStateMsg()).code.value == \
        ResultCode.SUCCESS  # the planner still answers
