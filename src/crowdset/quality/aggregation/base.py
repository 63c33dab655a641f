"""Common result type for all classification aggregators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._encoding import Encoded, FloatArray, IntArray


@dataclass
class AggregationResult:
    """Per-task aggregated label and confidence.

    ``confidence`` is the share of (weighted) votes for majority-vote methods and the posterior probability
    of the chosen label for probabilistic models (Dawid-Skene, GLAD, MACE). ``probas`` (tasks x labels,
    columns ordered like ``label_values``) is ``None`` when it would not fit in memory.
    """

    method: str
    tasks: NDArray[Any]
    label_codes: IntArray
    confidence: FloatArray
    label_values: NDArray[Any]
    probas: FloatArray | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> NDArray[Any]:
        """Aggregated labels as the original values (e.g. ``'猫'``, ``3``)."""
        return self.label_values[self.label_codes]

    def __len__(self) -> int:
        return len(self.tasks)

    def to_frame(self) -> pd.DataFrame:
        """``task, label, confidence`` DataFrame, one row per task in input order."""
        return pd.DataFrame({"task": self.tasks, "label": self.labels, "confidence": self.confidence})

    def probas_frame(self) -> pd.DataFrame:
        """Task x label posterior table (raises if ``probas`` was not kept)."""
        if self.probas is None:
            raise ValueError(f"{self.method}: per-label probabilities were not kept")
        return pd.DataFrame(
            self.probas, index=pd.Index(self.tasks, name="task"), columns=pd.Index(self.label_values)
        )


def result_from_probas(
    method: str, enc: Encoded, probas: FloatArray, extras: dict[str, Any] | None = None
) -> AggregationResult:
    """Pick the most probable label per task (lowest label code on ties) and its probability."""
    codes = np.argmax(probas, axis=1).astype(np.int64) if probas.size else np.zeros(0, dtype=np.int64)
    conf = probas[np.arange(len(codes)), codes] if len(codes) else np.zeros(0)
    return AggregationResult(method, enc.tasks, codes, conf, enc.labels, probas, extras or {})
