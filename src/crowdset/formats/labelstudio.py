"""Label Studio JSON: tasks in (streamed), tasks out (streamed), and region ↔ result conversion.

Label Studio stores an annotation as a flat list of *regions* (``from_name``, ``to_name``, ``type``,
``value``, percent geometry); Crowdset stores one value per control (docs/label-schemas.md, pixel
geometry when the image size is known). Everything Label Studio carries that our result has no place
for (region extras such as ``origin`` or a keypoint's ``width``, annotation fields such as
``ground_truth``, whole regions of unsupported types, cancelled annotations) is kept under the task's
``meta["labelstudio"]`` so a task exported back to Label Studio is the task that came in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from crowdset.messages import msg

from .common import ParsedRow, build_task, control_map, dumps, image_size, pick_result
from .jsonl import object_to_task
from .jsonstream import JSONStreamError, iter_json_array

#: Label Studio region type -> our control kind.
LS_TYPE_TO_KIND = {
    "choices": "choices", "labels": "spans", "relation": "relations", "rectanglelabels": "bbox",
    "rectangle": "bbox", "polygonlabels": "polygon", "polygon": "polygon", "keypointlabels": "keypoints",
    "keypoint": "keypoints", "textarea": "transcription", "timelinelabels": "video_segments",
    "rating": "rating", "pairwise": "pairwise", "ranker": "ranking",
}
#: Our control kind -> the Label Studio region type we write.
KIND_TO_LS_TYPE = {
    "choices": "choices", "spans": "labels", "audio_segments": "labels", "relations": "relation",
    "bbox": "rectanglelabels", "polygon": "polygonlabels", "keypoints": "keypointlabels",
    "transcription": "textarea", "video_segments": "timelinelabels", "rating": "rating",
    "pairwise": "pairwise", "ranking": "ranker",
}
#: Kinds with no Label Studio equivalent are written as ``{"type": "crowdset:<kind>"}`` regions.
CUSTOM_PREFIX = "crowdset:"
#: Label Studio's <Video> default frame rate, used when neither the control nor the data says.
DEFAULT_FPS = 24.0

_REGION_KINDS = {"spans", "audio_segments", "video_segments", "bbox", "polygon", "keypoints"}
_LIST_KEY = {"spans": "spans", "audio_segments": "segments", "video_segments": "segments",
             "bbox": "boxes", "polygon": "polygons", "keypoints": "keypoints"}
_LABEL_KEY = {"bbox": "rectanglelabels", "polygon": "polygonlabels", "keypoints": "keypointlabels",
              "spans": "labels", "audio_segments": "labels", "video_segments": "timelinelabels"}
_SPLIT = re.compile(r"^(.*)#(\d+)$")
_CONSUMED_REGION = {"id", "from_name", "type", "value", "original_width", "original_height"}


class LSConversionError(ValueError):
    """Regions that cannot become a result; ``errors`` lists ``(field, reason)``."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {r}" if f else r for f, r in errors))
        self.errors = errors


@dataclass
class Conversion:
    """Result of converting one annotation's regions, plus what must be kept to write them back."""

    result: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    unmapped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


# --- offsets ---------------------------------------------------------------------------------------


