"""Anchoring: give perceived objects the ids of the world model they belong to.

The skill server (a simulator or a robot's world model) names objects by id; a perceived object
of the same category near a known one is that object, and keeps its id and symbolic state.
Matching is one-to-one per category (Hungarian on centre distance) within a gate. Objects with no
match get fresh ids that clash with nothing known.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from groundplan.types.scene import Scene, SceneObject

GATE = 0.5  # m, or the known object's largest dimension if that is more


def _gate(obj: SceneObject) -> float:
    # a fixture seen only in part (a fridge by its open door) is placed off its centre by up to its size
    return max(GATE, max(obj.size))


def anchor(categories: list[str], positions: list[tuple[float, float, float]], known: Scene | None) -> list[str]:
    """An id for each perceived object (given by category and position)."""
    ids: list[str | None] = [None] * len(categories)
    taken = {o.id for o in known.objects} if known else set()
    for category in sorted(set(categories)):
        mine = [i for i, c in enumerate(categories) if c == category]
        theirs = known.of_category(category) if known else []
        if mine and theirs:
            cost = np.array([[np.linalg.norm(np.subtract(positions[i], o.position)) for o in theirs] for i in mine])
            for r, c in zip(*linear_sum_assignment(cost)):
                if cost[r, c] <= _gate(theirs[c]):
                    ids[mine[r]] = theirs[c].id
        n = 0
        for i in mine:
            while ids[i] is None:
                n += 1
                candidate = f"{category.lower()}_{n}"
                if candidate not in taken:
                    ids[i] = candidate
                    taken.add(candidate)
    return ids  # type: ignore[return-value]
