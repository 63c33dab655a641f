"""0201 format, 0203 annotation, 0204 structural completeness, 0205 provenance, 0206 cross-modal
consistency and 0207 type consistency — record-by-record checks in the streaming pass."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.flat import FlatBatch, missing_mask
from crowdset.datasets.evaluate.record_checks import (
    INTERNET_SOURCE,
    TC609_REQUIRED,
    is_http_url,
    is_missing,
    schema_problems,
    tc609_problems,
    type_matches,
    value_type,
)
from crowdset.datasets.evaluate.records import ID_FIELDS, Rec
from crowdset.datasets.evaluate.result import Evidence, IndicatorResult, not_applicable, ratio

CHECKSUM_FIELDS = ("sha256", "checksum")


def _schema_fields(ctx: Ctx) -> dict[str, dict[str, Any]]:
    rs = ctx.meta.get("record_schema")
    fields = rs.get("fields") if isinstance(rs, dict) else None
    return {str(k): (v if isinstance(v, dict) else {"type": v}) for k, v in (fields or {}).items()}


class FormatCheck:
    """0201: TC609 record format, else the declared schema, else well-formedness; plus files readable."""

    def __init__(self) -> None:
        self.a = self.b = 0
        self.ev = Evidence()
        self.mode = "well-formedness"

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        fields = _schema_fields(ctx)
        for r in batch:
            self.b += 1
            if r.error:
                self.ev.add(r.id, r.error)
                continue
            if r.tc609:
                self.mode = "TC609"
                problems = tc609_problems(r.data, ctx.labelled)
            elif fields:
                self.mode = "declared schema"
                problems = schema_problems(r.data, fields, ctx.lexical)
            else:
                problems = []
            for mt, ref in r.media:
                info = ctx.media.inspect(mt, ref)
                if not info.ok and info.reason and (info.refused or info.reason.startswith("file not found")):
                    problems.append(info.reason)
            expected = None
            if r.media:  # a checksum is only compared for a record with exactly one file
                expected = next((r.data[f] for f in CHECKSUM_FIELDS if isinstance(r.data.get(f), str)), None)
            if expected and len(r.media) == 1 and not r.media[0][1].startswith(("http://", "https://")):
                got = _sha256(ctx, r.media[0][1])
                if got is not None and got != expected.lower().removeprefix("sha256:"):
                    problems.append("file checksum does not match")
            if problems:
                self.ev.add(r.id, "; ".join(problems[:3]))
            else:
                self.a += 1

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        if _schema_fields(ctx):
            self.update(fb.recs(), ctx)
            return
        # flat records reference no files and no schema is declared: every readable record passes
        self.b += fb.n
        self.a += len(fb.ds)
        for i in fb.errs:
            self.ev.add(fb.ids[i], fb.raw[i].error or "")

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        method = {
            "TC609": "records valid against the TC609-5-2025-02 record format, referenced files present ÷ records",
            "declared schema": "records valid against metadata record_schema (types, enums, lengths, ranges, regex), "
            "referenced files present ÷ records",
            "well-formedness": "records that parse as objects with their referenced files present ÷ records "
            "(no record_schema declared)",
        }[self.mode]
        return [ratio("0201", self.a, self.b, method, self.ev, "no records")]


def _sha256(ctx: Ctx, ref: str) -> str | None:
    """The file's SHA-256, or None when it cannot be read; a refused reference (outside the dataset) is
    never opened, so the record fails for leaving the dataset whether or not a guessed hash is right."""
    try:
        with ctx.media.open(ref) as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except (OSError, ValueError):  # MediaRefused is a ValueError
        return None


def _box(item: Any) -> tuple[float, float, float, float] | None:
    """(x, y, w, h) from {x,y,width,height} / {xmin..ymax} / {bbox:[x,y,w,h]} / [x,y,w,h]."""
    try:
        if isinstance(item, dict):
            if "bbox" in item or "box" in item:
                return _box(item.get("bbox", item.get("box")))
            if "xmin" in item:
                x0, y0 = float(item["xmin"]), float(item["ymin"])
                return x0, y0, float(item["xmax"]) - x0, float(item["ymax"]) - y0
            return (float(item["x"]), float(item["y"]), float(item.get("width", item.get("w"))),
                    float(item.get("height", item.get("h"))))
        if isinstance(item, (list, tuple)) and len(item) >= 4:
            return float(item[0]), float(item[1]), float(item[2]), float(item[3])
    except (KeyError, TypeError, ValueError):
        return None
    return None


class AnnotationCheck:
    """0203: labels in the declared set, spans inside the text, boxes inside the image."""

    def __init__(self) -> None:
        self.a = self.b = 0
        self.ev = Evidence()

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        allowed = set(ctx.target_labels) if ctx.target_labels else None
        for r in batch:
            if r.labels is None and not r.spans and not r.boxes:
                continue
            for lab in r.labels or []:
                if allowed is None or lab in allowed:  # = self._one(r, True, ...) without building the reason
                    self.b += 1
                    self.a += 1
                else:
                    self._one(r, False, f"label {lab!r} not in the label set")
            if r.spans:
                text = r.text
                for sp in r.spans:
                    self._one(r, *self._span(sp, text, allowed))
            if r.boxes:
                img = next(((mt, ref) for mt, ref in r.media if mt == "image"), None)
                info = ctx.media.inspect(*img) if img else None
                size = (info.width, info.height) if info and info.ok and info.width else None
                for bx in r.boxes:
                    self._one(r, *self._boxcheck(bx, size, allowed))

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        allowed = set(ctx.target_labels) if ctx.target_labels else None
        if allowed is None:
            k = len(fb.lab) - fb.lab.count(None)
            self.a += k
            self.b += k
            return
        for j, lab in enumerate(fb.lab):
            if lab is None:
                continue
            self.b += 1
            if lab in allowed:
                self.a += 1
            else:
                self.ev.add(fb.ids[fb.raw_pos(j)], f"label {lab!r} not in the label set")

    def _one(self, r: Rec, ok: bool, reason: str) -> None:
        self.b += 1
        if ok:
            self.a += 1
        else:
            self.ev.add(r.id, reason)

    @staticmethod
    def _span(sp: Any, text: str, allowed: set[str] | None) -> tuple[bool, str]:
        try:
            if isinstance(sp, dict):
                s, e, lab = int(sp["start"]), int(sp["end"]), sp.get("label")
            else:
                s, e, lab = int(sp[0]), int(sp[1]), (sp[2] if len(sp) > 2 else None)
        except (KeyError, TypeError, ValueError, IndexError):
            return False, "span without integer start/end"
        if not (0 <= s < e <= len(text)):
            return False, f"span [{s}, {e}) outside the text (length {len(text)})"
        if allowed is not None and lab is not None and str(lab) not in allowed:
            return False, f"span label {lab!r} not in the label set"
        return True, ""

    @staticmethod
    def _boxcheck(bx: Any, size: tuple[int, int] | None, allowed: set[str] | None) -> tuple[bool, str]:
        b = _box(bx)
        if b is None:
            return False, "box without x, y, width, height"
        x, y, w, h = b
        if w <= 0 or h <= 0 or x < 0 or y < 0:
            return False, f"box {b} has negative origin or non-positive size"
        normalised = max(x + w, y + h) <= 1.0
        if normalised and (x + w > 1.0 or y + h > 1.0):
            return False, f"normalised box {b} leaves the unit square"
        if size and not normalised and (x + w > size[0] + 0.5 or y + h > size[1] + 0.5):
            return False, f"box {b} leaves the {size[0]}x{size[1]} image"
        lab = bx.get("label") if isinstance(bx, dict) else None
        if allowed is not None and lab is not None and str(lab) not in allowed:
            return False, f"box label {lab!r} not in the label set"
        return True, ""

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        method = "annotations valid against the label schema (labels in the set, spans inside the text, " \
                 "boxes inside the image) ÷ annotations"
        if not ctx.target_labels:
            method += "; no label set declared, so labels are only checked for being non-empty"
        return [ratio("0203", self.a, self.b, method, self.ev, "dataset carries no annotations")]


class CompletenessCheck:
    """0204: every required field non-missing (empty strings and lists count as missing)."""

    def __init__(self) -> None:
        self.a = self.b = 0
        self.ev = Evidence()
        self.required: list[str] | None = None
        self.how = ""

    def _decide(self, batch: list[Rec], ctx: Ctx) -> None:
        fields = _schema_fields(ctx)
        if any(r.tc609 for r in batch):
            self.required = list(TC609_REQUIRED) + (["annotation"] if ctx.labelled else [])
            self.how = "TC609 required fields"
        elif fields:
            req = [k for k, v in fields.items() if v.get("required")]
            self.required = req or list(fields)
            self.how = "fields required by record_schema"
        else:
            seen: Counter[str] = Counter()
            ok = [r for r in batch if not r.error]
            for r in ok:
                seen.update(k for k, v in r.data.items() if not is_missing(v))
            self.required = [k for k, c in seen.items() if c * 2 >= len(ok)]
            self.how = "fields filled in at least half of the first batch (no schema declared)"

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        if self.required is None:
            self._decide(batch, ctx)
        assert self.required is not None
        for r in batch:
            self.b += 1
            if r.error:
                self.ev.add(r.id, "record unreadable")
                continue
            missing = [f for f in self.required if is_missing(r.data.get(f))]
            if not r.texts and not r.media:
                missing.append("(content: no text or media)")
            if missing:
                self.ev.add(r.id, "missing: " + ", ".join(missing[:6]))
            else:
                self.a += 1

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        if self.required is None:
            self.update(fb.recs(), ctx)
            return
        masks = [missing_mask(fb.col(f)) for f in self.required]
        masks.append([not t for t in fb.texts])
        fails = [j for j, z in enumerate(zip(*masks, strict=True)) if any(z)]
        self.b += fb.n
        self.a += len(fb.ds) - len(fails)
        for i, j in fb.in_order(fails):
            if j is None:
                self.ev.add(fb.ids[i], "record unreadable")
                continue
            missing = [f for f, mk in zip(self.required, masks, strict=False) if mk[j]]
            if masks[-1][j]:
                missing.append("(content: no text or media)")
            self.ev.add(fb.ids[i], "missing: " + ", ".join(missing[:6]))

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        m = f"records with every required field non-null ÷ records; required = {self.how}"
        return [ratio("0204", self.a, self.b, m, self.ev, "no records", required_fields=self.required or [])]


class ProvenanceCheck:
    """0205: valid source (+ URL when 互联网) and a declared generated_data_indicator; metadata supplies
    dataset-wide defaults for records that do not carry their own."""

    def __init__(self) -> None:
        self.a = self.b = 0
        self.ev = Evidence()

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        meta = ctx.meta
        for r in batch:
            self.b += 1
            if r.error:
                self.ev.add(r.id, "record unreadable")
                continue
            d = r.data
            problems = self._problems(d.get("source"), d.get("source_details"),
                                      d.get("generated_data_indicator", meta.get("generated_data_indicator")), ctx)
            if problems:
                self.ev.add(r.id, "; ".join(problems))
            else:
                self.a += 1

    @staticmethod
    def _problems(src: Any, details: Any, gen: Any, ctx: Ctx) -> list[str]:
        meta = ctx.meta
        src = src if not is_missing(src) else meta.get("source")
        details = details if not is_missing(details) else meta.get("source_details")
        problems = []
        if not isinstance(src, str) or not src.strip():
            problems.append("no source")
        elif src.strip() == INTERNET_SOURCE and not is_http_url(details):
            problems.append("source 互联网 without a valid http(s) source_details URL")
        if isinstance(gen, bool) or (gen not in (0, 1) and not (ctx.lexical and gen in ("0", "1"))):
            problems.append("generated_data_indicator not declared as 0 or 1")
        return problems

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        # few distinct (source, source_details, indicator) combinations: judge each once, keyed with the
        # value types (1, 1.0 and True are equal keys but not the same verdict)
        gens = fb.col_or("generated_data_indicator", ctx.meta.get("generated_data_indicator"))
        srcs, dets = fb.col("source"), fb.col("source_details")
        memo: dict[tuple[Any, ...], list[str]] = {}
        verdicts = []
        for key in zip(map(type, srcs), srcs, map(type, dets), dets, map(type, gens), gens, strict=True):
            p = memo.get(key)
            if p is None:
                p = memo[key] = self._problems(key[1], key[3], key[5], ctx)
            verdicts.append(p)
        fails = [j for j, p in enumerate(verdicts) if p]
        self.b += fb.n
        self.a += len(fb.ds) - len(fails)
        for i, j in fb.in_order(fails):
            self.ev.add(fb.ids[i], "record unreadable" if j is None else "; ".join(verdicts[j]))

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        m = "records with a valid source (+ http(s) source_details when 互联网) and generated_data_indicator 0/1 " \
            "÷ records (metadata source / generated_data_indicator apply to records without their own)"
        return [ratio("0205", self.a, self.b, m, self.ev, "no records")]


class CrossModalCheck:
    """0206: image–caption and audio–transcript pairs: both sides present, media readable, caption not a
    placeholder, speech rate of the transcript plausible for the audio's duration."""

    PLACEHOLDERS = frozenset({"无", "空", "暂无", "null", "none", "n/a", "na", "todo", "image", "图片", "caption", "-"})

    def __init__(self) -> None:
        self.a = self.b = 0
        self.ev = Evidence()
        self.paired: bool | None = None
        self.kinds: Counter[str] = Counter()

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        if self.paired is None:
            self.paired = any(r.media and r.pair_text for r in batch if not r.error)
        if not self.paired:
            return
        lo, hi = ctx.profile.media.get("speech_chars_per_s", [0.5, 12])
        for r in batch:
            if r.error or not (r.media or r.texts):
                continue
            text = r.pair_text.strip()
            media = [(mt, ref) for mt, ref in r.media if mt in ("image", "audio", "video")]
            self.b += 1
            if not media:
                self.ev.add(r.id, "text without its paired media")
                continue
            mt, ref = media[0]
            self.kinds[mt] += 1
            info = ctx.media.inspect(mt, ref)
            if not text:
                self.ev.add(r.id, f"{mt} without caption/transcript")
            elif not info.ok:
                self.ev.add(r.id, f"paired {mt} unreadable: {info.reason}")
            elif text.lower() in self.PLACEHOLDERS or text == ref or text == ref.rsplit("/", 1)[-1]:
                self.ev.add(r.id, f"caption is a placeholder or the file name: {text[:30]!r}")
            elif mt == "audio" and info.duration_s:
                rate = len(text.replace(" ", "")) / info.duration_s
                if not lo <= rate <= hi:
                    self.ev.add(r.id, f"transcript rate {rate:.1f} chars/s outside [{lo}, {hi}] for "
                                      f"{info.duration_s:.1f}s of audio")
                else:
                    self.a += 1
            else:
                self.a += 1

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        if self.paired is False:
            return
        self.update(fb.recs(), ctx)

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        m = "pairs (image–caption, audio–transcript, video–text) passing presence, readability, placeholder " \
            "and speech-rate checks ÷ pairs"
        if not self.paired:
            return [not_applicable("0206", m, "single-modality data: no record pairs media with text")]
        return [ratio("0206", self.a, self.b, m, self.ev, "no pairs", pair_kinds=dict(self.kinds))]