def cp_to_utf16(text: str, index: int) -> int:
    """Code-point index -> UTF-16 index (Label Studio offsets are JavaScript string indices)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def utf16_to_cp(text: str, index: int) -> int:
    """UTF-16 index -> code-point index."""
    units = 0
    for i, ch in enumerate(text):
        if units >= index:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _stable_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _clean(x: float) -> float | int:
    """Round away float noise from percent <-> pixel conversions (1e-9 px is not information)."""
    r = round(x, 9)
    return int(r) if r == int(r) and abs(r) < 1e15 else r


# --- regions -> result ----------------------------------------------------------------------------


def _infer_kind(typ: str, value: dict[str, Any]) -> str | None:
    kind = LS_TYPE_TO_KIND.get(typ)
    if kind == "spans" and "text" not in value:
        return "audio_segments"  # text spans always carry their text; audio segments never do
    return kind


def _allowed_types(kind: str) -> set[str]:
    return {t for t, k in LS_TYPE_TO_KIND.items() if k == kind or (t == "labels" and kind == "audio_segments")}


def convert_regions(regions: Any, schema: dict[str, Any] | None, data: dict[str, Any] | None = None,
                    where: str = "result") -> Conversion:
    """Turn Label Studio regions into one Crowdset result, collecting errors instead of raising."""
    conv = Conversion()
    data = data or {}
    if not isinstance(regions, list):
        conv.errors.append((where, msg("format.ls_regions_list")))
        return conv
    ctrls = control_map(schema)
    sizes: dict[str, tuple[float, float]] = {}
    region_ids = set()
    for reg in regions:
        if isinstance(reg, dict):
            if _num(reg.get("original_width")) and _num(reg.get("original_height")) and reg["original_width"] > 0:
                sizes.setdefault(str(reg.get("from_name")),
                                 (float(reg["original_width"]), float(reg["original_height"])))
            if reg.get("type") not in ("textarea", "relation") and reg.get("id") is not None:
                region_ids.add(str(reg["id"]))
    deferred: list[tuple[str, dict[str, Any]]] = []
    for i, reg in enumerate(regions):
        path = f"{where}[{i}]"
        if not isinstance(reg, dict):
            conv.errors.append((path, msg("format.ls_region_object")))
            continue
        typ = str(reg.get("type") or "")
        value = reg.get("value") if isinstance(reg.get("value"), dict) else {}
        if typ == "relation":
            deferred.append((path, reg))
            continue
        name = reg.get("from_name")
        if typ.startswith(CUSTOM_PREFIX):
            kind = typ[len(CUSTOM_PREFIX):]
            if isinstance(name, str) and kind in value:
                conv.result[name] = value[kind]
            else:
                conv.errors.append((path, msg("format.ls_malformed_region", type=typ)))
            continue
        if typ == "textarea" and reg.get("id") is not None and str(reg["id"]) in region_ids:
            deferred.append((path, reg))  # per-region transcription of an audio segment
            continue
        if not isinstance(name, str) or not name:
            conv.errors.append((f"{path}.from_name", msg("format.ls_missing")))
            continue
        control = ctrls.get(name)
        if typ not in LS_TYPE_TO_KIND and control is None:
            conv.unmapped.append(reg)  # unsupported type, no control of ours: kept verbatim, written back
            continue
        if ctrls and control is None:
            conv.errors.append((f"{path}.from_name", msg("format.ls_unknown_control", control=name)))
            continue
        kind = control.get("kind") if control else _infer_kind(typ, value)
        if typ not in _allowed_types(str(kind)):
            conv.errors.append((f"{path}.type", msg("format.ls_type_mismatch", control=name, kind=kind)))
            continue
        try:
            _add_region(conv, name, str(kind), control or {}, reg, value, sizes.get(name), data)
        except (KeyError, TypeError, ValueError) as exc:
            conv.errors.append((f"{path}.value", msg("format.ls_malformed_value", type=typ, reason=str(exc))))
    for path, reg in deferred:
        if reg.get("type") == "relation":
            _add_relation(conv, path, reg, schema)
        else:
            _add_region_text(conv, path, reg)
    return conv


def _region_extra(reg: dict[str, Any], control: dict[str, Any], name: str, consumed_value: set[str],
                  keep_id: bool) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    r = {k: v for k, v in reg.items() if k not in _CONSUMED_REGION}
    if keep_id and "id" in reg:
        r["id"] = reg["id"]
    if r.get("to_name") == _default_to_name(name, control):
        r.pop("to_name")
    if r:
        extra["r"] = r
    v = {k: val for k, val in (reg.get("value") or {}).items() if k not in consumed_value}
    if v:
        extra["v"] = v
    return extra


def _store(conv: Conversion, key: str, extra: dict[str, Any]) -> None:
    if extra:
        conv.extras.setdefault(key, {}).update(extra)


def _add_region(conv: Conversion, name: str, kind: str, control: dict[str, Any], reg: dict[str, Any],
                value: dict[str, Any], size: tuple[float, float] | None, data: dict[str, Any]) -> None:
    typ = reg["type"]
    if kind not in _REGION_KINDS:
        if name in conv.result:
            raise ValueError(f"a second {typ} region for control {name!r}")
        special: dict[str, Any] = {}
        if kind == "choices":
            out: dict[str, Any] = {"choices": list(value["choices"])}
            consumed = {"choices"}
        elif kind == "rating":
            out, consumed = {"value": value["rating"]}, {"rating"}
        elif kind == "pairwise":
            out, consumed = {"choice": value["selected"]}, {"selected"}
        elif kind == "transcription":
            texts = value["text"]
            texts = [texts] if isinstance(texts, str) else list(texts)
            out, consumed = {"text": "\n".join(str(t) for t in texts)}, {"text"}
            if len(texts) != 1:
                special["text_list"] = texts
        elif kind == "ranking":
            ranker = value["ranker"]
            if not isinstance(ranker, dict) or len(ranker) != 1:
                raise ValueError("only a ranker with one list (no buckets) is supported")
            key, order = next(iter(ranker.items()))
            out, consumed = {"order": list(order)}, {"ranker"}
            special["ranker_key"] = key
        else:  # pragma: no cover - every non-region kind in LS_TYPE_TO_KIND is handled above
            raise ValueError(f"kind {kind!r}")
        conv.result[name] = out
        _store(conv, "@" + name, {**_region_extra(reg, control, name, consumed, keep_id=True), **special})
        return
    rid = str(reg["id"]) if reg.get("id") is not None else _stable_id(name, dumps(value))
    target = conv.result.setdefault(name, {_LIST_KEY[kind]: []})
    items = target[_LIST_KEY[kind]]
    label_key = typ if typ in value else _LABEL_KEY[kind]
    labels = value.get(label_key, value.get("labels"))
    labels = [None] if not labels else list(labels)
    consumed = {label_key, "labels"}
    geom: list[dict[str, Any]] = []
    if kind == "spans":
        start, end = int(value["start"]), int(value["end"])
        text = data.get(control.get("to", "")) if isinstance(control.get("to"), str) else None
        span_text = value.get("text")
        if isinstance(text, str) and text[start:end] != span_text:
            s16, e16 = utf16_to_cp(text, start), utf16_to_cp(text, end)
            if span_text is None or text[s16:e16] == span_text:
                start, end = s16, e16
        if span_text is None and isinstance(text, str):
            span_text = text[start:end]
        geom.append({"start": start, "end": end, "text": span_text})
        consumed |= {"start", "end", "text"}
    elif kind == "audio_segments":
        geom.append({"start": float(value["start"]), "end": float(value["end"])})
        consumed |= {"start", "end"}
    elif kind == "video_segments":
        fps = float(control.get("fps") or data.get("fps") or DEFAULT_FPS)
        for rng in value["ranges"]:
            geom.append({"start": _clean((int(rng["start"]) - 1) / fps), "end": _clean(int(rng["end"]) / fps)})
        consumed |= {"ranges"}
    else:
        if size is not None:
            sx, sy = size[0] / 100.0, size[1] / 100.0
            target["image_width"], target["image_height"] = _clean(size[0]), _clean(size[1])
        else:
            sx = sy = 1.0
            target["unit"] = "percent"
        if kind == "bbox":
            box = {"x": _clean(value["x"] * sx), "y": _clean(value["y"] * sy),
                   "width": _clean(value["width"] * sx), "height": _clean(value["height"] * sy)}
            if value.get("rotation"):
                box["rotation"] = value["rotation"]
            geom.append(box)
            consumed |= {"x", "y", "width", "height", "rotation"}
        elif kind == "polygon":
            geom.append({"points": [[_clean(p[0] * sx), _clean(p[1] * sy)] for p in value["points"]]})
            consumed |= {"points"}
        else:
            geom.append({"x": _clean(value["x"] * sx), "y": _clean(value["y"] * sy)})
            consumed |= {"x", "y"}
    n = 0
    for g in geom:
        for label in labels:
            n += 1
            items.append({"id": rid if n == 1 else f"{rid}#{n}", **g, "label": label})
    _store(conv, rid, _region_extra(reg, control, name, consumed, keep_id=False))


def _add_region_text(conv: Conversion, path: str, reg: dict[str, Any]) -> None:
    """A per-region <TextArea> (same id as an audio segment) becomes that segment's ``text``."""
    rid = str(reg["id"])
    texts = (reg.get("value") or {}).get("text") or []
    texts = [texts] if isinstance(texts, str) else list(texts)
    segs = [seg for value in conv.result.values() if isinstance(value, dict) and "segments" in value
            for seg in value["segments"] if _base_id(str(seg.get("id"))) == rid]
    if not segs:
        conv.errors.append((path, msg("format.ls_text_not_segment", region=rid)))
        return
    for seg in segs:
        seg["text"] = "\n".join(str(t) for t in texts)
    extra: dict[str, Any] = {"textarea_from_name": reg.get("from_name")}
    r = {k: v for k, v in reg.items() if k not in _CONSUMED_REGION}
    if r:
        extra["textarea_r"] = r
    v = {k: val for k, val in (reg.get("value") or {}).items() if k not in ("start", "end", "text")}
    if v:
        extra["textarea_v"] = v
    _store(conv, rid, extra)


