"""Annotator scoring: gold accuracy with Wilson intervals, agreement with the consensus, Dawid-Skene
confusion matrices, lead times and a spam / low-effort flag with a human-readable reason.

Spam heuristics (each needs enough evidence, see :class:`SpamRules`):

* *constant answers* -- (almost) always the same label while the reference labels on the same tasks vary;
* *answers independent of the truth* -- the worker's Dawid-Skene answer distributions hardly differ between
  true labels: ``spammer_score`` = mean total-variation distance between the columns of the estimated
  confusion matrix (0 = answers carry no information about the truth, 1 = perfectly discriminating), in the
  spirit of Raykar & Yu, "Eliminating Spammers and Ranking Annotators for Crowdsourced Labeling Tasks",
  JMLR 13, 2012. Unlike a correlation with the consensus it is not inflated by the worker's own vote;
* *below chance* -- even the upper 95% Wilson bound of gold accuracy (or consensus agreement) is below 1/K,
  which catches adversarial workers;
* *implausibly short lead times* -- median time per task far below the crowd's median.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._encoding import Encoded, FloatArray, encode
from .aggregation.base import AggregationResult
from .aggregation.ds import confusion_matrices, dawid_skene
from .aggregation.mv import gold_label_codes

Z95 = 1.959963984540054


def wilson_interval(successes: ArrayLike, trials: ArrayLike, z: float = Z95) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a binomial proportion (vectorised); ``nan`` where ``trials == 0``."""
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


@dataclass(frozen=True)
class SpamRules:
    """Thresholds for :func:`score_workers`' spam flag."""

    min_labels: int = 20  # evidence needed before judging answers vs truth
    constant_share: float = 0.98  # top-label share that counts as "constant"
    max_reference_share: float = 0.9  # ...only when the reference itself is not that constant
    min_spammer_score: float = 0.25  # below this, answers look independent of the truth
    min_gold_for_chance: int = 10
    lead_time_fraction: float = 0.2  # median lead time below this share of the crowd's median
    min_lead_time: float | None = None  # absolute floor in seconds (overrides the fraction when set)


def spammer_scores(errors: FloatArray) -> FloatArray:
    """Mean total-variation distance between P(answer | true=c) and P(answer | true=c') over label pairs,
    per worker, from Dawid-Skene ``errors[w, answer, true]``. 0 = spammer, 1 = perfectly discriminating."""
    n_workers, k, _ = errors.shape
    if k < 2:
        return np.full(n_workers, np.nan)
    a, b = np.triu_indices(k, 1)
    return 0.5 * np.abs(errors[:, :, a] - errors[:, :, b]).sum(axis=1).mean(axis=1)


