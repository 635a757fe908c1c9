"""Detector backends: what is in each image, as catalog categories with boxes and scores.

- `ultralytics`: any ultralytics `.pt` (the project's own detector in models/, or a user's
  YOLO/YOLO-World checkpoint; YOLO-World gets its class list from the catalog). Labels go
  through the open-vocabulary grounder, so a checkpoint that says "refrigerator" or "mug" still
  lands on catalog categories, and labels that ground to nothing are dropped as unknown.
- `ground_truth`: the simulator's instance segmentation, for ablations and as an upper bound.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from groundplan.errors import GroundplanError
from groundplan.perception.grounding import LabelGrounder
from groundplan.resources import models_dir
from groundplan.types.camera import Frame
from groundplan.types.catalog import Catalog, default_catalog, split_camel

log = logging.getLogger(__name__)

BACKENDS = ("ultralytics", "ground_truth")


def default_weights() -> Path:
    return models_dir() / "detector" / "detector.pt"


@dataclass(frozen=True)
class Detection:
    category: str
    label: str  # what the backend called it, before grounding
    score: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, end-exclusive
    mask: np.ndarray | None = None  # (H, W) bool, when the backend segments


class Detector(Protocol):
    name: str

    def detect(self, frames: list[Frame]) -> list[list[Detection]]: ...


class UltralyticsDetector:
    """An ultralytics checkpoint; its class names are grounded to catalog categories once."""

    name = "ultralytics"

    def __init__(self, weights: Path | str | None = None, conf: float = 0.35, imgsz: int | None = None,
                 catalog: Catalog | None = None, grounder: LabelGrounder | None = None):
        weights = Path(weights or default_weights())
        if not weights.is_file():
            raise GroundplanError(f"detector weights {weights} not found; train them with "
                                  "`groundplan perception train` or pass another .pt")
        os.environ.setdefault("YOLO_OFFLINE", "1")
        import ultralytics

        self.catalog = catalog or default_catalog()
        self.conf, self.imgsz = conf, imgsz
        if "world" in weights.name.lower():  # open-vocabulary: ask for the catalog's categories by name
            self.model = ultralytics.YOLOWorld(str(weights))
            self.model.set_classes([split_camel(c.name) for c in self.catalog])
        else:
            self.model = ultralytics.YOLO(str(weights))
        names = self.model.names
        grounder = grounder or LabelGrounder(self.catalog)
        self.categories: dict[int, str | None] = {}
        for index, grounding in zip(names, grounder.ground_many([names[i] for i in names])):
            self.categories[index] = grounding.category
            if not grounding.known:
                log.warning("detector class %s", grounding.explain())

    def detect(self, frames: list[Frame]) -> list[list[Detection]]:
        if not frames:
            return []
        # imgsz None: at the frames' own size (the longer side, as ultralytics letterboxes), nothing thrown away
        imgsz = self.imgsz or -(-max(max(f.rgb.shape[:2]) for f in frames) // 32) * 32
        # ultralytics takes numpy images as BGR
        results = self.model.predict([np.ascontiguousarray(f.rgb[:, :, ::-1]) for f in frames], conf=self.conf,
                                     imgsz=imgsz, device="cpu", verbose=False)
        out = []
        for frame, result in zip(frames, results):
            h, w = frame.rgb.shape[:2]
            detections = []
            for (x0, y0, x1, y1), cls, score in zip(result.boxes.xyxy.tolist(), result.boxes.cls.tolist(),
                                                    result.boxes.conf.tolist()):
                category = self.categories.get(int(cls))
                if category is None:
                    continue
                box = (max(0, int(x0)), max(0, int(y0)), min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1))))
                detections.append(Detection(category, self.model.names[int(cls)], float(score), box))
            out.append(detections)
        return out


class GroundTruthDetector:
    """Perfect detections from the simulator's instance segmentation (needs each id's category)."""

    name = "ground_truth"

    def __init__(self, categories: dict[str, str], min_pixels: int = 20):
        self.id_category = categories
        self.min_pixels = min_pixels

    def detect(self, frames: list[Frame]) -> list[list[Detection]]:
        out = []
        for frame in frames:
            detections = []
            for index, oid in enumerate(frame.labels):
                mask = frame.segmentation == index
                if oid not in self.id_category or mask.sum() < self.min_pixels:
                    continue
                v, u = np.nonzero(mask)
                box = (int(u.min()), int(v.min()), int(u.max()) + 1, int(v.max()) + 1)
                detections.append(Detection(self.id_category[oid], oid, 1.0, box, mask))
            out.append(detections)
        return out


def make_detector(backend: str, weights: Path | str | None = None, categories: dict[str, str] | None = None,
                  catalog: Catalog | None = None) -> Detector:
    if backend == "ultralytics":
        return UltralyticsDetector(weights, catalog=catalog)
    if backend == "ground_truth":
        if categories is None:
            raise GroundplanError("the ground_truth detector needs the simulator's object categories")
        return GroundTruthDetector(categories)
    raise GroundplanError(f"unknown detector backend {backend!r}; use one of {', '.join(BACKENDS)}")