def _base_id(rid: str) -> str:
    m = _SPLIT.match(rid)
    return m.group(1) if m else rid


def _relations_control(schema: dict[str, Any] | None, conv: Conversion, from_id: str) -> str:
    rel = [c for c in control_map(schema).values() if c.get("kind") == "relations"]
    for c in rel:
        spans = conv.result.get(str(c.get("spans")), {}).get("spans", [])
        if any(str(s.get("id")) == from_id for s in spans):
            return c["name"]
    return rel[0]["name"] if rel else "relations"


def _add_relation(conv: Conversion, path: str, reg: dict[str, Any], schema: dict[str, Any] | None) -> None:
    if reg.get("from_id") is None or reg.get("to_id") is None:
        conv.errors.append((path, msg("format.ls_relation_ends")))
        return
    src, dst = str(reg["from_id"]), str(reg["to_id"])
    name = _relations_control(schema, conv, src)
    if schema and name not in control_map(schema):
        conv.errors.append((path, msg("format.ls_no_relations_control")))
        return
    labels = list(reg.get("labels") or []) or [None]
    rels = conv.result.setdefault(name, {"relations": []})["relations"]
    for label in labels:
        rels.append({"from": src, "to": dst, "label": label})
    r = {k: v for k, v in reg.items() if k not in {"from_id", "to_id", "type", "labels"}}
    if r.get("direction") == "right":
        r.pop("direction")
    if r:
        _store(conv, f"~{src}>{dst}", {"r": r})


