"""Domain profiles: YAML files that set weights, required scale, freshness window and blocked terms.

A profile may ``extends:`` another; mappings merge key by key, lists and scalars replace. Keeping the
numbers in YAML lets a domain committee change a weight without a code review of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROFILE_DIR = Path(__file__).with_name("profiles")
DIMENSIONS = ("documentation", "data_quality", "model_application")


class ProfileError(ValueError):
    """Unknown or malformed profile."""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    required_scale: int
    freshness_days: int
    weights: dict[str, float]
    dimensions: dict[str, list[str]]
    blocked_terms: list[str] = field(default_factory=list)
    pii: dict[str, Any] = field(default_factory=dict)
    near_duplicate: dict[str, Any] = field(default_factory=dict)
    media: dict[str, Any] = field(default_factory=dict)
    fitness: dict[str, Any] = field(default_factory=dict)

    def weight(self, code: str) -> float:
        return float(self.weights.get(code, 1.0))


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _raw(name_or_path: str | Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.exists():
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise ProfileError(f"unknown profile {str(name_or_path)!r}; available: {', '.join(available_profiles())}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(f"profile {path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"profile {path.name} must be a mapping")
    parent = data.pop("extends", None)
    if parent:
        if parent in seen:
            raise ProfileError(f"profile inheritance loop through {parent!r}")
        data = _merge(_raw(parent, (*seen, str(name_or_path))), data)
    return data


def load_profile(name_or_path: str | Path = "general") -> Profile:
    """Load a bundled profile by name, or any profile YAML by path."""
    d = _raw(name_or_path)
    try:
        dims = {k: [str(c) for c in v] for k, v in d["dimensions"].items()}
        prof = Profile(
            name=str(d.get("name", name_or_path)),
            description=str(d.get("description", "")),
            required_scale=int(d["required_scale"]),
            freshness_days=int(d["freshness_days"]),
            weights={str(k): float(v) for k, v in (d.get("weights") or {}).items()},
            dimensions=dims,
            blocked_terms=[str(t) for t in d.get("blocked_terms") or []],
            pii=dict(d.get("pii") or {}),
            near_duplicate=dict(d.get("near_duplicate") or {}),
            media=dict(d.get("media") or {}),
            fitness=dict(d.get("fitness") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"profile {name_or_path!r} is incomplete or malformed: {exc!r}") from None
    if set(prof.dimensions) != set(DIMENSIONS):
        raise ProfileError(f"profile {prof.name!r} must map exactly the dimensions {DIMENSIONS}")
    if prof.required_scale <= 0 or prof.freshness_days <= 0:
        raise ProfileError(f"profile {prof.name!r}: required_scale and freshness_days must be positive")
    return prof
