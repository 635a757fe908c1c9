"""executor_node: serves execute_task (perceive, plan, execute, replan).

Feedback per phase and step, cancellation and typed results. Plans come from planner_node's
generate_plan service; skills go to whichever execute_skill server is configured (the simulator's,
or a real robot's driver, held to docs/robot-driver.md).

The node keeps one world model (`groundplan.execution.world_model`) across the tasks it runs: each
task's perceived scene is merged into it, each step's effects go into it, and the task plans on it,
so what one task did (an apple put into the fridge, the door then shut) the next plans on though no
camera sees it. It is published, latched, on `world_model`.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from groundplan_interfaces.action import ExecuteSkill, ExecuteTask, Perceive
from groundplan_interfaces.msg import Plan, PlanStep, SceneObjectArray
from groundplan_interfaces.msg import WorldState as WorldStateMsg
from groundplan_interfaces.srv import GeneratePlan
from rclpy.action import ActionClient, ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.task import Future
from sensor_msgs.msg import Image
from visualization_msgs.msg import MarkerArray

from groundplan.errors import GroundplanError
from groundplan.execution.executor import ExecutorConfig
from groundplan.execution.run_folder import RunFolder
from groundplan.execution.task import TaskConfig, run_task
from groundplan.execution.world_model import Sighting, WorldModel
from groundplan.language.prompt import parse_goal
from groundplan.planning.strategy import PlanResult
from groundplan.ros.common import LATCHED, SENSOR, ManagedNode, Param, finish_goal, spin, wait_future
from groundplan.ros.convert import (
    code_msg,
    msg_to_plan,
    msg_to_scene,
    msg_to_world_state,
    plan_to_msg,
    scene_to_msg,
    step_to_msg,
    world_state_to_msg,
)
from groundplan.ros.markers import scene_markers
from groundplan.ros.recording import McapRecorder, RecordedTopics
from groundplan.types.actions import Step
from groundplan.types.results import ResultCode, SkillOutcome
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.domain import Domain
from groundplan.world.validator import Validator

PARAMS = {
    "planner_service": Param("generate_plan", "planner_node's service that plans (its strategy is the default "
                                              "of tasks that name none)", configure=True),
    "plan_timeout": Param(120.0, "seconds one plan may take", low=0.1, high=86400.0),
    "state_max_age": Param(5.0, "seconds a world/state may be old when a step starts or after it ends",
                           low=0.1, high=3600.0),
    "skill_action": Param("execute_skill", "action server that runs skills (the simulator's or a robot's)",
                          configure=True),
    "perceive_action": Param("perceive", "action server that perceives the scene", configure=True),
    "server_timeout": Param(5.0, "seconds to wait for a skill or perception server before failing", low=0.1,
                            high=3600.0, configure=True),
    "perceive_timeout": Param(120.0, "seconds a whole perception (all views) may take", low=0.1, high=86400.0),
    "max_replans": Param(3, "replans of a task that gives none", low=0, high=100),
    "step_timeout": Param(120.0, "seconds one skill may take", low=0.1, high=86400.0),
    "use_world_model": Param(True, "plan on the world model kept across tasks (what the robot saw and did); "
                                   "false, an ablation: on what this task perceived alone (the world model is "
                                   "still kept and published)"),
    "run_dir": Param("runs", "folder that gets one run folder per task"),
    "record_mcap": Param(True, "write run.mcap in each run folder"),
    "mcap_image_every": Param(3, "record every n-th head-camera frame", low=1, high=1000),
}


class TaskEnded(GroundplanError):
    """Ends a task with a code of its own: no planner to ask, or a cancel that came while planning."""

    def __init__(self, code: ResultCode, message: str):
        super().__init__(message)
        self.code = code


class RosSkills:
    """The core's SkillServer over a driver's execute_skill action and world/state (docs/robot-driver.md).

    It holds the driver to the contract's timing: a step starts only on a state younger than
    state_max_age, and its answer counts once the state it names (state_stamp) is here. A skill
    cancelled here, or one that runs over its time, is cancelled on the driver and its answer waited
    for; while a driver has not confirmed such a cancel, the robot may still move (`moving`).
    """

    def __init__(self, node: Node, action: str, server_timeout: float, max_age: Callable[[], float], group,
                 on_state=None):
        self.node = node
        self.client = ActionClient(node, ExecuteSkill, action, callback_group=group)
        self.action = action
        self.server_timeout = server_timeout
        self.max_age = max_age  # read at each use: the parameter may change at run time
        self.state: WorldStateMsg | None = None
        self.state_time = 0.0  # monotonic time the latest state came
        self.unconfirmed: tuple[str, Future] | None = None  # a cancelled skill the driver has not answered
        self.on_feedback: Callable[[ExecuteSkill.Feedback], None] | None = None  # the running task's
        self._lock = threading.Lock()
        self._forward = on_state  # before subscribing: a latched state may arrive at once, on another thread
        node.create_subscription(WorldStateMsg, "world/state", self._on_state, LATCHED, callback_group=group)

    def _on_state(self, msg: WorldStateMsg) -> None:
        with self._lock:
            self.state, self.state_time = msg, time.monotonic()
        if self._forward is not None:
            self._forward(msg)

    def _on_feedback(self, msg) -> None:
        if self.on_feedback is not None:
            self.on_feedback(msg.feedback)

    def ready(self) -> bool:
        return self.client.wait_for_server(timeout_sec=self.server_timeout)

    def first_state(self, timeout: float) -> None:
        """Wait up to `timeout` s for the driver's first world/state: a task sent just after start-up may come first."""
        deadline = time.monotonic() + timeout
        while self.latest() is None and time.monotonic() < deadline:
            time.sleep(0.02)

    def stale(self) -> str:
        """Why the latest state is too old to act on; "" when it is fresh."""
        with self._lock:
            msg, received = self.state, self.state_time
        if msg is None:
            return "no world/state from the robot's driver yet"
        age, limit = time.monotonic() - received, self.max_age()
        if age <= limit:
            return ""
        return (f"the driver's world/state is stale: the latest came {age:.1f} s ago (state_max_age "
                f"{limit:.1f} s); a driver republishes it every second (docs/robot-driver.md)")

    def moving(self) -> str:
        """Why the robot may still be moving (a cancel the driver never confirmed); "" when it is not."""
        if self.unconfirmed is not None and not self.unconfirmed[1].done():
            return (f"the driver has not confirmed that {self.unconfirmed[0]!r} stopped after a cancel: "
                    "the robot may still be moving")
        self.unconfirmed = None
        return ""

    def execute(self, step: Step, timeout: float | None = None, should_cancel=None) -> SkillOutcome:
        stale = self.stale()
        if stale:  # never start a motion from a state that may be wrong; TIMEOUT ends the task
            return SkillOutcome(ResultCode.TIMEOUT, f"before {step.text}: {stale}")
        # A server that went away mid-task is a TIMEOUT, which ends the task: replanning cannot help.
        if not self.client.server_is_ready() and not self.ready():
            return SkillOutcome(ResultCode.TIMEOUT, f"the skill server on {self.action!r} went away")
        goal = ExecuteSkill.Goal(skill=step.action, arguments=list(step.args), timeout=float(timeout or 0.0))
        handle = wait_future(self.client.send_goal_async(goal, feedback_callback=self._on_feedback),
                             timeout=self.server_timeout)
        if handle is None:
            return SkillOutcome(ResultCode.TIMEOUT, f"no answer from the skill server on {self.action!r} within "
                                                    f"{self.server_timeout:.0f} s")
        if not handle.accepted:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"{self.action!r} rejected {step.text!r}: is another "
                                                             "client's skill running?")
        result_future = handle.get_result_async()
        stop = self._await_result(result_future, step, timeout, should_cancel)
        if isinstance(stop, SkillOutcome):
            return stop
        if stop:  # cancelled here, or over time: stop the robot, and take its answer only once it confirms
            wait_future(handle.cancel_goal_async(), timeout=self.server_timeout)
            if wait_future(result_future, timeout=self.server_timeout) is None:
                self.unconfirmed = (step.text, result_future)
                return SkillOutcome(ResultCode.TIMEOUT, f"{step.text}: {stop}, but the driver did not confirm "
                                                        f"within {self.server_timeout:.0f} s that it stopped: the "
                                                        "robot may still be moving; new tasks are rejected until "
                                                        "the driver answers")
        answer = result_future.result().result
        stale = self._await_state_after(answer.state_stamp, time.monotonic())
        if stale:
            return SkillOutcome(ResultCode.TIMEOUT, f"after {step.text}: {stale}")
        if stop and stop != "cancelled" and answer.code.value == ResultCode.CANCELLED:  # over time: stopped
            return SkillOutcome(ResultCode.TIMEOUT, f"{step.text}: {stop}; the driver stopped it")
        return SkillOutcome(ResultCode(answer.code.value), answer.message)

    def _await_result(self, future, step: Step, timeout: float | None, should_cancel) -> SkillOutcome | str:
        """Wait for a skill's result.

        Returns "" once it is there; why to stop it (a cancel, over time); or a TIMEOUT outcome when its
        server went away (nothing left to stop).
        """
        limit = timeout + self.server_timeout if timeout else None
        start, gone_since = time.monotonic(), None
        while not future.done():
            if should_cancel is not None and should_cancel():
                return "cancelled"
            now = time.monotonic()
            if limit is not None and now - start > limit:
                return f"no result after {limit:.0f} s"
            if self.client.server_is_ready():
                gone_since = None
            elif gone_since is None:
                gone_since = now
            elif now - gone_since > self.server_timeout:
                return SkillOutcome(ResultCode.TIMEOUT, f"the skill server on {self.action!r} went away "
                                                        f"during {step.text!r}")
            time.sleep(0.02)
        return ""

    def _await_state_after(self, stamp, answered: float) -> str:
        """Wait for the state the answer names (naming none: the first state after the answer).

        Returns why it did not come; "" once it is here.
        """
        named = _seconds(stamp)
        limit = self.server_timeout if named else self.max_age()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                msg, received = self.state, self.state_time
            if msg is not None and (_seconds(msg.header.stamp) >= named if named else received > answered):
                return ""
            time.sleep(0.01)
        what = f"the state stamped {named:.3f} that its answer names" if named else "no state after its answer"
        return f"the driver's world/state is stale: {what} came within {limit:.1f} s"

    def latest(self) -> WorldStateMsg | None:
        with self._lock:
            return self.state

    def observe(self) -> WorldState:
        msg = self.latest()
        if msg is None:
            raise GroundplanError("no /world/state from the skill server's side")
        return msg_to_world_state(msg)[1]


