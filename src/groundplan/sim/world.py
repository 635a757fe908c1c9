"""The PyBullet world of a Scene.

Room, fixtures with joints, items, the robot, and the slow physical processes (heating, cooling,
washing, filling at a tap, brewing, pouring) that the symbolic state is read back from.
"""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pybullet as p
import pybullet_data

from groundplan.sim.bodies import DOOR_OPEN, SWITCH_ON, BodySpec, fixture_urdf, item_urdf
from groundplan.sim.robot import EE_LINK, HAND_LINKS, BasePose, Robot
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.scene import Scene
from groundplan.world.navigation import DRAWER_TRAVEL

log = logging.getLogger(__name__)

TIME_STEP = 1.0 / 120.0
PROCESS_EVERY = max(1, round(0.1 / TIME_STEP))  # physics steps between process updates (0.1 s)
ROOM_TEMP, HOT, COLD = 20.0, 45.0, 8.0  # deg C: read back as hot above HOT, cold below COLD
REACH_DEPTH = 0.35  # items rest at most this far behind a receptacle's front face (m)
HEAT_RATE, COOL_RATE, WASH_RATE = 20.0, 4.0, 0.6  # deg C/s, deg C/s, dirt/s
FILL_RATE, BREW_TEMP, TAP_TEMP = 0.5, 80.0, 15.0  # share of a container per second; deg C; deg C
FULL = 0.5  # read back as filled (or a plant as watered) from this share up
COOK_TEMP, COOKED = 70.0, 1.0  # food cooks while this hot in a cooker that is on; cooked after these seconds
SPOUT_RADIUS = 0.12  # a container catches a tap's water within this distance of the spout (m)
OUTSIDE = 0.5  # m beyond a wall: where rubbish taken out of the room is left


@dataclass
class SimConfig:
    gui: bool = False
    seed: int = 0
    asset_dir: Path | None = None  # where generated URDF go (default: a temporary directory)


@dataclass
class Body:
    """A scene object in the simulation; sliced items have several pieces."""

    id: str
    category: str
    uid: int
    spec: BodySpec
    is_item: bool
    pieces: list[int] = field(default_factory=list)


