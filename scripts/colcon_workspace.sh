#!/usr/bin/env bash
# Build and test groundplan as a ROS 2 user's colcon workspace would, under build/ws.
# Run through scripts/env.sh (make colcon), which provides colcon and the ROS 2 wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
WS=build/ws
# Plain discovery from the root, as in a workspace: ros/groundplan and interfaces/groundplan_interfaces.
common=(--base-paths . --build-base "$WS/build" --install-base "$WS/install")
colcon --log-base "$WS/log" build "${common[@]}" \
  --cmake-args -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$(command -v python)"
# colcon runs pytest in the package's folder (ros/groundplan); the tests are the repository's.
colcon --log-base "$WS/log" test "${common[@]}" --packages-select groundplan \
  --pytest-args -q -p no:dash ../../tests
colcon test-result --test-result-base "$WS/build" --verbose
