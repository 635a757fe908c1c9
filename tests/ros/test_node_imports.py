"""A robot's graph runs without the simulator: only sim_node loads PyBullet."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["groundplan.ros.perception_node", "groundplan.ros.planner_node",
                                    "groundplan.ros.executor_node", "groundplan.ros.runner",
                                    "groundplan.ros.client"])
def test_nodes_other_than_sim_node_load_no_pybullet(module):
    code = f"import sys, {module}; print('pybullet' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False", f"importing {module} loaded pybullet"


def test_sim_node_does_load_it():
    """The check above can fail: the simulator's own node imports PyBullet."""
    code = "import sys, groundplan.ros.sim_node; print('pybullet' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "True"
