"""Start a groundplan graph without `ros2 launch`.

The same nodes (groundplan.ros.graph) and the same parameters YAML as the launch files, as
separate processes (default) or in one process on a multi-threaded executor.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from groundplan.errors import GroundplanError
from groundplan.ros.graph import NodeSpec, graph, load_parameters, node_class

log = logging.getLogger(__name__)


def with_overrides(params_file: Path, overrides: list[str], out_dir: Path) -> Path:
    """The parameters file with `node.param=value` overrides applied, written into the caller's out_dir."""
    if not overrides:
        return params_file
    params = load_parameters(params_file)
    for item in overrides:
        key, sep, value = item.partition("=")
        node, dot, name = key.partition(".")
        if not sep or not dot:
            raise GroundplanError(f"override {item!r} must read node.parameter=value")
        new = yaml.safe_load(value)
        if isinstance(params.get(node, {}).get(name), float) and type(new) is int:
            new = float(new)  # `timeout=3` for a float parameter: ROS parameters are typed
        params.setdefault(node, {})[name] = new
    out = Path(out_dir) / params_file.name
    out.write_text(yaml.safe_dump({f"/**/{n}": {"ros__parameters": p} for n, p in params.items()}))
    return out


def node_command(spec: NodeSpec, params_file: Path, namespace: str = "") -> list[str]:
    cmd = [sys.executable, "-m", spec.module, "--ros-args", "-r", f"__node:={spec.name}",
           "--params-file", str(params_file)]
    if namespace:
        cmd += ["-r", f"__ns:=/{namespace.strip('/')}"]
    return cmd


def start_processes(graph_name: str, params_file: Path, namespace: str = "") -> list[subprocess.Popen]:
    specs = graph(graph_name)
    load_parameters(params_file)  # fail early on a malformed file
    return [subprocess.Popen(node_command(spec, params_file, namespace)) for spec in specs]


def stop_processes(procs: list[subprocess.Popen], timeout: float = 10.0) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


class Stop(KeyboardInterrupt):
    """SIGTERM or SIGHUP asked the runner to stop: handled like Ctrl-C."""


def _raise_stop(signum: int, frame) -> None:
    raise Stop(signal.Signals(signum).name)


@contextlib.contextmanager
def graph_processes(graph_name: str, params_file: Path, namespace: str = "") -> Iterator[list[subprocess.Popen]]:
    """The graph's node processes, all stopped on leaving, also when SIGTERM or SIGHUP ends the runner.

    SIGINT already arrives as KeyboardInterrupt; without handlers, SIGTERM and SIGHUP would kill the
    runner and orphan its nodes.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_stop)
    procs: list[subprocess.Popen] = []
    try:
        procs += start_processes(graph_name, params_file, namespace)
        yield procs
    finally:
        for sig in previous:  # a second signal must not cut the stopping short
            signal.signal(sig, signal.SIG_IGN)
        # the lifecycle manager (last in a graph) first: else it reports each node it manages going away
        stop_processes(procs[-1:])
        stop_processes(procs[:-1])
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_processes(graph_name: str, params_file: Path, namespace: str = "") -> int:
    """Run the graph's nodes until one exits or the runner is told to stop (Ctrl-C, SIGTERM, SIGHUP)."""
    try:
        with graph_processes(graph_name, params_file, namespace) as procs:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            failed = [(s.name, p.returncode) for s, p in zip(graph(graph_name), procs) if p.poll() not in (None, 0)]
    except KeyboardInterrupt as why:
        log.info("stopped the graph (%s)", why or "SIGINT")
        return 0
    if failed:
        log.error("nodes exited: %s", failed)
        return 1
    return 0


def run_single_process(graph_name: str, params_file: Path, namespace: str = "") -> int:
    from groundplan.ros.common import init_node_process, spin_nodes

    args = ["--ros-args", "--params-file", str(params_file)]
    if namespace:
        args += ["-r", f"__ns:=/{namespace.strip('/')}"]
    init_node_process(args)
    return spin_nodes([node_class(spec)() for spec in graph(graph_name)], num_threads=8)