def score_workers(
    data: pd.DataFrame | Encoded,
    *,
    gold: Mapping[Any, Any] | None = None,
    consensus: AggregationResult | None = None,
    lead_time: ArrayLike | None = None,
    rules: SpamRules | None = None,
) -> pd.DataFrame:
    """One row per worker with accuracy, agreement and spam columns.

    ``consensus`` defaults to Dawid-Skene on ``data`` (gold tasks pinned). ``lead_time`` defaults to the
    ``lead_time`` column of ``data`` when present. Gold accuracy counts every answer on a gold task.
    """
    rules = rules or SpamRules()
    if lead_time is None and isinstance(data, pd.DataFrame) and "lead_time" in data.columns:
        lead_time = pd.to_numeric(data["lead_time"], errors="coerce").to_numpy(np.float64)
    extra = list(gold.values()) if gold else []
    enc = encode(data, extra_labels=extra) if not isinstance(data, Encoded) else data
    k, nw = enc.n_labels, enc.n_workers
    ds = consensus if consensus is not None and "errors" in consensus.extras else dawid_skene(enc, gold=gold)
    consensus = consensus or ds
    cons = consensus.label_codes
    gcodes = gold_label_codes(enc, gold) if gold else np.full(enc.n_tasks, -1, dtype=np.int64)

    n_labels = np.bincount(enc.worker, minlength=nw)
    on_gold = gcodes[enc.task] >= 0
    n_gold = np.bincount(enc.worker[on_gold], minlength=nw)
    correct = np.bincount(enc.worker[on_gold & (gcodes[enc.task] == enc.label)], minlength=nw)
    lo, hi = wilson_interval(correct, n_gold)
    agree = np.bincount(enc.worker[cons[enc.task] == enc.label], minlength=nw)
    cons_lo, cons_hi = wilson_interval(agree, n_labels)

    ref = np.where(on_gold, gcodes[enc.task], cons[enc.task])
    table = np.bincount(enc.worker * k * k + ref * k + enc.label, minlength=nw * k * k).reshape(nw, k, k).astype(float)
    spam_score = spammer_scores(ds.extras["errors"])
    answer_counts = table.sum(axis=1)
    top = answer_counts.argmax(axis=1)
    top_share = answer_counts.max(axis=1) / np.maximum(n_labels, 1)
    ref_counts = table.sum(axis=2)
    ref_top_share = ref_counts.max(axis=1) / np.maximum(n_labels, 1)
    n_tasks = np.bincount(np.unique(enc.worker * enc.n_tasks + enc.task) // max(enc.n_tasks, 1), minlength=nw)

    med_lead = np.full(nw, np.nan)
    crowd_lead = float("nan")
    if lead_time is not None:
        lt = np.asarray(lead_time, dtype=np.float64)
        ok = ~np.isnan(lt)
        if ok.any():
            crowd_lead = float(np.median(lt[ok]))
            s = pd.Series(lt[ok]).groupby(enc.worker[ok]).median()
            med_lead[s.index.to_numpy()] = s.to_numpy()

    chance = 1.0 / max(k, 2)
    lead_floor = rules.min_lead_time if rules.min_lead_time is not None else rules.lead_time_fraction * crowd_lead
    reasons: list[str] = []
    for w in range(nw):
        why: list[str] = []
        enough = n_labels[w] >= rules.min_labels
        if enough and top_share[w] >= rules.constant_share and ref_top_share[w] <= rules.max_reference_share:
            why.append(f"constant answers ({top_share[w]:.0%} {enc.labels[top[w]]!s})")
        elif enough and spam_score[w] < rules.min_spammer_score:
            why.append(f"answers independent of the truth (spammer score {spam_score[w]:.2f})")
        if n_gold[w] >= rules.min_gold_for_chance and hi[w] < chance:
            why.append(f"gold accuracy below chance ({correct[w]}/{n_gold[w]})")
        elif enough and cons_hi[w] < chance:
            why.append(f"systematically disagrees with consensus ({agree[w]}/{n_labels[w]})")
        if not np.isnan(med_lead[w]) and not np.isnan(lead_floor) and med_lead[w] < lead_floor:
            why.append(f"implausibly short lead times (median {med_lead[w]:.2g}s vs {crowd_lead:.2g}s overall)")
        reasons.append("; ".join(why))

    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "worker": enc.workers,
            "n_labels": n_labels,
            "n_tasks": n_tasks,
            "n_gold": n_gold,
            "gold_correct": correct,
            "gold_accuracy": np.where(n_gold > 0, correct / np.maximum(n_gold, 1), np.nan),
            "gold_ci_low": lo,
            "gold_ci_high": hi,
            "consensus_agreement": np.where(n_labels > 0, agree / np.maximum(n_labels, 1), np.nan),
            "spammer_score": spam_score,
            "median_lead_time": med_lead,
            "is_spam": np.array([bool(r) for r in reasons]),
            "spam_reason": reasons,
        })


def worker_confusion_matrices(
    data: pd.DataFrame | Encoded, *, gold: Mapping[Any, Any] | None = None, result: AggregationResult | None = None
) -> dict[Any, pd.DataFrame]:
    """Dawid-Skene estimated confusion matrix per worker (rows = true label, columns = answer, rows sum to 1).
    Pass a ``ds`` result fitted on the same data to avoid refitting."""
    extra = list(gold.values()) if gold else []
    enc = encode(data, extra_labels=extra) if not isinstance(data, Encoded) else data
    if result is None or "errors" not in result.extras:
        result = dawid_skene(enc, gold=gold)
    return confusion_matrices(result, enc.workers)
