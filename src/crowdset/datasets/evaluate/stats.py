"""Small statistics helpers (no scipy needed for these closed forms)."""

from __future__ import annotations

import math
from collections.abc import Iterable


def wilson_interval(successes: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for a proportion; sound at small n and near 0 or 1, unlike Wald."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def entropy(counts: Iterable[float]) -> float:
    """Shannon entropy in nats."""
    c = [x for x in counts if x > 0]
    total = sum(c)
    if total <= 0:
        return 0.0
    return -sum(x / total * math.log(x / total) for x in c)
