"""Core types <-> groundplan_interfaces messages, and the checks every message passes on the way in.

A malformed field raises RequestError (or SceneError) naming it; nodes answer INVALID_REQUEST with it.
"""

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

from groundplan.errors import RequestError
from groundplan.language.prompt import goal_text
from groundplan.planning.strategy import PlanResult
from groundplan.types.actions import ACTIONS, Step, step_problem
from groundplan.types.camera import Frame, Intrinsics
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.frames import MAP
from groundplan.types.goals import Goal
from groundplan.types.results import ResultCode
from groundplan.types.scene import OBJECT_ID, STATE_FLAGS, Scene, SceneObject
from groundplan.types.state import WorldState
from groundplan.world.validator import StepVerdict, ValidationReport, Verdict

FRAME = MAP  # scenes, states and plans are in the map frame (groundplan.types.frames)


# capture_views: what one request may ask for (perception asks for batches of 8 views at 320x240)
MAX_CAPTURE_VIEWS = 64
MAX_IMAGE_SIDE = 1920
MAX_CAPTURE_PIXELS = 64 * 640 * 480  # over all views: about 200 MB of RGB, depth and segmentation


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
    for i, o in enumerate(msg.objects):
        attrs = _flags(f"objects[{i}] ({o.id})", o.attributes)
        if min(o.size.x, o.size.y, o.size.z) < 0:
            raise RequestError(f"objects[{i}] ({o.id}).size must not be negative, got "
                               f"({o.size.x}, {o.size.y}, {o.size.z})")
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


def _flags(where: str, attributes) -> set[str]:
    """The state flags of an object's attributes; an unknown flag, or hot with cold, is an error."""
    unknown = sorted(set(attributes) - set(STATE_FLAGS))
    if unknown:
        raise RequestError(f"{where}.attributes: unknown flag {unknown[0]!r}; the flags are {', '.join(STATE_FLAGS)}")
    if {"hot", "cold"} <= set(attributes):
        raise RequestError(f"{where}.attributes: hot and cold at once")
    return set(attributes)


def world_state_to_msg(scene: Scene, state: WorldState, stamp=None, robot_pose=None) -> WorldStateMsg:
    """`robot_pose`: (x, y, yaw) of the base now (default: the scene's start pose)."""
    x, y, yaw = robot_pose or scene.robot_pose
    msg = WorldStateMsg(scene=scene_to_msg(scene, state, stamp), robot_at=state.robot_at or "",
                        holding=state.holding or "", robot_pose=_pose((x, y, 0.0), yaw))
    msg.header = msg.scene.header
    return msg


def msg_to_world_state(msg: WorldStateMsg, catalog: Catalog | None = None) -> tuple[Scene, WorldState]:
    """The scene and state; robot_at must be a fixture of it, holding an item of it that rests nowhere."""
    catalog = catalog or default_catalog()
    scene, state = msg_to_scene(msg.scene, catalog)
    for field, oid, want_item in (("robot_at", msg.robot_at, False), ("holding", msg.holding, True)):
        if not oid:
            continue
        if oid not in scene:
            raise RequestError(f"{field}: {oid!r} is not an object of the scene")
        category = catalog.get(scene.get(oid).category)
        if category.is_item != want_item:
            what = "an item the gripper can hold" if want_item else "a fixture the robot can stand at"
            raise RequestError(f"{field}: {oid!r} is a {category.name}, not {what}")
    if msg.holding and scene.get(msg.holding).parent:
        raise RequestError(f"holding: {msg.holding!r} is in the gripper but its parent_id says it rests on "
                           f"{scene.get(msg.holding).parent!r}")
    pose = msg.robot_pose
    scene.robot_pose = (pose.position.x, pose.position.y, _yaw(pose))
    if not all(math.isfinite(v) for v in scene.robot_pose):
        raise RequestError("robot_pose must be finite")
    return scene, replace(state, robot_at=msg.robot_at or None, holding=msg.holding or None)