def _seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


class ServicePlanner:
    """The core's planner over planner_node's generate_plan service: the model loads in that one process.

    A task's first plan states its goal (the task's own, or the one the planner read: Plan.goal_line);
    every replan asks for that same goal.
    """

    def __init__(self, node: Node, service: str, timeout: Callable[[], float], group):
        self.client = node.create_client(GeneratePlan, service, callback_group=group)
        self.service = node.resolve_service_name(service)
        self.timeout = timeout
        self.validator = Validator(Domain())  # the executor checks each step before it runs
        self.strategy = self.goal_line = ""
        self.should_cancel: Callable[[], bool] | None = None

    def start(self, strategy: str, goal_line: str, should_cancel: Callable[[], bool]) -> None:
        """A new task: its strategy (empty: planner_node's default) and goal (empty: read from the instruction)."""
        self.strategy, self.goal_line, self.should_cancel = strategy, goal_line.strip(), should_cancel

    def missing(self, wait: float) -> str:
        """Why there is no planner to ask; "" when there is."""
        if self.client.wait_for_service(timeout_sec=wait):
            return ""
        return f"no generate_plan service on {self.service!r} after {wait:.0f} s: start planner_node, which plans " \
               "for executor_node"

    def plan(self, scene: Scene, instruction: str = "", goal=None, state: WorldState | None = None) -> PlanResult:
        return self._ask(scene, instruction, state)

    def replan(self, scene: Scene, instruction: str, goal, state: WorldState) -> PlanResult:
        return self._ask(scene, instruction, state)

    def _ask(self, scene: Scene, instruction: str, state: WorldState | None) -> PlanResult:
        request = GeneratePlan.Request(instruction=instruction, goal=self.goal_line, strategy=self.strategy,
                                       state=world_state_to_msg(scene, state or WorldState.from_scene(scene)))
        future = self.client.call_async(request)
        response = wait_future(future, self.timeout(), self.should_cancel)
        if response is None:
            self.client.remove_pending_request(future)
            if self.should_cancel is not None and self.should_cancel():
                raise TaskEnded(ResultCode.CANCELLED, "cancelled while planning")
            raise TaskEnded(ResultCode.PLANNING_FAILED, f"no answer from {self.service!r} within "
                                                        f"{self.timeout():.0f} s")
        code, plan = ResultCode(response.code.value), response.plan
        if code != ResultCode.SUCCESS and not plan.steps and not plan.refused:
            raise TaskEnded(code, f"planner_node: {response.message}")
        if not self.goal_line:  # the goal the first plan stated: every replan keeps it
            self.goal_line = plan.goal_line
        result = msg_to_plan(plan, parse_goal(plan.goal_line, scene) if plan.goal_line else None)
        result.needs_clarification = code == ResultCode.NEEDS_CLARIFICATION
        return result


