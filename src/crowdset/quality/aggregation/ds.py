"""Dawid-Skene and one-coin Dawid-Skene, EM over integer-coded answers as sparse-dense products.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM Algorithm",
JRSS Series C 28(1), 1979, 20-28. https://doi.org/10.2307/2346806

One-coin variant (one accuracy per worker, errors spread uniformly): Y. Zhang, X. Chen, D. Zhou and
M. I. Jordan, "Spectral Methods Meet EM: A Provably Optimal Algorithm for Crowdsourcing", JMLR 17, 2016.

Both follow crowd-kit's ``DawidSkene`` / ``OneCoinDawidSkene`` step for step (majority-vote initialisation,
M-step, then E/M iterations, errors clipped at 1e-10) so results agree with the reference, but every step is
one sparse-dense product: with ``A`` the ``tasks x (workers*labels)`` count matrix,

* E-step: ``log P(task, c) = log prior[c] + A @ log errors[:, c]``;
* M-step: ``errors = A.T @ posteriors``, normalised per worker and true class.

Cost per iteration is O(n_labels_given x n_classes); memory is O(n_labels_given + n_tasks x n_classes).
Convergence: stop when the observed-data log-likelihood per label improves by less than ``tol``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._encoding import Encoded, FloatArray, IntArray, encode
from .base import AggregationResult, result_from_probas
from .mv import gold_label_codes, vote_table

EPS = 1e-10


@dataclass
class DawidSkeneFit:
    """Raw EM output on codes. ``errors[w, l, c]`` = P(worker w answers l | true label c)."""

    probas: FloatArray
    priors: FloatArray
    errors: FloatArray
    skills: FloatArray | None
    log_likelihood: list[float]
    n_iter: int


def incidence(task: IntArray, cols: IntArray, n_tasks: int, n_cols: int) -> sp.csr_array:
    """The ``tasks x cols`` answer-count matrix, built straight from the grouping (no COO round trip,
    duplicates are simply summed by the products that use it)."""
    grouped = len(task) < 2 or bool((task[1:] >= task[:-1]).all())
    indices = cols if grouped else cols[np.argsort(task, kind="stable")]
    indptr = np.zeros(n_tasks + 1, dtype=np.int64)
    np.cumsum(np.bincount(task, minlength=n_tasks), out=indptr[1:])
    return sp.csr_array((np.ones(len(task)), indices, indptr), shape=(n_tasks, n_cols))


def _m_step_full(a: sp.csr_array, probas: FloatArray, n_workers: int, n_labels: int) -> FloatArray:
    """``errors[w, l, c]`` ∝ the posterior mass of true class c on the tasks where w answered l."""
    err = np.asarray(a.T @ probas).reshape(n_workers, n_labels, n_labels)
    np.maximum(err, EPS, out=err)
    err /= err.sum(axis=1, keepdims=True)
    return err


def _m_step_one_coin(
    a: sp.csr_array, probas: FloatArray, n_per_worker: IntArray, n_workers: int, n_labels: int
) -> tuple[FloatArray, FloatArray]:
    mass = np.asarray(a.T @ probas).reshape(n_workers, n_labels, n_labels)
    idx = np.arange(n_labels)
    hit = mass[:, idx, idx].sum(axis=1)  # posterior mass on the label each worker gave
    skills = hit / np.maximum(n_per_worker, 1)
    off = (1.0 - skills) / max(n_labels - 1, 1)
    err = np.empty((n_workers, n_labels, n_labels))
    err[:] = off[:, None, None]
    err[:, idx, idx] = skills[:, None]
    np.clip(err, EPS, 1.0 - EPS, out=err)
    return err, skills


def _e_step(a: sp.csr_array, errors: FloatArray, priors: FloatArray) -> tuple[FloatArray, float]:
    """Posteriors: ``log P(task, c) = log prior[c] + sum of log errors`` over the task's answers, one
    sparse-dense product; the normalisation runs class-major (reductions along contiguous tasks)."""
    n_workers, n_labels, _ = errors.shape
    log_err = np.log(errors).reshape(n_workers * n_labels, n_labels)
    loglik = np.ascontiguousarray(np.asarray(a @ log_err).T)  # classes x tasks
    loglik += np.log(np.maximum(priors, EPS))[:, None]
    peak = loglik.max(axis=0)
    loglik -= peak
    np.exp(loglik, out=loglik)
    norm = loglik.sum(axis=0)
    loglik /= norm
    total = float((np.log(norm) + peak).sum())
    return np.ascontiguousarray(loglik.T), total


def dawid_skene_codes(
    task: IntArray,
    worker: IntArray,
    label: IntArray,
    n_tasks: int,
    n_workers: int,
    n_labels: int,
    *,
    n_iter: int = 100,
    tol: float = 1e-5,
    one_coin: bool = False,
    gold_codes: IntArray | None = None,
) -> DawidSkeneFit:
    """EM on int codes. ``gold_codes`` (per task, -1 = unknown) pins known tasks' posteriors to one-hot,
    as crowd-kit does with ``true_labels``. ``tol=-inf`` runs exactly ``n_iter`` iterations."""
    n = len(task)
    if n == 0:
        return DawidSkeneFit(np.zeros((n_tasks, n_labels)), np.zeros(n_labels), np.zeros((0, 0, 0)), None, [], 0)
    cols = worker.astype(np.int64) * n_labels + label
    a = incidence(task, cols, n_tasks, n_workers * n_labels)
    n_per_worker = np.bincount(worker, minlength=n_workers)
    gold_mask = gold_codes >= 0 if gold_codes is not None else None

    def pin(p: FloatArray) -> FloatArray:
        if gold_mask is not None and gold_mask.any():
            p[gold_mask] = 0.0
            p[np.flatnonzero(gold_mask), gold_codes[gold_mask]] = 1.0
        return p

    probas = vote_table(task, label, n_tasks, n_labels)
    probas /= np.maximum(probas.sum(axis=1, keepdims=True), EPS)
    probas = pin(probas)

    per_task = np.full(n_tasks, 1.0 / n_tasks)

    def m_step(p: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        pri = per_task @ p  # the column means, as one matrix-vector product (a strided mean is 5x slower)
        if one_coin:
            e, s = _m_step_one_coin(a, p, n_per_worker, n_workers, n_labels)
            return pri, e, s
        return pri, _m_step_full(a, p, n_workers, n_labels), None

    priors, errors, skills = m_step(probas)
    history: list[float] = []
    prev = -np.inf
    it = 0
    for it in range(1, n_iter + 1):  # noqa: B007
        probas, ll = _e_step(a, errors, priors)
        probas = pin(probas)
        priors, errors, skills = m_step(probas)
        ll /= n
        history.append(ll)
        if ll - prev < tol:
            break
        prev = ll
    return DawidSkeneFit(probas, priors, errors, skills, history, it)


def dawid_skene(
    data: pd.DataFrame | Encoded,
    *,
    n_iter: int = 100,
    tol: float = 1e-5,
    gold: Mapping[Any, Any] | None = None,
    one_coin: bool = False,
) -> AggregationResult:
    """Dawid-Skene aggregation; confidence = posterior probability of the chosen label.

    ``extras`` holds ``priors`` (Series by label), ``errors`` (array workers x answered x true),
    ``log_likelihood`` history and, for one-coin, per-worker ``skills``.
    """
    extra = list(gold.values()) if gold else []
    enc = encode(data, extra_labels=extra) if not isinstance(data, Encoded) else data
    gold_codes = gold_label_codes(enc, gold) if gold else None
    fit = dawid_skene_codes(
        enc.task, enc.worker, enc.label, enc.n_tasks, enc.n_workers, enc.n_labels,
        n_iter=n_iter, tol=tol, one_coin=one_coin, gold_codes=gold_codes,
    )
    extras: dict[str, Any] = {
        "priors": pd.Series(fit.priors, index=enc.labels),
        "errors": fit.errors,
        "log_likelihood": fit.log_likelihood,
        "n_iter": fit.n_iter,
    }
    if fit.skills is not None:
        extras["skills"] = pd.Series(fit.skills, index=enc.workers)
    return result_from_probas("onecoin" if one_coin else "ds", enc, fit.probas, extras)


def one_coin_dawid_skene(data: pd.DataFrame | Encoded, *, n_iter: int = 100, tol: float = 1e-5) -> AggregationResult:
    """One-coin Dawid-Skene (one accuracy per worker); see :func:`dawid_skene`."""
    return dawid_skene(data, n_iter=n_iter, tol=tol, one_coin=True)


def confusion_matrices(result: AggregationResult, workers: Any) -> dict[Any, pd.DataFrame]:
    """Per-worker estimated confusion matrix from a Dawid-Skene result: rows = true label, columns = answer,
    each row sums to 1 (P(answer | true label))."""
    errors = result.extras["errors"]
    labels = result.label_values
    return {
        w: pd.DataFrame(errors[i].T, index=pd.Index(labels, name="true"), columns=pd.Index(labels, name="answer"))
        for i, w in enumerate(workers)
    }
