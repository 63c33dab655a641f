"""TC609-5-2025-02 JSONL from exported task records, registered as the "tc609" export writer.

Pure (no database): it reads the record shape of docs/formats.md, so projects export it like any
other format and a dataset version can be written from a project in one call. Who produced the
final label decides ``annotator``: an annotator's (or the aggregate of annotators') label →
普通标注员, a reviewer's fix → 专业标注员, an expert's arbitration → 行业领域专家.
``annotation_method`` is 半自动标注 when the task carried model predictions, else 人工标注.
Dataset-level fields (version, license, source, ...) come from writer options, else from the
task's ``meta``; a value nobody gave stays empty so the evaluator reports it rather than us
inventing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import IO, Any

from crowdset.formats.common import dumps, pick_result
from crowdset.security.pii import mask

ANNOTATOR_BY_METHOD = {"review_fix": "专业标注员", "expert": "行业领域专家"}
DEFAULT_ANNOTATOR = "普通标注员"
MEDIA_KEYS = {
    **dict.fromkeys(("image", "img", "picture", "image_url", "image_path", "图片", "图像"), "image"),
    **dict.fromkeys(("audio", "wav", "audio_url", "audio_path", "音频"), "audio"),
    **dict.fromkeys(("video", "video_url", "video_path", "视频"), "video"),
}
MEDIA_SUFFIXES = {
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"), "image"),
    **dict.fromkeys((".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac"), "audio"),
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"), "video"),
}
REGION_KEYS = ("spans", "boxes", "polygons", "keypoints", "segments", "relations")
DATASET_FIELDS = ("version", "license", "source", "source_details")


def media_type(key: str, value: str) -> str:
    if key.lower() in MEDIA_KEYS:
        return MEDIA_KEYS[key.lower()]
    return MEDIA_SUFFIXES.get(PurePosixPath(value.split("?")[0]).suffix.lower(), "text")


def labels_of(result: dict[str, Any] | None) -> list[Any]:
    """Label list of a result: choice strings, region objects (spans/boxes/... keep their geometry),
    rating values and transcriptions, in control order."""
    out: list[Any] = []
    for value in (result or {}).values():
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("choices"), list):
            out.extend(str(c) for c in value["choices"])
        for key in REGION_KEYS:
            if isinstance(value.get(key), list):
                out.extend(dict(r) for r in value[key] if isinstance(r, dict))
        if "value" in value and not isinstance(value["value"], (dict, list)):
            out.append(str(value["value"]))
        if isinstance(value.get("text"), str) and value["text"]:
            out.append({"text": value["text"]})
    return out


def _data_content(data: dict[str, Any], masked: bool) -> list[dict[str, str]]:
    parts = []
    for key, value in data.items():
        if isinstance(value, str) and value.strip():
            kind = media_type(key, value)
            parts.append({"media_type": kind, "content": mask(value) if masked and kind == "text" else value})
    return parts or [{"media_type": "text", "content": dumps(data)}]


def to_tc609(record: dict[str, Any], options: dict[str, Any] | None = None) -> dict[str, Any]:
    """One exported task record as a TC609 record."""
    opts = options or {}
    meta = record.get("meta") or {}
    result, method = pick_result(record)
    anns = record.get("annotations") or []
    times = [a["created_at"] for a in anns if a.get("created_at")]
    created = record.get("created_at") or ""
    out: dict[str, Any] = {
        "id": record.get("external_id") if record.get("external_id") not in (None, "") else record.get("id"),
        "rid": [],
        "data_content": _data_content(record.get("data") or {}, bool(opts.get("mask"))),
    }
    if result is not None:
        out["annotation"] = {
            "label": labels_of(result),
            "annotation_method": "半自动标注" if record.get("predictions") else "人工标注",
            "annotator": ANNOTATOR_BY_METHOD.get(method, DEFAULT_ANNOTATOR),
        }
    out["original_time"] = created
    out["last_modified_time"] = max([created, *times]) if created else (max(times) if times else "")
    for f in DATASET_FIELDS:
        v = opts.get(f) if opts.get(f) not in (None, "") else meta.get(f)
        if v not in (None, "") or f != "source_details":
            out[f] = "" if v is None else str(v)
    g = opts.get("generated_data_indicator", meta.get("generated_data_indicator", 0))
    out["generated_data_indicator"] = 1 if g in (1, True, "1") else 0
    return out


ANNOTATION_METHODS = ("人工标注", "自动标注", "半自动标注", "其他")
ANNOTATORS = ("普通标注员", "专业标注员", "行业领域专家", "其他")
_TIME_FIELDS = ("last_modified_time", "updated_at", "last_modified", "update_time", "modified_at", "修改时间")
_ORIGIN_FIELDS = ("original_time", "created_at", "create_time", "创建时间")


def is_task_record(d: dict[str, Any]) -> bool:
    """A project export line (docs/formats.md) rather than a flat data record."""
    return isinstance(d.get("data"), dict) and "annotations" in d


def flat_to_tc609(d: dict[str, Any], row: int, options: dict[str, Any]) -> dict[str, Any]:
    """A flat record (text/label/media fields by the evaluator's conventions) as a TC609 record.
    What the record does not say comes from ``options`` (the dataset), else 其他."""
    from crowdset.datasets.evaluate.readers import RawRecord
    from crowdset.datasets.evaluate.records import normalise

    rec = normalise(RawRecord(row, d), options.get("fields"))
    parts = [{"media_type": "text", "content": mask(t) if options.get("mask") else t} for t in rec.texts]
    parts += [{"media_type": mt if mt in ("image", "audio", "video") else "file", "content": ref}
              for mt, ref in rec.media]
    out: dict[str, Any] = {"id": d.get("id") if d.get("id") not in (None, "") else rec.id, "rid": [],
                           "data_content": parts or [{"media_type": "text", "content": dumps(d)}]}
    if rec.labels is not None or rec.spans or rec.boxes:
        method = d.get("annotation_method") or options.get("annotation_method")
        who = d.get("annotator")
        out["annotation"] = {"label": [*(rec.labels or []), *rec.spans, *rec.boxes],
                             "annotation_method": method if method in ANNOTATION_METHODS else "其他",
                             "annotator": who if who in ANNOTATORS else "其他"}
    fallback = str(options.get("created_at") or "")
    out["original_time"] = str(next((d[f] for f in _ORIGIN_FIELDS if d.get(f)), fallback))
    out["last_modified_time"] = str(next((d[f] for f in _TIME_FIELDS if d.get(f)), out["original_time"]))
    for f in DATASET_FIELDS:
        v = d.get(f) if d.get(f) not in (None, "") else options.get(f)
        if v not in (None, "") or f != "source_details":
            out[f] = "" if v is None else str(v)
    g = d.get("generated_data_indicator", options.get("generated_data_indicator", 0))
    out["generated_data_indicator"] = 1 if g in (1, True, "1") else 0
    return out


def mask_tc609(d: dict[str, Any]) -> dict[str, Any]:
    """Masked copy of a TC609 record's text contents (format-keeping, security.pii.mask)."""
    out = dict(d)
    if isinstance(d.get("data_content"), list):
        out["data_content"] = [{**p, "content": mask(p["content"])}
                               if isinstance(p, dict) and p.get("media_type") == "text"
                               and isinstance(p.get("content"), str)
                               else p for p in d["data_content"]]
    return out


def write_tc609(records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None,
                **options: Any) -> dict[str, int]:
    """One TC609 record per line (the "tc609" export format; ``crowdset.wiring`` registers it)."""
    stats = {"tasks": 0, "labelled": 0}
    for record in records:
        rec = to_tc609(record, options)
        out.write(dumps(rec).encode("utf-8"))
        out.write(b"\n")
        stats["tasks"] += 1
        stats["labelled"] += "annotation" in rec
    return stats