def ls_regions_to_result(regions: list[dict[str, Any]], schema: dict[str, Any] | None = None,
                         data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Label Studio regions -> one Crowdset result (keyed by control name).

    ``schema`` maps ``from_name`` to our control and kind (inferred from the region type without
    one); ``data`` gives image sizes, text for offset checks and fps. Raises LSConversionError.
    Region types with no Crowdset kind are dropped here; ``convert_regions`` returns them.
    """
    conv = convert_regions(regions, schema, data)
    if conv.errors:
        raise LSConversionError(conv.errors)
    return conv.result


# --- result -> regions ----------------------------------------------------------------------------


def _default_to_name(name: str, control: dict[str, Any]) -> str:
    to = control.get("to")
    return to if isinstance(to, str) and to else name


def _guess_kind(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    for key, kind in (("boxes", "bbox"), ("polygons", "polygon"), ("keypoints", "keypoints"), ("spans", "spans"),
                      ("relations", "relations"), ("choices", "choices"), ("segments", "audio_segments"),
                      ("order", "ranking"), ("choice", "pairwise")):
        if key in value:
            return kind
    if set(value) == {"text"}:
        return "transcription"
    if set(value) == {"value"}:
        return "rating"
    return None


def _apply_extra(region: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """Put back what Label Studio had that our result does not carry (the result itself wins)."""
    if not extra:
        return region
    for k, v in (extra.get("r") or {}).items():
        region[k] = v
    for k, v in (extra.get("v") or {}).items():
        region["value"].setdefault(k, v)
    return region


def result_to_ls_regions(result: dict[str, Any], schema: dict[str, Any] | None = None,
                         data: dict[str, Any] | None = None,
                         extras: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One Crowdset result -> Label Studio regions (inverse of ``ls_regions_to_result``).

    Region ids are ours (spans/boxes/... keep their ids; per-control values get an id derived from
    the control name), so exporting twice gives the same file. Pixel geometry becomes percent with
    ``original_width/height``. ``extras`` is what the reader kept (``meta["labelstudio"]``).
    """
    data = data or {}
    extras = extras or {}
    ctrls = control_map(schema)
    regions: list[dict[str, Any]] = []
    for name, value in (result or {}).items():
        control = ctrls.get(name) or {}
        kind = control.get("kind") or _guess_kind(value)
        to_name = _default_to_name(name, control)
        if kind not in KIND_TO_LS_TYPE or not isinstance(value, dict):
            regions.append({"id": _stable_id(name), "from_name": name, "to_name": to_name,
                            "type": f"{CUSTOM_PREFIX}{kind or 'value'}", "value": {kind or "value": value}})
            continue
        typ = KIND_TO_LS_TYPE[kind]
        if kind == "relations":
            for rel in value.get("relations") or []:
                region = {"from_id": rel["from"], "to_id": rel["to"], "type": "relation", "direction": "right",
                          "labels": [rel["label"]] if rel.get("label") is not None else []}
                key = f"~{rel['from']}>{rel['to']}"
                prev = next((r for r in regions if r.get("type") == "relation"
                             and (r["from_id"], r["to_id"]) == (rel["from"], rel["to"])), None)
                if prev is not None and rel.get("label") is not None:
                    prev["labels"].append(rel["label"])
                    continue
                for k, v in ((extras.get(key) or {}).get("r") or {}).items():
                    region[k] = v
                regions.append(region)
            continue
        if kind not in _REGION_KINDS:
            ex = extras.get("@" + name) or {}
            if kind == "choices":
                v: dict[str, Any] = {"choices": list(value.get("choices") or [])}
            elif kind == "rating":
                v = {"rating": value.get("value")}
            elif kind == "pairwise":
                v = {"selected": value.get("choice")}
            elif kind == "transcription":
                lst = ex.get("text_list")
                text = value.get("text", "")
                v = {"text": lst if lst is not None and "\n".join(map(str, lst)) == text else [text]}
            else:
                v = {"ranker": {ex.get("ranker_key") or to_name: list(value.get("order") or [])}}
            region = {"id": _stable_id(name), "from_name": name, "to_name": to_name, "type": typ, "value": v}
            regions.append(_apply_extra(region, ex))
            continue
        regions.extend(_geometry_regions(name, kind, typ, to_name, control, value, data, extras))
    return regions


def _geometry_regions(name: str, kind: str, typ: str, to_name: str, control: dict[str, Any],
                      value: dict[str, Any], data: dict[str, Any],
                      extras: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    size = image_size(value, data) if kind in ("bbox", "polygon", "keypoints") else None
    if kind in ("bbox", "polygon", "keypoints"):
        if value.get("unit") == "percent":
            fx = fy = 1.0
        elif size is None:
            raise ValueError(f"control {name!r}: pixel geometry without image_width/image_height")
        else:
            fx, fy = 100.0 / size[0], 100.0 / size[1]
    text = data.get(control.get("to", "")) if isinstance(control.get("to"), str) else None
    fps = float(control.get("fps") or data.get("fps") or DEFAULT_FPS)
    label_key = _LABEL_KEY[kind]
    texts: dict[str, str] = {}
    for item in value.get(_LIST_KEY[kind]) or []:
        iid = str(item.get("id"))
        m = _SPLIT.match(iid)
        base = m.group(1) if m and m.group(1) in out else iid
        label = item.get("label")
        if kind == "spans":
            start, end = item["start"], item["end"]
            if isinstance(text, str):
                start, end = cp_to_utf16(text, start), cp_to_utf16(text, end)
            geom: dict[str, Any] = {"start": start, "end": end, "text": item.get("text")}
        elif kind == "audio_segments":
            geom = {"start": item["start"], "end": item["end"]}
            if item.get("text") is not None:
                texts[base] = item["text"]
        elif kind == "video_segments":
            geom = {"ranges": [{"start": int(round(item["start"] * fps)) + 1, "end": int(round(item["end"] * fps))}]}
        elif kind == "bbox":
            geom = {"x": _clean(item["x"] * fx), "y": _clean(item["y"] * fy), "width": _clean(item["width"] * fx),
                    "height": _clean(item["height"] * fy), "rotation": item.get("rotation", 0)}
        elif kind == "polygon":
            geom = {"points": [[_clean(p[0] * fx), _clean(p[1] * fy)] for p in item["points"]]}
        else:
            geom = {"x": _clean(item["x"] * fx), "y": _clean(item["y"] * fy)}
        if base in out:
            prev = out[base]["value"]
            if kind == "video_segments" and geom["ranges"][0] not in prev["ranges"]:
                prev["ranges"].extend(geom["ranges"])
            if label is not None and label not in prev[label_key]:
                prev[label_key].append(label)
            continue
        region = {"id": base, "from_name": name, "to_name": to_name, "type": typ,
                  "value": {**geom, label_key: [label] if label is not None else []}}
        if size is not None:
            region["original_width"], region["original_height"] = _clean(size[0]), _clean(size[1])
            region["image_rotation"] = 0
        out[base] = _apply_extra(region, extras.get(base))
    regions = list(out.values())
    for base, seg_text in texts.items():
        ex = extras.get(base) or {}
        seg = out[base]["value"]
        region = {"id": base, "from_name": ex.get("textarea_from_name") or f"{name}_text", "to_name": to_name,
                  "type": "textarea", "value": {"start": seg["start"], "end": seg["end"], "text": [seg_text]}}
        for k, v in (ex.get("textarea_r") or {}).items():
            region[k] = v
        for k, v in (ex.get("textarea_v") or {}).items():
            region["value"].setdefault(k, v)
        regions.append(region)
    return regions


# --- tasks ----------------------------------------------------------------------------------------

_ANN_CONSUMED = {"result", "completed_by", "lead_time"}
_PRED_CONSUMED = {"result", "model_version", "score"}


def _annotator(completed_by: Any) -> Any:
    if isinstance(completed_by, dict):
        return completed_by.get("email") or completed_by.get("id")
    return completed_by


def ls_task_to_task(obj: Any, schema: dict[str, Any] | None) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """One Label Studio task object -> (our task dict, errors)."""
    errors: list[tuple[str, str]] = []
    if not isinstance(obj, dict):
        return None, [("", msg("format.ls_task_not_object"))]
    if "data" not in obj:
        task = object_to_task(obj, errors)  # Label Studio also imports bare data objects
        return task, errors
    data = obj["data"] if isinstance(obj["data"], dict) else {}
    ls_meta: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    anns, ann_meta, cancelled = [], [], []
    gold = None
    for i, a in enumerate(obj.get("annotations") or obj.get("completions") or []):
        if not isinstance(a, dict):
            errors.append((f"annotations[{i}]", msg("field.must_be_object")))
            continue
        if a.get("was_cancelled"):
            cancelled.append(a)
            continue
        conv = convert_regions(a.get("result") or [], schema, data, where=f"annotations[{i}].result")
        errors.extend(conv.errors)
        ann: dict[str, Any] = {"result": conv.result}
        if a.get("completed_by") is not None:
            ann["annotator"] = _annotator(a["completed_by"])
        if a.get("lead_time") is not None:
            ann["lead_time"] = a["lead_time"]
        anns.append(ann)
        fields = {k: v for k, v in a.items() if k not in _ANN_CONSUMED}
        if isinstance(a.get("completed_by"), dict):
            fields["completed_by"] = a["completed_by"]
        ann_meta.append(_entry(fields, conv))
        if a.get("ground_truth") and gold is None:
            gold = conv.result
    preds, pred_meta, pred_ids = [], [], []
    for i, p in enumerate(obj.get("predictions") or []):
        if isinstance(p, int) and not isinstance(p, bool):
            pred_ids.append(p)  # LS 1.23's GET /export lists prediction ids, not predictions
            continue
        if not isinstance(p, dict):
            errors.append((f"predictions[{i}]", msg("field.must_be_object")))
            continue
        conv = convert_regions(p.get("result") or [], schema, data, where=f"predictions[{i}].result")
        errors.extend(conv.errors)
        pred: dict[str, Any] = {"result": conv.result}
        if p.get("model_version") is not None:
            pred["model"] = p["model_version"]
        if p.get("score") is not None:
            pred["score"] = p["score"]
        preds.append(pred)
        pred_meta.append(_entry({k: v for k, v in p.items() if k not in _PRED_CONSUMED}, conv))
    if anns:
        extra["annotations"] = anns
    if preds:
        extra["predictions"] = preds
    if gold is not None:
        extra["is_gold"], extra["gold"] = True, gold
    if "id" in obj:
        extra["id"] = obj["id"]
    rest = {k: v for k, v in obj.items() if k not in {"id", "data", "annotations", "completions", "predictions"}}
    if rest:
        ls_meta["task"] = rest
    if any(ann_meta):
        ls_meta["annotations"] = ann_meta
    if any(pred_meta):
        ls_meta["predictions"] = pred_meta
    if cancelled:
        ls_meta["cancelled"] = cancelled
    if pred_ids:
        ls_meta["prediction_ids"] = pred_ids
    if ls_meta:
        extra["meta"] = {"labelstudio": ls_meta}
    task = build_task(obj["data"], extra, errors)
    return task, errors


def _entry(fields: dict[str, Any], conv: Conversion) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if fields:
        entry["fields"] = fields
    if conv.extras:
        entry["regions"] = conv.extras
    if conv.unmapped:
        entry["unmapped"] = conv.unmapped
    return entry


def read_labelstudio(stream: IO[bytes], schema: dict[str, Any] | None = None) -> Iterator[ParsedRow]:
    """Yield one ParsedRow per task of a Label Studio JSON export (array or single task), streamed.

    ``line`` is the 1-based array index. Invalid JSON ends the stream (there is no way to resync),
    with an error row at the element where it broke.
    """
    index = 0
    try:
        for index, obj in enumerate(iter_json_array(stream), start=1):
            task, errors = ls_task_to_task(obj, schema)
            yield ParsedRow(index, task=None if errors else task, errors=errors)
    except JSONStreamError as exc:
        yield ParsedRow(exc.index, errors=[("", exc.reason)])


def record_to_ls_task(record: dict[str, Any], schema: dict[str, Any] | None,
                      final_as_prediction: bool = False) -> dict[str, Any]:
    """One exported record -> one Label Studio task (reviews are not exported: LS has no place for them)."""
    data = record.get("data") or {}
    ls = ((record.get("meta") or {}).get("labelstudio")) or {}
    ann_meta, pred_meta = ls.get("annotations") or [], ls.get("predictions") or []
    task: dict[str, Any] = {"id": record.get("id"), "data": data}
    anns = []
    for i, a in enumerate(record.get("annotations") or []):
        ex = ann_meta[i] if i < len(ann_meta) else {}
        regions = result_to_ls_regions(a.get("result") or {}, schema, data, ex.get("regions"))
        la: dict[str, Any] = {"id": a.get("id"), "completed_by": a.get("annotator"),
                              "result": regions + list(ex.get("unmapped") or [])}
        if la["id"] is None:
            la.pop("id")
        for key in ("lead_time", "created_at"):
            if a.get(key) is not None:
                la[key] = a[key]
        for k, v in (ex.get("fields") or {}).items():
            if k == "completed_by" or k not in la:
                la[k] = v
        la.setdefault("was_cancelled", False)
        la.setdefault("ground_truth", False)
        anns.append(la)
    anns.extend(ls.get("cancelled") or [])
    preds = []
    for i, p in enumerate(record.get("predictions") or []):
        ex = pred_meta[i] if i < len(pred_meta) else {}
        regions = result_to_ls_regions(p.get("result") or {}, schema, data, ex.get("regions"))
        lp: dict[str, Any] = {"model_version": p.get("model"), "score": p.get("score"),
                              "result": regions + list(ex.get("unmapped") or [])}
        for k, v in (ex.get("fields") or {}).items():
            lp.setdefault(k, v)
        preds.append(lp)
    if final_as_prediction:
        result, method = pick_result(record)
        if result is not None and record.get("final"):
            preds.append({"model_version": f"crowdset-final:{method}", "score": record["final"].get("confidence"),
                          "result": result_to_ls_regions(result, schema, data)})
    task["annotations"] = anns
    task["predictions"] = preds
    for k, v in (ls.get("task") or {}).items():
        task.setdefault(k, v)
    return task


def write_labelstudio(records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None,
                      *, final_as_prediction: bool = False, **_: Any) -> dict[str, int]:
    """Stream a Label Studio JSON array, one task per record (one task in memory at a time)."""
    n = 0
    out.write(b"[")
    for record in records:
        out.write(b",\n" if n else b"\n")
        out.write(dumps(record_to_ls_task(record, schema, final_as_prediction)).encode("utf-8"))
        n += 1
    out.write(b"\n]\n")
    return {"tasks": n}
