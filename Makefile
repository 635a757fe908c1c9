# The two commands a new user runs: `make demo` and `make test`. Each does its own set-up.
.PHONY: setup demo test test-fast test-sim test-ros test-slow lint colcon lock clean

setup:
	@bash scripts/setup.sh

demo: setup
	@scripts/env.sh groundplan ros demo

test: setup
	@scripts/env.sh python -m pytest -q tests

# One tier at a time (see README, "Tests"); `make test` runs them all.
test-fast test-sim test-ros test-slow: setup
	@scripts/env.sh python -m pytest -q tests -m $(subst test-,,$@)

lint: setup
	@scripts/env.sh ruff check src tests

# Build and test as a ROS 2 user would, in a colcon workspace under build/ws.
colcon: setup
	@scripts/env.sh bash scripts/colcon_workspace.sh

# Re-resolve requirements.in into exact pins.
lock: setup
	.venv/bin/pip install --dry-run --ignore-installed --quiet --report build/resolve.json -r requirements.in
	.venv/bin/python scripts/write_lock.py build/resolve.json requirements.lock

clean:
	rm -rf build install log .venv
