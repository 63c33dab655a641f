"""Record-level validation: the TC609-5-2025-02 record format and a declared flat record schema.

Declared schema (metadata sidecar, ``record_schema``)::

    record_schema:
      fields:
        text:  {type: string, required: true, max_length: 2000}
        label: {type: string, enum: [正面, 负面]}
        score: {type: number, minimum: 0, maximum: 1}
        phone: {type: string, pattern: "^1[3-9][0-9]{9}$"}

Types: string, integer, number, boolean, array, object, datetime. CSV cells arrive as strings, so for
CSV a value "counts" as integer/number/boolean when its text parses as one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

MEDIA_TYPES = frozenset({"text", "image", "audio", "video", "point_cloud", "table", "file", "multimodal"})
ANNOTATION_METHODS = frozenset({"人工标注", "自动标注", "半自动标注", "其他"})
ANNOTATORS = frozenset({"普通标注员", "专业标注员", "行业领域专家", "其他"})
INTERNET_SOURCE = "互联网"
TC609_REQUIRED = ("id", "data_content", "original_time", "last_modified_time", "version", "license", "source",
                  "generated_data_indicator")

_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_NUM_RE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_BOOL_STR = frozenset({"true", "false", "True", "False", "TRUE", "FALSE"})


_TIME_CACHE: dict[str, datetime | None] = {}


def parse_time_cached(v: Any) -> datetime | None:
    """``parse_time`` memoised for strings (timestamps repeat across records); bounded."""
    if type(v) is not str:
        return parse_time(v)
    try:
        return _TIME_CACHE[v]
    except KeyError:
        t = parse_time(v)
        if len(_TIME_CACHE) < 100_000:
            _TIME_CACHE[v] = t
        return t


def parse_time(v: Any) -> datetime | None:
    """ISO 8601, 'YYYY-MM-DD HH:MM:SS', 'YYYY/MM/DD', a date, or epoch seconds/milliseconds; naive = UTC."""
    if isinstance(v, datetime):
        dt = v
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        ts = float(v) / 1000.0 if v > 1e11 else float(v)
        try:
            return datetime.fromtimestamp(ts, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(v, str) and v.strip():
        s = v.strip().replace("/", "-")
        if _INT_RE.match(s) and len(s) >= 9:
            return parse_time(int(s))
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            return None
    elif hasattr(v, "year") and hasattr(v, "month"):  # date
        dt = datetime(v.year, v.month, v.day)
    else:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def is_http_url(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        u = urlparse(v.strip())
        host = u.hostname or ""
    except ValueError:
        return False
    return u.scheme in ("http", "https") and (("." in host and not host.endswith(".")) or host == "localhost")


def value_type(v: Any, lexical: bool = False) -> str:
    """JSON type name of ``v``; with ``lexical`` (CSV) a numeric-looking string counts as a number."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        if lexical:
            s = v.strip()
            if _INT_RE.match(s):
                return "integer"
            if _NUM_RE.match(s):
                return "number"
            if s in _BOOL_STR:
                return "boolean"
        return "string"
    if isinstance(v, (list, tuple)):
        return "array"
    if isinstance(v, dict):
        return "object"
    if hasattr(v, "year"):
        return "datetime"
    return type(v).__name__


def type_matches(v: Any, declared: str, lexical: bool = False) -> bool:
    if not lexical:  # exact-type fast paths (same answers as below)
        vt = type(v)
        if vt is str and declared == "string":
            return True
        if vt is int and declared in ("integer", "number"):
            return True
    t = value_type(v, lexical)
    if declared == "number":
        return t in ("number", "integer")
    if declared == "datetime":
        return t == "datetime" or (t in ("string", "integer") and parse_time(v) is not None)
    if declared == "string" and lexical:
        return isinstance(v, str)
    return t == declared


def is_missing(v: Any) -> bool:
    t = type(v)  # exact-type fast paths for JSON values first; subclasses take the general test
    if t is str:
        return not v.strip()
    if v is None:
        return True
    if t is list or t is dict:
        return not v
    if t is int or t is float or t is bool:
        return False
    return v is None or (isinstance(v, (str, list, dict)) and len(v) == 0) or (isinstance(v, str) and not v.strip())