_TC609_TYPES = {"id": None, "rid": "array", "data_content": "array", "annotation": "object",
                "original_time": "datetime", "last_modified_time": "datetime", "version": "string",
                "license": "string", "source": "string", "source_details": "string",
                "generated_data_indicator": "integer"}


_FAST_TYPE: dict[str, type] = {"string": str, "integer": int, "number": float}


class TypeCheck:
    """0207: each value's type against the declared type (schema, TC609), else the field's dominant type
    in the first batch."""

    def __init__(self) -> None:
        self.a = self.b = 0
        self.ev = Evidence()
        self.types: dict[str, str] | None = None
        self.how = ""

    def _decide(self, batch: list[Rec], ctx: Ctx) -> None:
        fields = _schema_fields(ctx)
        if fields:
            self.types = {k: v["type"] for k, v in fields.items() if v.get("type")}
            self.how = "declared in record_schema"
            return
        if any(r.tc609 for r in batch):
            self.types = {k: v for k, v in _TC609_TYPES.items() if v}
            self.how = "TC609 field types"
            return
        votes: dict[str, Counter[str]] = {}
        for r in batch:
            for k, v in r.data.items():
                if k in ID_FIELDS or is_missing(v):
                    continue
                votes.setdefault(k, Counter())[value_type(v, ctx.lexical)] += 1
        types = {}
        for k, c in votes.items():
            (t, _), *rest = c.most_common()
            if t == "integer" and c.get("number"):
                t = "number"  # a float column whose first values happen to be whole numbers
            types[k] = t
        self.types = types
        self.how = "inferred: dominant type of each field in the first batch"

    def update(self, batch: list[Rec], ctx: Ctx) -> None:
        if self.types is None:
            self._decide(batch, ctx)
        assert self.types is not None
        # (field, type, the one exact Python type that surely matches, or None): a non-blank str for
        # "string", an int for "integer"/"number" and a float for "number" pass without type_matches
        fast = [(k, t, None if ctx.lexical else _FAST_TYPE.get(t)) for k, t in self.types.items()]
        for r in batch:
            if r.error:
                continue
            d = r.data
            bad = [p for k, t, sure in fast if (p := self._count(d.get(k), k, t, sure, ctx.lexical))]
            if bad:
                self.ev.add(r.id, "; ".join(bad[:3]))

    def _count(self, v: Any, k: str, t: str, sure: type | None, lexical: bool) -> str | None:
        """Count one value (missing ones are not counted); the problem when its type is wrong."""
        tv = type(v)
        if tv is sure and (tv is not str or v.strip()):
            self.a += 1
            self.b += 1
            return None
        if is_missing(v):
            return None
        self.b += 1
        if type_matches(v, t, lexical):
            self.a += 1
            return None
        return f"{k}: expected {t}, got {value_type(v, lexical)}"

    def update_flat(self, fb: FlatBatch, ctx: Ctx) -> None:
        if self.types is None:
            self.update(fb.recs(), ctx)
            return
        bad: dict[int, list[str]] = {}
        for k, t in self.types.items():
            col = fb.col(k)
            sure = None if ctx.lexical else _FAST_TYPE.get(t)
            ts = set(map(type, col))
            if sure is not None and sure is not str and ts <= {sure, type(None)}:
                n_ok = len(col) - col.count(None)  # all the sure type, or absent (missing: not counted)
                self.a += n_ok
                self.b += n_ok
                continue
            if sure is str and ts <= {str, type(None)}:
                n_ok = sum(1 for v in col if v is not None and v.strip())  # blank strings are missing
                self.a += n_ok
                self.b += n_ok
                continue
            for j, v in enumerate(col):  # the per-record rule of ``update``
                if problem := self._count(v, k, t, sure, ctx.lexical):
                    bad.setdefault(j, []).append(problem)
        for j in sorted(bad):
            self.ev.add(fb.ids[fb.raw_pos(j)], "; ".join(bad[j][:3]))

    def finish(self, ctx: Ctx) -> list[IndicatorResult]:
        m = f"non-null values whose type matches the field's type ÷ values; types {self.how}"
        return [ratio("0207", self.a, self.b, m, self.ev, "no typed values", field_types=self.types or {})]
