"""Seedable synthetic crowd: workers with confusion matrices, spammers, adversaries and gold tasks.

Used by tests and ``benchmarks/bench_aggregation.py``. Everything is vectorised so 5M labels take a
couple of seconds to generate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._encoding import Encoded, FloatArray, IntArray

WORKER_KINDS = ("good", "spammer", "constant", "adversary")


@dataclass
class SyntheticCrowd:
    """Generated data: integer codes plus the ground truth needed to score aggregators."""

    task: IntArray
    worker: IntArray
    label: IntArray
    lead_time: FloatArray
    truth: IntArray  # true label code per task
    worker_kind: list[str]  # one of WORKER_KINDS per worker
    confusion: FloatArray  # workers x true x answer, rows sum to 1
    gold_tasks: IntArray  # task codes whose truth is revealed as gold
    n_labels: int

    @property
    def n_tasks(self) -> int:
        return len(self.truth)

    @property
    def n_workers(self) -> int:
        return len(self.worker_kind)

    def encoded(self) -> Encoded:
        return Encoded.from_codes(
            self.task, self.worker, self.label,
            n_tasks=self.n_tasks, n_workers=self.n_workers, n_labels=self.n_labels,
        )

    def gold(self) -> dict[str, str]:
        """Gold answers keyed like :meth:`to_frame` (``t<i>`` -> ``L<c>``)."""
        return {f"t{t}": f"L{self.truth[t]}" for t in self.gold_tasks}

    def to_frame(self, *, string_ids: bool = True, with_gold: bool = False) -> pd.DataFrame:
        """Long table ``task, worker, label, lead_time`` (ids as ``t12``/``w3``/``L1`` strings by default)."""
        if string_ids:
            df = pd.DataFrame({
                "task": np.char.add("t", self.task.astype(str)).astype(object),
                "worker": np.char.add("w", self.worker.astype(str)).astype(object),
                "label": np.char.add("L", self.label.astype(str)).astype(object),
            })
        else:
            df = pd.DataFrame({"task": self.task, "worker": self.worker, "label": self.label})
        df["lead_time"] = self.lead_time
        if with_gold:
            is_gold = np.zeros(self.n_tasks, dtype=bool)
            is_gold[self.gold_tasks] = True
            g = np.where(is_gold[self.task], self.truth[self.task], -1)
            if string_ids:
                df["gold"] = np.where(g >= 0, np.char.add("L", g.astype(str)), None)
            else:
                df["gold"] = pd.array(np.where(g >= 0, g, 0), dtype="Int64").where(g >= 0)
        return df


def _distinct_workers(rng: np.random.Generator, n_tasks: int, n_workers: int, k: int) -> IntArray:
    """``n_tasks x k`` matrix of distinct worker ids per row (resample duplicates until none remain)."""
    if k == n_workers:
        return np.argsort(rng.random((n_tasks, n_workers)), axis=1) if n_tasks * n_workers <= 5e7 else np.tile(
            np.arange(n_workers), (n_tasks, 1)
        )
    out = rng.integers(0, n_workers, size=(n_tasks, k))
    for _ in range(1000):
        s = np.sort(out, axis=1)
        dup_rows = np.flatnonzero((s[:, 1:] == s[:, :-1]).any(axis=1))
        if not len(dup_rows):
            return out
        out[dup_rows] = rng.integers(0, n_workers, size=(len(dup_rows), k))
    raise RuntimeError("could not draw distinct workers")  # pragma: no cover


def generate_crowd(
    n_tasks: int = 1000,
    n_workers: int = 20,
    labels_per_task: int = 5,
    n_labels: int = 2,
    *,
    spammer_frac: float = 0.0,
    constant_frac: float = 0.0,
    adversary_frac: float = 0.0,
    accuracy: tuple[float, float] = (0.65, 0.95),
    gold_frac: float = 0.05,
    class_prior: FloatArray | None = None,
    seed: int = 0,
) -> SyntheticCrowd:
    """Simulate a crowd.

    * good workers: accuracy uniform in ``accuracy``; errors go to a random *preferred* wrong class with
      probability 1/2, otherwise uniformly (so confusion matrices are asymmetric, which is where Dawid-Skene
      beats majority vote);
    * spammers answer uniformly at random (answers independent of the truth) with very short lead times;
    * constant workers always give the same label;
    * adversaries answer correctly only 10% of the time.
    """
    if labels_per_task > n_workers:
        raise ValueError("labels_per_task cannot exceed n_workers")
    rng = np.random.default_rng(seed)
    prior = np.full(n_labels, 1.0 / n_labels) if class_prior is None else np.asarray(class_prior, float)
    truth = rng.choice(n_labels, size=n_tasks, p=prior / prior.sum()).astype(np.int64)

    n_spam = int(round(spammer_frac * n_workers))
    n_const = int(round(constant_frac * n_workers))
    n_adv = int(round(adversary_frac * n_workers))
    kinds = ["spammer"] * n_spam + ["constant"] * n_const + ["adversary"] * n_adv
    kinds += ["good"] * (n_workers - len(kinds))
    kinds = [kinds[i] for i in rng.permutation(n_workers)]

    conf = np.empty((n_workers, n_labels, n_labels))
    eye = np.eye(n_labels)
    for w, kind in enumerate(kinds):
        if kind == "spammer":
            conf[w] = 1.0 / n_labels
        elif kind == "constant":
            conf[w] = 0.0
            conf[w][:, rng.integers(n_labels)] = 1.0
        else:
            acc = 0.1 if kind == "adversary" else rng.uniform(*accuracy)
            if n_labels == 1:
                conf[w] = 1.0
                continue
            off = np.full((n_labels, n_labels), 0.5 * (1 - acc) / (n_labels - 1))
            pref = (np.arange(n_labels) + rng.integers(1, n_labels, size=n_labels)) % n_labels
            off[np.arange(n_labels), pref] += 0.5 * (1 - acc)
            conf[w] = np.where(eye > 0, acc, off)
    conf /= conf.sum(axis=2, keepdims=True)

    who = _distinct_workers(rng, n_tasks, n_workers, labels_per_task)
    task = np.repeat(np.arange(n_tasks, dtype=np.int64), labels_per_task)
    worker = who.ravel().astype(np.int64)
    cdf = np.cumsum(conf, axis=2)
    rows = cdf[worker, truth[task]]  # n x K
    u = rng.random(len(task))
    label = np.minimum((u[:, None] > rows).sum(axis=1), n_labels - 1).astype(np.int64)

    kind_arr = np.array(kinds)
    fast = np.isin(kind_arr, ["spammer", "constant"])[worker]
    lead = rng.lognormal(mean=np.where(fast, 0.0, 2.0), sigma=0.4)
    gold_tasks = np.sort(rng.choice(n_tasks, size=int(round(gold_frac * n_tasks)), replace=False)).astype(np.int64)
    return SyntheticCrowd(task, worker, label, lead, truth, kinds, conf, gold_tasks, n_labels)
