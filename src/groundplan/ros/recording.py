"""MCAP recording of ROS 2 messages, readable by `ros2 bag` and Foxglove (mcap + mcap-ros2-support)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
from mcap_ros2.writer import Writer
from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import CameraInfo
from tf2_msgs.msg import TFMessage
from visualization_msgs.msg import MarkerArray

from groundplan.ros.common import LATCHED, SENSOR
from groundplan.ros.frames import TF_QOS, TF_STATIC_LISTEN_QOS, TF_STATIC_TOPIC, TF_TOPIC

_PRIMITIVES = {"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32",
               "uint32", "int64", "uint64", "string", "wstring"}
_SEPARATOR = "=" * 80


def datatype_of(msg) -> str:
    """A message's type name: 'groundplan_interfaces/msg/Plan', 'groundplan_interfaces/action/ExecuteTask_Feedback'."""
    package, kind = type(msg).__module__.split(".")[:2]
    return f"{package}/{kind}/{type(msg).__name__}"


def _share_file(package: str, kind: str, name: str) -> Path:
    for prefix in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep):
        path = Path(prefix) / "share" / package / kind / f"{name}.{kind}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no definition of {package}/{kind}/{name} under AMENT_PREFIX_PATH")


_ACTION_PARTS = ("_Goal", "_Result", "_Feedback")  # the sections of a .action file, in order


def _definition_text(package: str, kind: str, name: str) -> str:
    """The .msg text of a message, or of one section of an action ('ExecuteTask_Feedback')."""
    if kind != "action":
        return _share_file(package, kind, name).read_text()
    action, part = next((name.removesuffix(s), i) for i, s in enumerate(_ACTION_PARTS) if name.endswith(s))
    sections = re.split(r"^---\s*$", _share_file(package, kind, action).read_text(), flags=re.MULTILINE)
    return sections[part].strip("\n") + "\n"


@cache
def message_definition(datatype: str) -> str:
    """The .msg text of a type followed by every type it uses, as ros2msg schemas carry them."""
    package, kind, name = datatype.split("/")
    seen: dict[str, str] = {}
    todo = [(package, kind, name)]
    while todo:
        pkg, knd, typ = todo.pop(0)
        key = f"{pkg}/{typ}"
        if key in seen:
            continue
        text = _definition_text(pkg, knd, typ)
        seen[key] = text
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or "=" in line.split()[0]:
                continue
            field_type = re.sub(r"\[.*\]$", "", line.split()[0])
            field_type = re.sub(r"<=\d+$", "", field_type)
            if field_type in _PRIMITIVES:
                continue
            dep_pkg, _, dep = field_type.rpartition("/")
            todo.append((dep_pkg.removesuffix("/msg") or pkg, "msg", dep))
    first, *rest = seen.items()
    parts = [first[1].rstrip()]
    for key, text in rest:
        pkg, typ = key.split("/")
        parts.append(f"{_SEPARATOR}\nMSG: {pkg}/{typ}\n{text.rstrip()}")
    return "\n".join(parts) + "\n"


class _Fields:
    """A message as mcap_ros2's writer reads it, with numpy array fields as lists (bytes for uint8).

    rclpy gives fixed-size array fields (CameraInfo.k) as numpy arrays, which the writer refuses.
    """

    __slots__ = ("_msg",)

    def __init__(self, msg):
        self._msg = msg

    def __getattr__(self, name: str):
        value = getattr(self._msg, name)
        if isinstance(value, np.ndarray):
            return value.tobytes() if value.dtype == np.uint8 else value.tolist()
        if isinstance(value, list):
            return [_Fields(v) if hasattr(v, "get_fields_and_field_types") else v for v in value]
        return _Fields(value) if hasattr(value, "get_fields_and_field_types") else value


class McapRecorder:
    """Write messages from any thread; one file per recording."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = self.path.open("wb")
        self._writer = Writer(self._stream)
        self._schemas: dict[str, object] = {}
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def write(self, topic: str, msg, stamp_ns: int) -> None:
        datatype = datatype_of(msg)
        with self._lock:
            if self._stream.closed:
                return
            schema = self._schemas.get(datatype)
            if schema is None:
                schema = self._schemas[datatype] = self._writer.register_msgdef(datatype, message_definition(datatype))
            self._writer.write_message(topic, schema, _Fields(msg), log_time=stamp_ns, publish_time=stamp_ns)
            self.counts[topic] = self.counts.get(topic, 0) + 1

    def close(self) -> None:
        with self._lock:
            if not self._stream.closed:
                self._writer.finish()
                self._stream.close()


@dataclass(frozen=True)
class Recorded:
    """A topic that recordings take from the graph as it comes."""

    topic: str
    kind: type
    qos: QoSProfile
    latched: bool = False  # sent once, before any task: kept, and written when a recording starts
    min_period: float = 0.0  # seconds between recorded messages of one source (for /tf: one set of frames)


# What a run records besides what executor_node itself publishes and uses: the TF tree (/tf at most
# 10 Hz per set of frames; the simulator sends it at every physics update), the head camera's
# calibration, perception's markers.
RECORDED = (Recorded(TF_TOPIC, TFMessage, TF_QOS, min_period=0.1),
            Recorded(TF_STATIC_TOPIC, TFMessage, TF_STATIC_LISTEN_QOS, latched=True),
            Recorded("camera/head/camera_info", CameraInfo, SENSOR),
            Recorded("scene/markers", MarkerArray, LATCHED, latched=True))


class RecordedTopics:
    """Subscriptions whose messages go to `record(topic, msg)` (which writes them while a recording runs)."""

    def __init__(self, node: Node, record: Callable[[str, Any], None], group=None,
                 topics: tuple[Recorded, ...] = RECORDED):
        self._node, self._record = node, record
        self._kept: dict[str, Any] = {}
        self._last: dict[tuple, int] = {}
        self._lock = threading.Lock()
        for spec in topics:
            node.create_subscription(spec.kind, spec.topic, partial(self._on_message, spec), spec.qos,
                                     callback_group=group)

    def start(self) -> None:
        """At the start of a recording: write what the latched topics sent before it."""
        with self._lock:
            kept = list(self._kept.items())
        for topic, msg in kept:
            self._record(topic, msg)

    def _on_message(self, spec: Recorded, msg) -> None:
        topic = spec.topic if spec.topic.startswith("/") else f"/{spec.topic}"
        frames = tuple(sorted(t.child_frame_id for t in msg.transforms)) if isinstance(msg, TFMessage) else ()
        with self._lock:
            if spec.latched:
                self._kept[topic] = _merge_static(self._kept.get(topic), msg) if frames else msg
            if spec.min_period:
                now = self._node.get_clock().now().nanoseconds
                last = self._last.get((topic, frames))
                if last is not None and 0 <= now - last < spec.min_period * 1e9:
                    return
                self._last[(topic, frames)] = now
        self._record(topic, msg)


def _merge_static(kept: TFMessage | None, msg: TFMessage) -> TFMessage:
    """Every static transform seen, the latest per frame: each static broadcaster latches its own message."""
    transforms = {t.child_frame_id: t for t in (kept.transforms if kept is not None else [])}
    transforms.update((t.child_frame_id, t) for t in msg.transforms)
    return TFMessage(transforms=list(transforms.values()))

