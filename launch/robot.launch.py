"""groundplan on a real robot (its driver serves execute_skill): ros2 launch groundplan robot.launch.py."""

import os
import sys

from ament_index_python.packages import get_package_share_directory

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _graph import describe  # noqa: E402


def generate_launch_description():
    share = get_package_share_directory("groundplan")
    return describe("robot", os.path.join(share, "config", "robot.yaml"))
