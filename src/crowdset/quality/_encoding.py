"""Map task / worker / label values (any hashable: str, int, Chinese text) to dense int codes and back.

All numerical algorithms in :mod:`crowdset.quality` work on integer codes so the inner loops are plain
numpy (``np.bincount`` / ``scipy.sparse``) and never touch Python objects or pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def _sort_key(value: Any) -> tuple[int, Any]:
    """Total order for mixed-type label values: numbers first (by value), then everything else by str."""
    if isinstance(value, bool | np.bool_):
        return (0, int(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return (0, value)
    return (1, str(value))


def factorize(values: Any, *, sort: bool = False) -> tuple[IntArray, NDArray[Any]]:
    """Return ``(codes, uniques)`` with ``uniques[codes] == values``.

    ``sort=True`` orders the uniques naturally (numbers by value, strings lexicographically, mixed types
    numbers first) so codes -- and therefore tie-breaking -- do not depend on row order.
    """
    arr = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else np.asarray(values)
    if arr.ndim != 1:
        arr = arr.ravel()
    try:
        codes, uniques = pd.factorize(arr, sort=sort)
    except TypeError:  # mixed, unorderable types
        codes, uniques = pd.factorize(arr, sort=False)
        order = sorted(range(len(uniques)), key=lambda i: _sort_key(uniques[i]))
        remap = np.empty(len(uniques), dtype=np.int64)
        remap[np.asarray(order, dtype=np.int64)] = np.arange(len(uniques), dtype=np.int64)
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        uniques = np.asarray(uniques, dtype=object)[order]
    if (codes < 0).any():
        raise ValueError("missing values (null/NaN) are not allowed here")
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques)


@dataclass(frozen=True)
class Encoded:
    """Crowd labels in integer-coded long form: row ``i`` says worker ``worker[i]`` gave ``label[i]`` to
    ``task[i]``; ``tasks[task[i]]`` etc. recover the original values."""

    task: IntArray
    worker: IntArray
    label: IntArray
    tasks: NDArray[Any]
    workers: NDArray[Any]
    labels: NDArray[Any]

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    def __len__(self) -> int:
        return len(self.task)

    @classmethod
    def from_codes(
        cls,
        task: Any,
        worker: Any,
        label: Any,
        *,
        n_tasks: int | None = None,
        n_workers: int | None = None,
        n_labels: int | None = None,
    ) -> Encoded:
        """Wrap arrays that are already 0-based int codes (the fast path for large synthetic data)."""
        t, w, lab = (np.asarray(a, dtype=np.int64) for a in (task, worker, label))
        if not (len(t) == len(w) == len(lab)):
            raise ValueError("task, worker and label arrays must have the same length")
        nt = int(n_tasks if n_tasks is not None else (t.max() + 1 if len(t) else 0))
        nw = int(n_workers if n_workers is not None else (w.max() + 1 if len(w) else 0))
        nl = int(n_labels if n_labels is not None else (lab.max() + 1 if len(lab) else 0))
        return cls(t, w, lab, np.arange(nt), np.arange(nw), np.arange(nl))

    def task_index(self, values: Iterable[Any]) -> IntArray:
        """Codes of the given task values (-1 for tasks not present)."""
        lookup = pd.Index(self.tasks)
        return np.asarray(lookup.get_indexer(list(values)), dtype=np.int64)

    def label_index(self, values: Iterable[Any]) -> IntArray:
        """Codes of the given label values (-1 for labels not present)."""
        lookup = pd.Index(self.labels)
        return np.asarray(lookup.get_indexer(list(values)), dtype=np.int64)

    def worker_index(self, values: Iterable[Any]) -> IntArray:
        lookup = pd.Index(self.workers)
        return np.asarray(lookup.get_indexer(list(values)), dtype=np.int64)

    def to_frame(self) -> pd.DataFrame:
        """Integer-coded DataFrame (the format crowd-kit expects)."""
        return pd.DataFrame({"task": self.task, "worker": self.worker, "label": self.label})


def encode(
    data: pd.DataFrame | Encoded,
    *,
    task: str = "task",
    worker: str = "worker",
    label: str = "label",
    extra_labels: Sequence[Any] = (),
) -> Encoded:
    """Encode a long ``(task, worker, label)`` table.

    Tasks and workers are numbered in order of first appearance (so outputs follow input order); labels
    are numbered in sorted order (so tie-breaking by lowest code is "smallest label value").
    ``extra_labels`` adds label values that may not occur in ``data`` (e.g. gold-only classes).
    """
    if isinstance(data, Encoded):
        return data
    missing = [c for c in (task, worker, label) if c not in data.columns]
    if missing:
        raise ValueError(f"missing required column(s): {', '.join(missing)}")
    if len(data) and data[[task, worker, label]].isna().to_numpy().any():
        bad = data[[task, worker, label]].isna().any(axis=1).to_numpy().nonzero()[0][0]
        raise ValueError(f"row {bad} has an empty task, worker or label")
    t_codes, tasks = factorize(data[task])
    w_codes, workers = factorize(data[worker])
    if extra_labels:
        all_labels = pd.concat([data[label], pd.Series(list(extra_labels), dtype=object)], ignore_index=True)
        l_all, labels = factorize(all_labels, sort=True)
        l_codes = l_all[: len(data)]
    else:
        l_codes, labels = factorize(data[label], sort=True)
    return Encoded(t_codes, w_codes, l_codes, tasks, workers, labels)
