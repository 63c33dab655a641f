"""MACE (Multi-Annotator Competence Estimation), vectorised EM / variational Bayes on integer codes.

D. Hovy, T. Berg-Kirkpatrick, A. Vaswani and E. Hovy, "Learning Whom to Trust with MACE", NAACL-HLT 2013,
1120-1130. https://aclanthology.org/N13-1132.pdf

Model: the true label ``T_t`` is uniform over the ``K`` labels that occur. On each task worker ``w`` is
spamming with probability ``1 - theta_w``; a worker who is not spamming gives the true label, a spamming one
draws the answer from their strategy vector ``xi_w`` (a distribution over labels). So
``P(answer l | T = c) = (1 - theta_w) xi_w[l] + theta_w [l == c]``.

Training follows crowd-kit 1.4's ``MACE`` (defaults ``method="vb"``, ``n_iter=50``, Beta(0.5, 0.5) prior on
``theta_w``, symmetric Dirichlet(10) prior on ``xi_w``, ``smoothing = 0.01 / K`` for ``method="em"``,
initial values ``uniform(1, 2.5)`` drawn with scipy and ``random_state=seed``, normalised): an E-step, then
``n_iter`` x (M-step, E-step), keeping the restart with the best marginal log-likelihood. Variational
M-step: ``exp(digamma(counts + prior)) / exp(digamma(sum(counts + prior)))``.

Vectorisation: with ``B`` the sparse ``(tasks * K) x (workers * K)`` matrix with a 1 at
``(task * K + l, worker * K + l)`` per answer ``l``, and per (worker, label) ``a = (1 - theta_w) xi_w[l]``,
``b = a + theta_w``,

* E-step: ``log m(t, c) = sum over t's answers of log a + (B @ log(b / a))[t * K + c] - log K`` (one sparse
  matrix-vector product; the first sum does not depend on ``c``), posteriors ``P = softmax(log m)``,
  evidence ``sum_t logsumexp(log m(t, .))``;
* expected counts: an answer ``l`` was given knowingly with probability ``P(t, l) theta_w / b`` and by
  spamming otherwise, so ``knowing[w, l] = (B.T @ vec(P))[w * K + l] theta_w / b`` and
  ``strategy[w, l] = n[w, l] - knowing[w, l]`` (a second matrix-vector product).

O(labels given) per iteration in compiled code plus O(tasks x K) for the softmax; memory is the sparse matrix
plus ``tasks x K`` and ``workers x K`` arrays (crowd-kit multiplies probabilities per task in pandas, K
group-bys per E-step).

Differences from crowd-kit, on purpose: crowd-kit passes the same ``random_state`` to every restart, so its
``n_restarts`` runs are identical copies of the first; here restart ``r`` uses ``seed + r`` (restart 0 is
crowd-kit's), and the default is one restart, which gives crowd-kit's default result. The E-step works in
log space (crowd-kit multiplies probabilities, which underflows on tasks with hundreds of answers) and the
evidence is the exact ``sum log P(answers)`` (crowd-kit adds 1e-8 inside the log). crowd-kit builds the
strategy counts with a group-by whose rows and columns are *sorted* worker / label values but indexes
them by order of first appearance, which scrambles strategies when the two orders differ; we index
consistently (results agree whenever workers and labels first appear in sorted order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.stats as sps
from scipy.special import digamma

from .._encoding import Encoded, FloatArray, IntArray, encode
from .base import AggregationResult, result_from_probas


@dataclass
class MaceFit:
    """Raw output on codes. ``spamming[w] = [P(spam), P(knows)]`` (crowd-kit's ``spamming_`` layout),
    ``thetas[w, l]`` = strategy ``xi_w`` (crowd-kit's ``thetas_``), ``log_likelihood`` of the chosen restart."""

    probas: FloatArray
    spamming: FloatArray
    thetas: FloatArray
    log_likelihood: float
    restart: int


def _appearance_rank(codes: IntArray, n: int) -> IntArray:
    """Rank of each code by first appearance in ``codes`` (codes that never occur come last)."""
    first = np.full(n, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n)
    return rank


def _normalize(x: FloatArray, smoothing: float) -> FloatArray:
    x = x + smoothing
    return x / x.sum(axis=1, keepdims=True)


def _variational_normalize(x: FloatArray, prior: FloatArray | float) -> FloatArray:
    x = x + prior
    return np.exp(digamma(x) - digamma(x.sum(axis=1, keepdims=True)))


def _row_reduce(op: np.ufunc, x: FloatArray) -> FloatArray:
    """``op.reduce(x, axis=1)`` column by column: much faster for the narrow tasks x K arrays here."""
    if x.shape[1] > 16:
        return op.reduce(x, axis=1)
    out = x[:, 0].copy()
    for c in range(1, x.shape[1]):
        op(out, x[:, c], out=out)
    return out


class _Problem:
    """Answers as a sparse 0/1-count matrix ``B``: row ``task * K + l``, column ``worker * K + l`` for an answer
    ``l`` by ``worker`` on ``task`` (``B`` is block-diagonal by label), and its transpose."""

    def __init__(self, task: IntArray, worker: IntArray, lab: IntArray, n_tasks: int, n_workers: int, k: int):
        self.b = sp.csr_matrix(
            (np.ones(len(task)), (task * k + lab, worker * k + lab)), shape=(n_tasks * k, n_workers * k)
        )
        self.b.sum_duplicates()
        self.bt = self.b.T.tocsr()
        self.n_tasks, self.n_workers, self.k = n_tasks, n_workers, k
        self.n_wl = np.asarray(self.b.sum(axis=0)).ravel()  # answers per (worker, label)

    def e_step(self, spamming: FloatArray, thetas: FloatArray) -> tuple[FloatArray, float, FloatArray, FloatArray]:
        """Posteriors, log evidence, knowing counts (workers x 2: spam, knows) and strategy counts (W x K)."""
        k = self.k
        a = spamming[:, :1] * thetas  # W x K: P(answer l by spamming)
        b = a + spamming[:, 1:]  # P(answer l | T = l)
        log_a = np.log(a).ravel()
        # log m(t, c) = sum_t log a + sum over t's answers equal to c of log(b / a) - log K
        probas = (self.b @ (np.log(b).ravel() - log_a)).reshape(self.n_tasks, k)
        peak = _row_reduce(np.maximum, probas)
        probas -= peak[:, None]
        np.exp(probas, out=probas)
        norm = _row_reduce(np.add, probas)
        probas /= norm[:, None]
        log_evidence = float(np.log(norm).sum() + peak.sum() + (self.n_wl * log_a).sum()) - self.n_tasks * np.log(k)
        # knowing[w, l] = sum over w's answers l of P(T = l) * P(knows | answer l, T = l)
        knowing_wl = (self.bt @ probas.ravel()) * (spamming[:, 1:] / b).ravel()
        strategy = (self.n_wl - knowing_wl).reshape(self.n_workers, k)
        np.maximum(strategy, 0.0, out=strategy)
        knowing = knowing_wl.reshape(self.n_workers, k).sum(axis=1)
        counts = np.column_stack([strategy.sum(axis=1), knowing])
        return probas, log_evidence, counts, strategy


def _initial(n_workers: int, k: int, seed: int, w_rank: IntArray, l_rank: IntArray, noise: float):
    """crowd-kit's initialisation (same scipy draws), rows/columns placed by order of first appearance."""
    spam = sps.uniform(1, 1 + noise).rvs(size=(n_workers, 2), random_state=seed)
    thetas = sps.uniform(1, 1 + noise).rvs(size=(n_workers, k), random_state=seed)
    spam, thetas = spam[w_rank], thetas[w_rank][:, l_rank]
    return spam / spam.sum(axis=1, keepdims=True), thetas / thetas.sum(axis=1, keepdims=True)


def mace_codes(
    task: IntArray,
    worker: IntArray,
    label: IntArray,
    n_tasks: int,
    n_workers: int,
    n_labels: int,
    *,
    n_restarts: int = 1,
    n_iter: int = 50,
    method: str = "vb",
    smoothing: float | None = None,
    default_noise: float = 0.5,
    alpha: float = 0.5,
    beta: float = 0.5,
    strategy_prior: float = 10.0,
    seed: int = 0,
) -> MaceFit:
    """MACE on int codes (see the module docstring). Labels that never occur get probability 0."""
    if method not in ("vb", "em"):
        raise ValueError("method must be 'vb' or 'em'")
    present = np.flatnonzero(np.bincount(label, minlength=n_labels) > 0)
    k = len(present)
    probas = np.zeros((n_tasks, n_labels))
    if len(task) == 0 or k == 1:
        if k == 1:
            probas[:, present[0]] = 1.0
        return MaceFit(probas, np.tile([0.0, 1.0], (n_workers, 1)), np.ones((n_workers, k)), 0.0, 0)
    remap = np.full(n_labels, -1, dtype=np.int64)
    remap[present] = np.arange(k)
    lab = remap[label]
    prob = _Problem(task, worker, lab, n_tasks, n_workers, k)
    w_rank = _appearance_rank(worker, n_workers)
    l_rank = _appearance_rank(lab, k)
    smooth = 0.01 / k if smoothing is None else smoothing
    theta_prior = np.array([[alpha, beta]])

    best: tuple[float, FloatArray, FloatArray, FloatArray, int] | None = None
    for r in range(max(n_restarts, 1)):
        spamming, thetas = _initial(n_workers, k, seed + r, w_rank, l_rank, default_noise)
        post, ll, counts, strategy = prob.e_step(spamming, thetas)
        for _ in range(n_iter):
            if method == "vb":
                spamming = _variational_normalize(counts, theta_prior)
                thetas = _variational_normalize(strategy, strategy_prior)
            else:
                spamming, thetas = _normalize(counts, smooth), _normalize(strategy, smooth)
            post, ll, counts, strategy = prob.e_step(spamming, thetas)
        if best is None or ll > best[0]:
            best = (ll, post, spamming, thetas, r)
    assert best is not None
    ll, post, spamming, thetas, r = best
    probas[:, present] = post
    full_thetas = np.zeros((n_workers, n_labels))
    full_thetas[:, present] = thetas
    return MaceFit(probas, spamming, full_thetas, ll, r)


def mace(
    data: pd.DataFrame | Encoded,
    *,
    n_restarts: int = 1,
    n_iter: int = 50,
    method: str = "vb",
    seed: int = 0,
) -> AggregationResult:
    """MACE aggregation (our vectorised version; crowd-kit's is :func:`mace_crowdkit`).

    Confidence = posterior of the chosen label. ``extras``: ``spamming`` (workers x 2 array
    ``[P(spam), P(knows)]`` as crowd-kit's ``spamming_``), ``competence`` (Series by worker, ``P(knows)``),
    ``thetas`` (workers x labels strategy), ``log_likelihood``, ``restart`` (index of the kept restart).
    """
    enc = encode(data)
    fit = mace_codes(
        enc.task, enc.worker, enc.label, enc.n_tasks, enc.n_workers, enc.n_labels,
        n_restarts=n_restarts, n_iter=n_iter, method=method, seed=seed,
    )
    extras: dict[str, Any] = {
        "spamming": fit.spamming,
        "competence": pd.Series(fit.spamming[:, 1], index=enc.workers),
        "thetas": fit.thetas,
        "log_likelihood": fit.log_likelihood,
        "restart": fit.restart,
    }
    return result_from_probas("mace", enc, fit.probas, extras)
