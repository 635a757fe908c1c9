"""The symbolic state read back from the simulation's geometry, joints and processes.

Nothing here looks at what the skills did: an item is "in the fridge" because its centre is
inside the fridge's cavity, a door is open because its joint angle says so, the robot holds
what sits between its fingers off any support.
"""

from __future__ import annotations

import dataclasses
import math

import pybullet as p

from groundplan.sim.bodies import SWITCH_ON
from groundplan.sim.world import COLD, COOKED, FULL, HOT, SimWorld
from groundplan.types.scene import Scene
from groundplan.types.state import WorldState
from groundplan.world.navigation import approach_pose

AT_TOLERANCE = 0.3  # m from a fixture's approach pose
ON_TOLERANCE = (-0.03, 0.06)  # item bottom relative to a surface (m)


def _support(world: SimWorld, uid: int) -> str | None:
    on_item = world.item_under(uid)  # a plate or a pan first: it may itself stand in a cabinet
    if on_item is not None:
        return on_item
    inside = world.container_of(uid)
    if inside is not None:
        return inside
    lo, hi = p.getAABB(uid, physicsClientId=world.client)
    centre = [(a + b) / 2 for a, b in zip(lo, hi)]
    best, best_z = None, -math.inf
    for rid, body in world.bodies.items():
        if body.is_item or body.spec.cavity is not None:
            continue
        cat = world.catalog.get(body.category)
        if not cat.has("receptacle"):
            continue
        fx = world.fixture(rid)
        lx, ly, _ = world.to_local(rid, centre)
        if abs(lx) > fx.size[0] / 2 + 0.02 or abs(ly) > fx.size[1] / 2 + 0.02:
            continue
        top = world.support_z(rid)
        if ON_TOLERANCE[0] <= lo[2] - top <= ON_TOLERANCE[1] and top > best_z:
            best, best_z = rid, top
    return best


def observe(world: SimWorld) -> WorldState:
    located: dict[str, str] = {}
    for oid, body in world.bodies.items():
        if body.is_item and body.pieces:
            where = _support(world, body.pieces[0])
            if where is not None:
                located[oid] = where
    near_hand = world.body_at_hand()
    holding = near_hand if near_hand is not None and near_hand not in located else None
    flags: dict[str, frozenset[str]] = {}
    for oid, body in world.bodies.items():
        on: set[str] = set()
        if body.spec.door_joint is not None and world.joint(oid) > 0.5 * world.door_limit(oid):
            on.add("open")
        if body.spec.switch_joint is not None and world.switch(oid) > SWITCH_ON / 2:
            on.add("on")
        if not body.is_item and world.dirt.get(oid, 1.0) < 0.1:  # a wiped surface
            on.add("clean")
        if body.is_item:
            cat = world.catalog.get(body.category)
            temp = world.temperature[oid]
            if temp >= HOT:
                on.add("hot")
            elif temp <= COLD:
                on.add("cold")
            if cat.has("cleanable") and world.dirt[oid] < 0.1:
                on.add("clean")
            if len(body.pieces) > 1:
                on.add("sliced")
            if world.cooked[oid] >= COOKED:
                on.add("cooked")
            if cat.has("fillable") and world.liquid[oid] >= FULL:
                on.add("filled")
            if cat.has("waterable") and world.liquid[oid] >= FULL:
                on.add("watered")
            if body.pieces and world.outside(oid):
                on.add("out")
        if on:
            flags[oid] = frozenset(on)
    rx, ry, ryaw = world.robot.pose.x, world.robot.pose.y, world.robot.pose.yaw
    robot_at, best = None, AT_TOLERANCE
    for oid, body in world.bodies.items():
        if body.is_item:
            continue
        ax, ay, ayaw = approach_pose(world.scene, oid)
        d = math.hypot(rx - ax, ry - ay)
        turn = abs((ryaw - ayaw + math.pi) % (2 * math.pi) - math.pi)
        if d <= best and turn < 0.6:
            robot_at, best = oid, d
    return WorldState(robot_at=robot_at, holding=holding, located=located, flags=flags)


def current_scene(world: SimWorld, state: WorldState | None = None) -> Scene:
    """The scene as it stands now: items where the physics has them, on or in what holds them.

    What a world model publishes, so that perception anchors a moved item to its id rather than
    taking it for a new one.
    """
    state = state or observe(world)
    objects = []
    for obj in world.scene.objects:
        body = world.bodies.get(obj.id)
        if body is None or not body.pieces:  # removed from the world
            continue
        if body.is_item:
            obj = dataclasses.replace(obj, position=tuple(round(v, 4) for v in world.position(obj.id)),
                                      parent=state.located.get(obj.id, obj.parent))  # in the hand: where it was
        objects.append(obj)
    return dataclasses.replace(world.scene, objects=objects)
