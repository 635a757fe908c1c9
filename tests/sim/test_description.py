"""The simulated robot's URDF and link transforms agree with the robot PyBullet simulates."""

import xml.etree.ElementTree as ET

import numpy as np
import pybullet as p
import pytest

from groundplan.sim.camera import head_pose
from groundplan.sim.description import ARM_ROOT, LIFT_JOINT, RobotFrames
from groundplan.sim.world import SimWorld
from groundplan.types.frames import BASE, HEAD_CAMERA, HEAD_OPTICAL, MAP, MAST, ODOM, compose


@pytest.fixture(scope="module")
def world(kitchen):
    with SimWorld(kitchen) as world:
        robot = world.robot
        robot.follow([(robot.pose.x - 0.4, robot.pose.y + 0.3)], final_yaw=1.0, lift=0.9)
        robot.move_ee([robot.pose.x + 0.3, robot.pose.y + 0.5, 1.0])
        yield world


def chain(links, target: str):
    """The links from the root down to `target`."""
    by_child = {link.child: link for link in links}
    out = []
    while target in by_child:
        out.insert(0, by_child[target])
        target = by_child[target].parent
    return out


def test_transforms_reproduce_the_simulated_robot(world):
    frames = RobotFrames(world.robot)
    links = frames.static_links() + frames.moving_links()
    assert len({link.child for link in links}) == len(links)  # a tree: one parent per frame
    to_camera = chain(links, HEAD_OPTICAL)
    assert [link.child for link in to_camera] == [ODOM, BASE, MAST, HEAD_CAMERA, HEAD_OPTICAL]
    assert np.allclose(compose(to_camera), head_pose(world), atol=1e-6)
    to_hand = chain(links, "panda_grasptarget")
    assert to_hand[0].parent == MAP and ARM_ROOT in [link.child for link in to_hand]
    position, orientation = world.robot.ee_pose()
    hand = compose(to_hand)
    assert np.allclose(hand[:3, 3], position, atol=1e-4)
    assert np.allclose(hand[:3, :3], np.reshape(p.getMatrixFromQuaternion(orientation), (3, 3)), atol=1e-4)


def test_description_is_the_simulated_robot(world, tmp_path):
    """The URDF, loaded by a URDF parser at the joint positions published, has every link where TF puts it."""
    frames = RobotFrames(world.robot)
    urdf = frames.description()
    root = ET.fromstring(urdf)
    links = {link.get("name") for link in root.iter("link")}
    children = [joint.find("child").get("link") for joint in root.iter("joint")]
    assert {BASE, MAST, HEAD_CAMERA, HEAD_OPTICAL, ARM_ROOT, "panda_grasptarget"} <= links
    assert sorted(children) == sorted(links - {BASE})  # a tree rooted at base_link
    path = tmp_path / "robot.urdf"
    path.write_text(urdf)
    client = p.connect(p.DIRECT)
    try:
        pose = world.robot.pose
        body = p.loadURDF(str(path), [pose.x, pose.y, 0.0], p.getQuaternionFromEuler([0, 0, pose.yaw]),
                          useFixedBase=True, physicsClientId=client)
        joints = {p.getJointInfo(body, j, physicsClientId=client)[1].decode(): j
                  for j in range(p.getNumJoints(body, physicsClientId=client))}
        names, positions, _ = frames.joint_positions()
        assert names[0] == LIFT_JOINT and set(names) <= set(joints)
        for name, value in zip(names, positions):
            p.resetJointState(body, joints[name], value, physicsClientId=client)
        model = {}
        for j in joints.values():
            child = p.getJointInfo(body, j, physicsClientId=client)[12].decode()
            position, orientation = p.getLinkState(body, j, computeForwardKinematics=True, physicsClientId=client)[4:6]
            model[child] = (np.array(position), np.reshape(p.getMatrixFromQuaternion(orientation), (3, 3)))
    finally:
        p.disconnect(client)
    assert set(model) == links - {BASE}
    tree = frames.static_links() + frames.moving_links()
    for name, (position, rotation) in model.items():
        published = compose(chain(tree, name))
        assert np.allclose(published[:3, 3], position, atol=1e-4), name
        assert np.allclose(published[:3, :3], rotation, atol=1e-4), name
