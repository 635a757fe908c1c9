"""perception_node: serves perceive; publishes /scene/objects (latched) and /scene/markers.

Backend `ground_truth`: the objects the world reports on /world/state (what a perfect detector
would see); the perception pipeline plugs in here as another backend.
"""

from __future__ import annotations

import threading

from groundplan_interfaces.action import Perceive
from groundplan_interfaces.msg import SceneObjectArray, WorldState
from rclpy.action import ActionServer
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.node import Node
from visualization_msgs.msg import MarkerArray

from groundplan.execution.skills import ResultCode
from groundplan.ros.common import LATCHED, declare, spin
from groundplan.ros.convert import code_msg
from groundplan.ros.markers import scene_markers

DEFAULTS = {"backend": "ground_truth", "wait_for_world": 10.0}
BACKENDS = ("ground_truth",)


class PerceptionNode(Node):
    def __init__(self, **kwargs):
        super().__init__("perception_node", **kwargs)
        self.params = declare(self, DEFAULTS)
        if self.params["backend"] not in BACKENDS:
            raise ValueError(f"perception_node: unknown backend {self.params['backend']!r}; use one of {BACKENDS}")
        self.world: WorldState | None = None
        self.world_event = threading.Event()
        group = ReentrantCallbackGroup()
        self.create_subscription(WorldState, "world/state", self._on_world, LATCHED, callback_group=group)
        self.objects_pub = self.create_publisher(SceneObjectArray, "scene/objects", LATCHED)
        self.markers_pub = self.create_publisher(MarkerArray, "scene/markers", LATCHED)
        ActionServer(self, Perceive, "perceive", self._perceive, callback_group=group)

    def _on_world(self, msg: WorldState) -> None:
        self.world = msg
        self.world_event.set()

    def _perceive(self, goal_handle):
        result = Perceive.Result()
        if not self.world_event.wait(self.params["wait_for_world"]):
            goal_handle.abort()
            result.code = code_msg(ResultCode.EXECUTION_FAILED)
            result.message = "no /world/state received: is a simulator or robot state publisher running?"
            return result
        goal_handle.publish_feedback(Perceive.Feedback(view_index=0, views_total=1,
                                                       detections=len(self.world.scene.objects),
                                                       status=f"{self.params['backend']} objects"))
        scene = self.world.scene
        scene.header.stamp = self.get_clock().now().to_msg()
        self.objects_pub.publish(scene)
        self.markers_pub.publish(scene_markers(scene))
        goal_handle.succeed()
        result.code, result.scene, result.views_used = code_msg(ResultCode.SUCCESS), scene, 1
        return result


def main(args=None) -> int:
    return spin(PerceptionNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
