"""The DDS set-up of scripts/env.sh survives what a killed node leaves behind in /dev/shm."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_ros_graph import domain_id

NODE = "import rclpy; rclpy.init(); rclpy.create_node('dds_probe'); print('up', flush=True)"


def test_a_node_starts_beside_a_shared_memory_port_left_half_made():
    """A process killed while it creates a Fast DDS shared-memory port leaves the segment empty. Over
    shared memory, every later participant that opens that port spins forever in node creation (this
    hung CI for an hour); over the UDP loopback profile nothing opens it."""
    domain = int(domain_id())
    # the discovery (+10) and user (+11) unicast ports of the first participants of the domain
    ports = [Path(f"/dev/shm/fastdds_port{7400 + 250 * domain + offset + 2 * p}")
             for p in range(4) for offset in (10, 11)]
    made = [port for port in ports if not port.exists()]
    for port in made:
        port.touch()
    try:
        out = subprocess.run([sys.executable, "-c", NODE], env={**os.environ, "ROS_DOMAIN_ID": str(domain)},
                             capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("node creation hung on an empty shared-memory port: is Fast DDS using shared memory?")
    finally:
        for port in made:
            port.unlink(missing_ok=True)
    assert out.stdout.strip() == "up", out.stderr
