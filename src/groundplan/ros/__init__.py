"""The ROS 2 shell: nodes that convert messages, call the core, and convert back."""
