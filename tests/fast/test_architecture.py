"""The house has floors: imports only run downwards, and nothing imports in a circle.

Floors (see README, "Layout"): the ground floor holds plain types; the core (world, language,
perception, planning, execution) depends on it and on its own libraries; the adapters (sim, ros)
on the core; the applications (learning, eval, cli) on anything below them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

GROUND = {"groundplan.types", "groundplan.errors", "groundplan.resources"}
# Each unit of the package and the units it may import (its own modules always).
ALLOWED: dict[str, set[str]] = {
    "groundplan.errors": set(),
    "groundplan.resources": {"groundplan.errors"},
    "groundplan.types": GROUND,
    "groundplan.world": GROUND,
    "groundplan.language": GROUND | {"groundplan.world"},
    "groundplan.perception": GROUND | {"groundplan.language"},
    "groundplan.planning": GROUND | {"groundplan.world", "groundplan.language"},
    "groundplan.execution": GROUND | {"groundplan.world", "groundplan.language", "groundplan.planning"},
    "groundplan.sim": GROUND | {"groundplan.world", "groundplan.perception", "groundplan.execution"},
    "groundplan.ros": GROUND | {"groundplan.world", "groundplan.language", "groundplan.perception",
                                "groundplan.planning", "groundplan.execution"},
    "groundplan.learning": GROUND | {"groundplan.world", "groundplan.language", "groundplan.perception",
                                     "groundplan.planning", "groundplan.execution", "groundplan.sim"},
    "groundplan.eval": GROUND | {"groundplan.world", "groundplan.language", "groundplan.perception",
                                 "groundplan.planning", "groundplan.execution", "groundplan.sim",
                                 "groundplan.learning"},
    "groundplan.cli": {"*"},
    "groundplan.__main__": {"groundplan.cli"},
    "groundplan": set(),
}
# The one ROS node that wraps the simulator may import it; no other adapter crosses to the other.
EXCEPTIONS = {("groundplan.ros.sim_node", "groundplan.sim")}
# Third-party libraries a floor must not load (the ground floor stays plain; the core never loads ROS
# or the simulator).
FORBIDDEN = {
    "groundplan.types": {"unified_planning", "torch", "pybullet", "rclpy", "open3d", "ultralytics",
                         "transformers", "peft", "sentence_transformers", "sklearn"},
    **{core: {"rclpy", "pybullet", "groundplan_interfaces"} for core in (
        "groundplan.world", "groundplan.language", "groundplan.perception", "groundplan.planning",
        "groundplan.execution", "groundplan.learning", "groundplan.eval")},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module this file imports, at module level or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            out.add(base)
            # `from groundplan.planning import classical` imports a module
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def imports_by_module() -> dict[str, tuple[set[str], set[str]]]:
    """Each module of src/: the groundplan modules it imports, and the other (third-party) modules."""
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    out = {}
    for name, path in modules.items():
        imported = imports_of(path)
        out[name] = ({i for i in imported if i in modules and i != name}, {i for i in imported if i not in modules})
    return out


def graph() -> dict[str, set[str]]:
    return {m: own for m, (own, _) in imports_by_module().items()}


def unit(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_every_unit_has_a_floor():
    units = {unit(module_name(p)) for p in SRC.rglob("*.py")}
    assert units <= set(ALLOWED), f"modules outside the floor table: {sorted(units - set(ALLOWED))}"


def test_imports_run_down_the_floors():
    bad = []
    for module, targets in graph().items():
        allowed = ALLOWED[unit(module)]
        for target in targets:
            t = unit(target)
            if t == unit(module) or "*" in allowed or t in allowed or (module, t) in EXCEPTIONS:
                continue
            if t == "groundplan" and target == "groundplan":
                continue
            bad.append(f"{module} -> {target}")
    assert not bad, "imports that climb or cross a floor:\n" + "\n".join(sorted(bad))


def test_floors_load_only_their_own_libraries():
    bad = []
    for module, (_, targets) in imports_by_module().items():
        forbidden = FORBIDDEN.get(unit(module), set())
        bad += [f"{module} -> {t}" for t in targets if t.split(".")[0] in forbidden]
    assert not bad, "libraries a floor must not load:\n" + "\n".join(sorted(bad))


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module, absent", [
    ("groundplan.types.catalog", ("unified_planning", "torch", "pybullet", "rclpy")),
    ("groundplan.types.goals", ("unified_planning", "torch", "pybullet", "rclpy")),
    ("groundplan.execution.skills", ("unified_planning", "torch", "pybullet", "rclpy")),
    ("groundplan.execution.executor", ("pybullet", "rclpy")),
    ("groundplan.perception.pipeline", ("pybullet", "rclpy")),
    ("groundplan.planning.registry", ("pybullet", "rclpy", "torch")),
    ("groundplan.planning.llm", ("pybullet", "rclpy")),
    ("groundplan.cli", ("pybullet", "torch", "unified_planning", "rclpy")),
])
def test_importing_loads_no_heavier_library(module, absent):
    """What a module pulls in when imported, in a fresh interpreter (lazy imports included)."""
    code = f"import sys, {module}; print(','.join(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing {module} loaded {out}"
