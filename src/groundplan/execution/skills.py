"""The skill interface the executor drives.

The simulator implements it, and so does a ROS 2 `execute_skill` client for a real robot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from groundplan.types.actions import Step
from groundplan.types.results import SkillOutcome
from groundplan.types.state import WorldState


class SkillServer(Protocol):
    def execute(self, step: Step, timeout: float | None = None,
                should_cancel: Callable[[], bool] | None = None) -> SkillOutcome:
        """Run one domain action; never raises for a failure of the world, returns a code."""

    def observe(self) -> WorldState:
        """The symbolic state as sensed now, independent of what the skills believe they did."""
