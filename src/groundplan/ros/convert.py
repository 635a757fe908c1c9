"""Core types <-> groundplan_interfaces messages. No logic beyond the mapping."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from geometry_msgs.msg import Pose, Vector3
from groundplan_interfaces.msg import Plan, PlanStep, SceneObjectArray
from groundplan_interfaces.msg import ResultCode as ResultCodeMsg
from groundplan_interfaces.msg import SceneObject as SceneObjectMsg
from groundplan_interfaces.msg import WorldState as WorldStateMsg
from scipy.spatial.transform import Rotation

from groundplan.planning.strategy import PlanResult
from groundplan.types.actions import Step
from groundplan.types.camera import Frame, Intrinsics
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.results import ResultCode
from groundplan.types.scene import STATE_FLAGS, Scene, SceneObject
from groundplan.types.state import WorldState
from groundplan.world.validator import StepVerdict, Verdict

FRAME = "map"


def code_msg(code: ResultCode) -> ResultCodeMsg:
    return ResultCodeMsg(value=int(code))


def _pose(position, yaw: float) -> Pose:
    pose = Pose()
    pose.position.x, pose.position.y, pose.position.z = (float(v) for v in position)
    pose.orientation.z, pose.orientation.w = math.sin(yaw / 2), math.cos(yaw / 2)
    return pose


def _yaw(pose: Pose) -> float:
    q = pose.orientation
    return math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z))


def scene_to_msg(scene: Scene, state: WorldState | None = None, stamp=None,
                 catalog: Catalog | None = None) -> SceneObjectArray:
    """A scene as objects; with a state, parents and flags are the observed ones."""
    catalog = catalog or default_catalog()
    msg = SceneObjectArray(scene_id=scene.id, room_type=scene.room_type,
                           room_size=Vector3(x=float(scene.size[0]), y=float(scene.size[1])))
    msg.header.frame_id = FRAME
    if stamp is not None:
        msg.header.stamp = stamp
    for obj in scene.objects:
        cat = catalog.get(obj.category)
        if state is not None and cat.is_item:
            parent = state.located.get(obj.id)
            flags = state.flags.get(obj.id, frozenset())
        else:
            parent = obj.parent
            observed = state.flags.get(obj.id, frozenset()) if state is not None else None
            flags = observed if observed is not None else {k for k, v in obj.state.items() if v}
        relation = catalog.get(scene.get(parent).category).relation or "on" if parent else ""
        msg.objects.append(SceneObjectMsg(
            id=obj.id, category=obj.category, label=obj.label or obj.category, score=float(obj.score),
            pose=_pose(obj.position, obj.yaw), size=Vector3(x=obj.size[0], y=obj.size[1], z=obj.size[2]),
            parent_id=parent or "", relation=relation, attributes=sorted(flags)))
    return msg


def msg_to_scene(msg: SceneObjectArray, catalog: Catalog | None = None) -> tuple[Scene, WorldState]:
    """A scene and the state its objects describe (which of the state flags each carries)."""
    catalog = catalog or default_catalog()
    objects, located, flags = [], {}, {}
    for o in msg.objects:
        attrs = {a for a in o.attributes if a in STATE_FLAGS}
        objects.append(SceneObject(
            id=o.id, category=o.category, position=(o.pose.position.x, o.pose.position.y, o.pose.position.z),
            size=(o.size.x, o.size.y, o.size.z), yaw=_yaw(o.pose), parent=o.parent_id or None,
            state={a: True for a in attrs}, score=o.score, label=o.label))
        if o.parent_id and catalog.get(o.category).is_item:
            located[o.id] = o.parent_id
        if attrs:
            flags[o.id] = frozenset(attrs)
    if msg.room_size.x > 0 and msg.room_size.y > 0:
        size = (msg.room_size.x, msg.room_size.y)
    else:  # no map: the objects' extent
        size = (max([o.position[0] + o.size[0] / 2 for o in objects] or [1.0]),
                max([o.position[1] + o.size[1] / 2 for o in objects] or [1.0]))
    scene = Scene(id=msg.scene_id or "observed", room_type=msg.room_type or "kitchen",
                  size=size, objects=objects).check(catalog, supported=False)
    return scene, WorldState(located=located, flags=flags)


def world_state_to_msg(scene: Scene, state: WorldState, stamp=None, robot_pose=None) -> WorldStateMsg:
    """`robot_pose`: (x, y, yaw) of the base now (default: the scene's start pose)."""
    x, y, yaw = robot_pose or scene.robot_pose
    msg = WorldStateMsg(scene=scene_to_msg(scene, state, stamp), robot_at=state.robot_at or "",
                        holding=state.holding or "", robot_pose=_pose((x, y, 0.0), yaw))
    msg.header = msg.scene.header
    return msg


def msg_to_world_state(msg: WorldStateMsg, catalog: Catalog | None = None) -> tuple[Scene, WorldState]:
    scene, state = msg_to_scene(msg.scene, catalog)
    scene.robot_pose = (msg.robot_pose.position.x, msg.robot_pose.position.y, _yaw(msg.robot_pose))
    return scene, replace(state, robot_at=msg.robot_at or None, holding=msg.holding or None)


def pose_matrix(pose: Pose) -> np.ndarray:
    """geometry_msgs/Pose -> 4x4 transform."""
    q = pose.orientation
    out = np.eye(4)
    out[:3, :3] = Rotation.from_quat([q.x, q.y, q.z, q.w]).as_matrix()
    out[:3, 3] = pose.position.x, pose.position.y, pose.position.z
    return out


def matrix_pose(matrix: np.ndarray) -> Pose:
    """4x4 transform -> geometry_msgs/Pose."""
    pose = Pose()
    pose.position.x, pose.position.y, pose.position.z = (float(v) for v in matrix[:3, 3])
    q = pose.orientation
    q.x, q.y, q.z, q.w = (float(v) for v in Rotation.from_matrix(matrix[:3, :3]).as_quat())
    return pose


def capture_to_frames(response, requested: list[np.ndarray]) -> list[Frame]:
    """A CaptureViews response as frames, at the poses the server reports (else those requested).

    Segmentation is all background where the server has none (a real camera).
    """
    info = response.info
    k = Intrinsics(info.width, info.height, math.degrees(2 * math.atan(info.height / 2 / info.k[4])))
    poses = [pose_matrix(p) for p in response.poses] if len(response.poses) == len(response.rgb) else requested
    frames = []
    for i, (rgb, depth, pose) in enumerate(zip(response.rgb, response.depth, poses)):
        seg = (np.frombuffer(response.segmentation[i].data, np.int32).reshape(k.height, k.width)
               if i < len(response.segmentation) else np.full((k.height, k.width), -1, np.int32))
        frames.append(Frame(np.frombuffer(rgb.data, np.uint8).reshape(k.height, k.width, 3),
                            np.frombuffer(depth.data, np.float32).reshape(k.height, k.width), seg,
                            list(response.labels), k, pose))
    return frames


def step_to_msg(index: int, step: Step, verdict: StepVerdict | None = None) -> PlanStep:
    return PlanStep(index=index, action=step.action, arguments=list(step.args), text=step.text,
                    verdict=int(verdict.verdict) if verdict else int(Verdict.UNCHECKED),
                    reason=verdict.reason if verdict else "",
                    probe_score=float(verdict.probe_score) if verdict else -1.0)


def plan_to_msg(result: PlanResult, stamp=None) -> Plan:
    msg = Plan(instruction=result.instruction, strategy=result.strategy, goal=str(result.goal or ""),
               refused=result.refused, refusal_reason=result.refusal_reason,
               planning_time=float(result.planning_time))
    msg.header.frame_id = FRAME
    if stamp is not None:
        msg.header.stamp = stamp
    verdicts = result.report.verdicts if result.report else [None] * len(result.steps)
    msg.steps = [step_to_msg(i, s, v) for i, (s, v) in enumerate(zip(result.steps, verdicts))]
    if result.report is not None:
        msg.valid = result.report.valid
        msg.goal_reached = bool(result.report.goal_reached)
    return msg
