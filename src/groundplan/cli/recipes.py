"""
Training recipes: a pipeline's data sizes and hyper-parameters, read from `config/recipes/PIPELINE.yaml`.

A training command takes `--recipe PATH` (default: the shipped file). Each of its options that a recipe
covers defaults to None on the command line; the recipe fills in those not given, so an option given
overrides the file. A recipe must hold exactly the keys its pipeline reads, each of the right type: a
missing, unknown or mistyped key, or a file that is not YAML, is a user error on one line.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groundplan.errors import GroundplanError
from groundplan.resources import config_dir

# What a recipe holds: for each key, the type of its value (int, float, str, dict) or a nested schema.
Schema = dict[str, Any]
KINDS = {int: "an integer", float: "a number", str: "a string", dict: "a mapping"}


@dataclass(frozen=True)
class Recipe:
    path: Path
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        """The value at a dotted key such as `finetune.lr`."""
        value: Any = self.values
        for part in key.split("."):
            value = value[part]
        return value

    def fill(self, args: argparse.Namespace, options: dict[str, str]) -> None:
        """Each option (by its dest) that was not given on the command line, from the recipe's key."""
        for dest, key in options.items():
            if getattr(args, dest, None) is None:
                setattr(args, dest, self[key])


def shipped(pipeline: str) -> Path:
    return config_dir() / "recipes" / f"{pipeline}.yaml"


def add_recipe_option(cmd: argparse.ArgumentParser, pipeline: str) -> None:
    cmd.add_argument("--recipe", metavar="PATH", help=f"training recipe (YAML); options given here override it "
                                                      f"(default: config/recipes/{pipeline}.yaml)")


def load_recipe(args: argparse.Namespace, pipeline: str, schema: Schema, options: dict[str, str]) -> Recipe:
    """The recipe named by `--recipe` (or the shipped one), checked against `schema`, filled into `args`."""
    path = Path(args.recipe) if getattr(args, "recipe", None) else shipped(pipeline)
    recipe = Recipe(path, read_recipe(path, schema))
    recipe.fill(args, options)
    return recipe


def read_recipe(path: Path, schema: Schema) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text()
    except OSError as exc:
        raise GroundplanError(f"cannot read recipe {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise GroundplanError(f"recipe {path} is not valid YAML{where}: {problem}") from None
    return _checked(data, schema, path, "")


def _checked(data: Any, schema: Schema, path: Path, prefix: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        what = f"{prefix.rstrip('.')} in recipe {path}" if prefix else f"recipe {path}"
        got = "nothing" if data is None else type(data).__name__
        raise GroundplanError(f"{what} must be a mapping of names to values, got {got}")
    unknown = sorted(str(k) for k in data if k not in schema)
    if unknown:
        raise GroundplanError(f"recipe {path}: unknown keys {', '.join(prefix + k for k in unknown)}; "
                              f"expected {', '.join(prefix + k for k in schema)}")
    missing = [prefix + k for k in schema if k not in data]
    if missing:
        raise GroundplanError(f"recipe {path}: missing keys {', '.join(missing)}")
    out = {}
    for key, kind in schema.items():
        value = data[key]
        if isinstance(kind, dict):
            out[key] = _checked(value, kind, path, f"{prefix}{key}.")
        elif _fits(value, kind):
            out[key] = str(value) if kind is str else value
        else:
            raise GroundplanError(f"recipe {path}: {prefix}{key} must be {KINDS[kind]}, got {value!r}")
    return out


def _fits(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, int | float)
    if kind is str:  # a CUDA device index may be written unquoted
        return isinstance(value, str | int)
    return isinstance(value, kind)
