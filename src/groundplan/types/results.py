"""Typed outcomes: the result codes every skill, task and ROS answer carries."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
    NOT_ACTIVE = 10  # a managed (lifecycle) node that is not active refused the request


@dataclass
class SkillOutcome:
    code: ResultCode
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.code == ResultCode.SUCCESS


def refusal_code(needs_clarification: bool) -> ResultCode:
    """The result of a request the planner refused: ask back when it was not understood, else a refusal."""
    return ResultCode.NEEDS_CLARIFICATION if needs_clarification else ResultCode.REFUSED
