"""
Safety rules: step patterns the robot must never take (`config/safety.yaml`).

A rule is data, not code. `Domain` compiles each pattern into a precondition of its action: a
static predicate marks the argument tuples whose categories and materials match, and the
pattern's state conditions (flags, emptiness) are read at the moment of the step. So every user
of the domain (validator, fast-downward, the executor's precondition check, PDDL export) enforces
the rules without knowing about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from groundplan.errors import GroundplanError
from groundplan.resources import config_dir
from groundplan.types.catalog import Catalog
from groundplan.types.scene import STATE_FLAGS

PREDICATE_PREFIX = "unsafe_"


class SafetyRuleError(GroundplanError):
    """A malformed safety rule file."""


@dataclass(frozen=True)
class ArgMatch:
    """What an argument must be like for the pattern to apply; an empty field matches anything."""

    categories: frozenset[str] = frozenset()
    materials: frozenset[str] = frozenset()
    flags: tuple[str, ...] = ()  # true just before the step
    empty: bool = False  # nothing is in or on it just before the step

    def matches_statically(self, category: str, material: str) -> bool:
        return ((not self.categories or category in self.categories)
                and (not self.materials or material in self.materials))


@dataclass(frozen=True)
class Pattern:
    action: str
    args: dict[str, ArgMatch]  # parameter name -> condition


@dataclass(frozen=True)
class SafetyRule:
    id: str
    text: str
    patterns: tuple[Pattern, ...]

    def predicate(self, index: int) -> str:
        """Name of the static predicate that marks the argument tuples of pattern `index`."""
        return f"{PREDICATE_PREFIX}{self.id}_{index}"


@dataclass(frozen=True)
class SafetyRules:
    rules: tuple[SafetyRule, ...] = ()
    path: Path | None = None

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def by_predicate(self) -> dict[str, SafetyRule]:
        return {rule.predicate(i): rule for rule in self.rules for i in range(len(rule.patterns))}


def _names(value, field: str, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        hint = ' (quote "on": YAML reads a bare on as true)' if True in values or False in values else ""
        raise SafetyRuleError(f"{where}: {field} must be a name or a list of names, got {value!r}{hint}")
    return frozenset(values)


def _arg_match(raw, where: str, catalog: Catalog) -> ArgMatch:
    if not isinstance(raw, dict):
        raise SafetyRuleError(f"{where}: expected a mapping of conditions, got {raw!r}")
    unknown = set(raw) - {"category", "material", "flags", "empty"}
    if unknown:
        raise SafetyRuleError(f"{where}: unknown conditions {sorted(unknown)}; use category, material, flags, empty")
    categories = _names(raw.get("category"), "category", where)
    missing = sorted(c for c in categories if c not in catalog.categories)
    if missing:
        raise SafetyRuleError(f"{where}: unknown categories {missing}")
    flags = tuple(sorted(_names(raw.get("flags"), "flags", where)))
    bad = sorted(set(flags) - set(STATE_FLAGS))
    if bad:
        raise SafetyRuleError(f"{where}: unknown flags {bad}; use {list(STATE_FLAGS)}")
    return ArgMatch(categories, _names(raw.get("material"), "material", where), flags, bool(raw.get("empty", False)))


def load_safety_rules(path: Path | str | None = None, catalog: Catalog | None = None) -> SafetyRules:
    """Read and check a rule file (default: the packaged `config/safety.yaml`)."""
    from groundplan.types.actions import ACTIONS
    from groundplan.types.catalog import default_catalog

    catalog = catalog or default_catalog()
    path = Path(path) if path else config_dir() / "safety.yaml"
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SafetyRuleError(f"cannot read safety rules {path}: {exc}") from exc
    rules, seen = [], set()
    for n, entry in enumerate(raw.get("rules") or ()):
        where = f"{path.name}: rule {n + 1}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("forbid"):
            raise SafetyRuleError(f"{where}: a rule needs an id, a text and a forbid list")
        rule_id = str(entry["id"])
        if not rule_id.replace("_", "").isalnum() or rule_id in seen:
            raise SafetyRuleError(f"{where}: id {rule_id!r} must be unique and made of letters, digits and _")
        seen.add(rule_id)
        patterns = []
        for k, pat in enumerate(entry["forbid"]):
            at = f"{where} ({rule_id}), pattern {k + 1}"
            action = pat.get("action") if isinstance(pat, dict) else None
            if action not in ACTIONS:
                raise SafetyRuleError(f"{at}: action must be one of {sorted(ACTIONS)}, got {action!r}")
            params = [p for p, _ in ACTIONS[action].params]
            extra = sorted(set(pat) - {"action", *params})
            if extra:
                raise SafetyRuleError(f"{at}: {action} has no parameter(s) {extra}; it has {params}")
            patterns.append(Pattern(action, {p: _arg_match(pat[p], f"{at}, {p}", catalog)
                                             for p in params if p in pat}))
        rules.append(SafetyRule(rule_id, str(entry.get("text", rule_id)), tuple(patterns)))
    return SafetyRules(tuple(rules), path)


@cache
def default_safety_rules() -> SafetyRules:
    return load_safety_rules()
