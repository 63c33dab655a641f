"""0301 diversity, 0302 scale, 0303 timeliness, 0304 annotation accuracy."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import timedelta
from typing import Any

from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.flat import FlatBatch
from crowdset.datasets.evaluate.media import MediaRefused, contained
from crowdset.datasets.evaluate.record_checks import parse_time_cached
from crowdset.datasets.evaluate.records import Rec
from crowdset.datasets.evaluate.result import Evidence, IndicatorResult, not_applicable, ratio
from crowdset.datasets.evaluate.stats import entropy, wilson_interval

TIME_FIELDS = ("last_modified_time", "updated_at", "last_modified", "update_time", "modified_at", "修改时间")
GOLD_FIELDS = ("gold_label", "gold", "gold_answer", "标准答案")
VOTE_FIELDS = ("annotator_labels", "votes", "worker_labels")
POSTERIOR_FIELDS = ("posterior", "confidence", "label_confidence")
_ACCURACY_FIELDS = frozenset(GOLD_FIELDS + VOTE_FIELDS + POSTERIOR_FIELDS)


def diversity(ctx: Ctx) -> IndicatorResult:
    """Effective number of categories (exp of label entropy, a Hill number) ÷ target categories.

    One figure that falls both when target labels are missing (coverage) and when the distribution is
    skewed (normalised entropy); both parts are reported alongside.
    """
    method = "effective number of categories exp(H) over the target label set ÷ target categories"
    if not ctx.label_counts:
        return not_applicable("0301", method, "dataset carries no labels")
    declared = bool(ctx.target_labels)
    target = list(ctx.target_labels) if declared else sorted(ctx.label_counts)
    counts = [ctx.label_counts.get(t, 0) for t in target]
    k = len(target)
    h = entropy(counts)
    covered = sum(1 for c in counts if c > 0)
    ev = Evidence()
    for t, c in zip(target, counts, strict=True):
        if c == 0:
            ev.add(t, "target label never used")
    share = max(counts) / max(1, sum(counts))
    if share > 0.5 and k > 1:
        ev.add(target[counts.index(max(counts))], f"dominant label holds {share:.0%} of labels")
    return ratio("0301", round(math.exp(h), 4), k, method + ("" if declared else " (no label set declared: "
                 "target = observed labels)"), ev, coverage=round(covered / k, 4),
                 normalised_entropy=round(h / math.log(k), 4) if k > 1 else 1.0)


def scale(ctx: Ctx) -> IndicatorResult:
    req = ctx.profile.required_scale
    return ratio("0302", min(ctx.records, req), req,
                 f"min(1, records ÷ required size {req} of profile {ctx.profile.name})", None, records=ctx.records)


class TimelinessCheck:
    def __init__(self, ctx: Ctx) -> None:
        tf = ctx.meta.get("time_field")
        self.fields = (tf,) if tf else TIME_FIELDS
        self.a = self.b = self.with_field = 0
        self.ev = Evidence()
        self.oldest = ctx.now - timedelta(days=ctx.profile.freshness_days)
        self.future = ctx.now + timedelta(days=1)

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        for r in batch:
            if r.error:
                continue
            self.b += 1
            d = r.data
            raw = None
            for f in self.fields:
                if f in d and d[f] not in (None, ""):
                    raw = d[f]
                    break
            if raw is None:
                self.ev.add(r.id, "no last_modified_time")
                continue
            self.with_field += 1
            why = self._stale(raw, ctx)
            if why:
                self.ev.add(r.id, why)
            else:
                self.a += 1

    def _stale(self, raw: Any, ctx: Ctx) -> str | None:
        """Why a last-modified value fails (not a time, too old, in the future), or None when fresh."""
        t = parse_time_cached(raw)
        if t is None:
            return f"last_modified_time {str(raw)[:30]!r} is not a date-time"
        if t < self.oldest:
            return f"last modified {t.date()} before the {ctx.profile.freshness_days}-day window"
        if t > self.future:
            return f"last modified {t.date()} lies in the future"
        return None

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        raws: list[Any] = [None] * len(fb.ds)
        for f in reversed([f for f in self.fields if f in fb.keys]):
            raws = [v if not (v is None or v == "") else p for v, p in zip(fb.col(f), raws, strict=True)]
        self.b += len(fb.ds)
        memo: dict[tuple[type, Any], str | None] = {}  # timestamps repeat: judge each distinct value once
        for j, raw in enumerate(raws):
            if raw is None:
                self.ev.add(fb.ids[fb.raw_pos(j)], "no last_modified_time")
                continue
            self.with_field += 1
            key = (type(raw), raw)
            if key in memo:
                why = memo[key]
            else:
                why = memo[key] = self._stale(raw, ctx)
            if why:
                self.ev.add(fb.ids[fb.raw_pos(j)], why)
            else:
                self.a += 1

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        m = (f"records whose last_modified_time lies within {ctx.profile.freshness_days} days before the "
             f"evaluation ({ctx.now.date()}) ÷ records")
        if self.with_field == 0:
            return [not_applicable("0303", m, "no record carries last_modified_time")]
        return [ratio("0303", self.a, self.b, m, self.ev, "no records")]


def _label_set(v: Any) -> frozenset[str] | None:
    if v is None or v == "":
        return None
    items = v if isinstance(v, list) else [v]
    return frozenset(str(x).strip() for x in items if x is not None and str(x).strip())


class AccuracyCheck:
    """0304: agreement with gold answers (records' gold fields or metadata ``gold_file``); else an estimate
    from several annotators' votes or aggregation posteriors, marked ``estimated``."""

    def __init__(self, ctx: Ctx) -> None:
        self.gold: dict[str, frozenset[str]] = {}
        gf = ctx.meta.get("gold_file")
        if gf:
            # the sidecar may come with the data (or from a catalogue entry): the gold file stays inside
            # the folder the engine vouches for, like media references
            try:
                p = contained(ctx.meta.get("_dir") or ".", str(gf))
            except MediaRefused as exc:
                raise ValueError(f"it must name a file inside the dataset's folder ({exc})") from None
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    g = json.loads(line)
                    gs = _label_set(g.get("label", g.get("gold")))
                    if gs is not None:
                        self.gold[str(g["id"])] = gs
        self.g_ok = self.g_n = 0
        self.v_ok = self.v_n = 0
        self.p_sum = 0.0
        self.p_n = 0
        self.ev = Evidence()
        self.v_ev = Evidence()

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        for r in batch:
            if r.error:
                continue
            gold = self.gold.get(r.id)
            if gold is None and r.data.keys().isdisjoint(_ACCURACY_FIELDS):
                continue  # no gold, votes or posterior fields: nothing below can apply
            if gold is None:
                gold = next((_label_set(r.data[f]) for f in GOLD_FIELDS if f in r.data), None)
            if gold is not None:
                self.g_n += 1
                got = frozenset(r.labels or [])
                if got == gold:
                    self.g_ok += 1
                else:
                    self.ev.add(r.id, f"label {sorted(got)} differs from gold {sorted(gold)}")
                continue
            votes = next((r.data[f] for f in VOTE_FIELDS if isinstance(r.data.get(f), list)), None)
            if votes:
                flat = [str(v) for v in votes if v is not None]
                if len(flat) >= 2:
                    top, n_top = Counter(flat).most_common(1)[0]
                    self.v_ok += n_top
                    self.v_n += len(flat)
                    if n_top < len(flat):
                        self.v_ev.add(r.id, f"{len(flat) - n_top} of {len(flat)} annotators disagree with {top!r}")
                continue
            post = next((r.data[f] for f in POSTERIOR_FIELDS if isinstance(r.data.get(f), (int, float))), None)
            if post is not None and not isinstance(post, bool) and 0 <= post <= 1:
                self.p_sum += float(post)
                self.p_n += 1

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        if self.gold or not fb.keys.isdisjoint(_ACCURACY_FIELDS):
            self.update(fb.recs(), ctx)
        # else: no gold answers, votes or posteriors in this batch, nothing to count

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        if self.g_n:
            lo, hi = wilson_interval(self.g_ok, self.g_n)
            return [ratio("0304", self.g_ok, self.g_n, "records whose label equals the gold answer ÷ gold records",
                          self.ev, estimated=False, interval=[round(100 * lo, 2), round(100 * hi, 2)])]
        if self.v_n:
            lo, hi = wilson_interval(self.v_ok, self.v_n)
            return [ratio("0304", self.v_ok, self.v_n, "estimated: annotator votes agreeing with the record's "
                          "majority label ÷ votes (no gold answers)", self.v_ev, estimated=True,
                          interval=[round(100 * lo, 2), round(100 * hi, 2)])]
        if self.p_n:
            lo, hi = wilson_interval(self.p_sum, self.p_n)
            return [ratio("0304", round(self.p_sum, 4), self.p_n, "estimated: mean aggregation posterior of the "
                          "final labels (no gold answers)", None, estimated=True,
                          interval=[round(100 * lo, 2), round(100 * hi, 2)])]
        return [not_applicable("0304", "agreement with gold answers (95% Wilson interval)",
                               "no gold answers, annotator votes or label posteriors in the data")]