class SimWorld:
    def __init__(self, scene: Scene, catalog: Catalog | None = None, config: SimConfig | None = None):
        self.scene = scene
        self.catalog = catalog or default_catalog()
        self.config = config or SimConfig()
        self._tmp = None
        if self.config.asset_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="groundplan-urdf-")
            self.asset_dir = Path(self._tmp.name)
        else:
            self.asset_dir = Path(self.config.asset_dir)
        self.client = p.connect(p.GUI if self.config.gui else p.DIRECT)
        p.setGravity(0, 0, -9.81, physicsClientId=self.client)
        p.setTimeStep(TIME_STEP, physicsClientId=self.client)
        # 20 solver iterations keep grasps and stacks stable at about 10x the speed of the default 50
        p.setPhysicsEngineParameter(numSolverIterations=20, physicsClientId=self.client)
        self.steps = 0
        self.bodies: dict[str, Body] = {}
        self.temperature: dict[str, float] = {}
        self.dirt: dict[str, float] = {}
        self.liquid: dict[str, float] = {}  # share of a fillable item that holds liquid (soil water of a plant)
        self.cooked: dict[str, float] = {}  # seconds an item has cooked
        self.riders: dict[str, list[tuple[int, int]]] = {}  # carried item -> (body, constraint) lying on it
        self._with: dict[str, list[str]] = {}  # affordance -> fixtures that have it
        self.brewing: dict[str, float] = {}  # coffee machine -> seconds left of its brew cycle
        self.step_hooks: list = []  # called every process update (fault injection uses this)
        self._build_room()
        self._build_objects()
        x, y, yaw = scene.robot_pose
        self.robot = Robot(self.client, BasePose(x, y, yaw), self.step, TIME_STEP)
        self._filter_robot_collisions()
        self.settle(0.5)

    # ------------------------------------------------------------------ building
    def _build_room(self) -> None:
        p.loadURDF(f"{pybullet_data.getDataPath()}/plane.urdf", physicsClientId=self.client)
        w, d = self.scene.size
        h, t = 2.5, 0.05
        for cx, cy, sx, sy in ((w / 2, -t, w, t), (w / 2, d + t, w, t), (-t, d / 2, t, d), (w + t, d / 2, t, d)):
            half = [sx / 2 + t, sy / 2 + t, h / 2]
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=self.client)
            vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=[0.92, 0.9, 0.85, 1],
                                      physicsClientId=self.client)
            p.createMultiBody(0, col, vis, [cx, cy, h / 2], physicsClientId=self.client)

    def _build_objects(self) -> None:
        fixtures = [o for o in self.scene.objects if not self.catalog.get(o.category).is_item]
        items = [o for o in self.scene.objects if self.catalog.get(o.category).is_item]
        for obj in fixtures:
            cat = self.catalog.get(obj.category)
            spec = fixture_urdf(cat, obj.size, self.asset_dir)
            orn = p.getQuaternionFromEuler([0, 0, obj.yaw])
            uid = p.loadURDF(str(spec.urdf), obj.position, orn, useFixedBase=True, physicsClientId=self.client)
            self.bodies[obj.id] = Body(obj.id, obj.category, uid, spec, False, [uid])
            if spec.door_joint is not None:
                opened = DOOR_OPEN if spec.door_kind == "revolute" else self._drawer_travel(obj.id)
                q = opened if obj.flag("open") else 0.0
                p.resetJointState(uid, spec.door_joint, q, physicsClientId=self.client)
                self.drive_door(obj.id, q)
            if cat.has("wipeable"):  # a surface is clean only once wiped
                self.dirt[obj.id] = 0.0 if obj.flag("clean") else 1.0
            if spec.switch_joint is not None:
                q = SWITCH_ON if obj.flag("on") else 0.0
                p.resetJointState(uid, spec.switch_joint, q, physicsClientId=self.client)
                self._hold_joint(uid, spec.switch_joint, q, force=5.0)
        for obj in items:
            cat = self.catalog.get(obj.category)
            spec = item_urdf(cat, obj.size, self.asset_dir)
            x, y, z = self.rest_position(obj.parent, obj.position[:2], obj.size)
            orn = p.getQuaternionFromEuler([0, 0, obj.yaw])
            uid = p.loadURDF(str(spec.urdf), [x, y, z], orn, physicsClientId=self.client)
            self.bodies[obj.id] = Body(obj.id, obj.category, uid, spec, True, [uid])
            # resting items sleep until something touches them: most of the speed of a large room
            p.changeDynamics(uid, -1, activationState=p.ACTIVATION_STATE_ENABLE_SLEEPING, physicsClientId=self.client)
            self.temperature[obj.id] = 70.0 if obj.flag("hot") else 4.0 if obj.flag("cold") else ROOM_TEMP
            self.dirt[obj.id] = 0.0 if obj.flag("clean") or not cat.has("cleanable") else 1.0
            self.liquid[obj.id] = 1.0 if obj.flag("filled") or obj.flag("watered") else 0.0
            self.cooked[obj.id] = COOKED if obj.flag("cooked") else 0.0
            if obj.flag("sliced"):
                self.split(obj.id)

    def _filter_robot_collisions(self) -> None:
        """The arm reaches into carcasses and over counters: only the hand touches things, and only items."""
        arm, base = self.robot.arm, self.robot.base
        n_arm = p.getNumJoints(arm, physicsClientId=self.client)
        for body in self.bodies.values():
            n = p.getNumJoints(body.uid, physicsClientId=self.client)
            for link in range(-1, n):
                for arm_link in range(-1, n_arm):
                    if body.is_item and arm_link in HAND_LINKS:
                        continue
                    p.setCollisionFilterPair(arm, body.uid, arm_link, link, 0, physicsClientId=self.client)
                p.setCollisionFilterPair(base, body.uid, -1, link, 0, physicsClientId=self.client)

    # ------------------------------------------------------------------ geometry
    def fixture(self, object_id: str):
        return self.scene.get(object_id)

    def _drawer_travel(self, object_id: str) -> float:
        return DRAWER_TRAVEL * self.fixture(object_id).size[1]

    def support_z(self, receptacle_id: str) -> float:
        """World z of the surface items rest on, on or in this receptacle."""
        body = self.bodies[receptacle_id]
        return self.fixture(receptacle_id).position[2] + body.spec.support_height

    def rest_position(self, receptacle_id: str, xy, size) -> tuple[float, float, float]:
        """Where an item of `size` rests on or in a receptacle near `xy`, kept clear of the walls."""
        rec = self.fixture(receptacle_id)
        body = self.bodies[receptacle_id]
        lx, ly, _ = self.to_local(receptacle_id, (xy[0], xy[1], 0.0))
        radius = math.hypot(size[0], size[1]) / 2
        inner = 0.08 if body.spec.cavity is not None else 0.0  # panels, and a drawer's tray inside them
        for axis, half in ((0, rec.size[0] / 2), (1, rec.size[1] / 2)):
            limit = max(half - inner - radius, 0.0)
            if axis == 0:
                lx = min(max(lx, -limit), limit)
            else:
                ly = min(max(ly, -limit), limit)
        ly = max(ly, rec.size[1] / 2 - REACH_DEPTH)  # within the arm's reach from the front
        if body.spec.door_kind == "prismatic":  # items in a drawer sit in the tray, which slides out
            ly += self.joint(receptacle_id)
        c, s = math.cos(rec.yaw), math.sin(rec.yaw)
        x = rec.position[0] + lx * c - ly * s
        y = rec.position[1] + lx * s + ly * c
        return x, y, self.support_z(receptacle_id) + size[2] / 2 + 0.005

    def to_local(self, object_id: str, point) -> tuple[float, float, float]:
        """A world point in the object's frame (scene pose: centre of its box, yaw about z)."""
        obj = self.fixture(object_id)
        dx, dy = point[0] - obj.position[0], point[1] - obj.position[1]
        c, s = math.cos(obj.yaw), math.sin(obj.yaw)
        return dx * c + dy * s, -dx * s + dy * c, point[2] - obj.position[2]

    def position(self, object_id: str) -> tuple[float, float, float]:
        body = self.bodies[object_id]
        pos, _ = p.getBasePositionAndOrientation(body.uid, physicsClientId=self.client)
        return pos

    def joint(self, object_id: str) -> float:
        body = self.bodies[object_id]
        return p.getJointState(body.uid, body.spec.door_joint, physicsClientId=self.client)[0]

    def switch(self, object_id: str) -> float:
        body = self.bodies[object_id]
        return p.getJointState(body.uid, body.spec.switch_joint, physicsClientId=self.client)[0]

    def door_limit(self, object_id: str) -> float:
        body = self.bodies[object_id]
        return DOOR_OPEN if body.spec.door_kind == "revolute" else self._drawer_travel(object_id)

    def _hold_joint(self, uid: int, joint: int, q: float, force: float) -> None:
        p.setJointMotorControl2(uid, joint, p.POSITION_CONTROL, targetPosition=q, force=force,
                                physicsClientId=self.client)

    def drive_door(self, object_id: str, q: float, force: float = 60.0) -> None:
        body = self.bodies[object_id]
        self._hold_joint(body.uid, body.spec.door_joint, q, force)

    def drive_switch(self, object_id: str, q: float) -> None:
        body = self.bodies[object_id]
        self._hold_joint(body.uid, body.spec.switch_joint, q, force=5.0)

    def switch_world_position(self, object_id: str):
        body = self.bodies[object_id]
        return p.getLinkState(body.uid, body.spec.switch_joint, physicsClientId=self.client)[0]

    def door_handle(self, object_id: str):
        """World position of the door's free edge (or the drawer front), where the hand pulls."""
        body = self.bodies[object_id]
        lo, hi = p.getAABB(body.uid, body.spec.door_joint, physicsClientId=self.client)
        return [(a + b) / 2 for a, b in zip(lo, hi)]

    # ------------------------------------------------------------------ stepping and processes
    def step(self) -> None:
        p.stepSimulation(physicsClientId=self.client)
        self.steps += 1
        if self.steps % PROCESS_EVERY == 0:
            self._update_processes(PROCESS_EVERY * TIME_STEP)
            for hook in self.step_hooks:
                hook(self)

    def settle(self, seconds: float) -> None:
        for _ in range(int(seconds / TIME_STEP)):
            self.step()

    @property
    def sim_time(self) -> float:
        return self.steps * TIME_STEP

    def container_of(self, uid: int) -> str | None:
        """The container whose cavity holds this body's centre, or its bottom.

        The bottom: a wine bottle standing in a shallow sink has its centre above the rim. The centre:
        a bowl held tilted in a microwave hangs its lowest edge below the cavity's floor.
        """
        centre, _ = p.getBasePositionAndOrientation(uid, physicsClientId=self.client)
        lo, hi = p.getAABB(uid, physicsClientId=self.client)
        bottom = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2] + min(0.02, (hi[2] - lo[2]) / 2))
        for rid, body in self.bodies.items():
            cav = body.spec.cavity
            if cav is None:
                continue
            for point in (centre, bottom):
                lx, ly, lz = self.to_local(rid, point)
                if body.spec.door_kind == "prismatic":
                    ly -= self.joint(rid)
                if abs(lx) <= cav[0] and abs(ly) <= cav[1] + 0.02 and abs(lz) <= cav[2]:
                    return rid
        return None

    def spout(self, object_id: str) -> tuple[float, float, float]:
        """Where a tap's (or shower's) water comes out: just before its front face, at its top."""
        fx = self.fixture(object_id)
        hx, hy = -math.sin(fx.yaw), math.cos(fx.yaw)
        reach = fx.size[1] / 2 + 0.08
        return fx.position[0] + hx * reach, fx.position[1] + hy * reach, fx.position[2] + fx.size[2] / 2

    def fixtures_with(self, affordance: str) -> list[str]:
        if affordance not in self._with:
            self._with[affordance] = [oid for oid, b in self.bodies.items()
                                      if not b.is_item and self.catalog.get(b.category).has(affordance)]
        return self._with[affordance]

    def surface_under(self, uid: int, affordance: str) -> str | None:
        """An open-topped fixture with `affordance` (a burner, a coffee machine) just under this body."""
        candidates = [rid for rid in self.fixtures_with(affordance) if self.bodies[rid].spec.cavity is None]
        if not candidates:
            return None
        lo, hi = p.getAABB(uid, physicsClientId=self.client)
        centre = [(a + b) / 2 for a, b in zip(lo, hi)]
        for rid in candidates:
            fx = self.fixture(rid)
            lx, ly, _ = self.to_local(rid, centre)
            top = fx.position[2] + fx.size[2] / 2
            if abs(lx) <= fx.size[0] / 2 and abs(ly) <= fx.size[1] / 2 and -0.03 <= lo[2] - top <= 0.15:
                return rid
        return None

    def item_under(self, uid: int) -> str | None:
        """The item that holds items (a plate, a bowl, a pan) this body rests on, if any."""
        lo, hi = p.getAABB(uid, physicsClientId=self.client)
        centre = [(a + b) / 2 for a, b in zip(lo, hi)]
        for rid, body in self.bodies.items():
            if not body.is_item or uid in body.pieces or not body.pieces:
                continue
            if not self.catalog.get(body.category).has("receptacle"):
                continue
            rlo, rhi = p.getAABB(body.uid, physicsClientId=self.client)
            # centre over it, bottom on its top: a thing beside a flat plate on the counter is not on it
            if all(rlo[k] <= centre[k] <= rhi[k] for k in (0, 1)) and -0.015 <= lo[2] - rhi[2] <= 0.06:
                return rid
        return None

    def cooking_in(self, uid: int) -> str | None:
        """What cooks this body, if anything: the burner under the pan or pot it lies in, or the toaster around it.

        Either only while it is on.
        """
        vessel = self.item_under(uid)
        if vessel is not None and self.catalog.get(self.bodies[vessel].category).has("cooker"):
            burner = self.surface_under(self.bodies[vessel].uid, "heat_source")
            return burner if self._running(burner) else None
        where = self.container_of(uid)
        if where is not None and self.catalog.get(self.bodies[where].category).has("cooker") and self._running(where):
            return where
        return None

    def _running(self, fixture_id: str | None) -> bool:
        return fixture_id is not None and self.switch(fixture_id) > SWITCH_ON / 2

    def _under_running_tap(self, uid: int) -> bool:
        taps = [rid for rid in self.fixtures_with("water_source") if self._running(rid)]
        if not taps:
            return False
        lo, hi = p.getAABB(uid, physicsClientId=self.client)
        cx, cy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2
        for rid in taps:
            x, y, z = self.spout(rid)
            if math.hypot(cx - x, cy - y) <= SPOUT_RADIUS and hi[2] <= z + 0.02:
                return True
        return False

    def pour(self, source: str, target: str) -> bool:
        """Empty the held `source` into `target` if its mouth is right above it; False if it is not."""
        src, dst = self.bodies[source].pieces[0], self.bodies[target].pieces[0]
        slo, shi = p.getAABB(src, physicsClientId=self.client)
        tlo, thi = p.getAABB(dst, physicsClientId=self.client)
        off = math.hypot((slo[0] + shi[0] - tlo[0] - thi[0]) / 2, (slo[1] + shi[1] - tlo[1] - thi[1]) / 2)
        if off > 0.1 or slo[2] < thi[2] - 0.02 or self.liquid[source] < FULL:
            return False
        had = self.liquid[target]
        poured = min(self.liquid[source], 1.0 - had) if self.catalog.get(self.bodies[target].category).has(
            "fillable") else self.liquid[source]
        if had + poured > 0:  # the drink takes the temperature of what it is made of
            self.temperature[target] = (had * self.temperature[target] + poured * self.temperature[source]) / (
                had + poured)
        self.liquid[target] = min(1.0, had + poured)
        self.liquid[source] = 0.0
        return True

    def start_brew(self, machine: str, seconds: float) -> None:
        """Press the brew button: for `seconds` the machine fills and heats what stands on it."""
        self.brewing[machine] = seconds

    def _update_processes(self, dt: float) -> None:
        self.brewing = {m: left - dt for m, left in self.brewing.items() if left > dt}
        for oid, body in self.bodies.items():
            if not body.is_item or not body.pieces:
                continue
            where = self.container_of(body.pieces[0])
            cat = self.catalog.get(self.bodies[where].category) if where else None
            temp = self.temperature[oid]
            item = self.catalog.get(body.category)
            cooking = item.has("heatable") and self.cooking_in(body.pieces[0]) is not None
            if item.has("fillable") and self._under_running_tap(body.pieces[0]) and self.liquid[oid] < 1.0:
                added = min(1.0 - self.liquid[oid], FILL_RATE * dt)
                temp = (temp * self.liquid[oid] + TAP_TEMP * added) / (self.liquid[oid] + added)
                self.liquid[oid] += added
            brewer = self.surface_under(body.pieces[0], "brewer") if self.brewing and item.has("fillable") else None
            if brewer in self.brewing:
                self.liquid[oid] = min(1.0, self.liquid[oid] + FILL_RATE * dt)
                temp = max(temp, min(BREW_TEMP, temp + HEAT_RATE * dt))
            elif cat is None and self._running(self.surface_under(body.pieces[0], "heat_source")):
                temp = min(temp + HEAT_RATE * dt, 90.0)  # over a burner
            elif cooking or cat is not None and cat.has("heat_source") and self._running(where):
                temp = min(temp + HEAT_RATE * dt, 90.0)
            elif cat is not None and cat.has("cool_source"):
                temp = max(temp - COOL_RATE * dt, 3.0)
            else:  # back towards room temperature, slowly
                temp += (ROOM_TEMP - temp) * min(1.0, 0.002 * dt)
            self.temperature[oid] = temp
            if cooking and temp >= COOK_TEMP:
                self.cooked[oid] += dt
            if cat is not None and cat.has("wash_place") and self._running(where):
                self.dirt[oid] = max(0.0, self.dirt[oid] - WASH_RATE * dt)

    # ------------------------------------------------------------------ changing the world
    def split(self, object_id: str) -> None:
        """Cut an item in two halves along its width (what slicing does to its body)."""
        body = self.bodies[object_id]
        pos, orn = p.getBasePositionAndOrientation(body.uid, physicsClientId=self.client)
        size = self.fixture(object_id).size
        half = (size[0] / 2, size[1], size[2])
        yaw = p.getEulerFromQuaternion(orn)[2]
        pieces = []
        for sign in (-1, 1):
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=[h / 2 for h in half], physicsClientId=self.client)
            rgba = p.getVisualShapeData(body.uid, physicsClientId=self.client)[0][7]
            vis = p.createVisualShape(p.GEOM_BOX, halfExtents=[h / 2 for h in half], rgbaColor=rgba,
                                      physicsClientId=self.client)
            off = sign * (half[0] / 2 + 0.005)
            at = [pos[0] + off * math.cos(yaw), pos[1] + off * math.sin(yaw), pos[2]]
            pieces.append(p.createMultiBody(0.05, col, vis, at, orn, physicsClientId=self.client))
        p.removeBody(body.uid, physicsClientId=self.client)
        body.uid, body.pieces = pieces[0], pieces
        self._filter_robot_collisions()

    def set_carried(self, uid: int, carried: bool) -> None:
        """A carried item moves with the hand, which passes through furniture; so does the item."""
        for body in self.bodies.values():
            if body.is_item:
                continue
            for link in range(-1, p.getNumJoints(body.uid, physicsClientId=self.client)):
                p.setCollisionFilterPair(uid, body.uid, -1, link, 0 if carried else 1, physicsClientId=self.client)

    def fasten_riders(self, carrier: str) -> None:
        """What lies on a plate or pan about to be carried rides with it, fixed to it until it is set down.

        The planner's model does the same (food on a carried plate stays on it): a careful carry.
        """
        base = self.bodies[carrier].uid
        pos, orn = p.getBasePositionAndOrientation(base, physicsClientId=self.client)
        inv_pos, inv_orn = p.invertTransform(pos, orn)
        riders = []
        for oid, body in self.bodies.items():
            if not body.is_item or oid == carrier or not body.pieces or self.item_under(body.pieces[0]) != carrier:
                continue
            for piece in body.pieces:
                at, turn = p.getBasePositionAndOrientation(piece, physicsClientId=self.client)
                rel_pos, rel_orn = p.multiplyTransforms(inv_pos, inv_orn, at, turn)
                cid = p.createConstraint(base, -1, piece, -1, p.JOINT_FIXED, [0, 0, 0], rel_pos, [0, 0, 0],
                                         parentFrameOrientation=rel_orn, physicsClientId=self.client)
                self.set_carried(piece, True)
                riders.append((piece, cid))
        self.riders[carrier] = riders

    def unfasten_riders(self, carrier: str) -> None:
        for piece, cid in self.riders.pop(carrier, []):
            p.removeConstraint(cid, physicsClientId=self.client)
            self.set_carried(piece, False)
            p.changeDynamics(piece, -1, activationState=p.ACTIVATION_STATE_WAKE_UP, physicsClientId=self.client)

    def remove(self, object_id: str) -> None:
        body = self.bodies[object_id]
        for uid in body.pieces:
            p.removeBody(uid, physicsClientId=self.client)
        body.pieces = []

    def teleport(self, object_id: str, receptacle_id: str) -> None:
        """Move an item onto or into another receptacle (someone else tidied it away)."""
        body = self.bodies[object_id]
        rec = self.fixture(receptacle_id)
        x, y, z = self.rest_position(receptacle_id, rec.position[:2], self.fixture(object_id).size)
        for k, uid in enumerate(body.pieces):
            p.resetBasePositionAndOrientation(uid, [x + 0.06 * k, y, z], [0, 0, 0, 1], physicsClientId=self.client)
        self.settle(0.3)

    def put_outside(self, object_id: str, near: tuple[float, float]) -> None:
        """Set an item down on the floor outside the room, beyond the wall nearest `near`."""
        w, d = self.scene.size
        x, y = near
        gap = OUTSIDE
        spots = {(x, -gap): y, (x, d + gap): d - y, (-gap, y): x, (w + gap, y): w - x}
        ox, oy = min(spots, key=spots.get)
        z = self.fixture(object_id).size[2] / 2 + 0.01
        for k, uid in enumerate(self.bodies[object_id].pieces):
            p.resetBasePositionAndOrientation(uid, [ox + 0.1 * k, oy, z], [0, 0, 0, 1], physicsClientId=self.client)
        self.settle(0.2)

    def outside(self, object_id: str) -> bool:
        """Whether the item lies outside the room's walls (taken out)."""
        x, y, _ = self.position(object_id)
        w, d = self.scene.size
        return not (0.0 <= x <= w and 0.0 <= y <= d)

    def body_at_hand(self) -> str | None:
        """The item nearest the grasp point, within a few centimetres (not what rides on a carried plate)."""
        best, best_d = None, 0.04
        riding = {piece for riders in self.riders.values() for piece, _ in riders}
        for oid, body in self.bodies.items():
            if not body.is_item or not body.pieces or body.uid in riding:
                continue
            pts = p.getClosestPoints(self.robot.arm, body.uid, best_d, linkIndexA=EE_LINK, physicsClientId=self.client)
            fingers = [c for link in (9, 10) for c in p.getClosestPoints(
                self.robot.arm, body.uid, best_d, linkIndexA=link, physicsClientId=self.client)]
            for c in [*pts, *fingers]:
                if c[8] < best_d:
                    best, best_d = oid, c[8]
        return best

    def close(self) -> None:
        if p.isConnected(self.client):
            p.disconnect(self.client)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SimWorld:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

