"""Columnar view of one batch of flat records, so the checks work a column at a time.

Lines are still parsed one by one with ``json`` (a broken line stays one failing record with its line
number and message; ints stay ints, floats floats, duplicate keys and NaN behave as ``json`` says), but
instead of building a ``Rec`` per record and letting twelve checks walk the records one by one, a batch
whose records are all flat — every value a str, int, float, bool or null, no TC609 ``data_content``, no
media, span or box fields — becomes one ``FlatBatch``: one Python list per field, the record ids, texts
and labels resolved exactly as ``Normaliser`` resolves them, and the positions of the unreadable lines.
Each check's ``update_flat`` screens whole columns (C-level list operations, batch regex scans) and runs
its per-record code only on the records the screen cannot clear, in record order, so counts, scores and
evidence come out identical to ``update`` on the same records (tests/datasets/evaluate/test_flat_path.py).

A batch that is not flat (or a check whose configuration has no columnar form, e.g. a declared
``record_schema``) takes the per-record path: ``FlatBatch.recs()`` materialises the ``Rec`` list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crowdset.datasets.evaluate.readers import RawRecord
from crowdset.datasets.evaluate.records import (
    BOX_FIELDS,
    ID_FIELDS,
    LABEL_FIELDS,
    MEDIA_FIELDS,
    SPAN_FIELDS,
    TEXT_FIELDS,
    Normaliser,
    Rec,
)

_SCALARS = frozenset({str, int, float, bool, type(None)})
_NOT_FLAT = frozenset({"data_content", *MEDIA_FIELDS, *SPAN_FIELDS, *BOX_FIELDS})


class FlatBatch:
    """A batch of flat records as columns; build with ``FlatBatch.build`` (None when not flat)."""

    __slots__ = ("raw", "n", "ds", "pos", "errs", "keys", "_cols", "ids", "texts", "text", "lab", "_norm",
                 "_recs", "single_text")

    def __init__(self, raw: list[RawRecord], ds: list[dict[str, Any]], pos: list[int] | None,
                 errs: list[int], keys: set[str], cols: dict[str, list[Any]], norm: Normaliser) -> None:
        self.raw = raw
        self.n = len(raw)
        self.ds = ds  # the readable records, in order
        self.pos = pos  # raw position of ds[j]; None when every record is readable
        self.errs = errs  # raw positions of the unreadable records
        self.keys = keys
        self._cols = cols
        self._norm = norm
        self._recs: list[Rec] | None = None
        m = len(ds)
        rows = [raw[i].row for i in pos] if pos is not None else [r.row for r in raw]
        # id: the first of ID_FIELDS holding something other than null / "" (Normaliser's rule)
        rid: list[Any] = [None] * m
        for f in reversed([f for f in ID_FIELDS if f in keys]):
            rid = [v if not (v is None or v == "") else p for v, p in zip(self.col(f), rid, strict=True)]
        ids = [v if type(v) is str and v else (f"row-{r}" if v is None or v == "" else str(v))
               for v, r in zip(rid, rows, strict=True)]
        if pos is not None:
            full = [f"row-{r.row}" for r in raw]
            for j, i in enumerate(pos):
                full[i] = ids[j]
            ids = full
        self.ids: list[str] = ids  # aligned with raw (unreadable records: row-N)
        tf = [f for f in TEXT_FIELDS if f in keys]
        self.single_text = len(tf) <= 1  # each record has at most one text
        if len(tf) == 1:
            c = self.col(tf[0])
            self.texts: list[list[str]] = [[v] if type(v) is str and v else [] for v in c]
            self.text: list[str] = [v if type(v) is str else "" for v in c]
        else:
            tcols = [self.col(f) for f in tf]
            self.texts = [[v for v in vs if type(v) is str and v] for vs in zip(*tcols, strict=True)] \
                if tcols else [[] for _ in range(m)]
            self.text = ["\n".join(t) for t in self.texts]
        # label: the first of LABEL_FIELDS that is not null / "", stripped; None = no label (or blank)
        lab: list[Any] = [None] * m
        for f in reversed([f for f in LABEL_FIELDS if f in keys]):
            lab = [v if not (v is None or v == "") else p for v, p in zip(self.col(f), lab, strict=True)]
        self.lab: list[str | None] = [
            None if v is None else ((v if type(v) is str else str(v)).strip() or None) for v in lab]

    @classmethod
    def build(cls, raw: list[RawRecord], norm: Normaliser) -> FlatBatch | None:
        ds_all = [r.data for r in raw]
        if None in ds_all:
            errs = [i for i, d in enumerate(ds_all) if d is None]
            pos: list[int] | None = [i for i, d in enumerate(ds_all) if d is not None]
            ds = [d for d in ds_all if d is not None]
        else:
            errs, pos, ds = [], None, ds_all
        if any(type(d) is not dict for d in ds):
            return None
        keys: set[str] = set().union(*ds)
        if not keys.isdisjoint(_NOT_FLAT):
            return None
        cols: dict[str, list[Any]] = {}
        for k in keys:
            c = [d.get(k) for d in ds]
            if not _SCALARS.issuperset(map(type, c)):
                return None
            cols[k] = c
        return cls(raw, ds, pos, errs, keys, cols, norm)

    def col(self, key: str) -> list[Any]:
        """Values of ``key`` for the readable records (None where absent)."""
        c = self._cols.get(key)
        if c is None:
            c = self._cols[key] = [None] * len(self.ds)
        return c

    def col_or(self, key: str, default: Any) -> list[Any]:
        """Like ``col`` but ``default`` where the key is absent (``dict.get(key, default)``)."""
        if key not in self.keys:
            return [default] * len(self.ds)
        return [d.get(key, default) for d in self.ds]

    def raw_pos(self, j: int) -> int:
        return j if self.pos is None else self.pos[j]

    def in_order(self, fails: list[int]) -> Iterator[tuple[int, int | None]]:
        """(raw position, j or None) for the failing readable records ``fails`` (ascending) and every
        unreadable record (j None), merged in record order."""
        pos = self.pos
        if not self.errs:
            for j in fails:
                yield j, j
            return
        assert pos is not None
        errs = self.errs
        e = 0
        for j in fails:
            i = pos[j]
            while e < len(errs) and errs[e] < i:
                yield errs[e], None
                e += 1
            yield i, j
        for i in errs[e:]:
            yield i, None

    def recs(self) -> list[Rec]:
        """The per-record view, for checks without a columnar path in their configuration."""
        if self._recs is None:
            self._recs = [self._norm(r) for r in self.raw]
        return self._recs


def missing_mask(col: list[Any]) -> list[bool]:
    """``is_missing`` of every value of a flat column (null, blank string)."""
    ts = set(map(type, col))
    if ts <= {str}:
        return [not v.strip() for v in col]
    if ts <= {int, float, bool}:
        return [False] * len(col)
    if ts <= {str, type(None)}:
        return [v is None or not v.strip() for v in col]
    from crowdset.datasets.evaluate.record_checks import is_missing

    return [is_missing(v) for v in col]
