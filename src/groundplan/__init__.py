"""groundplan: grounded language-model task planning for household robots, with a ROS 2 shell."""

__version__ = "0.1.0"
