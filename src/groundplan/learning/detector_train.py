"""Train the project's own detector with ultralytics, from a model YAML (no pretrained weights).

Offline on the CPU: `plots=False` (plotting fetches a font) and `amp=False` (the AMP check
fetches weights). An interrupted run resumes from its last.pt. The trained weights are copied
next to a metrics file that the model card quotes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    model: str = "yolov8n.yaml"  # architecture only: trained from scratch
    init: str = ""  # weights to continue from (a fresh schedule on a detector trained before); empty: from scratch
    # Channel width multiplier in place of the model's own (0: keep it). A quarter of yolov8n's FLOPs at
    # 0.125: flat-shaded renders need less width than photos, and two CPU cores buy 4x the epochs.
    width: float = 0.125
    epochs: int = 60
    hours: float = 1.0  # > 0: stop after this much wall time instead (ultralytics `time`), schedule fitted to it
    imgsz: int = 320
    batch: int = 16
    workers: int = 2
    patience: int = 100
    cache: bool = True  # decoded images in memory (about 0.7 GB for the default dataset): PNG decoding is CPU time
    device: str = "cpu"  # or a CUDA index ("0"); the shipped weights were trained on one GPU
    seed: int = 0


def _offline() -> None:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics.utils import SETTINGS

    SETTINGS.update({"sync": False})  # no analytics calls


def architecture(config: TrainConfig, out_dir: Path) -> str:
    """The model YAML to build: ultralytics' own, or a copy of it at `config.width`."""
    if not config.width:
        return config.model
    import yaml
    from ultralytics.nn.tasks import yaml_model_load

    spec = yaml_model_load(config.model)
    depth, _, max_channels = spec["scales"][spec.get("scale") or "n"]
    spec["scales"] = {"t": [depth, config.width, max_channels]}  # the only scale: no name to guess it from
    spec.pop("scale", None)
    spec.pop("yaml_file", None)
    path = out_dir / f"architecture_w{config.width:g}.yaml"
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(path)


def train_detector(data_yaml: Path, out: Path, config: TrainConfig | None = None, name: str = "detector") -> Path:
    """Train (or resume) beside the dataset in runs/NAME; copy the best weights to out/NAME.pt, return it."""
    config = config or TrainConfig()
    _offline()
    from ultralytics import YOLO

    out = Path(out).resolve()
    runs = Path(data_yaml).resolve().parent / "runs"
    run_dir = runs / name
    last = run_dir / "weights" / "last.pt"
    start = time.perf_counter()
    if last.exists() and _finished(last):
        log.info("%s finished training already", run_dir)
    elif last.exists():
        log.info("resuming from %s", last)
        YOLO(str(last)).train(resume=True)
    else:
        YOLO(config.init or architecture(config, runs)).train(
            data=str(Path(data_yaml).resolve()), epochs=config.epochs, time=config.hours or None,
            imgsz=config.imgsz, batch=config.batch, workers=config.workers, patience=config.patience,
            cache="ram" if config.cache else False,
            seed=config.seed, deterministic=True, device=config.device, project=str(runs), name=name,
            exist_ok=True, plots=False, amp=False, verbose=False)
    best = run_dir / "weights" / "best.pt"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.pt"
    shutil.copyfile(best, target)
    metrics = validate_detector(target, data_yaml, config.imgsz, config.device)
    metrics.update(train_seconds=round(time.perf_counter() - start, 1), config=dataclasses.asdict(config))
    (out / f"{name}.metrics.json").write_text(json.dumps(metrics, indent=1))
    return target


def _finished(checkpoint: Path) -> bool:
    """Whether ultralytics ended that run: it strips the optimiser then, and resuming fails obscurely."""
    import torch

    return torch.load(checkpoint, weights_only=False, map_location="cpu").get("optimizer") is None


def validate_detector(weights: Path, data_yaml: Path, imgsz: int = 320, device: str = "cpu") -> dict:
    """mAP50, mAP50-95, precision and recall of `weights` on the dataset's val split."""
    _offline()
    from ultralytics import YOLO

    result = YOLO(str(weights)).val(data=str(Path(data_yaml).resolve()), imgsz=imgsz, batch=16, device=device,
                                    plots=False, verbose=False, workers=0)
    box = result.box
    return {"map50": round(float(box.map50), 4), "map50_95": round(float(box.map), 4),
            "precision": round(float(box.mp), 4), "recall": round(float(box.mr), 4)}
