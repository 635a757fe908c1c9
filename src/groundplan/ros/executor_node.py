"""executor_node: serves execute_task (perceive, plan, execute, replan).

Feedback per step, cancellation and typed results; skills go to whichever execute_skill server
is configured (the simulator's, or a real robot's).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

import numpy as np
from groundplan_interfaces.action import ExecuteSkill, ExecuteTask, Perceive
from groundplan_interfaces.msg import Plan, PlanStep, SceneObjectArray
from groundplan_interfaces.msg import WorldState as WorldStateMsg
from rclpy.action import ActionClient, ActionServer, CancelResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.node import Node
from sensor_msgs.msg import Image
from visualization_msgs.msg import MarkerArray

from groundplan.errors import GroundplanError
from groundplan.execution.executor import ExecutorConfig
from groundplan.execution.run_folder import RunFolder
from groundplan.execution.task import TaskConfig, run_task
from groundplan.planning.registry import DEFAULT_STRATEGY, make_strategy
from groundplan.planning.strategy import PlanResult
from groundplan.ros.common import LATCHED, SENSOR, declare, finish_goal, spin, wait_future
from groundplan.ros.convert import code_msg, msg_to_scene, msg_to_world_state, plan_to_msg, step_to_msg
from groundplan.ros.markers import scene_markers
from groundplan.ros.recording import McapRecorder
from groundplan.types.actions import Step
from groundplan.types.results import ResultCode, SkillOutcome
from groundplan.types.state import WorldState

DEFAULTS = {
    "strategy": DEFAULT_STRATEGY,
    "model": "",
    "skill_action": "execute_skill",
    "perceive_action": "perceive",
    "server_timeout": 5.0,  # seconds to wait for a skill or perception server before failing
    "perceive_timeout": 120.0,  # seconds a whole perception (all views) may take
    "max_replans": 3,
    "step_timeout": 120.0,
    "run_dir": "runs",
    "record_mcap": True,
    "mcap_image_every": 3,  # record every n-th camera frame
}


class RosSkills:
    """The core's SkillServer over an execute_skill action server and /world/state."""

    def __init__(self, node: Node, action: str, server_timeout: float, group, on_state=None):
        self.node = node
        self.client = ActionClient(node, ExecuteSkill, action, callback_group=group)
        self.action = action
        self.server_timeout = server_timeout
        self.state: WorldStateMsg | None = None
        self.state_time = 0.0
        self._lock = threading.Lock()
        node.create_subscription(WorldStateMsg, "world/state", self._on_state, LATCHED, callback_group=group)
        self._forward = on_state

    def _on_state(self, msg: WorldStateMsg) -> None:
        with self._lock:
            self.state, self.state_time = msg, time.monotonic()
        if self._forward is not None:
            self._forward(msg)

    def ready(self) -> bool:
        return self.client.wait_for_server(timeout_sec=self.server_timeout)

    def execute(self, step: Step, timeout: float | None = None, should_cancel=None) -> SkillOutcome:
        # A server that went away mid-task is a TIMEOUT, which ends the task: replanning cannot help.
        if not self.client.server_is_ready() and not self.ready():
            return SkillOutcome(ResultCode.TIMEOUT, f"the skill server on {self.action!r} went away")
        goal = ExecuteSkill.Goal(skill=step.action, arguments=list(step.args), timeout=float(timeout or 0.0))
        handle = wait_future(self.client.send_goal_async(goal), timeout=self.server_timeout)
        if handle is None:
            return SkillOutcome(ResultCode.TIMEOUT, f"no answer from the skill server on {self.action!r} within "
                                                    f"{self.server_timeout:.0f} s")
        if not handle.accepted:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"{self.action!r} did not accept {step.text!r}")
        result_future = handle.get_result_async()
        lost = self._await_result(result_future, step, timeout, should_cancel)
        if lost is not None:
            return lost
        if not result_future.done():  # cancelled here: stop the robot, then report what it says
            wait_future(handle.cancel_goal_async(), timeout=self.server_timeout)
            wrapped = wait_future(result_future, timeout=self.server_timeout)
            if wrapped is None:
                return SkillOutcome(ResultCode.CANCELLED, "cancelled; the skill server did not confirm")
        wrapped = result_future.result()
        self._await_state_after(time.monotonic())
        return SkillOutcome(ResultCode(wrapped.result.code.value), wrapped.result.message)

    def _await_result(self, future, step: Step, timeout: float | None, should_cancel) -> SkillOutcome | None:
        """Wait for a skill's result; a TIMEOUT outcome when it runs over or its server goes away.

        Returns None once the result is there or a cancel was asked for.
        """
        limit = timeout + self.server_timeout if timeout else None
        start, gone_since = time.monotonic(), None
        while not future.done():
            if should_cancel is not None and should_cancel():
                return None
            now = time.monotonic()
            if limit is not None and now - start > limit:
                return SkillOutcome(ResultCode.TIMEOUT, f"no result for {step.text!r} after {limit:.0f} s")
            if self.client.server_is_ready():
                gone_since = None
            elif gone_since is None:
                gone_since = now
            elif now - gone_since > self.server_timeout:
                return SkillOutcome(ResultCode.TIMEOUT, f"the skill server on {self.action!r} went away "
                                                        f"during {step.text!r}")
            time.sleep(0.02)
        return None

    def _await_state_after(self, t: float, timeout: float = 2.0) -> None:
        """The skill server publishes the state it observed before answering; wait until it is here."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.state_time >= t - 0.5:
                    return
            time.sleep(0.01)

    def latest(self) -> WorldStateMsg | None:
        with self._lock:
            return self.state

    def observe(self) -> WorldState:
        msg = self.latest()
        if msg is None:
            raise GroundplanError("no /world/state from the skill server's side")
        return msg_to_world_state(msg)[1]


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


class ExecutorNode(Node):
    def __init__(self, **kwargs):
        super().__init__("executor_node", **kwargs)
        self.params = declare(self, DEFAULTS)
        self.planner = make_strategy(self.params["strategy"], model=self.params["model"])
        group = ReentrantCallbackGroup()
        self.skills = RosSkills(self, self.params["skill_action"], self.params["server_timeout"], group,
                                on_state=self._record_state)
        self.perceive_client = ActionClient(self, Perceive, self.params["perceive_action"], callback_group=group)
        self.plan_pub = self.create_publisher(Plan, "executor/plan", LATCHED)
        self.markers_pub = self.create_publisher(MarkerArray, "executor/markers", LATCHED)
        self.step_pub = self.create_publisher(PlanStep, "executor/step", 10)
        self.scene_msg: SceneObjectArray | None = None
        self.recorder: McapRecorder | None = None
        self.head = HeadCamera(self)
        self._images = 0
        self.create_subscription(SceneObjectArray, "scene/objects", self._on_scene, LATCHED, callback_group=group)
        self.create_subscription(Image, "camera/head/image_raw", self._on_image, SENSOR, callback_group=group)
        self.busy = threading.Lock()
        ActionServer(self, ExecuteTask, "execute_task", self._execute_task, callback_group=group,
                     cancel_callback=lambda _: CancelResponse.ACCEPT)

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

    # ------------------------------------------------------------------ execute_task
    def _fail(self, goal_handle, code: ResultCode, message: str):
        self.get_logger().error(message)
        goal_handle.abort()
        return ExecuteTask.Result(code=code_msg(code), message=message)

    def _perceive(self, goal_handle) -> SceneObjectArray | None:
        """The perceived scene, or None (with the reason logged) when perception gave none."""
        if not self.perceive_client.wait_for_server(timeout_sec=self.params["server_timeout"]):
            self.get_logger().warning(f"no {self.params['perceive_action']!r} server: using the last known objects")
            return None
        goal_handle.publish_feedback(ExecuteTask.Feedback(status="perceiving"))
        handle = wait_future(self.perceive_client.send_goal_async(Perceive.Goal()),
                             timeout=self.params["server_timeout"])
        if handle is None or not handle.accepted:
            self.get_logger().warning("perception did not accept the goal: using the last known objects")
            return None
        wrapped = wait_future(handle.get_result_async(), timeout=self.params["perceive_timeout"])
        if wrapped is None or wrapped.result.code.value != ResultCode.SUCCESS:
            why = "timed out" if wrapped is None else wrapped.result.message
            self.get_logger().warning(f"perception failed ({why}): using the last known objects")
            return None
        return wrapped.result.scene

    def _execute_task(self, goal_handle):
        request = goal_handle.request
        if not self.busy.acquire(blocking=False):
            return self._fail(goal_handle, ResultCode.INVALID_REQUEST, "another task is running")
        try:
            return self._run_task(goal_handle, request)
        finally:
            self.busy.release()

    def _run_task(self, goal_handle, request):
        if not self.skills.ready():
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED,
                              f"no skill server answers on {self.params['skill_action']!r} after "
                              f"{self.params['server_timeout']:.0f} s: start sim_node or the robot's skill server")
        scene_msg = None if request.skip_perception else self._perceive(goal_handle)
        if scene_msg is None:
            scene_msg = self.scene_msg or (self.skills.latest().scene if self.skills.latest() else None)
        if scene_msg is None:
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED, "no scene: perception gave none and "
                                                                        "nothing was published on /scene/objects")
        try:
            scene, _ = msg_to_scene(scene_msg)
            planner = self.planner if not request.strategy else make_strategy(request.strategy,
                                                                              model=self.params["model"])
        except GroundplanError as exc:
            return self._fail(goal_handle, ResultCode.INVALID_REQUEST, str(exc))
        folder = RunFolder.create(self.params["run_dir"], scene.id)
        run_dir = folder.path
        if self.params["record_mcap"]:
            self.recorder = McapRecorder(run_dir / "run.mcap")
            self._record("/scene/objects", scene_msg)
            latest = self.skills.latest()
            if latest is not None:
                self._record("/world/state", latest)

        def on_plan(plan: PlanResult, attempt: int) -> None:
            msg = plan_to_msg(plan, self.get_clock().now().to_msg())
            self.plan_pub.publish(msg)
            self._record("/executor/plan", msg)

        def on_event(event: str, data: dict) -> None:
            if event not in ("step_start", "step", "replan"):
                return
            status = {"step_start": "executing", "step": data.get("code", "").lower(), "replan": "replanning"}[event]
            step_msg = PlanStep(index=int(data.get("index", 0)), text=data.get("step", ""))
            if event == "step" and data.get("code") != "SUCCESS":
                step_msg.reason = data.get("message", "")
            fb = ExecuteTask.Feedback(step_index=step_msg.index, step=step_msg, status=status,
                                      replans=int(data.get("attempt", 0)))
            if event == "step_start":  # the objects the current step acts on, drawn opaque
                self.markers_pub.publish(scene_markers(scene_msg, set(data.get("step", "").split()[1:])))
            goal_handle.publish_feedback(fb)
            self.step_pub.publish(step_msg)
            self._record("/executor/step", step_msg)

        config = TaskConfig(ExecutorConfig(max_replans=request.max_replans or self.params["max_replans"],
                                           step_timeout=self.params["step_timeout"]))
        camera = self.head if self.head.latest is not None else None  # frames only from a camera that sends
        try:  # the runner writes an exception to the record as an `error` event
            result = run_task(scene, planner, self.skills, request.instruction, run_dir=folder, config=config,
                              camera=camera, clock=camera, should_cancel=lambda: goal_handle.is_cancel_requested,
                              on_event=on_event, on_plan=on_plan).result
        except GroundplanError as exc:
            return self._fail(goal_handle, ResultCode.INVALID_REQUEST, str(exc))
        except Exception as exc:  # a fault in a part: the node stays up, the record says what happened
            self.get_logger().error(f"task failed: {exc!r}\n{traceback.format_exc()}")
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED, f"internal error: {exc!r}")
        finally:
            if self.recorder is not None:
                self.recorder.close()
                self.recorder = None
        self.get_logger().info(f"{result.code.name}: {result.message}; run folder {run_dir}")
        out = ExecuteTask.Result(code=code_msg(result.code), message=f"{result.message} (run folder: {run_dir})",
                                 replans=result.replans)
        if result.plan is not None:
            out.plan = plan_to_msg(result.plan, self.get_clock().now().to_msg())
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
