"""One normalised view of a record, whatever file it came from (TC609 or a flat table).

Indicators read ``Rec`` rather than raw dicts so the field-name conventions live in one place. A dataset
whose columns are named differently declares them in the metadata sidecar under ``fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from crowdset.datasets.evaluate.readers import MEDIA_SUFFIXES, RawRecord

ID_FIELDS = ("id", "_id", "uid", "record_id", "编号")
TEXT_FIELDS = ("text", "content", "sentence", "title", "question", "answer", "caption", "transcript",
               "transcription", "description", "query", "prompt", "response", "instruction", "input", "output",
               "文本", "内容", "标题", "问题", "回答")
PAIR_TEXT_FIELDS = ("caption", "transcript", "transcription", "description", "text", "文本", "描述")
MEDIA_FIELDS = {"image": "image", "image_path": "image", "img": "image", "picture": "image", "图片": "image",
                "audio": "audio", "audio_path": "audio", "wav": "audio", "音频": "audio",
                "video": "video", "video_path": "video", "视频": "video",
                "file": None, "path": None, "media": None, "file_path": None}
LABEL_FIELDS = ("label", "labels", "category", "class", "标签", "类别")
SPAN_FIELDS = ("spans", "entities")
BOX_FIELDS = ("boxes", "bboxes", "bbox", "objects")
TC609_KEYS = frozenset({"data_content"})


@dataclass(slots=True)
class Rec:
    row: int
    id: str
    data: dict[str, Any]
    error: str | None = None
    tc609: bool = False
    texts: list[str] = field(default_factory=list)
    media: list[tuple[str, str]] = field(default_factory=list)  # (media_type, reference)
    labels: list[str] | None = None  # None: record carries no annotation
    spans: list[Any] = field(default_factory=list)
    boxes: list[Any] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def pair_text(self) -> str:
        """The text paired with media (caption / transcript)."""
        if self.tc609:
            return self.text
        for f in PAIR_TEXT_FIELDS:
            v = self.data.get(f)
            if isinstance(v, str) and v.strip():
                return v
        return ""


def media_type_of(ref: str, declared: str | None = None) -> str:
    if declared in ("image", "audio", "video", "text"):
        return declared
    return MEDIA_SUFFIXES.get(PurePosixPath(ref.split("?")[0]).suffix.lower(), "file")


def _label_str(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    s = str(v).strip()
    return s or None


def _split_annotation(items: list[Any], rec: Rec) -> None:
    labels: list[str] = []
    for it in items:
        if isinstance(it, dict):
            if "start" in it and "end" in it:
                rec.spans.append(it)
                continue
            if any(k in it for k in ("bbox", "box", "x", "width", "w")):
                rec.boxes.append(it)
                continue
            lab = _label_str(it.get("label") or it.get("name") or it.get("value"))
            if lab:
                labels.append(lab)
        else:
            lab = _label_str(it)
            if lab:
                labels.append(lab)
    rec.labels = labels


def normalise(raw: RawRecord, field_map: dict[str, Any] | None = None) -> Rec:
    """Build the normalised view; ``field_map`` (from metadata ``fields``) overrides the conventions."""
    fm = field_map or {}
    if raw.data is None:
        return Rec(raw.row, f"row-{raw.row}", {}, raw.error)
    d = raw.data
    id_field = fm.get("id")
    rid = d.get(id_field) if id_field else next((d[f] for f in ID_FIELDS if d.get(f) not in (None, "")), None)
    rec = Rec(raw.row, str(rid) if rid not in (None, "") else f"row-{raw.row}", d)
    if "data_content" in d:
        rec.tc609 = True
        dc = d.get("data_content")
        for part in dc if isinstance(dc, list) else []:
            if not isinstance(part, dict):
                continue
            mt, content = part.get("media_type"), part.get("content")
            if not isinstance(content, str) or not content:
                continue
            if mt == "text":
                rec.texts.append(content)
            else:
                rec.media.append((media_type_of(content, mt), content))
        ann = d.get("annotation")
        if isinstance(ann, dict) and "label" in ann:
            lab = ann.get("label")
            _split_annotation(lab if isinstance(lab, list) else [lab], rec)
        return rec

    text_fields = fm.get("text") or TEXT_FIELDS
    text_fields = [text_fields] if isinstance(text_fields, str) else list(text_fields)
    for f in text_fields:
        v = d.get(f)
        if isinstance(v, str) and v:
            rec.texts.append(v)
    media_fields = fm.get("media")
    if media_fields:
        pairs = [(f, None) for f in ([media_fields] if isinstance(media_fields, str) else media_fields)]
    else:
        pairs = list(MEDIA_FIELDS.items())
    for f, mt in pairs:
        v = d.get(f)
        if isinstance(v, str) and v.strip():
            rec.media.append((media_type_of(v, mt), v.strip()))
    label_field = fm.get("label")
    lab_fields = [label_field] if label_field else LABEL_FIELDS
    for f in lab_fields:
        if f in d and d[f] is not None and d[f] != "":
            v = d[f]
            _split_annotation(v if isinstance(v, list) else [v], rec)
            break
    for f in SPAN_FIELDS:
        if isinstance(d.get(f), list):
            rec.spans.extend(d[f])
            rec.labels = rec.labels if rec.labels is not None else []
    for f in BOX_FIELDS:
        v = d.get(f)
        if isinstance(v, list) and v:
            rec.boxes.extend(v if isinstance(v[0], (dict, list)) else [v])
            rec.labels = rec.labels if rec.labels is not None else []
    return rec


class Normaliser:
    """``normalise`` for a whole file, with the field lookup planned once per distinct key set.

    Rows of one file almost always share their keys, so which of the ~50 conventional field names are
    present is decided once per key set instead of probing every name on every record. Records with a
    ``field_map`` or in TC609 form take ``normalise`` unchanged; results are identical either way.
    """

    _MAX_PLANS = 4096

    def __init__(self, field_map: dict[str, Any] | None = None) -> None:
        self.field_map = field_map or {}
        self._plans: dict[tuple[Any, ...], tuple[tuple[Any, ...], ...]] = {}

    @staticmethod
    def _plan(d: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
        return (tuple(f for f in ID_FIELDS if f in d), tuple(f for f in TEXT_FIELDS if f in d),
                tuple((f, mt) for f, mt in MEDIA_FIELDS.items() if f in d),
                tuple(f for f in LABEL_FIELDS if f in d), tuple(f for f in SPAN_FIELDS if f in d),
                tuple(f for f in BOX_FIELDS if f in d))

    def __call__(self, raw: RawRecord) -> Rec:
        d = raw.data
        if d is None or self.field_map or "data_content" in d:
            return normalise(raw, self.field_map)
        key = tuple(d)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(d)
            if len(self._plans) < self._MAX_PLANS:
                self._plans[key] = plan
        ids, texts, media, labs, spans, boxes = plan
        rid = None
        for f in ids:
            if d[f] not in (None, ""):
                rid = d[f]
                break
        rec = Rec(raw.row, str(rid) if rid not in (None, "") else f"row-{raw.row}", d)
        for f in texts:
            v = d[f]
            if isinstance(v, str) and v:
                rec.texts.append(v)
        for f, mt in media:
            v = d[f]
            if isinstance(v, str) and v.strip():
                rec.media.append((media_type_of(v, mt), v.strip()))
        for f in labs:
            v = d[f]
            if v is not None and v != "":
                if type(v) is str:  # the common single label: what _split_annotation gives for [v]
                    lab = v.strip()
                    rec.labels = [lab] if lab else []
                else:
                    _split_annotation(v if isinstance(v, list) else [v], rec)
                break
        for f in spans:
            if isinstance(d[f], list):
                rec.spans.extend(d[f])
                rec.labels = rec.labels if rec.labels is not None else []
        for f in boxes:
            v = d[f]
            if isinstance(v, list) and v:
                rec.boxes.extend(v if isinstance(v[0], (dict, list)) else [v])
                rec.labels = rec.labels if rec.labels is not None else []
        return rec
