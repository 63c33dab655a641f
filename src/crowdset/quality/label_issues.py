"""Rank likely label errors from model predicted probabilities with cleanlab (confident learning).

C. Northcutt, L. Jiang and I. Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels",
JAIR 70, 2021. We only map labels to codes and format the output; cleanlab is the implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._encoding import factorize


def find_label_issues(
    labels: Sequence[Any] | ArrayLike,
    pred_probs: ArrayLike,
    *,
    classes: Sequence[Any] | None = None,
    task_ids: Sequence[Any] | None = None,
    filter_by: str = "prune_by_noise_rate",
    rank_by: Literal["self_confidence", "normalized_margin", "confidence_weighted_entropy"] = "self_confidence",
) -> pd.DataFrame:
    """Return the tasks whose given label is likely wrong, most suspicious first.

    ``pred_probs[i, j]`` is the (out-of-sample) model probability that item ``i`` has class ``classes[j]``;
    ``classes`` defaults to the sorted distinct ``labels`` and must cover every given label. Output columns:
    ``task, given_label, predicted_label, label_quality`` (cleanlab's score in [0, 1], low = suspicious)
    and ``rank`` (1 = most likely error).
    """
    from cleanlab.filter import find_label_issues as cl_find
    from cleanlab.rank import get_label_quality_scores

    probs = np.asarray(pred_probs, dtype=np.float64)
    lab = np.asarray(labels, dtype=object)
    if probs.ndim != 2 or probs.shape[0] != len(lab):
        raise ValueError("pred_probs must be an (n_items, n_classes) matrix with one row per label")
    if classes is None:
        _, uniq = factorize(lab, sort=True)
        classes = list(uniq)
    if len(classes) != probs.shape[1]:
        raise ValueError(f"pred_probs has {probs.shape[1]} columns but there are {len(classes)} classes")
    codes = pd.Index(list(classes)).get_indexer(list(lab))
    if (codes < 0).any():
        bad = lab[np.flatnonzero(codes < 0)[0]]
        raise ValueError(f"label {bad!r} is not one of the classes")
    ids = np.asarray(task_ids if task_ids is not None else np.arange(len(lab)), dtype=object)
    # n_jobs=1: cleanlab otherwise forks worker processes, and forking a process that runs threads
    # (web server, job consumer) can deadlock the child.
    idx = cl_find(labels=codes, pred_probs=probs, filter_by=filter_by, return_indices_ranked_by=rank_by, n_jobs=1)
    scores = get_label_quality_scores(codes, probs, method=rank_by)
    idx = np.asarray(idx, dtype=np.int64)
    cls = np.asarray(list(classes), dtype=object)
    return pd.DataFrame({
        "task": ids[idx],
        "given_label": lab[idx],
        "predicted_label": cls[probs[idx].argmax(axis=1)] if len(idx) else np.array([], dtype=object),
        "label_quality": scores[idx],
        "rank": np.arange(1, len(idx) + 1),
    })
