"""JSON Lines: one task per line in, one exported record per line out.

A line is either the contract shape ``{"data": {...}, "is_gold", ...}`` or a flat object whose keys
become ``data`` (with the reserved keys lifted out), so a plain dump of records imports as-is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from crowdset import jsoncodec
from crowdset.messages import msg
from crowdset.safetext import json_problems

from .common import RESERVED_FLAT_KEYS, TASK_KEYS, ParsedRow, build_task, byte_lines, dumps

_CONTRACT_KEYS = set(TASK_KEYS) | {"id", "external_id"}
_RESERVED_FLAT = frozenset(RESERVED_FLAT_KEYS)
# A lone surrogate or a NUL can only arrive as a \u escape (raw ones are not valid JSON text); a line
# without one of these escapes is not walked, so the usual line costs one C-speed search.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")


def object_to_task(obj: Any, errors: list[tuple[str, str]]) -> dict[str, Any] | None:
    """Turn one decoded JSON value into a task (contract or flat shape), collecting errors."""
    if not isinstance(obj, dict):
        errors.append(("", msg("format.line_not_object")))
        return None
    # The two shapes of almost every line, settled without the general checks (same outcome):
    # {"data": {...}} alone, and a flat record with no reserved key to lift out.
    if len(obj) == 1 and isinstance(data := obj.get("data"), dict) and data:
        return {"data": data}
    if obj and "data" not in obj and _RESERVED_FLAT.isdisjoint(obj):
        return {"data": obj}
    if "data" in obj:
        unknown = sorted(set(obj) - _CONTRACT_KEYS)
        for key in unknown:
            errors.append((key, msg("format.unknown_task_key", allowed=sorted(_CONTRACT_KEYS))))
        extra = {k: v for k, v in obj.items() if k != "data"}
        return build_task(obj["data"], extra, errors)
    data = {k: v for k, v in obj.items() if k not in RESERVED_FLAT_KEYS}
    extra = {k: obj[k] for k in RESERVED_FLAT_KEYS if k in obj}
    return build_task(data, extra, errors)


def read_jsonl(stream: IO[bytes]) -> Iterator[ParsedRow]:
    """Yield one ParsedRow per non-blank line; bad lines carry errors and reading goes on."""
    for lineno, raw in enumerate(byte_lines(stream), start=1):
        if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        errors: list[tuple[str, str]] = []
        try:
            obj = jsoncodec.loads(raw)
        except UnicodeDecodeError as exc:
            yield ParsedRow(lineno, errors=[("", msg("format.not_utf8_at", byte=exc.start))])
            continue
        except json.JSONDecodeError as exc:
            yield ParsedRow(lineno, errors=[("", msg("format.invalid_json_column", reason=exc.msg, column=exc.colno))])
            continue
        except RecursionError:
            yield ParsedRow(lineno, errors=[("", msg("json.nested_too_deeply"))])
            continue
        if b"\\u" in raw and _SUSPECT_ESCAPE.search(raw):
            bad = json_problems(obj, finite=False)  # NaN is read as the standard library reads it
            if bad:
                yield ParsedRow(lineno, errors=[(path or "", message) for path, message in bad])
                continue
        task = object_to_task(obj, errors)
        yield ParsedRow(lineno, task=task, errors=errors)


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None,
                **_: Any) -> dict[str, int]:
    """Write every record unchanged, one per line (the lossless export)."""
    n = 0
    for record in records:
        out.write(dumps(record).encode("utf-8"))
        out.write(b"\n")
        n += 1
    return {"tasks": n}
