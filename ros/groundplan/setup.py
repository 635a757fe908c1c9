"""ament_python package `groundplan`: built by colcon in a ROS 2 workspace, or by pip (scripts/setup.sh).

It lives in ros/groundplan rather than at the repository root because colcon never looks for a
package inside another one: with the root a package, a workspace build would miss
interfaces/groundplan_interfaces. The code and data it installs are the repository's (../..).
"""

from pathlib import Path

from setuptools import find_packages, setup

PACKAGE = "groundplan"
ROOT = "../.."  # the repository, relative to this folder (setuptools takes relative paths)
HERE = Path(__file__).resolve().parent


def tree(folder: str) -> list[tuple[str, list[str]]]:
    """data_files entries that install the repository's `folder` under share/groundplan, keeping its layout."""
    root = HERE / ROOT
    entries: dict[str, list[str]] = {}
    for path in sorted((root / folder).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(root)
            entries.setdefault(f"share/{PACKAGE}/{relative.parent}", []).append(f"{ROOT}/{relative}")
    return sorted(entries.items())


setup(
    name=PACKAGE,
    version="0.1.0",
    package_dir={"": f"{ROOT}/src"},
    packages=find_packages(f"{ROOT}/src"),
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
            "lifecycle_manager = groundplan.ros.lifecycle_manager:main",
            "reference_driver = groundplan.ros.reference_driver:main",  # a robot with no physics (tests)
        ],
    },
)
