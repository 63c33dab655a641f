"""0208 cleanliness: exact duplicates, near-duplicates (MinHash Jaccard ≥ threshold) and dirty records.

Each bad record is counted once, by the first reason that applies: dirty, then exact duplicate, then
near-duplicate. Only clean, first-seen records enter the near-duplicate index, so a chain of copies is
attributed to its earliest clean original.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from typing import Any

import numpy as np

from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.dedup import content_digest, make_near_dup, normalise_texts
from crowdset.datasets.evaluate.flat import FlatBatch
from crowdset.datasets.evaluate.records import Rec
from crowdset.datasets.evaluate.result import Evidence, IndicatorResult, ratio
from crowdset.datasets.evaluate.textcheck import (
    garbled_reason,
    garbled_suspects,
    repetition_ratio,
    repetition_ratios,
)

REPETITION_LIMIT = 0.5
REPETITION_MIN_CHARS = 50
_STATS_CAP = 100_000  # sample size for resolution / duration summaries


class CleanlinessCheck:
    def __init__(self, ctx: Ctx) -> None:
        nd = ctx.profile.near_duplicate
        self.k = int(nd.get("shingle", 3))
        self.threshold = float(nd.get("threshold", 0.8))
        self.method = str(nd.get("method", "vectorised"))
        self.near = make_near_dup(self.method, self.threshold, int(nd.get("num_perm", 128)), self.k)
        self.seen: set[bytes] = set()
        self.first_id: dict[bytes, str] = {}
        self.ids: list[str] = []
        self.n = 0
        self.dirty = 0
        self.exact = 0
        self.ev = Evidence()
        self.dirty_reasons: Counter[str] = Counter()
        self.rep_sum = 0.0
        self.rep_n = 0
        self.img_sizes: list[tuple[int, int]] = []
        self.img_total = self.img_bad = self.img_small = 0
        self.audio_rates: Counter[int] = Counter()
        self.audio_durations: list[float] = []
        self.audio_total = self.audio_bad = 0
        self.video_total = self.video_bad = 0

    def _dirty(self, r: Rec, ctx: Ctx, suspect: bool = True,
               reps: dict[int, float] | None = None) -> tuple[str, str] | None:
        """(category, reason) of the first dirt found in a record; ``suspect=False`` means the batch scan
        (``garbled_suspects``) already proved its texts free of garbling; ``reps`` holds the batch-computed
        repetition ratio of each long text by its ``id()``."""
        if r.error:
            return "unreadable record", r.error
        if not r.texts and not r.media:
            return "empty record", "record has neither text nor media"
        dirt = self._dirty_texts(r.texts, suspect, reps)
        if dirt:
            return dirt
        m = ctx.profile.media
        for mt, ref in r.media:
            info = ctx.media.inspect(mt, ref)
            if info.remote:
                continue
            if mt == "image":
                self.img_total += 1
                if not info.ok:
                    self.img_bad += 1
                elif info.width and len(self.img_sizes) < _STATS_CAP:
                    self.img_sizes.append((info.width, info.height or 0))
            elif mt == "audio":
                self.audio_total += 1
                if not info.ok:
                    self.audio_bad += 1
                elif info.sample_rate:
                    self.audio_rates[info.sample_rate] += 1
                    if len(self.audio_durations) < _STATS_CAP:
                        self.audio_durations.append(info.duration_s or 0.0)
            elif mt == "video":
                self.video_total += 1
                self.video_bad += not info.ok
            if not info.ok:
                cat = "empty media" if info.reason and info.reason.startswith("empty file") else "unreadable media"
                return cat, info.reason or "unreadable"
            if mt == "image" and info.width and min(info.width, info.height or 0) < int(m.get("min_image_side", 0)):
                self.img_small += 1
                return "low resolution", f"image {info.width}x{info.height} below minimum side {m['min_image_side']}"
            if mt == "audio" and info.sample_rate:
                if info.sample_rate < int(m.get("min_sample_rate", 0)):
                    return "low sample rate", f"audio {info.sample_rate} Hz below {m['min_sample_rate']} Hz"
                d = info.duration_s or 0.0
                if not float(m.get("min_duration_s", 0)) <= d <= float(m.get("max_duration_s", 1e12)):
                    return "duration out of range", f"audio {d:.2f}s outside [{m.get('min_duration_s')}, " \
                                                   f"{m.get('max_duration_s')}] s"
        return None

    def _dirty_texts(self, texts: list[str], suspect: bool,
                     reps: dict[int, float] | None) -> tuple[str, str] | None:
        for t in texts:
            why = garbled_reason(t) if suspect else None
            if why:
                return "garbled text", why
            if len(t) >= REPETITION_MIN_CHARS:
                rr = reps[id(t)] if reps is not None and id(t) in reps else repetition_ratio(t)
                self.rep_sum += rr
                self.rep_n += 1
                if rr > REPETITION_LIMIT:
                    return "repetitive text", f"{rr:.0%} of character 3-grams repeat (degenerate text)"
        return None

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        """``update`` for a flat batch (no media): the same batch scans, then the same per-record order."""
        if fb.single_text:
            self._flat_single(fb, ctx)
            return
        flat: list[str] = []
        owners: list[int] = []
        for j, ts in enumerate(fb.texts):
            if ts:
                flat.extend(ts)
                owners.extend([j] * len(ts))
        suspects = {owners[k] for k in garbled_suspects(flat)}
        long = [t for t in flat if len(t) >= REPETITION_MIN_CHARS]
        reps = dict(zip(map(id, long), repetition_ratios(long), strict=True))
        empty = ("empty record", "record has neither text nor media")
        dirts_d = [self._dirty_texts(ts, j in suspects, reps) if ts else empty for j, ts in enumerate(fb.texts)]
        if fb.pos is None:
            dirts, texts = dirts_d, fb.text
        else:
            dirts = [("unreadable record", r.error or "") for r in fb.raw]
            texts = [""] * fb.n
            for j, i in enumerate(fb.pos):
                dirts[i] = dirts_d[j]
                texts[i] = fb.text[j]
        self._consume(fb.ids, texts, None, dirts, ctx)

    def _flat_single(self, fb: FlatBatch, ctx: Ctx) -> None:
        """Flat records with at most one text each: the dirt rules of ``_dirty`` on whole lists.

        Per record: no text → empty; a garbled text (only the batch scan's suspects are checked); else a
        text of ≥ REPETITION_MIN_CHARS adds its repetition ratio to the running sum (in record order, the
        same float additions) and is dirty above REPETITION_LIMIT.
        """
        text = fb.text
        dirts: list[tuple[str, str] | None] = [None] * len(text)
        empty = ("empty record", "record has neither text nor media")
        for j in [j for j, t in enumerate(text) if not t]:
            dirts[j] = empty
        present = [j for j, t in enumerate(text) if t]
        for k in sorted(garbled_suspects([text[j] for j in present])):
            j = present[k]
            why = garbled_reason(text[j])
            if why:
                dirts[j] = ("garbled text", why)
        long = [j for j in present if len(text[j]) >= REPETITION_MIN_CHARS and dirts[j] is None]
        rrs = repetition_ratios([text[j] for j in long])
        if rrs:
            acc = self.rep_sum
            for rr in rrs:
                acc += rr
            self.rep_sum = acc
            self.rep_n += len(rrs)
            for j, rr in zip(long, rrs, strict=True):
                if rr > REPETITION_LIMIT:
                    dirts[j] = ("repetitive text", f"{rr:.0%} of character 3-grams repeat (degenerate text)")
        if fb.pos is None:
            full_dirts, texts = dirts, text
        else:
            full_dirts = [("unreadable record", r.error or "") for r in fb.raw]
            texts = [""] * fb.n
            for j, i in enumerate(fb.pos):
                full_dirts[i] = dirts[j]
                texts[i] = text[j]
        self._consume(fb.ids, texts, None, full_dirts, ctx)

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        owners: list[int] = []
        flat: list[str] = []
        for i, r in enumerate(batch):
            if not r.error:
                flat.extend(r.texts)
                owners.extend([i] * len(r.texts))
        suspects = {owners[j] for j in garbled_suspects(flat)}
        long = [t for t in flat if len(t) >= REPETITION_MIN_CHARS]
        reps = dict(zip(map(id, long), repetition_ratios(long), strict=True))
        dirts = [self._dirty(r, ctx, i in suspects, reps) for i, r in enumerate(batch)]
        self._consume([r.id for r in batch], [r.text for r in batch], [r.media for r in batch], dirts, ctx)

    def _consume(self, ids: list[str], full_texts: list[str], media: list[list[tuple[str, str]]] | None,
                 dirts: list[tuple[str, str] | None], ctx: Ctx) -> None:
        """Count dirt, then exact duplicates (digest of normalised text + media bytes) in record order, and
        queue the clean first-seen texts for the near-duplicate index."""
        keys: list[int] = []
        texts: list[str] = []
        if media is None:
            self._consume_texts(ids, full_texts, dirts)
            return
        norms = iter(normalise_texts([t for t, dirt in zip(full_texts, dirts, strict=True) if not dirt]))
        for i, dirt in enumerate(dirts):
            self.n += 1
            if dirt:
                self._count_dirty(ids[i], dirt)
                continue
            norm = next(norms)
            if media and media[i]:
                parts = [norm]
                for mt, ref in media[i]:
                    info = ctx.media.inspect(mt, ref)
                    parts.append(info.digest.hex() if info.digest else ref)
                dg = content_digest("\x00".join(parts))
            else:
                dg = content_digest(norm)
            if dg in self.seen:
                self.exact += 1
                self.ev.add(ids[i], f"exact duplicate of {self.first_id.get(dg, 'an earlier record')}")
                continue
            self.seen.add(dg)
            if len(self.first_id) < 100_000:
                self.first_id[dg] = ids[i]
            if len(norm) >= self.k:
                keys.append(len(self.ids))
                texts.append(norm)
                self.ids.append(ids[i])
        self.near.add_batch(np.asarray(keys, dtype=np.int64), texts)

    def _count_dirty(self, rid: str, dirt: tuple[str, str] | None) -> None:
        assert dirt is not None
        self.dirty += 1
        self.dirty_reasons[dirt[0]] += 1
        self.ev.add(rid, f"dirty ({dirt[0]}): {dirt[1]}")

    def _consume_texts(self, ids: list[str], full_texts: list[str], dirts: list[tuple[str, str] | None]) -> None:
        """``_consume`` for records without media: digests in one pass, then the same record-order walk."""
        keys: list[int] = []
        texts: list[str] = []
        clean = [i for i, dirt in enumerate(dirts) if not dirt]
        norms = normalise_texts([full_texts[i] for i in clean])
        b2 = hashlib.blake2b
        digests = [b2(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in norms]
        self.n += len(dirts)
        seen, first_id, k = self.seen, self.first_id, self.k
        evidence = self.ev
        bad = iter([i for i, dirt in enumerate(dirts) if dirt] + [len(dirts)])
        next_bad = next(bad)
        for i, norm, dg in zip(clean, norms, digests, strict=True):
            while next_bad < i:  # dirty records before this one, so evidence stays in record order
                self._count_dirty(ids[next_bad], dirts[next_bad])
                next_bad = next(bad)
            if dg in seen:
                self.exact += 1
                evidence.add(ids[i], f"exact duplicate of {first_id.get(dg, 'an earlier record')}")
                continue
            seen.add(dg)
            if len(first_id) < 100_000:
                first_id[dg] = ids[i]
            if len(norm) >= k:
                keys.append(len(self.ids))
                texts.append(norm)
                self.ids.append(ids[i])
        while next_bad < len(dirts):
            self._count_dirty(ids[next_bad], dirts[next_bad])
            next_bad = next(bad)
        self.near.add_batch(np.asarray(keys, dtype=np.int64), texts)

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        found = self.near.finish()
        ev_items = list(self.ev.items)
        for later in sorted(found)[: max(0, 20 - len(ev_items))]:
            earlier, sim = found[later]
            ev_items.append({"id": self.ids[later],
                             "reason": f"near-duplicate of {self.ids[earlier]} (estimated Jaccard {sim:.2f})"})
        bad = self.dirty + self.exact + len(found)
        method = (f"1 − (exact duplicates + near-duplicates (MinHash, character {self.k}-shingles, Jaccard ≥ "
                  f"{self.threshold}, {self.method}) + dirty records) ÷ records")
        res = ratio("0208", self.n - bad, self.n, method, None, "no records",
                    exact_duplicates=self.exact, near_duplicates=len(found), dirty_records=self.dirty,
                    dirty_reasons=dict(self.dirty_reasons), sub_metrics=self._sub_metrics())
        res.evidence = ev_items[:20]
        return [res]

    def _sub_metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.rep_n:
            out["text"] = {"records_checked": self.rep_n, "mean_repetition_ratio": round(self.rep_sum / self.rep_n, 4)}
        if self.img_total:
            img: dict[str, Any] = {"files": self.img_total, "decode_errors": self.img_bad,
                                   "below_min_side": self.img_small}
            if self.img_sizes:
                img["min_resolution"] = list(min(self.img_sizes, key=lambda s: s[0] * s[1]))
                img["median_width"] = statistics.median(w for w, _ in self.img_sizes)
                img["median_height"] = statistics.median(h for _, h in self.img_sizes)
            out["image"] = img
        if self.audio_total:
            aud: dict[str, Any] = {"files": self.audio_total, "decode_errors": self.audio_bad,
                                   "sample_rates": {str(k): v for k, v in sorted(self.audio_rates.items())}}
            if self.audio_durations:
                aud["duration_s"] = {"min": round(min(self.audio_durations), 3),
                                     "median": round(statistics.median(self.audio_durations), 3),
                                     "max": round(max(self.audio_durations), 3)}
            out["audio"] = aud
        if self.video_total:
            out["video"] = {"files": self.video_total, "unreadable": self.video_bad}
        return out
