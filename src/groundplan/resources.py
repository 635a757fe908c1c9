"""Where the package's data (catalog, scenes, config, models) lives, from a checkout or an install."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

PACKAGE = "groundplan"


@cache
def share_dir() -> Path:
    """
    Root holding `sim/`, `config/` and `models/`.

    Order: $GROUNDPLAN_SHARE, the source checkout this module sits in, the ament share dir of an
    installed package.
    """
    env = os.environ.get("GROUNDPLAN_SHARE")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "sim" / "catalog.yaml").is_file():
        return checkout
    try:
        from ament_index_python.packages import get_package_share_directory

        return Path(get_package_share_directory(PACKAGE))
    except (ImportError, LookupError) as exc:  # PackageNotFoundError subclasses KeyError
        raise FileNotFoundError(
            "groundplan data not found: set GROUNDPLAN_SHARE to the directory holding sim/ and config/"
        ) from exc


def sim_dir() -> Path:
    return share_dir() / "sim"


def config_dir() -> Path:
    return share_dir() / "config"


def models_dir() -> Path:
    return share_dir() / "models"
