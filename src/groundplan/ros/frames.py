"""TF messages (/tf, /tf_static) and the QoS of TF and robot_description, as tf2_ros and robot_state_publisher use.

The transforms come from plain helpers (`groundplan.types.frames`, and the simulator's); this module only
builds messages. tf2_msgs is ROS 2's own; the standalone environment builds a copy of its TFMessage
(interfaces/standalone/tf2_msgs, same definition and type hash).
"""

from __future__ import annotations

import numpy as np
from geometry_msgs.msg import TransformStamped
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from scipy.spatial.transform import Rotation
from tf2_msgs.msg import TFMessage

from groundplan.types.frames import FrameLink

TF_TOPIC = "/tf"
TF_STATIC_TOPIC = "/tf_static"
DESCRIPTION_TOPIC = "robot_description"
# tf2_ros's TransformBroadcaster: a queue for /tf. /tf_static and robot_description are latched
# (common.LATCHED, as StaticTransformBroadcaster and robot_state_publisher): one message holds every
# static transform, since a late joiner gets only the last one.
TF_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE,
                    history=HistoryPolicy.KEEP_LAST)
# tf2_ros's static listener: a deep queue, since every static broadcaster latches a message of its own.
TF_STATIC_LISTEN_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE,
                                  durability=DurabilityPolicy.TRANSIENT_LOCAL, history=HistoryPolicy.KEEP_LAST)


def tf_message(links: list[FrameLink], stamp) -> TFMessage:
    """One TFMessage with a TransformStamped per link, all at `stamp` (builtin_interfaces/Time)."""
    if not links:
        return TFMessage()
    matrices = np.stack([link.transform for link in links])
    quaternions = Rotation.from_matrix(matrices[:, :3, :3]).as_quat()  # one call: sent with every joint state
    out = TFMessage()
    for link, matrix, q in zip(links, matrices, quaternions):
        msg = TransformStamped(child_frame_id=link.child)
        msg.header.stamp, msg.header.frame_id = stamp, link.parent
        t, r = msg.transform.translation, msg.transform.rotation
        t.x, t.y, t.z = (float(v) for v in matrix[:3, 3])
        r.x, r.y, r.z, r.w = (float(v) for v in q)
        out.transforms.append(msg)
    return out
