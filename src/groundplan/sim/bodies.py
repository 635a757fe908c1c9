"""URDF for every catalog category, written by the project.

Boxes for furniture, hollow carcasses with a hinged door or a sliding drawer for containers, a
switch joint on every device (and a tap at every sink), and primitive shapes for items.

Frames follow the scene: origin at the centre of the bounding box, x along the width, y along
the depth with the front at +y, z up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from groundplan.types.catalog import Category, category_color
from groundplan.world.navigation import DRAWER_TRAVEL

WALL = 0.02  # panel thickness (m)
DOOR_OPEN = 2.3  # rad: swung well aside, out of the way of a robot standing in front
SWITCH_ON = 0.6  # rad of the switch joint when on
ITEM_DENSITY = 400.0  # kg/m^3, light household objects


@dataclass(frozen=True)
class BodySpec:
    """What the simulator needs to know about a body it loaded."""

    urdf: Path
    door_joint: int | None = None  # joint index of the door or drawer
    door_kind: str | None = None  # "revolute" or "prismatic"
    switch_joint: int | None = None
    support_height: float = 0.0  # z of the surface items rest on, relative to the body origin
    cavity: tuple[float, float, float] | None = None  # inner half-extents of a container


def _box(name: str, size, xyz=(0.0, 0.0, 0.0), rgba=None) -> str:
    sx, sy, sz = (max(v, 1e-3) for v in size)
    geom = f'<geometry><box size="{sx:.4f} {sy:.4f} {sz:.4f}"/></geometry>'
    origin = f'<origin xyz="{xyz[0]:.4f} {xyz[1]:.4f} {xyz[2]:.4f}"/>'
    mat = f'<material name="{name}"><color rgba="{" ".join(f"{c:.3f}" for c in rgba)}"/></material>' if rgba else ""
    return f"<visual>{origin}{geom}{mat}</visual><collision>{origin}{geom}</collision>"


def _inertial(mass: float) -> str:
    i = max(mass, 1e-3) * 0.01
    return (f'<inertial><mass value="{mass:.4f}"/>'
            f'<inertia ixx="{i:.5f}" ixy="0" ixz="0" iyy="{i:.5f}" iyz="0" izz="{i:.5f}"/></inertial>')


def _link(name: str, body: str, mass: float) -> str:
    return f'<link name="{name}">{_inertial(mass)}{body}</link>'


def _joint(name, kind, parent, child, xyz, axis, lower, upper) -> str:
    return (f'<joint name="{name}" type="{kind}"><parent link="{parent}"/><child link="{child}"/>'
            f'<origin xyz="{xyz[0]:.4f} {xyz[1]:.4f} {xyz[2]:.4f}"/><axis xyz="{axis}"/>'
            f'<limit lower="{lower}" upper="{upper}" effort="50" velocity="2"/>'
            f'<dynamics damping="0.5" friction="0.05"/></joint>')


def _carcass(w, d, h, rgba, open_front: bool, open_top: bool, shelf: bool) -> str:
    """Panels of a hollow box, in the base link."""
    parts = [
        _box("c", (w, d, WALL), (0, 0, -h / 2 + WALL / 2), rgba),  # bottom
        _box("c", (WALL, d, h), (-w / 2 + WALL / 2, 0, 0), rgba),  # left
        _box("c", (WALL, d, h), (w / 2 - WALL / 2, 0, 0), rgba),  # right
        _box("c", (w, WALL, h), (0, -d / 2 + WALL / 2, 0), rgba),  # back
    ]
    if not open_top:
        parts.append(_box("c", (w, d, WALL), (0, 0, h / 2 - WALL / 2), rgba))
    if not open_front:
        parts.append(_box("c", (w, WALL, h), (0, d / 2 - WALL / 2, 0), rgba))
    if shelf:
        parts.append(_box("c", (w - 2 * WALL, d - 2 * WALL, WALL), (0, 0, _shelf_z(h)), rgba))
    return "".join(parts)


def _shelf_z(h: float) -> float:
    """Tall containers (a fridge) get a shelf at a reachable height; items rest on it."""
    return -h / 2 + min(0.9, h / 2)


def fixture_urdf(cat: Category, size, out_dir: Path) -> BodySpec:
    w, d, h = size
    rgba = category_color(cat.name)
    links, joints = [], []
    door_joint = switch_joint = None
    door_kind = None
    support = h / 2
    cavity = None
    openable, container = cat.has("openable"), cat.relation == "in"
    tall = h > 1.2
    if container:
        cavity = (w / 2 - WALL, d / 2 - WALL, h / 2 - WALL)
        support = (_shelf_z(h) if tall else -h / 2) + WALL / 2
    if openable and cat.opening == "slide":
        base = _carcass(w, d, h, rgba, open_front=True, open_top=False, shelf=False)
        iw, idp, ih = w - 3 * WALL, d - 2 * WALL, h - 3 * WALL
        tray = "".join([
            _box("t", (iw, idp, WALL), (0, 0, -ih / 2 + WALL / 2), rgba),
            _box("t", (WALL, idp, ih), (-iw / 2 + WALL / 2, 0, 0), rgba),
            _box("t", (WALL, idp, ih), (iw / 2 - WALL / 2, 0, 0), rgba),
            _box("t", (iw, WALL, ih), (0, -idp / 2 + WALL / 2, 0), rgba),
            _box("front", (w, WALL, h), (0, idp / 2 + WALL / 2, 0.0), _shade(rgba)),
        ])
        links.append(_link("door", tray, 2.0))
        joints.append(_joint("door_joint", "prismatic", "base", "door", (0, 0, WALL / 2), "0 1 0",
                             0, DRAWER_TRAVEL * d))
        door_joint, door_kind = 0, "prismatic"
        support = -ih / 2 + WALL + WALL / 2
    elif openable:
        base = _carcass(w, d, h, rgba, open_front=True, open_top=False, shelf=tall)
        # the hinge is on the front-left edge; the door swings outward (+y) for positive angles
        door = _box("door", (w, WALL, h), (w / 2, WALL / 2, 0), _shade(rgba))
        links.append(_link("door", door, 3.0 if tall else 1.0))
        joints.append(_joint("door_joint", "revolute", "base", "door", (-w / 2, d / 2, 0), "0 0 1", 0, DOOR_OPEN))
        door_joint, door_kind = 0, "revolute"
    elif container:
        base = _carcass(w, d, h, rgba, open_front=False, open_top=True, shelf=False)
    else:
        base = _box("b", (w, d, h), rgba=rgba)
    if cat.has("toggleable") or cat.has("wash_place"):
        # A switch (a tap at a sink) on the front face; its joint angle is the device's on/off state.
        # Visual only, so nothing resting nearby can flip it.
        knob = ('<visual><origin xyz="0 0.01 0"/><geometry><box size="0.04 0.02 0.05"/></geometry>'
                '<material name="k"><color rgba="0.1 0.1 0.1 1"/></material></visual>')
        links.append(_link("switch", knob, 0.05))
        joints.append(_joint("switch_joint", "revolute", "base", "switch",
                             (w / 2 - 0.05 if w > 0.15 else 0.0, d / 2 + 0.012, 0.0), "1 0 0", 0, SWITCH_ON))
        switch_joint = len(joints) - 1
    text = (f'<?xml version="1.0"?><robot name="{cat.name}">{_link("base", base, 0.0)}'
            f'{"".join(links)}{"".join(joints)}</robot>')
    return BodySpec(_write(out_dir, cat.name, text), door_joint, door_kind, switch_joint, support, cavity)


def item_urdf(cat: Category, size, out_dir: Path) -> BodySpec:
    sx, sy, sz = size
    rgba = category_color(cat.name)
    if cat.shape == "sphere":
        geom = f'<geometry><sphere radius="{max(sx, sy, sz) / 2:.4f}"/></geometry>'
        volume = 4 / 3 * 3.1416 * (max(size) / 2) ** 3
    elif cat.shape == "cylinder":
        geom = f'<geometry><cylinder radius="{max(sx, sy) / 2:.4f}" length="{sz:.4f}"/></geometry>'
        volume = 3.1416 * (max(sx, sy) / 2) ** 2 * sz
    else:
        geom = f'<geometry><box size="{sx:.4f} {sy:.4f} {sz:.4f}"/></geometry>'
        volume = sx * sy * sz
    mass = min(max(volume * ITEM_DENSITY, 0.05), 2.0)
    mat = f'<material name="m"><color rgba="{" ".join(f"{c:.3f}" for c in rgba)}"/></material>'
    body = f"<visual>{geom}{mat}</visual><collision>{geom}</collision>"
    text = (f'<?xml version="1.0"?><robot name="{cat.name}"><link name="base">{_inertial(mass)}{body}'
            f'<contact><lateral_friction value="1.0"/><rolling_friction value="0.01"/></contact></link></robot>')
    return BodySpec(_write(out_dir, cat.name, text))


def _shade(rgba):
    return tuple(c * 0.8 for c in rgba[:3]) + (1.0,)


def _write(out_dir: Path, name: str, text: str) -> Path:
    key = hashlib.md5(text.encode()).hexdigest()[:10]
    path = out_dir / f"{name}_{key}.urdf"
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path
