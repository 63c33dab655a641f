"""Shared pieces of the format readers and writers: the row type, task checks, schema look-ups.

Readers never raise on a bad row: they collect ``(field, reason)`` pairs so the import service can
reject a file listing every problem at once (a file is all-or-nothing). Each reason is a message by code
(crowdset.messages), so the import page shows it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from crowdset import jsoncodec
from crowdset.messages import msg

Error = tuple[str, str]

#: Keys a task dict may carry (docs/label-schemas.md).
TASK_KEYS = ("data", "is_gold", "gold", "priority", "predictions", "annotations", "meta")
#: Keys lifted out of a flat object/CSV row instead of becoming data fields.
RESERVED_FLAT_KEYS = ("is_gold", "gold", "priority", "id", "external_id")

_TRUE = {"1", "true", "t", "yes", "y", "是", "真"}
_FALSE = {"0", "false", "f", "no", "n", "否", "假"}


@dataclass(slots=True)
class ParsedRow:
    """One input row: ``task`` when it is good, else the reasons it is not.

    ``line`` is 1-based: the physical line (jsonl), the line a record starts on (csv) or the array
    index (Label Studio JSON). ``line == 0`` means the whole file (e.g. it is not a JSON array).
    """

    line: int
    task: dict[str, Any] | None = None
    errors: list[Error] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_bool(value: Any) -> bool | None:
    """Booleans as spreadsheets write them (1/0, true/false, yes/no, 是/否); None when unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    return None


def parse_int(value: Any) -> int | None:
    """Integers from JSON ints or strings ("3", " 3 ", "3.0"); None when not an integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        v = value.strip()
        try:
            return int(v)
        except ValueError:
            try:
                f = float(v)
            except ValueError:
                return None
            return int(f) if f.is_integer() else None
    return None


def build_task(data: Any, extra: dict[str, Any], errors: list[Error]) -> dict[str, Any] | None:
    """Check and assemble a task dict from ``data`` and lifted keys; append problems to ``errors``.

    Only structure is checked here (types of the task keys); results are checked against the
    project schema by the annotation module, which the import service runs afterwards.
    """
    task: dict[str, Any] = {}
    if not isinstance(data, dict):
        errors.append(("data", msg("format.json_object")))
    elif not data:
        errors.append(("data", msg("format.empty")))
    else:
        task["data"] = data
    meta = extra.get("meta")
    if meta is not None and not isinstance(meta, dict):
        errors.append(("meta", msg("format.json_object")))
        meta = None
    meta = dict(meta or {})
    if "id" in extra and "external_id" in extra:
        errors.append(("id", msg("format.id_or_external_id")))
    ext = extra.get("external_id", extra.get("id"))
    if ext is not None:
        if isinstance(ext, (dict, list, bool)):
            errors.append(("id", msg("format.id_type")))
        else:
            meta["external_id"] = ext
    if "is_gold" in extra and extra["is_gold"] is not None:
        b = parse_bool(extra["is_gold"])
        if b is None:
            errors.append(("is_gold", msg("format.not_boolean")))
        else:
            task["is_gold"] = b
    if "gold" in extra and extra["gold"] is not None:
        if isinstance(extra["gold"], dict):
            task["gold"] = extra["gold"]
        else:
            errors.append(("gold", msg("format.result_object")))
    if task.get("is_gold") and "gold" not in task and not any(e[0] == "gold" for e in errors):
        errors.append(("gold", msg("format.gold_required")))
    if "priority" in extra and extra["priority"] is not None:
        p = parse_int(extra["priority"])
        if p is None:
            errors.append(("priority", msg("format.not_integer")))
        else:
            task["priority"] = p
    for key in ("predictions", "annotations"):
        items = extra.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            errors.append((key, msg("field.must_be_list")))
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                errors.append((f"{key}[{i}]", msg("field.must_be_object")))
            elif not isinstance(item.get("result"), dict):
                errors.append((f"{key}[{i}].result", msg("format.result_object")))
        task[key] = items
    if meta:
        task["meta"] = meta
    return None if errors else task


# --- schema helpers -------------------------------------------------------------------------------


def controls(schema: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The schema's controls (empty when no schema), tolerating a bare list."""
    if not schema:
        return []
    if isinstance(schema, list):
        return list(schema)
    return list(schema.get("controls") or [])


def control_map(schema: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in controls(schema) if isinstance(c, dict) and "name" in c}


def geometry_labels(schema: dict[str, Any] | None) -> list[str]:
    """Labels of every bbox/polygon control in schema order, de-duplicated (COCO/YOLO classes)."""
    seen: dict[str, None] = {}
    for c in controls(schema):
        if c.get("kind") in ("bbox", "polygon"):
            for label in c.get("labels") or []:
                seen.setdefault(label, None)
    return list(seen)


def pick_result(record: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The result an exporter should use: the final (aggregated) one, else the only annotation.

    Returns ``(result, method)``; ``(None, "")`` when the task has several annotations and no final
    result, since picking one would silently favour an annotator.
    """
    final = record.get("final")
    if isinstance(final, dict) and isinstance(final.get("result"), dict):
        return final["result"], str(final.get("method") or "final")
    anns = [a for a in record.get("annotations") or [] if isinstance(a.get("result"), dict)]
    if len(anns) == 1:
        return anns[0]["result"], "single_annotation"
    return None, ""


def image_size(value: dict[str, Any] | None, data: dict[str, Any]) -> tuple[float, float] | None:
    """Pixel size of an image: the result value's image_width/height, else the task data's width/height."""
    pairs = [((value or {}).get("image_width"), (value or {}).get("image_height")),
             (data.get("width"), data.get("height"))]
    for w, h in pairs:
        if isinstance(w, (int, float)) and isinstance(h, (int, float)) and not isinstance(w, bool) and w > 0 and h > 0:
            return float(w), float(h)
    return None


def pixel_scale(value: dict[str, Any], data: dict[str, Any]) -> tuple[float, float] | None:
    """Factors turning the value's coordinates into pixels; None for percent with no known size."""
    if value.get("unit") != "percent":
        return 1.0, 1.0
    size = image_size(value, data)
    if size is None:
        return None
    return size[0] / 100.0, size[1] / 100.0


def dumps(obj: Any) -> str:
    """Compact JSON keeping non-ASCII text readable; dates and other objects become strings."""
    return jsoncodec.dumps(obj, default=str)


def read_exactly(stream: IO[bytes], n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at end of file (raw streams may return short reads)."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def byte_lines(stream: IO[bytes], head: bytes = b"", chunk: int = 1 << 16) -> Iterator[bytes]:
    """Lines (ending in b"\\n" except maybe the last) of ``head`` + the stream, in bounded memory.

    Splitting bytes on b"\\n" is safe for UTF-8 and GB18030: neither uses 0x0A inside a character.
    """
    buf = head
    while True:
        pos = 0
        while (i := buf.find(b"\n", pos)) >= 0:
            yield buf[pos:i + 1]
            pos = i + 1
        buf = buf[pos:]
        more = stream.read(chunk)
        if not more:
            if buf:
                yield buf
            return
        buf += more


class PrefixedStream:
    """A binary stream whose first bytes were already read (for sniffing), put back in front."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def read(self, n: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(n)
        if n is None or n < 0:
            out, self.head = self.head + self.stream.read(), b""
            return out
        out, self.head = self.head[:n], self.head[n:]
        return out
