"""The JSON codec of the hot paths (stored JSON columns, import lines, export lines).

orjson is 4-10x faster than the standard library; it is used wherever it gives the same answer, and
the standard library handles what orjson refuses, so behaviour does not depend on which one ran:
NaN/Infinity literals and integers beyond 64 bits on input (which orjson would turn into floats), non-string
keys and big integers on output, and every malformed input (its error messages, with line and column, are
the ones users see).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_DUMP_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # dates go to ``default`` as they do with json


# orjson reads integers beyond 64 bits as floats, silently losing digits; any run of 19+ digits
# (also inside strings: a false alarm only costs speed) goes to json, which keeps them exact. The run
# is found by mapping digits to "9" and the rest to " " (C speed; a regex is 10x slower on long lines).
_DIGITS_TO_9 = bytes(0x39 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"9" * 19


def loads(data: bytes | str) -> Any:
    """Parse one JSON document. Bytes must be UTF-8 (UnicodeDecodeError names the bad byte)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _LONG_RUN not in raw.translate(_DIGITS_TO_9):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """Compact JSON text with non-ASCII characters kept as they are (not ``\\u`` escapes). A float NaN or
    infinity becomes ``null`` (valid JSON, which PostgreSQL requires), not json's non-standard ``NaN``."""
    try:
        return orjson.dumps(value, default=default, option=_DUMP_OPTIONS).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: non-str keys, ints beyond 64 bits, unknown types
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=default)