def effect_words(before: WorldState, after: WorldState) -> list[str]:
    """What changed, as ExecuteSkill's observed_effects: "robot_at fridge_1", "not holding mug_1"."""
    was, now = before.atoms(), after.atoms()
    return [" ".join(a) for a in sorted(now - was)] + [f"not {' '.join(a)}" for a in sorted(was - now)]


def skill_step(skill: str, arguments, scene: Scene | None = None, catalog: Catalog | None = None) -> Step:
    """An ExecuteSkill goal as a step: a skill of the domain with its arguments in order.

    With a scene, each argument must be one of its ids, of the kind (item or fixture) its parameter takes.
    """
    args = tuple(arguments)
    problem = step_problem(skill, args)
    if problem:
        raise RequestError(problem)
    catalog = catalog or default_catalog()
    for i, (arg, (param, kind)) in enumerate(zip(args, ACTIONS[skill].params)):
        if not OBJECT_ID.fullmatch(arg):
            raise RequestError(f"arguments[{i}] ({param}): {arg!r} is not an object id")
        if scene is None:
            continue
        if arg not in scene:
            raise RequestError(f"arguments[{i}] ({param}): no object {arg!r} in scene {scene.id!r}")
        category = scene.get(arg).category
        if catalog.get(category).is_item != (kind == "item"):
            raise RequestError(f"arguments[{i}] ({param}): {arg!r} is a {category}, not "
                               f"{'an item' if kind == 'item' else 'a fixture'}")
    return Step(skill, args)


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


def capture_poses(request) -> list[np.ndarray]:
    """A CaptureViews request's camera poses as 4x4 transforms, once its poses and image size are sane."""
    if not 1 <= len(request.poses) <= MAX_CAPTURE_VIEWS:
        raise RequestError(f"poses: {len(request.poses)} poses; ask for 1 to {MAX_CAPTURE_VIEWS} per request")
    for name in ("width", "height"):
        side = getattr(request, name)
        if side and not 16 <= side <= MAX_IMAGE_SIDE:
            raise RequestError(f"{name}: {side} pixels; use 0 (the server's default) or 16 to {MAX_IMAGE_SIDE}")
    pixels = len(request.poses) * (request.width or 640) * (request.height or 480)
    if pixels > MAX_CAPTURE_PIXELS:
        raise RequestError(f"poses, width and height: {pixels} pixels in all; at most {MAX_CAPTURE_PIXELS} a request")
    for i, pose in enumerate(request.poses):
        p, q = pose.position, pose.orientation
        if not all(math.isfinite(v) for v in (p.x, p.y, p.z, q.x, q.y, q.z, q.w)):
            raise RequestError(f"poses[{i}]: position and orientation must be finite numbers")
        if math.sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w) < 1e-6:
            raise RequestError(f"poses[{i}].orientation: a zero quaternion is no rotation")
    return [pose_matrix(pose) for pose in request.poses]


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


def msg_to_plan(msg: Plan, goal: Goal | None) -> PlanResult:
    """A plan from planner_node, with its verdicts; `goal` is its goal_line read back in the task's scene."""
    steps = [skill_step(s.action, s.arguments) for s in msg.steps]
    verdicts = [StepVerdict(s.index, step, Verdict(s.verdict), s.reason, s.probe_score)
                for s, step in zip(msg.steps, steps)]
    report = ValidationReport(verdicts, msg.goal_reached if goal is not None else None)
    return PlanResult(msg.instruction, msg.strategy, steps, goal, report, refused=msg.refused,
                      refusal_reason=msg.refusal_reason, planning_time=msg.planning_time)


def plan_to_msg(result: PlanResult, stamp=None, goal_line: str = "") -> Plan:
    """`goal_line`: the goal in the goal language (default: the one the strategy read)."""
    msg = Plan(instruction=result.instruction, strategy=result.strategy, goal=str(result.goal or ""),
               goal_line=goal_line or (goal_text(result.goal) if result.goal else ""),
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
