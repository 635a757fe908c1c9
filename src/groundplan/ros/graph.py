"""The ROS 2 graphs, defined once: the launch files and the standalone runner both read this.

A graph is a list of nodes (name, executable, module) started with one parameters YAML: its
managed (lifecycle) nodes, then the lifecycle_manager that brings them up in that order.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from groundplan.errors import GroundplanError


@dataclass(frozen=True)
class NodeSpec:
    name: str  # node name, also the key of its section in the parameters YAML
    executable: str  # console script in lib/groundplan (`ros2 run groundplan <executable>`)
    module: str  # python module with the node class and main()
    cls: str
    managed: bool = True  # a lifecycle node, brought up by the lifecycle_manager


SIM = NodeSpec("sim_node", "sim_node", "groundplan.ros.sim_node", "SimNode")
PERCEPTION = NodeSpec("perception_node", "perception_node", "groundplan.ros.perception_node", "PerceptionNode")
PLANNER = NodeSpec("planner_node", "planner_node", "groundplan.ros.planner_node", "PlannerNode")
EXECUTOR = NodeSpec("executor_node", "executor_node", "groundplan.ros.executor_node", "ExecutorNode")
MANAGER = NodeSpec("lifecycle_manager", "lifecycle_manager", "groundplan.ros.lifecycle_manager", "LifecycleManager",
                   managed=False)

GRAPHS: dict[str, tuple[NodeSpec, ...]] = {
    "sim": (SIM, PERCEPTION, PLANNER, EXECUTOR, MANAGER),  # the whole stack on the simulator
    "robot": (PERCEPTION, PLANNER, EXECUTOR, MANAGER),  # a real robot serves execute_skill and /world/state
}


def graph(name: str) -> tuple[NodeSpec, ...]:
    try:
        return GRAPHS[name]
    except KeyError:
        raise GroundplanError(f"unknown graph {name!r}; choose one of {', '.join(GRAPHS)}") from None


def managed_nodes(name: str) -> list[str]:
    """The names of a graph's lifecycle nodes, in the order they are activated."""
    return [spec.name for spec in graph(name) if spec.managed]


def node_class(spec: NodeSpec):
    return getattr(importlib.import_module(spec.module), spec.cls)


def load_parameters(path: Path | str) -> dict[str, dict]:
    """Node name -> parameters, from a ROS 2 parameters YAML (`node: {ros__parameters: {...}}`)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise GroundplanError(f"cannot read parameters file {path}: {exc}") from exc
    out = {}
    for node, section in raw.items():
        if not isinstance(section, dict) or "ros__parameters" not in section:
            raise GroundplanError(f"{path}: section {node!r} needs a ros__parameters mapping")
        out[node.rsplit("/", 1)[-1]] = dict(section["ros__parameters"] or {})  # "/**/name" or "name"
    return out
