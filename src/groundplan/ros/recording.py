"""MCAP recording of ROS 2 messages, readable by `ros2 bag` and Foxglove (mcap + mcap-ros2-support)."""

from __future__ import annotations

import os
import re
import threading
from functools import cache
from pathlib import Path

from mcap_ros2.writer import Writer

_PRIMITIVES = {"bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32",
               "uint32", "int64", "uint64", "string", "wstring"}
_SEPARATOR = "=" * 80


def datatype_of(msg) -> str:
    """'groundplan_interfaces/msg/Plan' for a Plan message instance."""
    return f"{type(msg).__module__.split('.')[0]}/msg/{type(msg).__name__}"


def _msg_file(package: str, name: str) -> Path:
    for prefix in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep):
        path = Path(prefix) / "share" / package / "msg" / f"{name}.msg"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no message definition for {package}/msg/{name} under AMENT_PREFIX_PATH")


@cache
def message_definition(datatype: str) -> str:
    """The .msg text of a type followed by every type it uses, as ros2msg schemas carry them."""
    package, _, name = datatype.split("/")
    seen: dict[str, str] = {}
    todo = [(package, name)]
    while todo:
        pkg, typ = todo.pop(0)
        key = f"{pkg}/{typ}"
        if key in seen:
            continue
        text = _msg_file(pkg, typ).read_text()
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
            todo.append((dep_pkg or pkg, dep))
    first, *rest = seen.items()
    parts = [first[1].rstrip()]
    for key, text in rest:
        pkg, typ = key.split("/")
        parts.append(f"{_SEPARATOR}\nMSG: {pkg}/{typ}\n{text.rstrip()}")
    return "\n".join(parts) + "\n"


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
            self._writer.write_message(topic, schema, msg, log_time=stamp_ns, publish_time=stamp_ns)
            self.counts[topic] = self.counts.get(topic, 0) + 1

    def close(self) -> None:
        with self._lock:
            if not self._stream.closed:
                self._writer.finish()
                self._stream.close()
