"""Lint as ROS packages do (flake8 + pep257 rules via ruff), as a test."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "scripts", "launch", "ros"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_core_never_imports_rclpy():
    core = ROOT / "src" / "groundplan"
    leaks = [
        str(p.relative_to(ROOT)) for p in core.rglob("*.py")
        if "ros" not in p.relative_to(core).parts
        and any(line.lstrip().startswith(("import rclpy", "from rclpy")) for line in p.read_text().splitlines())
    ]
    assert not leaks
