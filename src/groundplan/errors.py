"""User-facing errors: each says what was wrong and, where it can, what to do instead."""


class GroundplanError(Exception):
    """Base of every error caused by user input; the CLI prints it without a traceback."""


class CatalogError(GroundplanError):
    """An unknown category, or a malformed catalog file."""


class SceneError(GroundplanError):
    """A malformed scene, or a reference to an object the scene does not contain."""


class PlanParseError(GroundplanError):
    """A plan line that cannot be read as a step of the domain."""

    def __init__(self, message: str, line_number: int | None = None, line: str | None = None):
        self.line_number = line_number
        self.line = line
        where = f"line {line_number}: " if line_number is not None else ""
        shown = f" (got {line!r})" if line is not None else ""
        super().__init__(f"{where}{message}{shown}")


class InstructionError(GroundplanError):
    """An empty instruction, or one that cannot be turned into a goal in this scene."""


class ClarificationNeeded(InstructionError):
    """A request that was not understood well enough to act on; the message says what to ask."""


class PlanningError(GroundplanError):
    """No plan exists for the goal, or the planner failed."""


class PerceptionError(GroundplanError):
    """Perception produced nothing usable (every view failed)."""


class RequestError(GroundplanError):
    """A message or request with a malformed field (the message names the field); answered INVALID_REQUEST."""
