"""Label aggregation: one small module per family, all returning :class:`AggregationResult`.

Our own vectorised implementations: majority vote (:mod:`.mv`), Dawid-Skene and one-coin Dawid-Skene
(:mod:`.ds`), GLAD (:mod:`.glad`), MACE (:mod:`.mace`), box aggregation (:mod:`.boxes`). Through crowd-kit:
Wawa, Zero-Based Skill, Gold MV and the reference GLAD / MACE (``glad_crowdkit`` / ``mace_crowdkit``)
(:mod:`._crowdkit`), ROVER (:mod:`.texts`), Bradley-Terry (:mod:`.pairwise`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from crowdset.quality.methods import CLASSIFICATION_METHODS  # the one list, light enough for forms

from .._encoding import Encoded
from ._crowdkit import compat_class, glad_crowdkit, gold_majority_vote, mace_crowdkit, wawa, zero_based_skill
from .base import AggregationResult
from .boxes import aggregate_boxes
from .ds import confusion_matrices, dawid_skene, dawid_skene_codes, one_coin_dawid_skene
from .glad import glad, glad_codes
from .mace import mace, mace_codes
from .mv import majority_vote, majority_vote_codes, weighted_majority_vote
from .pairwise import bradley_terry
from .texts import rover


def aggregate(
    data: pd.DataFrame | Encoded, method: str = "ds", *, gold: Mapping[Any, Any] | None = None
) -> AggregationResult:
    """Dispatch to a classification aggregator by name. ``gold`` (task -> label) is required for ``wmv``
    and pins gold tasks for ``ds``/``onecoin``; other methods ignore it."""
    if method == "mv":
        return majority_vote(data)
    if method == "wmv":
        if not gold:
            raise ValueError("method 'wmv' needs gold labels (a gold column or a --gold file)")
        return weighted_majority_vote(data, gold=gold)
    if method == "ds":
        return dawid_skene(data, gold=gold)
    if method == "onecoin":
        return dawid_skene(data, gold=gold, one_coin=True)
    if method == "glad":
        return glad(data)
    if method == "mace":
        return mace(data)
    if method == "wawa":
        return wawa(data)
    if method == "zbs":
        return zero_based_skill(data)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(CLASSIFICATION_METHODS)}")


__all__ = [
    "CLASSIFICATION_METHODS",
    "AggregationResult",
    "aggregate",
    "aggregate_boxes",
    "bradley_terry",
    "compat_class",
    "confusion_matrices",
    "dawid_skene",
    "dawid_skene_codes",
    "glad",
    "glad_codes",
    "glad_crowdkit",
    "gold_majority_vote",
    "mace",
    "mace_codes",
    "mace_crowdkit",
    "majority_vote",
    "majority_vote_codes",
    "one_coin_dawid_skene",
    "rover",
    "wawa",
    "weighted_majority_vote",
    "zero_based_skill",
]
