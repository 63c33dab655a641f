"""GLAD (Generative model of Labels, Abilities and Difficulties), vectorised EM on integer codes.

J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma and J. Movellan, "Whose Vote Should Count More: Optimal
Integration of Labels from Labelers of Unknown Expertise", NeurIPS 2009.
https://proceedings.neurips.cc/paper/2009/file/f899139df5e1059396431415e770c6dd-Paper.pdf

Model (crowd-kit 1.4's ``GLAD`` parameterisation, so fitted parameters are directly comparable): worker ``w``
has ability ``alpha_w`` (any real; negative = adversarial), task ``t`` has log inverse difficulty ``beta_t``
(the inverse difficulty is ``exp(beta_t) > 0``). With ``K`` classes and ``x = alpha_w * exp(beta_t)``,
``P(answer = true label) = sigmoid(x)`` and every wrong label has ``(1 - sigmoid(x)) / (K - 1)``. Class prior
uniform over the labels that occur (crowd-kit keeps it fixed); Gaussian priors ``N(1, 1)`` on every
``alpha_w`` and ``beta_t``.

EM exactly as crowd-kit runs it: alphas and betas start at 1; each iteration is an E-step (posteriors),
then an M-step maximising the expected complete log-likelihood ``Q`` with scipy's conjugate gradient
(``maxiter=25``, ``gtol=1e-2``); stop when ``Q / (n_labels_given * K)`` improves by less than ``tol``.
The returned posteriors are those of the last E-step (as in crowd-kit).

Vectorisation: because each answer's log-likelihood only depends on whether it equals the class,

* E-step: ``log P(t, c) = const_t + sum over t's answers equal to c of (x + log(K - 1))`` -- one
  ``np.bincount`` over ``task * K + label``;
* ``Q = sum_rows [log sigmoid(x) - (1 - p) (x + log(K - 1))] + Gaussian priors``, ``p = P(t, answer)``;
* ``dQ/dalpha_w = sum_rows (p - sigmoid(x)) exp(beta_t) - (alpha_w - 1)``, ``dQ/dbeta_t`` likewise with
  ``x`` -- two ``np.bincount`` per evaluation.

Per-label work is O(1) per evaluation (crowd-kit's melted frame is O(K) per label, in pandas); memory is the
integer codes, one float per label for ``p`` and ``tasks x K`` posteriors; the per-evaluation temporaries
are computed in chunks of :data:`CHUNK` labels.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from .._encoding import Encoded, FloatArray, IntArray, encode
from .base import AggregationResult, result_from_probas


def _one_blas_thread() -> AbstractContextManager[Any]:
    """scipy's CG does many short BLAS dot products; OpenBLAS worker threads make each one slower (several
    times slower on a busy machine), so the M-step runs single-threaded BLAS."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover
        return nullcontext()
    return threadpool_limits(1, user_api="blas")


#: Labels per chunk in the M-step objective: small enough for the temporaries to stay in cache.
CHUNK = 1 << 15
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass
class GladFit:
    """Raw EM output on codes: ``probas`` (tasks x labels), ``alphas`` per worker, ``betas`` per task
    (log inverse difficulty), ``loss_history`` = ``Q / (n * K)`` after each iteration (crowd-kit's)."""

    probas: FloatArray
    alphas: FloatArray
    betas: FloatArray
    loss_history: list[float]
    n_iter: int


class _Problem:
    """Rows sorted by task (so every chunk covers a contiguous range of tasks), as compact int arrays, plus
    ``1 - p`` (``p`` = posterior of the given answer), which stays fixed during one M-step."""

    def __init__(self, task: IntArray, worker: IntArray, lab: IntArray, n_tasks: int, n_workers: int, k: int):
        if len(task) > 1 and (np.diff(task) < 0).any():
            order = np.argsort(task, kind="stable")
            task, worker, lab = task[order], worker[order], lab[order]
        idx = np.int32 if max(n_tasks, n_workers) * k < 2**31 else np.int64
        self.n, self.n_tasks, self.n_workers, self.k = len(task), n_tasks, n_workers, k
        self.task = task.astype(idx)
        self.worker = worker.astype(idx)
        self.lab = lab.astype(np.int8 if k <= 127 else idx)
        self.log_k1 = float(np.log(k - 1))
        # chunk boundaries and the task range each chunk covers
        self.bounds = [(s, min(s + CHUNK, self.n)) for s in range(0, self.n, CHUNK)]
        self.t_range = [(int(self.task[a]), int(self.task[b - 1]) + 1) for a, b in self.bounds]
        self.omp = np.empty(self.n)  # 1 - posterior of the given answer
        self.sum_omp = 0.0

    def e_step(self, alphas: FloatArray, betas: FloatArray) -> FloatArray:
        eb = np.exp(betas)
        k = self.k
        probas = np.zeros((self.n_tasks, k))
        flat = probas.ravel()
        for (a, b), (t0, t1) in zip(self.bounds, self.t_range, strict=True):
            t = self.task[a:b]
            x = alphas[self.worker[a:b]] * eb[t]
            x += self.log_k1
            cell = (t - t0) * k + self.lab[a:b]
            flat[t0 * k : t1 * k] += np.bincount(cell, weights=x, minlength=(t1 - t0) * k)
        probas -= probas.max(axis=1, keepdims=True)  # the uniform class prior cancels in the softmax
        np.exp(probas, out=probas)
        probas /= probas.sum(axis=1, keepdims=True)
        return probas

    def set_posteriors(self, probas: FloatArray) -> None:
        flat = probas.ravel()
        for a, b in self.bounds:
            np.subtract(1.0, flat[self.task[a:b] * self.k + self.lab[a:b]], out=self.omp[a:b])
        self.sum_omp = float(self.omp.sum())

    def q_and_grad(self, alphas: FloatArray, betas: FloatArray, *, grad: bool = True) -> tuple[float, FloatArray]:
        """``Q`` (unnormalised, with the Gaussian priors) and its gradient ``[dQ/dalpha, dQ/dbeta]``.

        Per answer, with ``e = exp(-|x|)``: ``log sigmoid(x) = min(x, 0) - log(1 + e)`` and
        ``1 - sigmoid(x) = (e if x >= 0 else 1) / (1 + e)`` -- one ``exp`` and one ``log`` per answer.
        """
        eb = np.exp(betas)
        q = -self.log_k1 * self.sum_omp
        g_alpha = np.zeros(self.n_workers)
        g_beta = np.zeros(self.n_tasks)
        for (a, b), (t0, t1) in zip(self.bounds, self.t_range, strict=True):
            w, t, omp = self.worker[a:b], self.task[a:b], self.omp[a:b]
            ebt = eb[t]
            x = alphas[w] * ebt
            e = np.abs(x)
            np.negative(e, out=e)
            np.exp(e, out=e)
            one_e = e + 1.0
            q += float((np.minimum(x, 0.0) - omp * x).sum()) - float(np.log(one_e).sum())
            if grad:
                g = np.where(x >= 0.0, e, 1.0)
                g /= one_e  # 1 - sigmoid(x)
                g -= omp  # p - sigmoid(x)
                ebt *= g
                g *= x
                g_beta[t0:t1] += np.bincount(t - t0, weights=g, minlength=t1 - t0)
                g_alpha += np.bincount(w, weights=ebt, minlength=self.n_workers)
        da, db = alphas - 1.0, betas - 1.0
        q -= 0.5 * (float((da * da).sum()) + float((db * db).sum())) + _HALF_LOG_2PI * (self.n_workers + self.n_tasks)
        if not grad:
            return q, np.empty(0)
        g_alpha -= da
        g_beta -= db
        return q, np.concatenate([g_alpha, g_beta])


