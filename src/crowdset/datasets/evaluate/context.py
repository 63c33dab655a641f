"""State shared by the indicator checks during one streaming pass."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from crowdset.datasets.evaluate.media import MediaInspector
from crowdset.datasets.evaluate.profiles import Profile
from crowdset.datasets.evaluate.records import Rec
from crowdset.datasets.evaluate.result import IndicatorResult

if TYPE_CHECKING:
    from crowdset.datasets.evaluate.flat import FlatBatch

MAX_DISTINCT_LABELS = 10_000


@dataclass
class Ctx:
    profile: Profile
    meta: dict[str, Any]
    media: MediaInspector
    now: datetime
    lexical: bool = False  # values arrive as text (CSV): judge types by how they parse
    records: int = 0
    labelled: bool = False
    target_labels: list[str] | None = None
    label_counts: Counter[str] = field(default_factory=Counter)
    labelled_records: int = 0
    single_label_records: int = 0
    modalities: Counter[str] = field(default_factory=Counter)
    sensitive_fields: dict[str, list[str]] = field(default_factory=dict)
    sensitive_pii: Counter[str] = field(default_factory=Counter)  # sensitive category -> records
    pii_kinds: Counter[str] = field(default_factory=Counter)
    first_batch: bool = True

    def count_labels(self, batch: list[Rec]) -> None:
        for r in batch:
            if r.labels:
                self.labelled_records += 1
                if len(r.labels) == 1:
                    self.single_label_records += 1
                for lab in r.labels:
                    if lab in self.label_counts or len(self.label_counts) < MAX_DISTINCT_LABELS:
                        self.label_counts[lab] += 1
            if r.texts:
                self.modalities["text"] += 1
            for mt, _ in r.media:
                self.modalities[mt] += 1

    def count_labels_flat(self, fb: FlatBatch) -> None:
        """``count_labels`` for a flat batch: at most one label per record, no media."""
        labs = [s for s in fb.lab if s is not None]
        self.labelled_records += len(labs)
        self.single_label_records += len(labs)
        new = Counter(labs)
        if len(self.label_counts.keys() | new.keys()) <= MAX_DISTINCT_LABELS:
            self.label_counts.update(new)
        else:
            for lab in labs:
                if lab in self.label_counts or len(self.label_counts) < MAX_DISTINCT_LABELS:
                    self.label_counts[lab] += 1
        with_text = sum(1 for t in fb.texts if t)
        if with_text:
            self.modalities["text"] += with_text


class Check(Protocol):
    def update(self, batch: list[Rec], ctx: Ctx) -> None: ...

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None: ...

    def finish(self, ctx: Ctx) -> list[IndicatorResult]: ...
