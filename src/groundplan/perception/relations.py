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


def assumed_support(index: int, objects: list[FusedObject], catalog: Catalog | None = None) -> int | None:
    """Where an item whose support was not seen is taken to rest.

    The highest surface under its centre that can hold it, else the receptacle nearest to it that can
    (the floor is no object to plan on); None, the floor, only where nothing in the room can hold it.
    """
    catalog = catalog or default_catalog()
    item = objects[index]
    cat = catalog.get(item.category)
    centre = np.asarray(item.position)
    under, nearest = [], []
    for j, other in enumerate(objects):
        host = catalog.get(other.category)
        if j == index or host.is_item or not host.can_hold(cat):
            continue
        lo, hi = other.bounds
        if _inside(centre[:2], lo[:2], hi[:2], FOOTPRINT_MARGIN) and hi[2] <= centre[2] + SURFACE_TOLERANCE:
            under.append((-float(hi[2]), j))
        gap = np.maximum(np.maximum(lo[:2] - centre[:2], centre[:2] - hi[:2]), 0.0)
        nearest.append((float(np.hypot(*gap)), j))
    best = min(under) if under else min(nearest) if nearest else None
    return None if best is None else best[1]
