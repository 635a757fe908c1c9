"""Planner strategies by name: what `--strategy NAME` and a node's `strategy` parameter mean."""

from __future__ import annotations

from groundplan.errors import GroundplanError
from groundplan.planning.strategy import ClassicalStrategy, PlannerStrategy, TemplateStrategy
from groundplan.world.domain import Domain

STRATEGIES: dict[str, type[PlannerStrategy]] = {
    ClassicalStrategy.name: ClassicalStrategy,
    TemplateStrategy.name: TemplateStrategy,
}


MODEL_STRATEGIES = ("llm", "llm-grounded", "llm+p")
STRATEGY_NAMES = (*STRATEGIES, *MODEL_STRATEGIES)  # every name make_strategy accepts
DEFAULT_STRATEGY = "llm-grounded"


def make_strategy(name: str, domain: Domain | None = None, model: str = "") -> PlannerStrategy:
    """The strategy called `name`; `model` is a checkpoint directory for the model-based ones (default: shipped)."""
    if name in MODEL_STRATEGIES:
        from groundplan.planning.llm import MODEL_STRATEGY_CLASSES  # imports torch: only when asked for

        return MODEL_STRATEGY_CLASSES[name](domain, model or None)
    try:
        cls = STRATEGIES[name]
    except KeyError:
        raise GroundplanError(f"unknown planner strategy {name!r}; choose one of {', '.join(STRATEGY_NAMES)}") from None
    return cls(domain)
