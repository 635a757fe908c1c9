"""The skill interface the executor drives.

The simulator implements it, and so does a ROS 2 `execute_skill` client for a real robot.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from groundplan.world.domain import Step, WorldState


class ResultCode(enum.IntEnum):
    """Values match groundplan_interfaces/ResultCode."""

    SUCCESS = 0
    PRECONDITION_FAILED = 1
    EXECUTION_FAILED = 2
    EFFECT_MISSING = 3
    INVALID_REQUEST = 4
    CANCELLED = 5
    TIMEOUT = 6
    PLANNING_FAILED = 7
    REFUSED = 8
    NEEDS_CLARIFICATION = 9


@dataclass
class SkillOutcome:
    code: ResultCode
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.code == ResultCode.SUCCESS


class SkillServer(Protocol):
    def execute(self, step: Step, timeout: float | None = None,
                should_cancel: Callable[[], bool] | None = None) -> SkillOutcome:
        """Run one domain action; never raises for a failure of the world, returns a code."""

    def observe(self) -> WorldState:
        """The symbolic state as sensed now, independent of what the skills believe they did."""
