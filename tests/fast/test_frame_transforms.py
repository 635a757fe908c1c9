"""The robot's frames: the head camera's chain gives the camera the renderer uses, with ROS's axes."""

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from groundplan.types.camera import HEAD_HEIGHT, HEAD_PITCH, look_at_pose
from groundplan.types.frames import (
    BASE,
    HEAD_OPTICAL,
    OPTICAL_IN_BODY,
    FrameLink,
    compose,
    head_camera_links,
    head_camera_pose,
    planar,
)


@pytest.mark.parametrize("x, y, yaw", [(0.0, 0.0, 0.0), (3.3, 2.5, math.pi - 0.016), (1.0, 4.0, -2.0)])
def test_head_camera_chain_is_the_look_at_camera(x, y, yaw):
    eye = np.array([x, y, HEAD_HEIGHT])
    ahead = np.array([math.cos(yaw), math.sin(yaw), -math.tan(HEAD_PITCH)])
    assert np.allclose(head_camera_pose(x, y, yaw), look_at_pose(eye, eye + ahead), atol=1e-9)


def test_frames_follow_rep_103():
    links = head_camera_links()
    assert (links[0].parent, links[-1].child) == (BASE, HEAD_OPTICAL)
    body = compose(links[:-1])  # head_camera_link in base_link: x ahead and tipped down, y left
    assert body[0, 0] > 0 and body[2, 0] < 0 and np.allclose(body[:3, 1], [0, 1, 0])
    optical = compose(links)  # z ahead, x right (-y of the base), y down-ish
    assert np.allclose(optical[:3, 2], body[:3, 0]) and np.allclose(optical[:3, 0], [0, -1, 0])
    assert optical[2, 1] < 0
    assert np.allclose(OPTICAL_IN_BODY[:3, :3] @ OPTICAL_IN_BODY[:3, :3].T, np.eye(3))
    assert np.isclose(np.linalg.det(OPTICAL_IN_BODY[:3, :3]), 1.0)
    turned = planar(1.0, 2.0, math.pi / 2)
    assert np.allclose(turned @ [1, 0, 0, 1], [1, 3, 0, 1])  # a quarter turn left: x ahead points along +y


def test_compose_refuses_a_broken_chain():
    a, b, c = head_camera_links()
    with pytest.raises(ValueError, match="is not followed by"):
        compose([a, c])
    assert np.allclose(compose([a, b, c]), a.transform @ b.transform @ c.transform)
    assert np.allclose(compose([FrameLink("x", "y", np.eye(4))]), np.eye(4))


def test_standalone_tf2_msgs_is_built_only_when_named():
    """A colcon build that crawls the sources, as in a ROS 2 workspace, never builds (and shadows) tf2_msgs."""
    root = Path(__file__).resolve().parents[2]
    colcon = [str(Path(sys.executable).parent / "colcon"), "--log-base", os.devnull, "list", "--names-only"]

    def names(*base_paths: str) -> set[str]:
        out = subprocess.run([*colcon, "--base-paths", *base_paths], cwd=root, capture_output=True, text=True,
                             check=True)
        return set(out.stdout.split())

    assert names(".") == {"groundplan", "groundplan_interfaces"}
    assert "tf2_msgs" in names("interfaces", "interfaces/standalone/tf2_msgs")  # as scripts/setup.sh builds it
    assert "interfaces/standalone/tf2_msgs" in (root / "scripts" / "setup.sh").read_text()
