"""Run every indicator over a dataset in one streaming pass and assemble the report dict.

``evaluate_path`` reads files; ``evaluate_records`` takes records already in memory (services that hold
a dataset version in the database call this). Both produce the same stable report shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crowdset.datasets.evaluate.application import AccuracyCheck, TimelinessCheck, diversity, scale
from crowdset.datasets.evaluate.cleanliness import CleanlinessCheck
from crowdset.datasets.evaluate.conformance import (
    AnnotationCheck,
    CompletenessCheck,
    CrossModalCheck,
    FormatCheck,
    ProvenanceCheck,
    TypeCheck,
)
from crowdset.datasets.evaluate.context import Check, Ctx
from crowdset.datasets.evaluate.documentation import DocumentationCheck
from crowdset.datasets.evaluate.fitness import FitnessCheck
from crowdset.datasets.evaluate.flat import FlatBatch
from crowdset.datasets.evaluate.media import BlobLookup, MediaInspector
from crowdset.datasets.evaluate.metadata import MetadataError, load_metadata, target_labels
from crowdset.datasets.evaluate.profiles import Profile, load_profile
from crowdset.datasets.evaluate.readers import RawRecord, Source, iter_batches, open_source
from crowdset.datasets.evaluate.records import Normaliser, Rec
from crowdset.datasets.evaluate.result import INDICATORS, IndicatorResult
from crowdset.datasets.evaluate.scoring import cap_reasons, dimension_scores, grade
from crowdset.datasets.evaluate.security_check import SecurityCheck
from crowdset.gcpause import gc_paused
from crowdset.security.pii import mask

REPORT_VERSION = 1
Progress = Callable[[int, int, str], None]


def evaluate_path(path: str | Path, profile: str | Path | Profile = "general",
                  metadata: str | Path | dict[str, Any] | None = None, media_root: str | Path | None = None,
                  now: datetime | None = None, progress: Progress | None = None,
                  batch_size: int = 5000, blobs: BlobLookup | None = None) -> dict[str, Any]:
    """Evaluate a JSONL / CSV / Parquet / TC609 file or a media folder against a profile.

    Media references resolve inside the media root (default: the data file's folder) and never leave
    it; ``blob:<sha256>`` references resolve through ``blobs`` (None: refused). The gold file resolves
    inside the sidecar's folder (the data folder for inline metadata).
    Raises ReadError, ProfileError or MetadataError (all ValueError) on unusable input.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    src = open_source(path, media_root)
    meta, meta_from = load_metadata(metadata, src.path)
    # set, never defaulted: inline metadata (a catalogue entry) must not choose where files are read
    if meta_from and meta_from != "inline":
        meta["_dir"] = str(Path(meta_from).parent)
    else:
        meta["_dir"] = str(src.path if src.path.is_dir() else src.path.parent)

    def batches() -> Iterator[list[RawRecord]]:
        for recs, done in iter_batches(src, batch_size):
            if progress:
                progress(done, src.total_units, "reading")
            if recs:
                yield recs

    report = _run(batches(), prof, meta, src.media_root, now, progress, lexical=src.kind in ("csv", "tsv"),
                  blobs=blobs)
    report["dataset"].update({"path": str(src.path), "format": src.kind, "metadata_source": meta_from})
    return report


def evaluate_records(records: Iterable[dict[str, Any]], profile: str | Path | Profile = "general",
                     metadata: dict[str, Any] | None = None, media_root: str | Path = ".",
                     now: datetime | None = None, batch_size: int = 5000,
                     blobs: BlobLookup | None = None) -> dict[str, Any]:
    """Evaluate in-memory records (dicts in TC609 or flat form); media and the gold file resolve
    inside ``media_root``."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    meta = dict(metadata or {})
    meta["_dir"] = str(media_root)

    def batches() -> Iterator[list[RawRecord]]:
        batch: list[RawRecord] = []
        for i, d in enumerate(records, start=1):
            batch.append(RawRecord(i, d) if isinstance(d, dict) else RawRecord(i, None, "record is not an object"))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    report = _run(batches(), prof, meta, Path(media_root), now, None, lexical=False, blobs=blobs)
    report["dataset"].update({"path": None, "format": "records", "metadata_source": "inline" if metadata else None})
    return report


def _run(batches: Iterable[list[RawRecord]], prof: Profile, meta: dict[str, Any], media_root: Path,
         now: datetime | None, progress: Progress | None, lexical: bool,
         blobs: BlobLookup | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    ctx = Ctx(profile=prof, meta=meta, media=MediaInspector(media_root, prof.media, blobs), now=now,
              lexical=lexical)
    ctx.target_labels = target_labels(meta)
    try:
        accuracy = AccuracyCheck(ctx)
    except (OSError, ValueError, KeyError) as exc:
        raise MetadataError(f"gold_file {meta.get('gold_file')!r} cannot be read: {exc}") from None
    checks: list[Check] = [
        DocumentationCheck(), FormatCheck(), SecurityCheck(ctx), AnnotationCheck(), CompletenessCheck(),
        ProvenanceCheck(), CrossModalCheck(), TypeCheck(), CleanlinessCheck(ctx), TimelinessCheck(ctx),
        accuracy, FitnessCheck(ctx),
    ]
    field_map = meta.get("fields") if isinstance(meta.get("fields"), dict) else None
    samples: list[dict[str, str]] = []
    tc609 = False
    norm = Normaliser(field_map)
    with gc_paused():  # one dict per record: the cycle collector would re-walk them batch after batch
        for raw in batches:
            # after the first batch (which fixes the inferred fields, types and samples), a batch of flat
            # records goes through the checks column by column; anything else record by record
            fb = None if ctx.first_batch or field_map or tc609 or len(samples) < 3 else FlatBatch.build(raw, norm)
            if fb is not None:
                ctx.records += fb.n
                ctx.count_labels_flat(fb)
                for c in checks:
                    c.update_flat(fb, ctx)
                continue
            batch: list[Rec] = [norm(r) for r in raw]
            if ctx.first_batch:
                ctx.labelled = bool(ctx.target_labels) or any(r.labels is not None for r in batch)
                tc609 = any(r.tc609 for r in batch)
            ctx.records += len(batch)
            ctx.count_labels(batch)
            for r in batch:
                if len(samples) >= 3:
                    break
                if not r.error and (r.texts or r.media):
                    samples.append({"id": r.id, "text": mask(r.text[:200]),
                                    "media": ", ".join(m for _, m in r.media[:3])})
            for c in checks:
                c.update(batch, ctx)
            ctx.first_batch = False

    if progress:
        progress(0, 1, "finishing")
    results: dict[str, IndicatorResult] = {}
    for c in checks:
        for res in c.finish(ctx):
            results[res.code] = res
    for res in (diversity(ctx), scale(ctx)):
        results[res.code] = res
    if progress:
        progress(1, 1, "finishing")

    indicators = {code: results[code].to_dict() for code in INDICATORS}
    dims = dimension_scores(indicators, prof)
    reasons = cap_reasons(meta, dict(ctx.sensitive_pii))
    uncapped = grade(dims)
    final = grade(dims, capped=bool(reasons))
    top = sorted(ctx.label_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "grade": final,
        "dimensions": dims,
        "indicators": indicators,
        "grade_uncapped": uncapped,
        "grade_cap_reasons": reasons,
        "dataset": {"tc609": tc609, "modalities": dict(ctx.modalities), "samples": samples},
        "profile": {"name": prof.name, "description": prof.description, "required_scale": prof.required_scale,
                    "freshness_days": prof.freshness_days,
                    "weights": {c: prof.weight(c) for c in INDICATORS}},
        "records": ctx.records,
        "label_distribution": dict(top[:100]),
        "distinct_labels": len(ctx.label_counts),
        "generated_at": now.isoformat(timespec="seconds"),
        "report_version": REPORT_VERSION,
    }


__all__ = ["evaluate_path", "evaluate_records", "Source"]
