"""The other process of the interface round-trip test: serves every groundplan interface type.

It echoes what it receives in a recognisable way, so the test can check that every field
crossed the process boundary intact.
"""

import sys

import rclpy
from groundplan_interfaces.action import ExecuteSkill, ExecuteTask, Perceive
from groundplan_interfaces.msg import Plan, PlanStep, ResultCode, SceneObjectArray
from groundplan_interfaces.srv import GeneratePlan, ValidatePlan
from rclpy.action import ActionServer
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)


class Peer(Node):
    def __init__(self):
        super().__init__("groundplan_test_peer")
        group = ReentrantCallbackGroup()
        self.scene_out = self.create_publisher(SceneObjectArray, "test/scene_echo", LATCHED)
        self.create_subscription(SceneObjectArray, "test/scene_in", self.scene_out.publish, LATCHED)
        self.create_service(GeneratePlan, "test/generate_plan", self.generate, callback_group=group)
        self.create_service(ValidatePlan, "test/validate_plan", self.validate, callback_group=group)
        ActionServer(self, Perceive, "test/perceive", self.perceive, callback_group=group)
        ActionServer(self, ExecuteTask, "test/execute_task", self.execute_task, callback_group=group)
        ActionServer(self, ExecuteSkill, "test/execute_skill", self.execute_skill, callback_group=group)

    def generate(self, request, response):
        response.code.value = ResultCode.SUCCESS
        response.plan = Plan(instruction=request.instruction, strategy=request.strategy, goal_line=request.goal)
        response.plan.header.frame_id = request.state.scene.header.frame_id
        response.plan.steps = [
            PlanStep(index=i, action="goto", arguments=[o.id], text=f"goto {o.id}",
                     verdict=PlanStep.VERDICT_VALID, probe_score=o.score)
            for i, o in enumerate(request.state.scene.objects)
        ]
        response.message = request.state.robot_at
        response.plan.valid = True
        return response

    def validate(self, request, response):
        response.code.value = ResultCode.PRECONDITION_FAILED
        response.message = f"{len(request.steps)} steps"
        response.plan.steps = [
            PlanStep(index=i, text=t, verdict=PlanStep.VERDICT_INVALID, reason=f"reason {i}", probe_score=-1.0)
            for i, t in enumerate(request.steps)
        ]
        return response

    def perceive(self, goal_handle):
        views = goal_handle.request.max_views
        for i in range(views):
            goal_handle.publish_feedback(Perceive.Feedback(view_index=i, views_total=views, detections=i + 1,
                                                           status=goal_handle.request.strategy))
        goal_handle.succeed()
        result = Perceive.Result(views_used=views)
        result.code.value = ResultCode.SUCCESS
        result.scene.room_type = "kitchen"
        return result

    def execute_task(self, goal_handle):
        request = goal_handle.request
        for i in range(2):
            goal_handle.publish_feedback(ExecuteTask.Feedback(
                phase="executing", status="started", step_index=i, replans=i, steps_started=i + 1,
                step=PlanStep(index=i, action="goto", arguments=[f"place_{i}"], text=f"step {i}"),
                skill_progress=0.25, skill_status=request.goal))
        goal_handle.succeed()
        result = ExecuteTask.Result(message=request.instruction, replans=request.max_replans)
        result.code.value = ResultCode.EFFECT_MISSING if request.skip_perception else ResultCode.SUCCESS
        return result

    def execute_skill(self, goal_handle):
        goal_handle.publish_feedback(ExecuteSkill.Feedback(progress=0.5, status="moving"))
        goal_handle.abort()
        result = ExecuteSkill.Result(message=goal_handle.request.skill,
                                     observed_effects=list(goal_handle.request.arguments))
        result.state_stamp.sec = int(goal_handle.request.timeout)
        result.code.value = ResultCode.TIMEOUT
        return result


def main():
    rclpy.init()
    node = Peer()
    executor = MultiThreadedExecutor()
    executor.add_node(node)
    print("ready", flush=True)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
