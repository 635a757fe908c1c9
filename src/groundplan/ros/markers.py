"""visualization_msgs markers for scene objects and the current plan step (RViz, Foxglove)."""

from __future__ import annotations

from groundplan_interfaces.msg import SceneObjectArray
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from groundplan.types.catalog import category_color
from groundplan.types.frames import MAP


def scene_markers(scene: SceneObjectArray, highlight: set[str] = frozenset()) -> MarkerArray:
    """A box and a label per object; objects the current step acts on are drawn opaque.

    Markers are in the scene's frame, or in the map when the scene names none (RViz drops a marker
    without a frame).
    """
    header = Header(stamp=scene.header.stamp, frame_id=scene.header.frame_id or MAP)
    out = MarkerArray()
    out.markers.append(Marker(header=header, action=Marker.DELETEALL))
    for i, obj in enumerate(scene.objects):
        r, g, b, _ = category_color(obj.category)
        box = Marker(ns="objects", id=2 * i, type=Marker.CUBE, action=Marker.ADD, pose=obj.pose, scale=obj.size)
        box.header = header
        box.color.r, box.color.g, box.color.b = r, g, b
        box.color.a = 1.0 if obj.id in highlight else 0.5
        text = Marker(ns="labels", id=2 * i + 1, type=Marker.TEXT_VIEW_FACING, action=Marker.ADD, pose=obj.pose,
                      text=obj.id)
        text.header = header
        text.pose.position.z += obj.size.z / 2 + 0.08
        text.scale.z = 0.08
        text.color.r = text.color.g = text.color.b = text.color.a = 1.0
        out.markers += [box, text]
    return out
