"""The domain's skills on the simulated robot, each driven by the physics.

A skill checks what it needs from what the robot senses (not from the plan), moves the base,
lift, arm and gripper, and reports a typed outcome. Whether the step had its effect is for the
executor to judge from `observe()`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pybullet as p

from groundplan.sim.bodies import SWITCH_ON
from groundplan.sim.faults import FaultInjector
from groundplan.sim.state import observe
from groundplan.sim.world import COOKED, FULL, SimWorld
from groundplan.types.actions import Step, step_problem
from groundplan.types.grid import Grid
from groundplan.types.results import ResultCode, SkillOutcome
from groundplan.types.state import WorldState
from groundplan.world.navigation import approach_pose

HOVER = 0.12  # above a surface or item before descending (m)
HAND_RADIUS = 0.11  # half the span of the open Panda hand (m): a put keeps other items this far away
HEAT_TIME, COOL_TIME, WASH_TIME = 3.0, 5.0, 2.5  # seconds of simulated time at the appliance
FILL_TIME, BREW_TIME, POUR_TIME = 2.5, 2.5, 0.5
WIPE_REACH, WIPE_DEPTHS, WIPE_STROKES = 0.3, (0.08, 0.2), 5  # half-width (m), rows from the front edge, points
COOK_TIME = 4.0  # seconds of simulated time on the heat
WIPE_COVER = 0.75  # share of the stroke points where the cloth must touch the surface
DEFAULT_TIMEOUT = 120.0  # wall seconds per skill


class _Interrupted(Exception):
    def __init__(self, code: ResultCode, message: str):
        super().__init__(message)
        self.code = code


class SimSkills:
    """SkillServer over a SimWorld."""

    def __init__(self, world: SimWorld, faults: FaultInjector | None = None):
        self.world = world
        self.robot = world.robot
        self.faults = faults or FaultInjector()
        self._deadline = math.inf
        self._should_cancel: Callable[[], bool] | None = None
        world.step_hooks.append(self._check_interrupt)

    # ------------------------------------------------------------------ interface
    def observe(self) -> WorldState:
        return observe(self.world)

    def execute(self, step: Step, timeout: float | None = None,
                should_cancel: Callable[[], bool] | None = None) -> SkillOutcome:
        problem = step_problem(step.action, step.args)
        if problem:  # (step.text would fail on an unknown skill)
            return SkillOutcome(ResultCode.INVALID_REQUEST, problem)
        missing = [a for a in step.args if a not in self.world.bodies]
        if missing:
            return SkillOutcome(ResultCode.INVALID_REQUEST, f"unknown objects {missing}")
        self._deadline = time.monotonic() + (timeout or DEFAULT_TIMEOUT)
        self._should_cancel = should_cancel
        try:
            outcome = getattr(self, f"_{step.action}")(*step.args)
        except _Interrupted as stop:
            outcome = SkillOutcome(stop.code, f"{step.text}: {stop}")
        finally:
            self._deadline, self._should_cancel = math.inf, None
        self.faults.after_step(self.world, step)
        return outcome

    def _check_interrupt(self, world: SimWorld) -> None:
        if self._should_cancel is not None and self._should_cancel():
            raise _Interrupted(ResultCode.CANCELLED, "cancelled")
        if time.monotonic() > self._deadline:
            raise _Interrupted(ResultCode.TIMEOUT, "timed out")

    # ------------------------------------------------------------------ helpers
    def _at(self, place: str) -> bool:
        """Whether the robot is at a fixture, or at the one where an item (a plate, a pan) lies."""
        state = observe(self.world)
        if self.world.bodies[place].is_item:
            place = state.located.get(place, "")
        return state.robot_at == place

    def _not_at(self, fixture_id: str) -> SkillOutcome:
        return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not at {fixture_id}")

    def _holding(self, object_id: str) -> bool:
        body = self.world.bodies[object_id]
        return self.robot.held_body is not None and self.robot.held_body in body.pieces

    def _work_height(self, fixture_id: str) -> float:
        body = self.world.bodies[fixture_id]
        if body.spec.cavity is not None or self.world.catalog.get(body.category).has("receptacle"):
            return self.world.support_z(fixture_id)
        return self.world.fixture(fixture_id).position[2]

    def _lift_for(self, z: float) -> None:
        self.robot.set_lift(z + 0.3)

    def _lateral(self, point) -> float:
        """Sideways offset of a point from the base's forward axis (positive to the left)."""
        pose = self.robot.pose
        return -(point[0] - pose.x) * math.sin(pose.yaw) + (point[1] - pose.y) * math.cos(pose.yaw)

    def _reach(self, point, hover: float = 0.0) -> bool:
        target = [point[0], point[1], point[2] + hover]
        return self.robot.move_ee(target)

    def _front(self, fixture_id: str, inset: float) -> list[float]:
        """A point `inset` metres inside the front face of a fixture, at its working height."""
        fx = self.world.fixture(fixture_id)
        hx, hy = -math.sin(fx.yaw), math.cos(fx.yaw)
        d = fx.size[1] / 2 - inset
        return [fx.position[0] + hx * d, fx.position[1] + hy * d, self._work_height(fixture_id)]

    def _withdraw(self, home: tuple[float, float]) -> None:
        hand, _ = self.robot.ee_pose()
        self.robot.move_ee([hand[0], hand[1], hand[2] + 0.1], max_seconds=0.5)
        self.robot.tuck()
        shift = self._lateral((home[0], home[1], 0.0))
        if abs(shift) > 0.01:
            self.robot.shift(shift)

    # ------------------------------------------------------------------ skills
    def _goto(self, target: str) -> SkillOutcome:
        x, y, yaw = approach_pose(self.world.scene, target)
        doors = [p.getAABB(b.uid, b.spec.door_joint, physicsClientId=self.world.client)
                 for oid, b in self.world.bodies.items()
                 if oid != target and b.spec.door_kind == "revolute" and self.world.joint(oid) > 0.2]
        here = (self.robot.pose.x, self.robot.pose.y)
        path, note = Grid(self.world.scene, doors).path(here, (x, y)), ""
        if path is None and doors:
            # The task planner does not model the sweep of doors, so a door it opened may close off a
            # neighbour (a fridge door in front of the shelf beside it). The simulated base does not
            # collide with furniture: it passes the door, and says so.
            path, note = Grid(self.world.scene).path(here, (x, y)), "passed an open door on the way"
        if path is None:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"no free path to {target}")
        self.robot.tuck()
        self.robot.follow(path, yaw, lift=self._work_height(target) + 0.3)
        return SkillOutcome(ResultCode.SUCCESS, note)

    def _pickup(self, obj: str, source: str) -> SkillOutcome:
        if not self._at(source):
            return self._not_at(source)
        if self.robot.held_body is not None:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, "the hand is not empty")
        body = self.world.bodies[obj]
        if not body.pieces:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} is not there")
        home = (self.robot.pose.x, self.robot.pose.y)
        lo, hi = p.getAABB(body.uid, physicsClientId=self.world.client)
        centre = [(a + b) / 2 for a, b in zip(lo, hi)]
        self.robot.shift(self._lateral(centre))
        self._lift_for(lo[2])
        grasp_z = max(centre[2], hi[2] - 0.03)
        self.robot.gripper(open_=True)
        self._reach([centre[0], centre[1], hi[2]], hover=HOVER)
        self._reach([centre[0], centre[1], grasp_z])
        self.robot.gripper(open_=False)
        if self.world.body_at_hand() != obj:
            self.robot.gripper(open_=True)
            self._withdraw(home)
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"could not grasp {obj}")
        self.world.fasten_riders(obj)
        self.robot.attach(body.uid)
        self._reach([centre[0], centre[1], hi[2] + HOVER])
        self.world.set_carried(body.uid, True)
        if self.faults.grasp_slips(obj):
            self.world.set_carried(body.uid, False)
            self.world.unfasten_riders(obj)
            self.robot.drop()
        self._withdraw(home)
        return SkillOutcome(ResultCode.SUCCESS)

    def _free_spot(self, target: str, size) -> list[float]:
        """A point on the target's support surface, near the base, clear of other items.

        What is mounted on the target (a sink in a counter) is never chosen: an item put there would
        be in the sink. Other items are kept a hand's width away where the surface allows, else as far
        away as it allows.
        """
        world = self.world
        fx = world.fixture(target)
        items, mounted = [], []
        for oid, body in world.bodies.items():
            if body.is_item and body.pieces and body.uid != self.robot.held_body:
                items.append(p.getAABB(body.uid, physicsClientId=world.client))
            elif not body.is_item and world.fixture(oid).parent == target:
                mounted.append(p.getAABB(body.uid, physicsClientId=world.client))
        own = math.hypot(size[0], size[1]) / 2 + 0.02
        wanted = max(own, HAND_RADIUS + 0.02)  # the open hand's width knocked bottles over

        def clearance(x: float, y: float, boxes) -> float:
            """Distance from (x, y) to the nearest box, 0 inside one."""
            gaps = [math.hypot(max(lo[0] - x, 0.0, x - hi[0]), max(lo[1] - y, 0.0, y - hi[1])) for lo, hi in boxes]
            return min(gaps, default=math.inf)

        base_local = world.to_local(target, (self.robot.pose.x, self.robot.pose.y, 0.0))
        best, best_gap = None, -1.0
        for u in sorted(np.linspace(-fx.size[0] / 2, fx.size[0] / 2, 15), key=lambda u: abs(u - base_local[0])):
            for v in (0.0, -0.1, 0.1):
                x, y, z = world.rest_position(target, self._to_world(target, u, v), size)
                if clearance(x, y, mounted) < own:
                    continue
                gap = clearance(x, y, items)
                if gap >= wanted:
                    return [x, y, z]
                if gap > best_gap:
                    best, best_gap = [x, y, z], gap
        return best or list(world.rest_position(target, fx.position[:2], size))

    def _on_top(self, item: str, size) -> list[float]:
        """Where an item of `size` rests on the middle of an item that holds items (a plate, a pan)."""
        lo, hi = p.getAABB(self.world.bodies[item].uid, physicsClientId=self.world.client)
        return [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[2] + size[2] / 2 + 0.005]

    def _to_world(self, fixture_id: str, u: float, v: float) -> tuple[float, float]:
        fx = self.world.fixture(fixture_id)
        c, s = math.cos(fx.yaw), math.sin(fx.yaw)
        return fx.position[0] + u * c - v * s, fx.position[1] + u * s + v * c

    def _carry_to(self, object_id: str, point, hover: float) -> None:
        """Move the hand so that the held object's centre reaches point + hover.

        The object hangs in the hand at an offset that turns with the hand, so measure it again
        once the hand points down as it does for manipulation.
        """
        uid = self.world.bodies[object_id].uid
        for _ in range(2):
            hand, _ = self.robot.ee_pose()
            obj = np.array(p.getBasePositionAndOrientation(uid, physicsClientId=self.world.client)[0])
            offset = hand - obj
            self.robot.move_ee([point[0] + offset[0], point[1] + offset[1], point[2] + hover + offset[2]])

    def _put(self, obj: str, target: str) -> SkillOutcome:
        if not self._at(target):
            return self._not_at(target)
        if not self._holding(obj):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {obj}")
        home = (self.robot.pose.x, self.robot.pose.y)
        size = self.world.fixture(obj).size
        spot = self._on_top(target, size) if self.world.bodies[target].is_item else self._free_spot(target, size)
        self.robot.shift(self._lateral(spot))
        self._lift_for(spot[2])
        self._carry_to(obj, spot, HOVER)
        self._carry_to(obj, spot, 0.015)
        self.world.set_carried(self.robot.held_body, False)
        self.world.unfasten_riders(obj)
        self.robot.release()
        self.robot.gripper(open_=True)
        self.world.settle(0.3)
        self._withdraw(home)
        self.world.settle(0.3)
        return SkillOutcome(ResultCode.SUCCESS)

    def _move_door(self, target: str, opening: bool) -> SkillOutcome:
        if not self._at(target):
            return self._not_at(target)
        world = self.world
        body = world.bodies[target]
        if body.spec.door_joint is None:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{target} has no door")
        goal = world.door_limit(target) if opening else 0.0
        handle = world.door_handle(target)
        self._lift_for(handle[2] - 0.2)
        self.robot.move_ee([handle[0], handle[1], handle[2]], max_seconds=1.0)
        stuck = self.faults.door_sticks(target)
        if not stuck:
            world.drive_door(target, goal)
        world.settle(1.0)  # the hand pulls (or pushes) for a second
        self.robot.tuck()
        return SkillOutcome(ResultCode.SUCCESS)

    def _open(self, target: str) -> SkillOutcome:
        return self._move_door(target, True)

    def _close(self, target: str) -> SkillOutcome:
        return self._move_door(target, False)

    def _press(self, target: str, on: bool) -> None:
        switch = self.world.switch_world_position(target)
        self.robot.move_ee([switch[0], switch[1], switch[2] + 0.02], max_seconds=1.0)
        self.world.drive_switch(target, SWITCH_ON if on else 0.0)
        self.world.settle(0.25)

    def _toggle(self, target: str, on: bool) -> SkillOutcome:
        if not self._at(target):
            return self._not_at(target)
        if self.world.bodies[target].spec.switch_joint is None:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{target} has no switch")
        self._lift_for(self.world.switch_world_position(target)[2] - 0.1)
        self._press(target, on)
        self.robot.tuck()
        return SkillOutcome(ResultCode.SUCCESS)

    def _turn_on(self, target: str) -> SkillOutcome:
        return self._toggle(target, True)

    def _turn_off(self, target: str) -> SkillOutcome:
        return self._toggle(target, False)

    def _slice(self, obj: str, tool: str) -> SkillOutcome:
        if not self._holding(tool):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {tool}")
        if not self.world.catalog.get(self.world.bodies[tool].category).has("slicer"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{tool} cannot cut")
        state = observe(self.world)
        if state.located.get(obj) is None or state.located.get(obj) != state.robot_at:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} is not lying where the robot is")
        home = (self.robot.pose.x, self.robot.pose.y)
        target = self.world.bodies[obj]
        lo, hi = p.getAABB(target.uid, physicsClientId=self.world.client)
        centre = [(a + b) / 2 for a, b in zip(lo, hi)]
        self.robot.shift(self._lateral(centre))
        self._carry_to(tool, [centre[0], centre[1], hi[2]], HOVER)
        knife = self.world.bodies[tool].uid
        cut = False
        for depth in np.linspace(HOVER, 0.0, 8):  # lower the blade until it meets the object
            self._carry_to(tool, [centre[0], centre[1], hi[2]], depth)
            if p.getClosestPoints(knife, target.uid, 0.01, physicsClientId=self.world.client):
                cut = True
                break
        if cut and len(target.pieces) == 1:
            self.world.split(obj)
        self._withdraw(home)
        if not cut:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"the blade never touched {obj}")
        return SkillOutcome(ResultCode.SUCCESS)

    def _fill(self, obj: str, source: str) -> SkillOutcome:
        """Hold the item under the tap, run the water, turn it off again."""
        world = self.world
        if not self._holding(obj):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {obj}")
        if not self._at(source):
            return self._not_at(source)
        if not world.catalog.get(world.bodies[source].category).has("water_source"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"no water comes from {source}")
        if not world.catalog.get(world.bodies[obj].category).has("fillable"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} cannot hold water")
        home = (self.robot.pose.x, self.robot.pose.y)
        x, y, _ = world.spout(source)
        under = [x, y, world.fixture(source).position[2] - world.fixture(source).size[2] / 2
                 + world.fixture(obj).size[2] / 2 + 0.03]
        self.robot.shift(self._lateral(under))
        self._lift_for(under[2])
        self._press(source, True)
        self._carry_to(obj, under, HOVER)
        self._carry_to(obj, under, 0.0)
        world.settle(FILL_TIME)
        self._carry_to(obj, under, HOVER)
        self._press(source, False)
        self._withdraw(home)
        return SkillOutcome(ResultCode.SUCCESS)

    def _brew(self, obj: str, machine: str) -> SkillOutcome:
        """Press the coffee machine's brew button and wait while it fills the cup standing on it."""
        world = self.world
        if not self._at(machine):
            return self._not_at(machine)
        if not world.catalog.get(world.bodies[machine].category).has("brewer"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{machine} does not brew")
        if observe(world).located.get(obj) != machine:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} is not standing on {machine}")
        self._lift_for(world.switch_world_position(machine)[2] - 0.1)
        self.robot.move_ee(list(world.switch_world_position(machine)), max_seconds=1.0)  # the brew button
        world.start_brew(machine, BREW_TIME)
        world.settle(BREW_TIME + 0.2)
        self.robot.tuck()
        return SkillOutcome(ResultCode.SUCCESS)

    def _water(self, target: str, obj: str) -> SkillOutcome:
        return self._pour(obj, target)

    def _pour(self, obj: str, target: str) -> SkillOutcome:
        """Hold the filled item over the target where the robot is and empty it."""
        world = self.world
        if not self._holding(obj):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {obj}")
        state = observe(world)
        if state.robot_at is None or state.located.get(target) != state.robot_at:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{target} is not standing where the robot is")
        home = (self.robot.pose.x, self.robot.pose.y)
        lo, hi = p.getAABB(world.bodies[target].uid, physicsClientId=world.client)
        above = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[2] + world.fixture(obj).size[2] / 2 + 0.03]
        self.robot.shift(self._lateral(above))
        self._lift_for(above[2])
        self._carry_to(obj, above, HOVER)
        self._carry_to(obj, above, 0.0)
        poured = world.pour(obj, target)
        world.settle(POUR_TIME)
        self._withdraw(home)
        if not poured:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"could not pour {obj} into {target}")
        return SkillOutcome(ResultCode.SUCCESS)

    def _cook(self, obj: str, vessel: str) -> SkillOutcome:
        """Wait by the burner (or the toaster) while the food in the pan, pot or toaster cooks."""
        world = self.world
        if not self._at(vessel):
            return self._not_at(vessel)
        if observe(world).located.get(obj) != vessel:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} is not in {vessel}")
        if world.catalog.get(world.bodies[vessel].category).has("fillable") and world.liquid[vessel] < FULL:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{vessel} has no water in it")
        if world.cooking_in(world.bodies[obj].pieces[0]) is None:
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"nothing heats {vessel}")
        world.settle(COOK_TIME)
        if world.cooked[obj] < COOKED:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, f"{obj} did not cook in {vessel}")
        return SkillOutcome(ResultCode.SUCCESS)

    def _wipe(self, target: str, tool: str) -> SkillOutcome:
        """Sweep the held sponge or cloth over the surface within reach, in rows from its front edge.

        The surface is clean where the cloth touched it at enough of the stroke's points: pressed
        into a wall or lifted over an object in the way, it wipes nothing.
        """
        world = self.world
        if not self._at(target):
            return self._not_at(target)
        if not self._holding(tool):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {tool}")
        if not world.catalog.get(world.bodies[tool].category).has("wiper"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{tool} cannot wipe")
        if not world.catalog.get(world.bodies[target].category).has("wipeable"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{target} cannot be wiped")
        home = (self.robot.pose.x, self.robot.pose.y)
        fx = world.fixture(target)
        across = np.array([math.cos(fx.yaw), math.sin(fx.yaw), 0.0])  # along the front edge
        half = min(WIPE_REACH, fx.size[0] / 2 - 0.05)
        lift = world.fixture(tool).size[2] / 2
        tool_uid, surface_uid = world.bodies[tool].uid, world.bodies[target].uid
        touched = tried = 0
        for row, depth in enumerate(WIPE_DEPTHS):
            front = np.array(self._front(target, inset=min(depth, fx.size[1] / 2)))
            front[2] += lift
            if row == 0:
                self.robot.shift(self._lateral(front))
                self._lift_for(front[2])
                self._carry_to(tool, front - half * across, HOVER)
            sweep = np.linspace(-half, half, WIPE_STROKES)
            for u in sweep if row % 2 == 0 else sweep[::-1]:
                self._carry_to(tool, front + u * across, 0.0)
                tried += 1
                touched += bool(p.getClosestPoints(tool_uid, surface_uid, 0.02, physicsClientId=world.client))
        self._withdraw(home)
        cover = touched / tried
        if cover < WIPE_COVER:
            return SkillOutcome(ResultCode.EXECUTION_FAILED,
                                f"{tool} touched {target} at {touched} of {tried} points of the stroke")
        world.dirt[target] = 0.0
        return SkillOutcome(ResultCode.SUCCESS, f"{tool} touched {target} at {touched} of {tried} points")

    def _take_out(self, obj: str) -> SkillOutcome:
        """Carry the held rubbish to the way in (where the robot started), leave it outside, and come back.

        The simulated room has walls and no door: at the way in, the bag is set down beyond the wall
        nearest it, outside the room.
        """
        world = self.world
        if not self._holding(obj):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {obj}")
        if not world.catalog.get(world.bodies[obj].category).has("disposable"):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} is not rubbish to take out")
        here, yaw = (self.robot.pose.x, self.robot.pose.y), self.robot.pose.yaw
        door = world.scene.robot_pose
        grid = Grid(world.scene)
        there, back = grid.path(here, door[:2]), grid.path(door[:2], here)
        if there is None or back is None:
            return SkillOutcome(ResultCode.EXECUTION_FAILED, "no free path to the way out of the room")
        self.robot.tuck()
        self.robot.follow(there, door[2])
        world.set_carried(self.robot.held_body, False)
        self.robot.release()
        self.robot.gripper(open_=True)
        world.put_outside(obj, door[:2])
        self.robot.tuck()
        self.robot.follow(back, yaw)
        return SkillOutcome(ResultCode.SUCCESS)

    def _process(self, obj: str, place: str, ability: str, source: str, seconds: float,
                 switch: bool) -> SkillOutcome:
        """Hold the item inside an appliance's cavity while its process runs."""
        world = self.world
        if not self._holding(obj):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"the robot is not holding {obj}")
        if not self._at(place):
            return self._not_at(place)
        if not world.catalog.get(world.bodies[place].category).has(source):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{place} cannot do that")
        if not world.catalog.get(world.bodies[obj].category).has(ability):
            return SkillOutcome(ResultCode.PRECONDITION_FAILED, f"{obj} cannot be treated that way")
        body = world.bodies[place]
        had_door = body.spec.door_joint is not None
        was_closed = had_door and world.joint(place) < 0.5 * world.door_limit(place)
        if was_closed:
            self._move_door(place, True)
            if world.joint(place) < 0.5 * world.door_limit(place):
                return SkillOutcome(ResultCode.EXECUTION_FAILED, f"{place} did not open")
        inside = self._front(place, inset=world.fixture(place).size[1] / 2)  # the cavity's centre line
        outside = self._front(place, inset=-0.05)
        size = world.fixture(obj).size
        inside[2] = outside[2] = inside[2] + size[2] / 2 + 0.03
        self._lift_for(inside[2])
        if switch:  # switch on first: the hand that presses is the one holding the item
            self._press(place, True)
        self._carry_to(obj, outside, 0.0)
        self._carry_to(obj, inside, 0.0)
        world.settle(seconds)
        self._carry_to(obj, outside, 0.0)
        if switch:
            self._press(place, False)
        self.robot.tuck()
        if was_closed:
            self._move_door(place, False)
        return SkillOutcome(ResultCode.SUCCESS)

    def _clean(self, obj: str, place: str) -> SkillOutcome:
        return self._process(obj, place, "cleanable", "wash_place", WASH_TIME, switch=True)

    def _heat(self, obj: str, place: str) -> SkillOutcome:
        return self._process(obj, place, "heatable", "heat_source", HEAT_TIME, switch=True)

    def _cool(self, obj: str, place: str) -> SkillOutcome:
        return self._process(obj, place, "coolable", "cool_source", COOL_TIME, switch=False)
