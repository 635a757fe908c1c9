"""ament_python package `groundplan`: built by colcon (ROS 2 users) or pip (scripts/setup.sh)."""

from pathlib import Path

from setuptools import find_packages, setup

PACKAGE = "groundplan"


def tree(folder: str) -> list[tuple[str, list[str]]]:
    """data_files entries that install `folder` under share/groundplan, keeping its layout."""
    entries: dict[str, list[str]] = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            entries.setdefault(f"share/{PACKAGE}/{path.parent}", []).append(str(path))
    return sorted(entries.items())


setup(
    name=PACKAGE,
    version="0.1.0",
    package_dir={"": "src"},
    packages=find_packages("src"),
    python_requires=">=3.10",
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        *tree("launch"),
        *tree("config"),
        *tree("sim"),
        *tree("models"),
        *tree("bench"),
    ],
    install_requires=["setuptools"],
    extras_require={"test": ["pytest"]},
    zip_safe=True,
    maintainer="groundplan maintainers",
    maintainer_email="maintainers@groundplan.dev",
    description="Grounded language-model task planning for household robots, with a ROS 2 interface.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "groundplan = groundplan.cli:main",
            "sim_node = groundplan.ros.sim_node:main",
            "perception_node = groundplan.ros.perception_node:main",
            "planner_node = groundplan.ros.planner_node:main",
            "executor_node = groundplan.ros.executor_node:main",
        ],
    },
)
