"""Majority vote and weighted majority vote, vectorised with ``np.bincount``.

Ties are broken deterministically towards the *smallest label value* (label codes are assigned in sorted
label order and ``argmax`` returns the first maximum) -- the same choice crowd-kit's ``MajorityVote`` makes,
and independent of row order.

Weighted majority vote with gold-derived weights is the "gold majority vote" baseline, see e.g.
Sheshadri & Lease, "SQUARE: A Benchmark for Research on Computing Crowd Consensus", HCOMP 2013.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._encoding import Encoded, FloatArray, IntArray, encode
from .base import AggregationResult

#: Above this many task x label cells the dense vote table is replaced by a sort-based sparse path.
DENSE_CELL_LIMIT = 25_000_000


def vote_table(
    task: IntArray, label: IntArray, n_tasks: int, n_labels: int, weights: FloatArray | None = None
) -> FloatArray:
    """Dense ``n_tasks x n_labels`` table of (weighted) vote counts."""
    key = task * n_labels + label
    counts = np.bincount(key, weights=weights, minlength=n_tasks * n_labels)
    return counts.astype(np.float64, copy=False).reshape(n_tasks, n_labels)


def majority_vote_codes(
    task: IntArray,
    label: IntArray,
    n_tasks: int,
    n_labels: int,
    weights: FloatArray | None = None,
    *,
    keep_probas: bool = True,
) -> tuple[IntArray, FloatArray, FloatArray | None]:
    """Core MV on int codes: returns ``(label_code, confidence, probas or None)`` per task.

    Memory is O(n_tasks x n_labels) on the dense path; for huge label sets a sort-based path with O(n_rows)
    memory is used and ``probas`` is ``None``.
    """
    if n_tasks * n_labels <= DENSE_CELL_LIMIT:
        table = vote_table(task, label, n_tasks, n_labels, weights)
        totals = table.sum(axis=1)
        codes = np.argmax(table, axis=1).astype(np.int64)
        best = table[np.arange(n_tasks), codes]
        with np.errstate(invalid="ignore", divide="ignore"):
            conf = np.where(totals > 0, best / np.where(totals > 0, totals, 1.0), 0.0)
        probas = None
        if keep_probas:
            probas = table
            safe = np.where(totals > 0, totals, 1.0)
            probas /= safe[:, None]
        return codes, conf, probas
    key = task * n_labels + label
    uniq, inv = np.unique(key, return_inverse=True)
    sums = np.bincount(inv, weights=weights).astype(np.float64)
    t, lab = uniq // n_labels, uniq % n_labels
    totals = np.bincount(t, weights=sums, minlength=n_tasks)
    order = np.lexsort((lab, -sums, t))  # per task: most votes first, then smallest label
    first = order[np.r_[True, t[order][1:] != t[order][:-1]]]
    codes = np.zeros(n_tasks, dtype=np.int64)
    conf = np.zeros(n_tasks)
    codes[t[first]] = lab[first]
    conf[t[first]] = sums[first] / np.where(totals[t[first]] > 0, totals[t[first]], 1.0)
    return codes, conf, None


def majority_vote(data: pd.DataFrame | Encoded, *, keep_probas: bool = True) -> AggregationResult:
    """Plain majority vote; confidence = share of the task's votes that went to the winning label."""
    enc = encode(data)
    codes, conf, probas = majority_vote_codes(
        enc.task, enc.label, enc.n_tasks, enc.n_labels, keep_probas=keep_probas
    )
    return AggregationResult("mv", enc.tasks, codes, conf, enc.labels, probas)


def gold_accuracy_weights(
    enc: Encoded, gold: Mapping[Any, Any], *, smoothing: float = 1.0
) -> tuple[FloatArray, IntArray, IntArray]:
    """Per-worker weight = (correct + smoothing) / (answered + 2 * smoothing) on gold tasks.

    Workers without any gold answer get the median weight of workers that have one (0.5 if nobody has),
    so they neither dominate nor vanish. Returns ``(weights, n_correct, n_gold)`` indexed by worker code.
    """
    gold_codes = gold_label_codes(enc, gold)
    on_gold = gold_codes[enc.task] >= 0
    correct = (gold_codes[enc.task] == enc.label) & on_gold
    n_gold = np.bincount(enc.worker[on_gold], minlength=enc.n_workers)
    n_correct = np.bincount(enc.worker[correct], minlength=enc.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = (n_correct + smoothing) / (n_gold + 2.0 * smoothing)
    has = n_gold > 0
    fill = float(np.median(acc[has])) if has.any() else 0.5
    weights = np.where(has, acc, fill).astype(np.float64)
    return weights, n_correct.astype(np.int64), n_gold.astype(np.int64)


def gold_label_codes(enc: Encoded, gold: Mapping[Any, Any]) -> IntArray:
    """Array over task codes: gold label code, or -1 where the task has no (known) gold label."""
    out = np.full(enc.n_tasks, -1, dtype=np.int64)
    if not gold:
        return out
    t_idx = enc.task_index(gold.keys())
    l_idx = enc.label_index(gold.values())
    ok = (t_idx >= 0) & (l_idx >= 0)
    out[t_idx[ok]] = l_idx[ok]
    return out


def weighted_majority_vote(
    data: pd.DataFrame | Encoded,
    *,
    gold: Mapping[Any, Any] | None = None,
    worker_weights: Mapping[Any, float] | None = None,
    smoothing: float = 1.0,
    keep_probas: bool = True,
) -> AggregationResult:
    """Majority vote where each worker's vote counts with a weight.

    Weights come from ``worker_weights`` (worker value -> weight, missing workers get weight 1) or, when
    ``gold`` (task -> true label) is given, from each worker's smoothed accuracy on the gold tasks (see
    :func:`gold_accuracy_weights`). Confidence = share of the total weight won by the chosen label.
    """
    extra = list(gold.values()) if gold else []
    enc = encode(data, extra_labels=extra) if not isinstance(data, Encoded) else data
    if worker_weights is not None:
        idx = enc.worker_index(worker_weights.keys())
        w = np.ones(enc.n_workers)
        vals = np.fromiter(worker_weights.values(), dtype=np.float64, count=len(idx))
        w[idx[idx >= 0]] = vals[idx >= 0]
    elif gold is not None:
        w, _, _ = gold_accuracy_weights(enc, gold, smoothing=smoothing)
    else:
        raise ValueError("weighted majority vote needs gold labels or explicit worker weights")
    if (w < 0).any():
        raise ValueError("worker weights must be non-negative")
    codes, conf, probas = majority_vote_codes(
        enc.task, enc.label, enc.n_tasks, enc.n_labels, w[enc.worker], keep_probas=keep_probas
    )
    return AggregationResult(
        "wmv", enc.tasks, codes, conf, enc.labels, probas, {"worker_weights": pd.Series(w, index=enc.workers)}
    )
