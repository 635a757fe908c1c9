"""Receptacle relations from geometry: which fixture each perceived item rests on or sits in.

An item is *in* a container when its centre lies inside the container's box, and *on* a surface
when its bottom is near the surface's top and its centre above the surface's footprint. Only
receptacles whose category can hold the item count; the tightest fit wins. Fixtures mounted on
another (a faucet on a sink) get the host whose footprint holds them.
"""

from __future__ import annotations

import numpy as np

from groundplan.perception.fusion import FusedObject
from groundplan.types.catalog import Catalog, default_catalog

SURFACE_TOLERANCE = 0.08  # m between an item's bottom and a surface's top
FOOTPRINT_MARGIN = 0.05  # m an item's centre may overhang a footprint


def _inside(point: np.ndarray, lo: np.ndarray, hi: np.ndarray, margin: float) -> bool:
    return bool(np.all(point >= lo - margin) and np.all(point <= hi + margin))


def infer_parents(objects: list[FusedObject], catalog: Catalog | None = None) -> list[int | None]:
    """For each object, the index of its receptacle or host in `objects`, or None."""
    catalog = catalog or default_catalog()
    parents: list[int | None] = []
    for obj in objects:
        cat = catalog.get(obj.category)
        centre = np.asarray(obj.position)
        lo, _ = obj.bounds
        best, best_volume = None, np.inf
        for j, other in enumerate(objects):
            if other is obj:
                continue
            host = catalog.get(other.category)
            olo, ohi = other.bounds
            volume = float(np.prod(ohi - olo))
            if cat.is_item:
                if not host.can_hold(cat):
                    continue
                if host.relation == "in":
                    fits = _inside(centre, olo, ohi, FOOTPRINT_MARGIN)
                else:
                    fits = (_inside(centre[:2], olo[:2], ohi[:2], FOOTPRINT_MARGIN)
                            and abs(lo[2] - ohi[2]) <= SURFACE_TOLERANCE)
            elif cat.mounted_on:
                fits = other.category in cat.mounted_on and _inside(centre[:2], olo[:2], ohi[:2], FOOTPRINT_MARGIN)
            else:
                fits = False
            if fits and volume < best_volume:
                best, best_volume = j, volume
        parents.append(best)
    return parents
