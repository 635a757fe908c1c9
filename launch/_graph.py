"""Shared body of the launch files: the nodes of a groundplan graph, from groundplan.ros.graph.

The graph's managed (lifecycle) nodes start unconfigured; its last node, lifecycle_manager,
configures and activates them and publishes groundplan/ready (see README, "ROS 2").
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from groundplan.ros.graph import graph


def describe(graph_name: str, default_params: str) -> LaunchDescription:
    params_file = LaunchConfiguration("params_file")
    namespace = LaunchConfiguration("namespace")
    use_sim_time = LaunchConfiguration("use_sim_time")
    actions = [
        DeclareLaunchArgument("params_file", default_value=default_params,
                              description="ROS 2 parameters YAML for every node of the graph"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of every node"),
        DeclareLaunchArgument("use_sim_time", default_value="false", description="follow /clock"),
    ]
    for spec in graph(graph_name):
        actions.append(Node(package="groundplan", executable=spec.executable, name=spec.name, namespace=namespace,
                            parameters=[params_file, {"use_sim_time": use_sim_time}], output="screen"))
    return LaunchDescription(actions)
