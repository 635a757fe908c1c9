"""The launch files start the same nodes with the same parameters as the standalone runner.

launch and launch_ros are not installable here, so the test stands in minimal modules that
record what the launch description asks for, then compares it with the runner's commands.
"""

import importlib.util
import sys
import types
from pathlib import Path

import pytest

from groundplan.resources import config_dir
from groundplan.ros.graph import graph
from groundplan.ros.runner import node_command

LAUNCH = Path(__file__).resolve().parents[2] / "launch"


class Recorded:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Config:
    def __init__(self, name):
        self.name = name


@pytest.fixture
def fake_launch(monkeypatch):
    modules = {
        "launch": types.SimpleNamespace(LaunchDescription=lambda actions: list(actions)),
        "launch.actions": types.SimpleNamespace(DeclareLaunchArgument=Recorded),
        "launch.substitutions": types.SimpleNamespace(LaunchConfiguration=Config),
        "launch_ros": types.SimpleNamespace(),
        "launch_ros.actions": types.SimpleNamespace(Node=Recorded),
        "ament_index_python.packages": types.SimpleNamespace(
            get_package_share_directory=lambda pkg: str(config_dir().parent)),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "_graph", raising=False)


def describe(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem.replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_launch_description()


@pytest.mark.parametrize("graph_name", ["sim", "robot"])
def test_launch_file_matches_runner(fake_launch, graph_name):
    actions = describe(LAUNCH / f"{graph_name}.launch.py")
    arguments = {a.args[0]: a.kwargs.get("default_value") for a in actions if not a.kwargs.get("package")}
    assert set(arguments) >= {"params_file", "namespace", "use_sim_time"}
    params_file = Path(arguments["params_file"])
    assert params_file == config_dir() / f"{graph_name}.yaml"
    nodes = [a.kwargs for a in actions if a.kwargs.get("package") == "groundplan"]
    runner = [node_command(spec, params_file) for spec in graph(graph_name)]
    assert [(n["executable"], n["name"]) for n in nodes] == [(s.executable, s.name) for s in graph(graph_name)]
    for node, cmd in zip(nodes, runner):
        assert node["parameters"][0].name == "params_file"  # the same YAML the runner passes
        assert cmd[cmd.index("--params-file") + 1] == str(params_file)
        assert f"__node:={node['name']}" in cmd


def test_console_scripts_exist_for_every_node():
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    for spec in graph("sim"):
        assert scripts.get(spec.executable) == f"{spec.module}:main"


@pytest.mark.parametrize("graph_name", ["sim", "robot"])
def test_launch_brings_its_managed_nodes_up_with_the_lifecycle_manager(fake_launch, graph_name):
    from groundplan.ros.graph import load_parameters, managed_nodes

    actions = describe(LAUNCH / f"{graph_name}.launch.py")
    started = [a.kwargs["name"] for a in actions if a.kwargs.get("package") == "groundplan"]
    assert started[-1] == "lifecycle_manager" and started[:-1] == managed_nodes(graph_name)
    params = load_parameters(config_dir() / f"{graph_name}.yaml")
    assert params["lifecycle_manager"]["nodes"] == managed_nodes(graph_name)  # activated in graph order
