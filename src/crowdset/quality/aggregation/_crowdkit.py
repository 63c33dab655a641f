"""Adapters around crowd-kit: the models we do not re-implement (Wawa, Zero-Based Skill, Gold MV) and the
reference versions of the ones we do (:func:`glad_crowdkit`, :func:`mace_crowdkit`).

crowd-kit is imported lazily: it takes seconds to import and is only needed for these methods.

Compatibility shim: crowd-kit 1.4.2's ``Wawa``, ``ZeroBasedSkill`` and ``GoldMajorityVote`` call
``sklearn.utils.validation.check_is_fitted``, which since scikit-learn 1.6 requires ``__sklearn_tags__``
on the estimator (they are attrs classes, not ``BaseEstimator`` subclasses) and fails with
``AttributeError: ... has no attribute '__sklearn_tags__'``. :func:`compat_class` subclasses them with a
minimal ``__sklearn_tags__`` so the library code runs unmodified.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .._encoding import Encoded, encode
from .base import AggregationResult, result_from_probas
from .mv import gold_label_codes


def _sklearn_tags(self: Any) -> Any:
    from sklearn.utils import Tags, TargetTags

    return Tags(estimator_type=None, target_tags=TargetTags(required=False))


@cache
def compat_class(name: str) -> type:
    """crowd-kit aggregator class ``name``, patched to work with scikit-learn >= 1.6."""
    import crowdkit.aggregation as cka

    base = getattr(cka, name)
    try:
        from sklearn.utils import Tags  # noqa: F401  (scikit-learn >= 1.6)
    except ImportError:  # pragma: no cover - older scikit-learn never asks for tags
        return base
    return type(name, (base,), {"__sklearn_tags__": _sklearn_tags, "__module__": __name__})


def _probas_result(method: str, enc: Encoded, probas: pd.DataFrame, extras: dict[str, Any]) -> AggregationResult:
    dense = probas.reindex(index=np.arange(enc.n_tasks), columns=np.arange(enc.n_labels)).fillna(0.0)
    arr = dense.to_numpy(dtype=np.float64)
    sums = arr.sum(axis=1, keepdims=True)
    arr = np.divide(arr, sums, out=np.zeros_like(arr), where=sums > 0)
    return result_from_probas(method, enc, arr, extras)


def _fit(method: str, model: Any, enc: Encoded, *args: Any) -> AggregationResult:
    frame = enc.to_frame()
    with warnings.catch_warnings():  # crowd-kit 1.4 uses pandas APIs deprecated in pandas 3
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        model.fit(frame, *args)
        if getattr(model, "probas_", None) is None and hasattr(model, "predict_proba"):
            model.predict_proba(frame)
    extras: dict[str, Any] = {"model": model}
    for attr, names in (("skills_", enc.workers), ("alphas_", enc.workers), ("betas_", enc.tasks)):
        val = getattr(model, attr, None)  # skills/alphas are per worker, GLAD's betas per task
        if isinstance(val, pd.Series):
            extras[attr.rstrip("_")] = pd.Series(val.to_numpy(), index=names[val.index.to_numpy(dtype=np.int64)])
    if getattr(model, "spamming_", None) is not None:
        extras["spamming"] = model.spamming_
    return _probas_result(method, enc, model.probas_, extras)


def glad_crowdkit(data: pd.DataFrame | Encoded, *, n_iter: int = 100, tol: float = 1e-5) -> AggregationResult:
    """GLAD (worker expertise x task difficulty) via crowd-kit -- the reference for our :func:`.glad.glad`.

    J. Whitehill et al., "Whose Vote Should Count More: Optimal Integration of Labels from Labelers of
    Unknown Expertise", NeurIPS 2009. Confidence = posterior of the chosen label.
    """
    return _fit("glad", compat_class("GLAD")(n_iter=n_iter, tol=tol), encode(data))


#: crowd-kit's default is 10 restarts, but it passes the same ``random_state`` to each, so every restart
#: repeats the first (identical result); we default to 3 to keep the reference affordable.
MACE_N_RESTARTS = 3


def mace_crowdkit(
    data: pd.DataFrame | Encoded, *, n_restarts: int | None = None, n_iter: int = 50, seed: int = 0
) -> AggregationResult:
    """MACE (spamming-aware competence estimation) via crowd-kit -- the reference for our :func:`.mace.mace`.

    D. Hovy et al., "Learning Whom to Trust with MACE", NAACL-HLT 2013. Confidence = posterior.
    """
    restarts = MACE_N_RESTARTS if n_restarts is None else n_restarts
    model = compat_class("MACE")(n_restarts=restarts, n_iter=n_iter, random_state=seed)
    return _fit("mace", model, encode(data))


def wawa(data: pd.DataFrame | Encoded) -> AggregationResult:
    """Worker Agreement With Aggregate via crowd-kit (with the scikit-learn compatibility shim)."""
    return _fit("wawa", compat_class("Wawa")(), encode(data))


def zero_based_skill(data: pd.DataFrame | Encoded, *, n_iter: int = 100) -> AggregationResult:
    """Zero-Based Skill via crowd-kit (with the scikit-learn compatibility shim)."""
    return _fit("zbs", compat_class("ZeroBasedSkill")(n_iter=n_iter), encode(data))


def gold_majority_vote(data: pd.DataFrame | Encoded, gold: Mapping[Any, Any]) -> AggregationResult:
    """crowd-kit ``GoldMajorityVote`` (weights = raw gold accuracy; every worker needs a gold answer)."""
    enc = encode(data, extra_labels=list(gold.values())) if not isinstance(data, Encoded) else data
    codes = gold_label_codes(enc, gold)
    known = np.flatnonzero(codes >= 0)
    true_labels = pd.Series(codes[known], index=known)
    return _fit("gold_mv", compat_class("GoldMajorityVote")(), enc, true_labels)
