"""0202 security conformance: PII detector hits (security/pii.py) and profile blocked terms per record.

Evidence shows masked values only — the report must not become a copy of the personal data it flags.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.flat import FlatBatch
from crowdset.datasets.evaluate.records import ID_FIELDS, Rec
from crowdset.datasets.evaluate.result import Evidence, IndicatorResult, ratio
from crowdset.security.pii import (
    KINDS,
    PII_CANDIDATE,
    detect,
    hit_categories,
    mask_value,
    sensitive_categories,
)

# values of these exact types add no nested field names (``_field_names`` only descends into dicts)
_FLAT_TYPES = frozenset({str, int, float, bool, type(None), list})
_NO_STRINGS = frozenset({int, float, bool, type(None)})  # ``_strings`` yields nothing for these
_SKIP = frozenset({*ID_FIELDS, "rid", "original_time", "last_modified_time", "version"})


def _strings(v: Any, depth: int = 0) -> Iterator[str]:
    if isinstance(v, str):
        yield v
    elif depth < 6 and isinstance(v, dict):
        for x in v.values():
            yield from _strings(x, depth + 1)
    elif depth < 6 and isinstance(v, list):
        for x in v:
            yield from _strings(x, depth + 1)


def _field_names(v: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    if isinstance(v, dict) and depth < 4:
        for k, x in v.items():
            yield f"{prefix}{k}"
            yield from _field_names(x, f"{prefix}{k}.", depth + 1)


class SecurityCheck:
    def __init__(self, ctx: Ctx) -> None:
        ignore = set(ctx.profile.pii.get("ignore_kinds") or [])
        self.kinds = [k for k in KINDS if k not in ignore]
        terms = [t for t in ctx.profile.blocked_terms if t]
        terms += [str(t) for t in ctx.meta.get("blocked_terms") or [] if t]
        self.blocked = re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))) \
            if terms else None
        self.blocked_multiline = any("\n" in t for t in terms)
        self.a = self.b = 0
        self.ev = Evidence()
        self.term_hits: Counter[str] = Counter()
        self.names_checked: set[str] = set()

    def _suspects(self, strings: list[str]) -> tuple[set[int] | None, set[int] | None]:
        """Indices of the strings that can hold PII / a blocked term, from one scan of the joined batch.

        ``detect`` returns nothing for a string without a candidate character, and no candidate class or
        blocked term spans the "\n" joiner, so only the returned strings need the per-string scan
        (``None``: scan every string, e.g. a blocked term that itself contains a newline).
        """
        joined = "\n".join(strings)
        starts = list(itertools.accumulate((len(t) + 1 for t in strings[:-1]), initial=0))

        def owners(positions: Iterator[int]) -> set[int]:
            return {bisect.bisect_right(starts, p) - 1 for p in positions}

        pii = owners(m.start() for m in PII_CANDIDATE.finditer(joined))
        if self.blocked is None:
            return pii, set()
        if self.blocked_multiline:
            return pii, None
        return pii, owners(m.start() for m in self.blocked.finditer(joined))

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        per_record: list[list[tuple[str, str]]] = []
        nested: list[bool] = []  # record has a value that could add nested field names
        strings: list[str] = []
        for r in batch:
            items: list[tuple[str, str]] = []
            deep = False
            if not r.error:
                for key, val in r.data.items():
                    tv = type(val)
                    if tv not in _FLAT_TYPES:
                        deep = True
                    if tv is str:
                        if key not in _SKIP:
                            items.append((key, val))
                            strings.append(val)
                    elif tv not in _NO_STRINGS and key not in _SKIP:
                        for x in _strings(val):
                            items.append((key, x))
                            strings.append(x)
            per_record.append(items)
            nested.append(deep)
        pii_sus, blocked_sus = self._suspects(strings) if strings else (set(), set())
        idx = 0
        for r, items, deep in zip(batch, per_record, nested, strict=True):
            if r.error:
                continue
            if len(self.names_checked) < 10_000 and (deep or not self.names_checked.issuperset(r.data)):
                for name in _field_names(r.data):
                    if name not in self.names_checked:
                        self.names_checked.add(name)
                        cats = sensitive_categories(name.rsplit(".", 1)[-1])
                        if cats:
                            ctx.sensitive_fields[name] = cats
            self.b += 1
            reasons: list[str] = []
            cats_here: set[str] = set()
            for key, s in items:
                if pii_sus is None or idx in pii_sus:
                    for h in detect(s, self.kinds):
                        ctx.pii_kinds[h.kind] += 1
                        cats_here.update(hit_categories(h, ctx.now.date()))
                        if len(reasons) < 3:
                            reasons.append(f"{h.kind} {mask_value(h.kind, h.value)} in {key}")
                if self.blocked is not None and (blocked_sus is None or idx in blocked_sus):
                    for m in self.blocked.finditer(s):
                        self.term_hits[m.group()] += 1
                        if len(reasons) < 3:
                            reasons.append(f"blocked term {m.group()!r} in {key}")
                idx += 1
            for c in cats_here:
                ctx.sensitive_pii[c] += 1
            if reasons:
                self.ev.add(r.id, "; ".join(reasons))
            else:
                self.a += 1

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        """``update`` for flat records: each string column scanned once; only the records holding a PII
        candidate or a blocked term are scanned value by value (in field order, as ``update`` does)."""
        if len(self.names_checked) < 10_000 and not self.names_checked.issuperset(fb.keys):
            for d in fb.ds:  # flat values add no nested names
                if len(self.names_checked) < 10_000 and not self.names_checked.issuperset(d):
                    for name in d:
                        if name not in self.names_checked:
                            self.names_checked.add(name)
                            cats = sensitive_categories(name.rsplit(".", 1)[-1])
                            if cats:
                                ctx.sensitive_fields[name] = cats
        suspects: set[int] = set()
        for k in fb.keys:
            if k in _SKIP:
                continue
            col = fb.col(k)
            strs = [v for v in col if type(v) is str]
            if not strs:
                continue
            if len(strs) != len(col):
                strs = [v if type(v) is str else "" for v in col]
            joined = "\n".join(strs)
            hits = [m.start() for m in PII_CANDIDATE.finditer(joined)]
            if self.blocked is not None:
                if self.blocked_multiline:
                    suspects.update(j for j, v in enumerate(col) if type(v) is str)
                else:
                    hits.extend(m.start() for m in self.blocked.finditer(joined))
            if hits:
                starts = list(itertools.accumulate((len(t) + 1 for t in strs[:-1]), initial=0))
                suspects.update(bisect.bisect_right(starts, h) - 1 for h in hits)
        self.b += len(fb.ds)
        self.a += len(fb.ds) - len(suspects)
        for j in sorted(suspects):
            items = [(key, val) for key, val in fb.ds[j].items() if type(val) is str and key not in _SKIP]
            reasons: list[str] = []
            cats_here: set[str] = set()
            for key, s in items:
                for h in detect(s, self.kinds):
                    ctx.pii_kinds[h.kind] += 1
                    cats_here.update(hit_categories(h, ctx.now.date()))
                    if len(reasons) < 3:
                        reasons.append(f"{h.kind} {mask_value(h.kind, h.value)} in {key}")
                if self.blocked is not None:
                    for m in self.blocked.finditer(s):
                        self.term_hits[m.group()] += 1
                        if len(reasons) < 3:
                            reasons.append(f"blocked term {m.group()!r} in {key}")
            for c in cats_here:
                ctx.sensitive_pii[c] += 1
            if reasons:
                self.ev.add(fb.ids[fb.raw_pos(j)], "; ".join(reasons))
            else:
                self.a += 1

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        m = "1 − records with validated PII hits (" + ", ".join(self.kinds) + ") or profile blocked-term hits ÷ records"
        return [ratio("0202", self.a, self.b, m, self.ev, "no readable records",
                      pii_hits=dict(ctx.pii_kinds), blocked_term_hits=dict(self.term_hits),
                      sensitive_fields=dict(ctx.sensitive_fields),
                      sensitive_categories_detected=dict(ctx.sensitive_pii))]
