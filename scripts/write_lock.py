"""Write requirements.lock from a `pip install --dry-run --report` resolution."""

import json
import sys
from pathlib import Path

HEADER = """\
# Exact versions of every Python dependency (requirements.in resolved), installed by
# scripts/setup.sh into .venv. torch/torchvision 2.14.1/0.29.1 are what this machine kind installs
# from its own disk (ultralytics needs torchvision; see ../shared/notes/ros2-from-pypi.md).
# Regenerate: make lock
"""

report, out = (Path(a) for a in sys.argv[1:3])
installs = json.loads(report.read_text())["install"]
pins = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in installs)
out.write_text(HEADER + "\n".join(pins) + "\n")
print(f"wrote {len(pins)} pins to {out}")