def tc609_problems(d: dict[str, Any], labelled: bool) -> list[str]:
    """Every way a record departs from the TC609 record format (empty list = valid)."""
    p: list[str] = []
    rid = d.get("id")
    if not isinstance(rid, (str, int)) or isinstance(rid, bool) or rid == "":
        p.append("id must be a non-empty string or integer")
    if "rid" in d and d["rid"] is not None and not (
        isinstance(d["rid"], str) or (isinstance(d["rid"], list) and all(isinstance(x, (str, int)) for x in d["rid"]))
    ):
        p.append("rid must be a list of related ids")
    dc = d.get("data_content")
    if not isinstance(dc, list) or not dc:
        p.append("data_content must be a non-empty list of {media_type, content}")
    else:
        for i, part in enumerate(dc):
            if not isinstance(part, dict):
                p.append(f"data_content[{i}] is not an object")
            elif part.get("media_type") not in MEDIA_TYPES:
                p.append(f"data_content[{i}].media_type {part.get('media_type')!r} not in {sorted(MEDIA_TYPES)}")
            elif not isinstance(part.get("content"), str) or not part["content"].strip():
                p.append(f"data_content[{i}].content is empty")
    ann = d.get("annotation")
    if ann is None:
        if labelled:
            p.append("annotation missing in a labelled dataset")
    elif not isinstance(ann, dict):
        p.append("annotation must be an object {label, annotation_method, annotator}")
    else:
        if not isinstance(ann.get("label"), list):
            p.append("annotation.label must be a list")
        if ann.get("annotation_method") not in ANNOTATION_METHODS:
            p.append(f"annotation.annotation_method {ann.get('annotation_method')!r} "
                     f"not in {sorted(ANNOTATION_METHODS)}")
        if ann.get("annotator") not in ANNOTATORS:
            p.append(f"annotation.annotator {ann.get('annotator')!r} not in {sorted(ANNOTATORS)}")
    times = {}
    for f in ("original_time", "last_modified_time"):
        times[f] = parse_time(d.get(f))
        if times[f] is None:
            p.append(f"{f} is missing or not a date-time")
    if times["original_time"] and times["last_modified_time"] and times["last_modified_time"] < times["original_time"]:
        p.append("last_modified_time is earlier than original_time")
    for f in ("version", "license", "source"):
        if not isinstance(d.get(f), str) or not d[f].strip():
            p.append(f"{f} must be a non-empty string")
    if d.get("source") == INTERNET_SOURCE and not is_http_url(d.get("source_details")):
        p.append("source_details must be a valid http(s) URL when source is 互联网")
    g = d.get("generated_data_indicator")
    if isinstance(g, bool) or g not in (0, 1):
        p.append("generated_data_indicator must be 0 or 1")
    return p


def schema_problems(d: dict[str, Any], fields: dict[str, dict[str, Any]], lexical: bool) -> list[str]:
    """Departures from a declared flat schema: type, enum, length, range, regex, required."""
    p: list[str] = []
    for name, spec in fields.items():
        v = d.get(name)
        if is_missing(v):
            if spec.get("required"):
                p.append(f"{name} is required")
            continue
        t = spec.get("type")
        if t and not type_matches(v, t, lexical):
            p.append(f"{name} should be {t}, got {value_type(v, lexical)}")
            continue
        if "enum" in spec and v not in spec["enum"] and str(v) not in {str(e) for e in spec["enum"]}:
            p.append(f"{name}={_short(v)} not in the allowed values")
        if isinstance(v, (str, list)):
            if "max_length" in spec and len(v) > int(spec["max_length"]):
                p.append(f"{name} longer than {spec['max_length']}")
            if "min_length" in spec and len(v) < int(spec["min_length"]):
                p.append(f"{name} shorter than {spec['min_length']}")
        if "pattern" in spec and isinstance(v, str) and re.search(spec["pattern"], v) is None:
            p.append(f"{name} does not match {spec['pattern']}")
        if "minimum" in spec or "maximum" in spec:
            try:
                num = float(v)
            except (TypeError, ValueError):
                num = None
            if num is not None and ("minimum" in spec and num < float(spec["minimum"])
                                    or "maximum" in spec and num > float(spec["maximum"])):
                p.append(f"{name}={_short(v)} outside [{spec.get('minimum')}, {spec.get('maximum')}]")
    return p


def _short(v: Any, n: int = 40) -> str:
    s = repr(v)
    return s if len(s) <= n else s[: n - 1] + "…"