class HeadCamera:
    """The head camera's latest image, as the task runner's camera and clock.

    Its images come at the size the camera has. The clock is the node's ROS clock (simulated time
    under use_sim_time); it advances for the runner as head images arrive, so the GIF takes them as
    they come, at most one per `TaskConfig.gif_every` seconds.
    """

    def __init__(self, node: Node):
        self.node = node
        self.latest: np.ndarray | None = None
        self._listeners: list[Callable[[float], None]] = []
        self._lock = threading.Lock()

    def on_image(self, msg: Image) -> None:
        rgb = np.frombuffer(bytes(msg.data), np.uint8).reshape(msg.height, msg.width, 3)
        with self._lock:
            self.latest = rgb
            listeners = list(self._listeners)
        now = self.now()
        for listener in listeners:
            listener(now)

    def __call__(self, size: tuple[int, int]) -> np.ndarray:
        with self._lock:
            return self.latest

    def now(self) -> float:
        return self.node.get_clock().now().nanoseconds * 1e-9

    def subscribe(self, listener: Callable[[float], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe


class TaskFeedback:
    """ExecuteTask feedback of one task: the phase, the attempt, the step, and the skill's own progress."""

    def __init__(self, goal_handle, record: Callable[[str, object], None]):
        self.goal_handle = goal_handle
        self.record = record
        self.attempt = 0  # replans so far
        self.started = 0  # steps started over all attempts
        self.step = PlanStep()

    def send(self, phase: str, status: str = "", skill: ExecuteSkill.Feedback | None = None) -> None:
        msg = ExecuteTask.Feedback(
            phase=phase, status=status, replans=self.attempt, step_index=self.step.index, steps_started=self.started,
            step=self.step, skill_progress=float(skill.progress) if skill else 0.0,
            skill_status=skill.status if skill else "")
        self.goal_handle.publish_feedback(msg)
        self.record("/execute_task/feedback", msg)

    def skill(self, feedback: ExecuteSkill.Feedback) -> None:
        self.send("executing", skill=feedback)


class ExecutorNode(ManagedNode):
    def __init__(self, **kwargs):
        super().__init__("executor_node", PARAMS, **kwargs)
        self.recorder: McapRecorder | None = None
        self.busy = threading.Lock()  # one task at a time: taken when a goal is accepted
        self.skills: RosSkills | None = None

    def configure(self) -> None:
        group = ReentrantCallbackGroup()
        self.planner = ServicePlanner(self, self.params["planner_service"], lambda: self.params["plan_timeout"],
                                      group)
        self.skills = RosSkills(self, self.params["skill_action"], self.params["server_timeout"],
                                lambda: self.params["state_max_age"], group, on_state=self._record_state)
        self.perceive_client = ActionClient(self, Perceive, self.params["perceive_action"], callback_group=group)
        self.plan_pub = self.create_lifecycle_publisher(Plan, "executor/plan", LATCHED)
        self.markers_pub = self.create_lifecycle_publisher(MarkerArray, "executor/markers", LATCHED)
        self.step_pub = self.create_lifecycle_publisher(PlanStep, "executor/step", 10)
        self.world_model_pub = self.create_lifecycle_publisher(SceneObjectArray, "world_model", LATCHED)
        self.world_model: WorldModel | None = None  # made from the first task's scene
        self.merged_stamp = -1.0  # header stamp (seconds) of the latest scene merged into the world model
        self.scene_msg: SceneObjectArray | None = None
        self.head = HeadCamera(self)
        self._images = 0
        self.create_subscription(SceneObjectArray, "scene/objects", self._on_scene, LATCHED, callback_group=group)
        self.create_subscription(Image, "camera/head/image_raw", self._on_image, SENSOR, callback_group=group)
        self.recorded = RecordedTopics(self, self._record, group)  # TF, camera_info, perception's markers
        ActionServer(self, ExecuteTask, "execute_task", self._execute_task, callback_group=group,
                     goal_callback=self.goal_gate(self._on_goal), cancel_callback=lambda _: CancelResponse.ACCEPT)

    def release(self) -> None:
        self.planner = self.skills = self.scene_msg = self.world_model = None

    # ------------------------------------------------------------------ recording
    def _now_ns(self) -> int:
        return self.get_clock().now().nanoseconds

    def _record(self, topic: str, msg) -> None:
        if self.recorder is not None:
            self.recorder.write(topic, msg, self._now_ns())

    def _on_scene(self, msg: SceneObjectArray) -> None:
        self.scene_msg = msg
        self._record("/scene/objects", msg)

    def _on_image(self, msg: Image) -> None:
        self._images += 1
        self.head.on_image(msg)
        if self._images % max(1, self.params["mcap_image_every"]) == 0:
            self._record("/camera/head/image_raw", msg)

    def _record_state(self, msg: WorldStateMsg) -> None:
        self._record("/world/state", msg)

    # ------------------------------------------------------------------ world model
    def _merge(self, scene: Scene, msg: SceneObjectArray) -> WorldModel:
        """The world model with this task's scene merged in; a scene of another room starts a new one."""
        if self.world_model is None or self.world_model.room.id != scene.id:
            # the room's map only: its objects are known as evidence comes
            self.world_model = WorldModel(replace(scene, objects=[]), clock=lambda: self._now_ns() * 1e-9)
            self.merged_stamp = -1.0
        stamp = _seconds(msg.header.stamp)
        # A scene no newer than the last one merged (skip_perception's) is old news: it would move back
        # what the robot has moved since.
        if stamp > self.merged_stamp:
            self.world_model.perceived(Sighting(scene))  # no views: nothing is judged missing from them
            self.merged_stamp = stamp
        return self.world_model

    def _publish_world_model(self) -> SceneObjectArray:
        msg = scene_to_msg(self.world_model.scene(), stamp=self.get_clock().now().to_msg())
        self.world_model_pub.publish(msg)
        self._record("/world_model", msg)
        return msg

    # ------------------------------------------------------------------ execute_task
    def _fail(self, goal_handle, code: ResultCode, message: str):
        self.get_logger().error(message)
        goal_handle.abort()
        return ExecuteTask.Result(code=code_msg(code), message=message)

    def _on_goal(self, request) -> GoalResponse:
        """Reject a task while another runs, or while the robot may still move after an unconfirmed cancel."""
        why = self.skills.moving()
        if not why and not self.busy.acquire(blocking=False):
            why = "another task is running (one at a time)"
        if why:
            self.get_logger().warning(f"rejected the task {request.instruction!r}: {why}")
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    def _perceive(self, goal_handle, feedback: TaskFeedback) -> SceneObjectArray | None:
        """The perceived scene, or None when perception gave none: the client is told why in the feedback."""

        def fall_back(why: str) -> None:
            note = f"{why}: planning on the last known objects"
            self.get_logger().warning(note)
            feedback.send("perceiving", note)

        if not self.perceive_client.wait_for_server(timeout_sec=self.params["server_timeout"]):
            fall_back(f"no {self.params['perceive_action']!r} server")
            return None
        feedback.send("perceiving")
        handle = wait_future(self.perceive_client.send_goal_async(Perceive.Goal()),
                             timeout=self.params["server_timeout"])
        if handle is None or not handle.accepted:
            fall_back("perception did not accept the goal")
            return None
        wrapped = wait_future(handle.get_result_async(), timeout=self.params["perceive_timeout"])
        if wrapped is None or wrapped.result.code.value != ResultCode.SUCCESS:
            fall_back(f"perception failed ({'timed out' if wrapped is None else wrapped.result.message})")
            return None
        return wrapped.result.scene

    def _execute_task(self, goal_handle):
        try:  # the busy lock was taken when the goal was accepted
            result = self._run_task(goal_handle, goal_handle.request)
            self._record("/execute_task/result", result)
            return result
        finally:
            if self.recorder is not None:
                self.recorder.close()
                self.recorder = None
            self.skills.on_feedback = None
            self.busy.release()

    def _run_task(self, goal_handle, request):
        if not self.skills.ready():
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED,
                              f"no skill server answers on {self.params['skill_action']!r} after "
                              f"{self.params['server_timeout']:.0f} s: start sim_node or the robot's skill server")
        self.skills.first_state(self.params["server_timeout"])
        stale = self.skills.stale()
        if stale:  # plan on no driver's old data
            return self._fail(goal_handle, ResultCode.TIMEOUT, stale)
        missing = self.planner.missing(self.params["server_timeout"])
        if missing:
            return self._fail(goal_handle, ResultCode.PLANNING_FAILED, missing)
        feedback = TaskFeedback(goal_handle, self._record)
        scene_msg = None if request.skip_perception else self._perceive(goal_handle, feedback)
        if scene_msg is None:
            scene_msg = self.scene_msg or (self.skills.latest().scene if self.skills.latest() else None)
        if scene_msg is None:
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED, "no scene: perception gave none and "
                                                                        "nothing was published on /scene/objects")
        try:
            perceived, _ = msg_to_scene(scene_msg)
        except GroundplanError as exc:
            return self._fail(goal_handle, ResultCode.INVALID_REQUEST, str(exc))
        world_model = self._merge(perceived, scene_msg)
        self.planner.start(request.strategy, request.goal, lambda: goal_handle.is_cancel_requested)
        folder = RunFolder.create(self.params["run_dir"], perceived.id)
        run_dir = folder.path
        if self.params["record_mcap"]:
            self.recorder = McapRecorder(run_dir / "run.mcap")
            self._record("/execute_task/goal", request)
            self.recorded.start()
            self._record("/scene/objects", scene_msg)
            latest = self.skills.latest()
            if latest is not None:
                self._record("/world/state", latest)
        world_msg = self._publish_world_model()
        on_model = self.params["use_world_model"]
        scene, drawn = (world_model.scene(), world_msg) if on_model else (perceived, scene_msg)

        plans: list[PlanResult] = []  # the current plan is the last

        def on_plan(plan: PlanResult, attempt: int) -> None:
            plans.append(plan)
            msg = plan_to_msg(plan, self.get_clock().now().to_msg(), self.planner.goal_line)
            self.plan_pub.publish(msg)
            self._record("/executor/plan", msg)

        def on_event(event: str, data: dict) -> None:
            nonlocal drawn
            if event in ("step", "end"):  # the world model has taken in what the step did
                updated = self._publish_world_model()
                if on_model:
                    drawn = updated
            if event == "replan":
                feedback.attempt = int(data["attempt"])
                feedback.send("replanning", data.get("reason", ""))
            if event not in ("step_start", "step"):
                return
            index = int(data["index"])
            feedback.step = step_msg = step_to_msg(index, plans[-1].steps[index])
            if event == "step_start":
                feedback.started += 1
                feedback.send("executing", "started")
                # the objects the current step acts on, drawn opaque
                markers = scene_markers(drawn, set(step_msg.arguments))
                self.markers_pub.publish(markers)
                self._record("/executor/markers", markers)
            else:
                if data.get("code") != "SUCCESS":
                    step_msg.reason = data.get("message", "")
                feedback.send("executing", data.get("code", "").lower())
            self.step_pub.publish(step_msg)
            self._record("/executor/step", step_msg)

        self.skills.on_feedback = feedback.skill
        feedback.send("planning")

        config = TaskConfig(ExecutorConfig(max_replans=request.max_replans or self.params["max_replans"],
                                           step_timeout=self.params["step_timeout"]))
        camera = self.head if self.head.latest is not None else None  # frames only from a camera that sends
        # The world model takes in every step's effects, also where the task plans on perception alone.
        try:  # the runner writes an exception to the record as an `error` event
            result = run_task(scene, self.planner, self.skills, request.instruction, run_dir=folder, config=config,
                              camera=camera, clock=camera, should_cancel=lambda: goal_handle.is_cancel_requested,
                              on_event=on_event, on_plan=on_plan, world_model=world_model).result
        except TaskEnded as exc:
            self.get_logger().error(str(exc))
            finish_goal(goal_handle, exc.code)
            return ExecuteTask.Result(code=code_msg(exc.code), message=f"{exc} (run folder: {run_dir})")
        except GroundplanError as exc:
            return self._fail(goal_handle, ResultCode.INVALID_REQUEST, str(exc))
        except Exception as exc:  # a fault in a part: the node stays up, the record says what happened
            self.get_logger().error(f"task failed: {exc!r}\n{traceback.format_exc()}")
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED, f"internal error: {exc!r}")
        self.get_logger().info(f"{result.code.name}: {result.message}; run folder {run_dir}")
        out = ExecuteTask.Result(code=code_msg(result.code), message=f"{result.message} (run folder: {run_dir})",
                                 replans=result.replans)
        if result.plan is not None:
            out.plan = plan_to_msg(result.plan, self.get_clock().now().to_msg(), self.planner.goal_line)
        out.executed_steps = [step_to_msg(r.index, r.step) for r in result.executed]
        for msg, rec in zip(out.executed_steps, result.executed):
            msg.reason = rec.message
        finish_goal(goal_handle, result.code)
        return out


def main(args=None) -> int:
    return spin(ExecutorNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
