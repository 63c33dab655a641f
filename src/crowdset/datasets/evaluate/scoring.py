"""Dimension scores (weighted mean of applicable indicators) and the A–D rating bands."""

from __future__ import annotations

from typing import Any

from crowdset.datasets.evaluate.profiles import DIMENSIONS, Profile

BANDS = (("A", 90.0), ("B", 80.0), ("C", 60.0))
CORE_LEVELS = frozenset({"core", "核心", "核心数据"})


def dimension_scores(indicators: dict[str, dict[str, Any]], profile: Profile) -> dict[str, float | None]:
    """Weighted mean of the applicable indicators of each dimension; None when none applies."""
    out: dict[str, float | None] = {}
    for dim in DIMENSIONS:
        num = den = 0.0
        for code in profile.dimensions.get(dim, []):
            ind = indicators.get(code)
            w = profile.weight(code)
            if ind is None or ind.get("x") is None or w <= 0:
                continue
            num += w * float(ind["x"])
            den += w
        out[dim] = round(num / den, 2) if den else None
    return out


def grade(dimensions: dict[str, float | None], capped: bool = False) -> str:
    """A when every dimension ≥ 90, B ≥ 80, C ≥ 60, else D; a dimension without score counts as failing.

    ``capped``: core-grade data or unmasked sensitive personal information — never above C.
    """
    scores = [s if s is not None else 0.0 for s in dimensions.values()]
    g = "D"
    for band, floor in BANDS:
        if scores and all(s >= floor for s in scores):
            g = band
            break
    if capped and g in ("A", "B"):
        g = "C"
    return g


def cap_reasons(meta: dict[str, Any], sensitive_pii: dict[str, int]) -> list[str]:
    """Why the rating may not exceed C (empty list: no cap)."""
    reasons = []
    level = str(meta.get("security_level", "")).strip().lower()
    if level in CORE_LEVELS:
        reasons.append("dataset declared core-grade data (核心数据)")
    levels = meta.get("field_levels") or {}
    if isinstance(levels, dict):
        core = [f for f, lv in levels.items() if str(lv).strip().lower() in CORE_LEVELS]
        if core:
            reasons.append("core-grade fields: " + ", ".join(map(str, core[:5])))
    if sensitive_pii:
        cats = ", ".join(f"{k} ({v} records)" for k, v in sorted(sensitive_pii.items()))
        reasons.append(f"unmasked sensitive personal information detected: {cats}")
    return reasons
