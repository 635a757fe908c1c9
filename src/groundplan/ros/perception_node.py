"""perception_node: serves perceive; publishes /scene/objects (latched) and /scene/markers.

Backends:
- `ultralytics` (default): views chosen by a view strategy on the map from /world/state, frames
  from the `capture_views` service, the detector (the shipped one or `weights`), open3d fusion,
  receptacle relations, and ids anchored to the world model's.
- `ground_truth`: the same pipeline on the simulator's instance segmentation (ablations).
- `world_state`: the objects /world/state reports, unperceived (what a perfect perception would
  give; fastest, for tests of the rest of the graph).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from groundplan_interfaces.action import Perceive
from groundplan_interfaces.msg import SceneObjectArray, WorldState
from groundplan_interfaces.srv import CaptureViews
from rclpy.action import ActionServer
from rclpy.callback_groups import ReentrantCallbackGroup
from visualization_msgs.msg import MarkerArray

from groundplan.errors import GroundplanError
from groundplan.perception.detect import make_detector
from groundplan.perception.pipeline import PerceptionConfig, perceive
from groundplan.perception.views import STRATEGIES, ViewConfig, view_poses
from groundplan.ros.common import LATCHED, ManagedNode, Param, spin, wait_future
from groundplan.ros.convert import capture_to_frames, code_msg, matrix_pose, msg_to_world_state, scene_to_msg
from groundplan.ros.markers import scene_markers
from groundplan.types.results import ResultCode

BACKENDS = ("ultralytics", "ground_truth", "world_state")
PARAMS = {
    "backend": Param("ultralytics", "ultralytics (detector + fusion), ground_truth (the simulator's segmentation "
                                    "+ fusion) or world_state (the objects /world/state reports)",
                     choices=BACKENDS, configure=True),
    "weights": Param("", "an ultralytics .pt; empty: the shipped models/detector/detector.pt", configure=True),
    "strategy": Param(ViewConfig.strategy, "view strategy of goals that name none", choices=STRATEGIES),
    "views_per_sweep": Param(ViewConfig.views, "views a strategy plans per sweep", low=1, high=64),
    "capture_service": Param("capture_views", "service that renders or takes the pictures", configure=True),
    "capture_batch": Param(8, "views asked of capture_views per call", low=1, high=64),
    "image_width": Param(640, "width of the pictures asked of capture_views (0: the driver's own size)", low=0,
                         high=4096),
    "image_height": Param(480, "height of the pictures asked of capture_views (0: the driver's own size)", low=0,
                          high=4096),
    "wait_for_world": Param(10.0, "seconds a goal waits for a first /world/state", low=0.0, high=3600.0),
    "service_timeout": Param(30.0, "seconds to wait for capture_views to appear and to answer", low=0.1,
                             high=3600.0),
}


class PerceptionNode(ManagedNode):
    def __init__(self, **kwargs):
        super().__init__("perception_node", PARAMS, **kwargs)
        self.detector = None
        self.world: WorldState | None = None
        self.world_event = threading.Event()

    def configure(self) -> None:
        backend = self.params["backend"]
        # load the detector now: a missing weights file fails the configure transition, not a task later
        self.detector = make_detector(backend, self.params["weights"] or None) if backend == "ultralytics" else None
        group = ReentrantCallbackGroup()
        self.create_subscription(WorldState, "world/state", self._on_world, LATCHED, callback_group=group)
        self.objects_pub = self.create_lifecycle_publisher(SceneObjectArray, "scene/objects", LATCHED)
        self.markers_pub = self.create_lifecycle_publisher(MarkerArray, "scene/markers", LATCHED)
        self.capture = self.create_client(CaptureViews, self.params["capture_service"], callback_group=group)
        ActionServer(self, Perceive, "perceive", self._perceive, callback_group=group, goal_callback=self.goal_gate())

    def release(self) -> None:
        self.detector, self.world = None, None
        self.world_event.clear()

    def _on_world(self, msg: WorldState) -> None:
        self.world = msg
        self.world_event.set()

    def _fail(self, goal_handle, code: ResultCode, message: str) -> Perceive.Result:
        self.get_logger().warning(message)
        goal_handle.abort()
        return Perceive.Result(code=code_msg(code), message=message)

    def _perceive(self, goal_handle):
        if not self.world_event.wait(self.params["wait_for_world"]):
            return self._fail(goal_handle, ResultCode.EXECUTION_FAILED,
                              "no /world/state received: is a simulator or robot state publisher running?")
        if self.params["backend"] == "world_state":
            scene_msg, views = self.world.scene, 0
            goal_handle.publish_feedback(Perceive.Feedback(views_total=0, detections=len(scene_msg.objects),
                                                           status="objects from /world/state"))
            skipped = []
        else:
            request = goal_handle.request
            strategy = request.strategy or self.params["strategy"]
            if strategy not in STRATEGIES:
                return self._fail(goal_handle, ResultCode.INVALID_REQUEST,
                                  f"unknown view strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
            try:
                scene_msg, views, skipped = self._look(goal_handle, strategy, request.max_views)
            except (RuntimeError, TimeoutError, GroundplanError) as exc:
                return self._fail(goal_handle, ResultCode.EXECUTION_FAILED, str(exc))
        scene_msg.header.stamp = self.get_clock().now().to_msg()
        self.objects_pub.publish(scene_msg)
        self.markers_pub.publish(scene_markers(scene_msg))
        goal_handle.succeed()
        message = f"{len(scene_msg.objects)} objects from {views} views"
        if skipped:
            message += f"; {len(skipped)} views skipped ({skipped[0]})"
        return Perceive.Result(code=code_msg(ResultCode.SUCCESS), scene=scene_msg, views_used=views,
                               message=message)

    def _look(self, goal_handle, strategy: str, max_views: int) -> tuple[SceneObjectArray, int, list[str]]:
        """The perceived objects, the number of views used, and why any views were skipped."""
        known, state = msg_to_world_state(self.world)
        config = PerceptionConfig(views=ViewConfig(strategy=strategy, views=self.params["views_per_sweep"]))
        size = self.world.scene.room_size
        if not (size.x > 0 and size.y > 0):  # no map: the room's extent is a guess from what is known
            config = replace(config, fusion=replace(config.fusion, room_bounds=False))
        poses = view_poses(known, config.views)
        if max_views:
            poses = poses[:max_views]
        if not poses:
            raise RuntimeError(f"the {strategy} strategy found no free floor to look from")
        if not self.capture.service_is_ready():  # a robot may have none: say so while waiting, not after
            goal_handle.publish_feedback(Perceive.Feedback(
                views_total=len(poses), status=f"waiting up to {self.params['service_timeout']:.0f} s for "
                                               f"{self.params['capture_service']!r} (backend world_state needs none)"))
        if not self.capture.wait_for_service(timeout_sec=self.params["service_timeout"]):
            raise RuntimeError(f"no {self.params['capture_service']!r} service: nothing can take the pictures "
                               f"(a robot without one perceives with backend world_state)")
        frames, skipped = [], []
        batch = max(1, self.params["capture_batch"])
        for start in range(0, len(poses), batch):  # a batch that fails costs its views, not the others
            chunk = poses[start:start + batch]
            request = CaptureViews.Request(poses=[matrix_pose(p) for p in chunk], width=self.params["image_width"],
                                           height=self.params["image_height"])
            response = wait_future(self.capture.call_async(request), self.params["service_timeout"])
            if response is None:
                skipped.append(f"capture_views did not answer within {self.params['service_timeout']} s")
            elif response.code.value != ResultCode.SUCCESS:
                skipped.append(f"capture_views failed: {response.message}")
            else:
                frames += capture_to_frames(response, chunk)
        if not frames:
            raise RuntimeError(f"no view could be captured: {skipped[0]}")

        def on_view(i: int, n: int, detections) -> None:
            goal_handle.publish_feedback(Perceive.Feedback(view_index=i, views_total=n, detections=len(detections),
                                                           status=f"{strategy}: view {i + 1} of {n}"))

        detector = self.detector or make_detector("ground_truth", categories={o.id: o.category for o in known.objects})
        result = perceive(frames, detector, known, known=known, config=config, on_view=on_view)
        self.get_logger().info(f"perceived {len(result.scene.objects)} objects from {len(frames)} views "
                               f"(detection {result.seconds['detect']:.2f} s, fusion {result.seconds['fuse']:.2f} s)")
        skipped += [f"view {i}: {why}" for i, why in result.failed_views.items()]
        for why in skipped:
            self.get_logger().warning(f"skipped: {why}")
        return scene_to_msg(result.scene), len(frames) - len(result.failed_views), skipped


def main(args=None) -> int:
    return spin(PerceptionNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
