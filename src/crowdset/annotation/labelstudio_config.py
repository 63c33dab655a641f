"""Label Studio labelling config (XML) <-> `LabelSchema`, for the kinds both tools share.

Teams migrate from Label Studio with their config; exports carry one back (docs/formats.md).
The mapping table lives in docs/label-schemas.md. XML is parsed with the standard library after an
expat pre-pass that refuses any DOCTYPE, so entity expansion attacks (billion laughs, external
entities) never reach a parser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from crowdset.annotation.label_schema import Control, LabelSchema, SchemaError
from crowdset.errors import FieldError, Invalid
from crowdset.messages import Message, msg

MAX_CONFIG_CHARS = 1_000_000
"""A labelling config is a few kilobytes; anything this large is not one."""

# Object tags show task data; controls point at them with toName. Keys are lower-case: Label Studio
# matches tag names case-insensitively (templates spell both HyperText and Hypertext).
OBJECT_TAGS = {
    "text": "Text", "hypertext": "HyperText", "image": "Image", "audio": "Audio", "audioplus": "AudioPlus",
    "video": "Video", "list": "List", "paragraphs": "Paragraphs", "table": "Table", "timeseries": "TimeSeries",
}
LAYOUT_TAGS = {"view", "header", "style", "filter", "collapse", "choice", "label", "relation", "markdown"}
CONTROL_TAGS = {
    "choices", "labels", "relations", "rectanglelabels", "rectangle", "polygonlabels", "polygon",
    "keypointlabels", "keypoint", "textarea", "rating", "pairwise", "ranker", "timelinelabels",
}
IMAGE_TOOLS = {"rectangle": "bbox", "polygon": "polygon", "keypoint": "keypoints"}
IMAGE_LABEL_TAGS = {"rectanglelabels": "bbox", "polygonlabels": "polygon", "keypointlabels": "keypoints"}


def _safe_parse(xml: str | bytes) -> ET.Element:
    """Parse a config, refusing DOCTYPE (and so every entity declaration) before ElementTree sees it."""
    if len(xml) > MAX_CONFIG_CHARS:
        raise SchemaError([("", msg("lsconfig.too_large", max=MAX_CONFIG_CHARS))])

    def refuse(*_: Any) -> None:
        raise SchemaError([("", msg("lsconfig.doctype"))])

    pre = expat.ParserCreate()
    pre.StartDoctypeDeclHandler = refuse
    pre.EntityDeclHandler = refuse
    pre.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        pre.Parse(xml, True)
        return ET.fromstring(xml)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise SchemaError([("", msg("lsconfig.xml", reason=str(exc)))]) from None


def _is_true(el: ET.Element, attr: str) -> bool:
    return (el.get(attr) or "").strip().lower() == "true"


def _where(el: ET.Element) -> str:
    name = el.get("name")
    return f"{el.tag}[{name}]" if name else el.tag


@dataclass
class _Obj:
    tag: str  # lower-case
    el: ET.Element
    field: str | None


@dataclass
class _Reader:
    """State of one config -> schema conversion: objects by name, controls in document order."""

    objects: dict[str, _Obj] = field(default_factory=dict)
    entries: list[dict[str, Any] | None] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    controls: list[ET.Element] = field(default_factory=list)

    def error(self, el: ET.Element, message: Message) -> None:
        self.errors.append((_where(el), message))

    def walk(self, el: ET.Element) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in CONTROL_TAGS:
            self.controls.append(el)
            return
        if tag in OBJECT_TAGS:
            name = el.get("name")
            value = (el.get("value") or "").strip()
            fld = value[1:] if value.startswith("$") and len(value) > 1 else None
            if name:
                self.objects[name] = _Obj(tag, el, fld)
        elif tag not in LAYOUT_TAGS:
            self.error(el, msg("lsconfig.unsupported_tag", tag=el.tag))
            return
        for child in el:
            self.walk(child)

    def target(self, el: ET.Element, to_name: str | None = None) -> _Obj | None:
        to_name = (to_name if to_name is not None else el.get("toName") or "").strip()
        if not to_name:
            self.error(el, msg("lsconfig.to_name_required"))
            return None
        if "," in to_name:
            self.error(el, msg("lsconfig.to_name_one"))
            return None
        obj = self.objects.get(to_name)
        if obj is None:
            self.error(el, msg("lsconfig.to_name_unknown", name=to_name))
            return None
        if obj.field is None:
            self.errors.append((_where(obj.el), msg("lsconfig.value_ref")))
            return None
        return obj

    def values(self, el: ET.Element, child: str) -> list[str]:
        out = []
        for c in el.iter():
            if isinstance(c.tag, str) and c.tag.lower() == child:
                v = c.get("alias") or c.get("value")
                if v is None:
                    self.error(el, msg("lsconfig.no_value", tag=c.tag))
                else:
                    out.append(v)
        return out


def labelstudio_config_to_schema(xml: str | bytes) -> LabelSchema:
    """Convert a Label Studio labelling config to a LabelSchema; SchemaError names the offending tag.

    Label Studio controls are optional unless `required="true"`, so imported controls keep that
    (`required` is False unless the tag says true): imported annotations may omit any of them.
    """
    root = _safe_parse(xml)
    r = _Reader()
    if root.tag.lower() != "view":
        r.errors.append((root.tag, msg("lsconfig.root_view")))
    r.walk(root)

    image_labels: dict[str, list[ET.Element]] = {}
    image_tools: dict[str, list[ET.Element]] = {}
    for el in r.controls:
        tag = el.tag.lower()
        obj = r.objects.get((el.get("toName") or "").strip())
        if obj is not None and obj.tag == "image":
            if tag == "labels":
                image_labels.setdefault(el.get("toName", "").strip(), []).append(el)
            elif tag in IMAGE_TOOLS:
                image_tools.setdefault(el.get("toName", "").strip(), []).append(el)

    region_text: list[ET.Element] = []
    relations: list[tuple[int, ET.Element]] = []
    for el in r.controls:
        tag = el.tag.lower()
        name = (el.get("name") or "").strip()
        if tag == "relations":
            relations.append((len(r.entries), el))
            r.entries.append(None)
            r.where.append(_where(el))
            continue
        if tag == "textarea" and _is_true(el, "perRegion"):
            region_text.append(el)
            continue
        if not name:
            r.error(el, msg("lsconfig.name_required"))
            continue
        entry = _control_entry(r, el, tag, name, image_labels, image_tools)
        if entry is not None:
            entry["required"] = _is_true(el, "required")
            r.entries.append(entry)
            r.where.append(_where(el))

    spans = [e for e in r.entries if e is not None and e["kind"] == "spans"]
    for pos, el in relations:
        if not spans:
            r.error(el, msg("lsconfig.relations_labels"))
            continue
        r.entries[pos] = {"name": (el.get("name") or "relations").strip(), "kind": "relations",
                          "labels": r.values(el, "relation"), "spans": spans[0]["name"],
                          "required": _is_true(el, "required")}
    for el in region_text:
        to_name = (el.get("toName") or "").strip()
        owner = next((e for e in r.entries if e is not None and e["kind"] == "audio_segments"
                      and e.get("_object") == to_name), None)
        if owner is None:
            r.error(el, msg("lsconfig.per_region_textarea"))
            continue
        owner["transcribe"] = True
        tname = (el.get("name") or "").strip()
        if tname and tname != f"{owner['name']}_transcription":
            owner["transcription_name"] = tname
    entries = []
    where = []
    for e, w in zip(r.entries, r.where, strict=True):
        if e is not None:
            e.pop("_object", None)
            entries.append(e)
            where.append(w)
    if r.errors:
        raise SchemaError(r.errors)
    try:
        return LabelSchema.parse({"controls": entries})
    except SchemaError as exc:
        raise SchemaError([(_relabel(p, where), m) for p, m in exc.errors]) from None


def label_schema_from_config(xml: str | bytes) -> dict[str, Any]:
    """Our label schema (as stored) from a Label Studio config, for a project being created. Errors
    name ``labelstudio_config.<tag path>`` (e.g. ``labelstudio_config.Choices[x].toName``), the same
    whether the config came in an API body or a CLI option."""
    try:
        return labelstudio_config_to_schema(xml).model_dump(mode="json", exclude_none=True)
    except SchemaError as exc:
        raise Invalid(msg("lsconfig.not_converted"),
                      [FieldError(f"labelstudio_config.{path}" if path else "labelstudio_config", message)
                       for path, message in exc.errors]) from None


def _relabel(path: str, where: list[str]) -> str:
    """controls[3].labels -> RectangleLabels[label].labels, so errors point into the XML."""
    if path.startswith("controls["):
        idx, _, rest = path[len("controls["):].partition("]")
        if idx.isdigit() and int(idx) < len(where):
            return where[int(idx)] + rest
    return path


def _control_entry(
    r: _Reader,
    el: ET.Element,
    tag: str,
    name: str,
    image_labels: dict[str, list[ET.Element]],
    image_tools: dict[str, list[ET.Element]],
) -> dict[str, Any] | None:
    if _is_true(el, "perRegion") and tag != "textarea":
        r.error(el, msg("lsconfig.per_region"))
        return None
    if tag == "pairwise":
        names = [n.strip() for n in (el.get("toName") or "").split(",") if n.strip()]
        if len(names) != 2:
            r.error(el, msg("lsconfig.to_name_two"))
            return None
        objs = [r.target(el, n) for n in names]
        if None in objs:
            return None
        return {"name": name, "kind": "pairwise", "to": [o.field for o in objs if o], "allow_tie": False}
    obj = r.target(el)
    if obj is None:
        return None
    to = obj.field
    if tag == "choices":
        if el.get("value"):
            r.error(el, msg("lsconfig.dynamic_choices"))
            return None
        mode = (el.get("choice") or "single").lower()
        if mode not in ("single", "single-radio", "multiple"):
            r.error(el, msg("lsconfig.choice_mode", mode=mode))
            return None
        return {"name": name, "kind": "choices", "to": to, "options": r.values(el, "choice"),
                "multiple": mode == "multiple"}
    if tag in IMAGE_LABEL_TAGS:
        return {"name": name, "kind": IMAGE_LABEL_TAGS[tag], "to": to, "labels": r.values(el, "label")}
    if tag in IMAGE_TOOLS:
        if not image_labels.get(el.get("toName", "").strip()):
            r.error(el, msg("lsconfig.tool_needs_labels", tag=el.tag))
        return None  # the Labels control carries it
    if tag == "labels":
        labels = r.values(el, "label")
        if obj.tag in ("text", "hypertext"):
            return {"name": name, "kind": "spans", "to": to, "labels": labels}
        if obj.tag in ("audio", "audioplus"):
            return {"name": name, "kind": "audio_segments", "to": to, "labels": labels, "transcribe": False,
                    "_object": el.get("toName", "").strip()}
        if obj.tag == "video":
            return _video(name, to, labels, obj)
        if obj.tag == "image":
            tools = image_tools.get(el.get("toName", "").strip(), [])
            if len(tools) != 1:
                r.error(el, msg("lsconfig.image_tools", found=len(tools)))
                return None
            return {"name": name, "kind": IMAGE_TOOLS[tools[0].tag.lower()], "to": to, "labels": labels}
        r.error(el, msg("lsconfig.labels_on", tag=obj.el.tag))
        return None
    if tag == "timelinelabels":
        if obj.tag != "video":
            r.error(el, msg("lsconfig.timeline_video"))
            return None
        return _video(name, to, r.values(el, "label"), obj)
    if tag == "textarea":
        return {"name": name, "kind": "transcription", "to": to}
    if tag == "rating":
        raw = el.get("maxRating") or "5"
        if not raw.strip().isdigit() or int(raw) < 2:
            r.error(el, msg("lsconfig.max_rating"))
            return None
        return {"name": name, "kind": "rating", "to": to, "min": 1, "max": int(raw)}
    if tag == "ranker":
        if obj.tag != "list":
            r.error(el, msg("lsconfig.ranker_list"))
            return None
        if any(isinstance(c.tag, str) and c.tag.lower() == "bucket" for c in el.iter()):
            r.error(el, msg("lsconfig.ranker_buckets"))
            return None
        return {"name": name, "kind": "ranking", "to": to}
    r.error(el, msg("lsconfig.unsupported_tag", tag=el.tag))
    return None


def _video(name: str, to: str | None, labels: list[str], obj: _Obj) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "kind": "video_segments", "to": to, "labels": labels}
    rate = obj.el.get("frameRate")
    if rate:
        try:
            entry["fps"] = float(rate)
        except ValueError:
            pass
    return entry


# ---------------------------------------------------------------------------------------------
# schema -> config

_STRONG_OBJECT = {"spans": "Text", "bbox": "Image", "polygon": "Image", "keypoints": "Image",
                  "audio_segments": "Audio", "video_segments": "Video", "ranking": "List"}


def _guess_object(fld: str) -> str:
    low = fld.lower()
    for words, tag in ((("image", "img", "photo", "picture"), "Image"), (("audio", "speech", "wav"), "Audio"),
                       (("video",), "Video")):
        if any(w in low for w in words):
            return tag
    return "Text"


def _unsupported(control: Control) -> Message | None:
    kind = control.kind
    if kind in ("cot_review", "image_text_alignment", "kg_triples") or kind not in _EMITTERS:
        return msg("lsconfig.kind_no_equivalent", kind=kind)
    if kind == "rating" and control.min != 1:  # type: ignore[attr-defined]
        return msg("lsconfig.rating_start")
    if kind == "rating" and control.to is None:  # type: ignore[attr-defined]
        return msg("lsconfig.rating_object")
    if kind == "pairwise" and control.allow_tie:  # type: ignore[attr-defined]
        return msg("lsconfig.pairwise_tie")
    return None


def schema_to_labelstudio_config(schema: LabelSchema, *, skip_unsupported: bool = False) -> str:
    """Write a Label Studio config for the schema's shared kinds.

    Controls Label Studio cannot express (cot_review, image_text_alignment, kg_triples, ratings not
    starting at 1, pairwise with ties, a second relations control or one not on the first spans
    control) raise SchemaError, or are left out with `skip_unsupported=True`. `title`, transcription
    lengths and `help` do not travel.
    """
    errors: list[tuple[str, str]] = []
    keep: list[Control] = []
    first_spans = next((c.name for c in schema.controls if c.kind == "spans"), None)
    seen_relations = False
    for i, c in enumerate(schema.controls):
        why = _unsupported(c)
        if why is None and c.kind == "relations":
            if seen_relations:
                why = msg("lsconfig.one_relations")
            elif c.spans != first_spans:  # type: ignore[attr-defined]
                why = msg("lsconfig.relations_first_spans")
            seen_relations = True
        if why is None:
            keep.append(c)
        elif not skip_unsupported:
            errors.append((f"controls[{i}]", why))
    if errors:
        raise SchemaError(errors)

    # One object tag per (field, tag); strong kinds decide the tag of a field before guesses.
    field_tag: dict[str, str] = {}
    for c in keep:
        tag = _STRONG_OBJECT.get(c.kind)
        if tag:
            field_tag.setdefault(c.to, tag)  # type: ignore[attr-defined]
    used_names = {c.name for c in keep}
    objects: dict[tuple[str, str], ET.Element] = {}
    root = ET.Element("View")

    def obj_name(fld: str, tag: str) -> str:
        key = (fld, tag)
        if key not in objects:
            name = fld if fld not in used_names else f"{fld}_{tag.lower()}"
            while name in used_names:
                name += "_"
            used_names.add(name)
            el = ET.Element(tag, {"name": name, "value": f"${fld}"})
            objects[key] = el
        return objects[key].get("name", "")

    def object_for(c: Control, fld: str) -> str:
        tag = _STRONG_OBJECT.get(c.kind) or field_tag.get(fld) or _guess_object(fld)
        name = obj_name(fld, tag)
        if c.kind == "video_segments" and c.fps is not None:  # type: ignore[attr-defined]
            objects[(fld, tag)].set("frameRate", f"{c.fps:g}")  # type: ignore[attr-defined]
        return name

    control_els: list[ET.Element] = []
    for c in keep:
        control_els.extend(_EMITTERS[c.kind](c, object_for))
    root.extend(objects.values())
    root.extend(control_els)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def _with_children(tag: str, attrs: dict[str, str], child: str, values: list[str]) -> ET.Element:
    el = ET.Element(tag, attrs)
    for v in values:
        ET.SubElement(el, child, {"value": v})
    return el


def _attrs(c: Control, **extra: str) -> dict[str, str]:
    out = {"name": c.name, **extra}
    if c.required:
        out["required"] = "true"
    return out


def _emit_choices(c: Any, obj: Any) -> list[ET.Element]:
    mode = "multiple" if c.multiple else "single"
    return [_with_children("Choices", _attrs(c, toName=obj(c, c.to), choice=mode), "Choice", c.options)]


def _emit_labels(tag: str) -> Any:
    def emit(c: Any, obj: Any) -> list[ET.Element]:
        return [_with_children(tag, _attrs(c, toName=obj(c, c.to)), "Label", c.labels)]
    return emit


def _emit_relations(c: Any, obj: Any) -> list[ET.Element]:
    attrs = {} if c.name == "relations" else {"name": c.name}
    if c.required:
        attrs["required"] = "true"
    return [_with_children("Relations", attrs, "Relation", c.labels)]


def _emit_audio(c: Any, obj: Any) -> list[ET.Element]:
    to_name = obj(c, c.to)
    out = [_with_children("Labels", _attrs(c, toName=to_name), "Label", c.labels)]
    if c.transcribe:
        out.append(ET.Element("TextArea", {"name": c.transcription_name or f"{c.name}_transcription",
                                           "toName": to_name, "perRegion": "true", "editable": "true"}))
    return out


def _emit_simple(tag: str, **fixed: str) -> Any:
    def emit(c: Any, obj: Any) -> list[ET.Element]:
        extra = dict(fixed)
        if c.kind == "rating":
            extra["maxRating"] = str(c.max)
        return [ET.Element(tag, _attrs(c, toName=obj(c, c.to), **extra))]
    return emit


def _emit_pairwise(c: Any, obj: Any) -> list[ET.Element]:
    return [ET.Element("Pairwise", _attrs(c, toName=f"{obj(c, c.to[0])},{obj(c, c.to[1])}"))]


_EMITTERS: dict[str, Any] = {
    "choices": _emit_choices,
    "spans": _emit_labels("Labels"),
    "relations": _emit_relations,
    "bbox": _emit_labels("RectangleLabels"),
    "polygon": _emit_labels("PolygonLabels"),
    "keypoints": _emit_labels("KeyPointLabels"),
    "transcription": _emit_simple("TextArea"),
    "audio_segments": _emit_audio,
    "video_segments": _emit_labels("TimelineLabels"),
    "pairwise": _emit_pairwise,
    "ranking": _emit_simple("Ranker"),
    "rating": _emit_simple("Rating"),
}

__all__ = ["MAX_CONFIG_CHARS", "labelstudio_config_to_schema", "schema_to_labelstudio_config"]
