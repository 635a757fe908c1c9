"""The whole groundplan graph on the PyBullet simulator: ros2 launch groundplan sim.launch.py."""

import os
import sys

from ament_index_python.packages import get_package_share_directory

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _graph import describe  # noqa: E402


def generate_launch_description():
    share = get_package_share_directory("groundplan")
    return describe("sim", os.path.join(share, "config", "sim.yaml"))