def glad_codes(
    task: IntArray,
    worker: IntArray,
    label: IntArray,
    n_tasks: int,
    n_workers: int,
    n_labels: int,
    *,
    n_iter: int = 100,
    tol: float = 1e-5,
    m_step_max_iter: int = 25,
    m_step_tol: float = 1e-2,
) -> GladFit:
    """GLAD EM on int codes. Classes that never occur get probability 0 (crowd-kit only knows the labels it
    sees); with a single class every task gets it with probability 1."""
    n = len(task)
    alphas, betas = np.ones(n_workers), np.ones(n_tasks)
    present = np.flatnonzero(np.bincount(label, minlength=n_labels) > 0)
    k = len(present)
    probas = np.zeros((n_tasks, n_labels))
    if n == 0 or k == 1:
        if k == 1:
            probas[:, present[0]] = 1.0
        return GladFit(probas, alphas, betas, [], 0)
    remap = np.full(n_labels, -1, dtype=np.int64)
    remap[present] = np.arange(k)
    prob = _Problem(task, worker, remap[label], n_tasks, n_workers, k)
    n_cells = float(n * k)

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        q, g = prob.q_and_grad(x[:n_workers], x[n_workers:])
        return -q, -g

    post = prob.e_step(alphas, betas)
    prob.set_posteriors(post)
    q = prob.q_and_grad(alphas, betas, grad=False)[0]  # crowd-kit starts from the unnormalised Q
    history: list[float] = []
    it = 0
    with _one_blas_thread():
        for it in range(1, n_iter + 1):  # noqa: B007
            last_q = q
            post = prob.e_step(alphas, betas)
            prob.set_posteriors(post)
            res = minimize(
                objective, np.concatenate([alphas, betas]), jac=True, method="CG",
                tol=m_step_tol, options={"maxiter": m_step_max_iter},
            )
            alphas, betas = res.x[:n_workers].copy(), res.x[n_workers:].copy()
            q = prob.q_and_grad(alphas, betas, grad=False)[0] / n_cells
            history.append(q)
            if q - last_q < tol:
                break
    probas[:, present] = post
    return GladFit(probas, alphas, betas, history, it)


def glad(
    data: pd.DataFrame | Encoded,
    *,
    n_iter: int = 100,
    tol: float = 1e-5,
    m_step_max_iter: int = 25,
    m_step_tol: float = 1e-2,
) -> AggregationResult:
    """GLAD aggregation (our vectorised EM; crowd-kit's is :func:`glad_crowdkit`).

    Confidence = posterior of the chosen label. ``extras``: ``alphas`` (Series by worker: ability),
    ``betas`` (Series by task: log inverse difficulty, crowd-kit's ``betas_``), ``loss_history``, ``n_iter``.
    """
    enc = encode(data)
    fit = glad_codes(
        enc.task, enc.worker, enc.label, enc.n_tasks, enc.n_workers, enc.n_labels,
        n_iter=n_iter, tol=tol, m_step_max_iter=m_step_max_iter, m_step_tol=m_step_tol,
    )
    extras: dict[str, Any] = {
        "alphas": pd.Series(fit.alphas, index=enc.workers),
        "betas": pd.Series(fit.betas, index=enc.tasks),
        "loss_history": fit.loss_history,
        "n_iter": fit.n_iter,
    }
    return result_from_probas("glad", enc, fit.probas, extras)
