#!/usr/bin/env bash
# Run a command inside groundplan's environment: the venv, the built interfaces, ROS 2 settings.
#   scripts/env.sh groundplan demo
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
# shellcheck disable=SC1091
source "$ROOT/.venv/bin/activate"
# colcon's setup script reads unset variables; it must not run under `set -u`.
# shellcheck disable=SC1091
source "$ROOT/install/setup.bash"
export AMENT_PREFIX_PATH=$ROOT/.venv${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}
export RMW_IMPLEMENTATION=${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}
# Keep DDS on this machine unless the user asks for more: UDP on loopback, no shared memory
# (config/fastdds_loopback.xml says why). The LOCALHOST range would bring shared memory back.
if [ -z "${FASTDDS_DEFAULT_PROFILES_FILE:-}" ] && [ -z "${ROS_AUTOMATIC_DISCOVERY_RANGE:-}" ]; then
  export FASTDDS_DEFAULT_PROFILES_FILE=$ROOT/config/fastdds_loopback.xml
  export ROS_AUTOMATIC_DISCOVERY_RANGE=SUBNET  # so that rmw_fastrtps leaves the transports to the profile
fi
export GROUNDPLAN_SHARE=${GROUNDPLAN_SHARE:-$ROOT}
cd "$OLDPWD" 2>/dev/null || true
exec "$@"
