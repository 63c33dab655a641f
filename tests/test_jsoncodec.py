"""The hot-path JSON codec gives the standard library's answers, whichever library ran."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

from crowdset import jsoncodec


@pytest.mark.parametrize("text", [
    '{"text": "中文", "n": [1, 2.5, -0.0, 1e-7, null, true]}',
    '{"big": 123456789012345678901234567890}',  # beyond 64 bits: orjson refuses, json reads it
    '{"x": NaN, "y": Infinity}',  # not RFC JSON, but json reads it and so must we
    '"\\u4e2d\\ud83d\\ude00"',
])
def test_loads_matches_json(text):
    want = json.loads(text)
    for got in (jsoncodec.loads(text.encode()), jsoncodec.loads(text)):
        assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)
    got = jsoncodec.loads(text)
    if isinstance(want, dict) and "x" in want:
        assert math.isnan(got["x"]) and got["y"] == math.inf


def test_loads_reports_json_errors_and_bad_utf8():
    with pytest.raises(json.JSONDecodeError) as exc:
        jsoncodec.loads(b'{"a": 1,,}')
    assert exc.value.colno == 9
    with pytest.raises(UnicodeDecodeError) as bad:
        jsoncodec.loads(b'{"a": "\xff"}')
    assert bad.value.start == 7


@pytest.mark.parametrize("value", [
    {"text": "中文\n\"引号\"", "n": 1.5, "list": [None, True, 2**40]},
    {1: "int key", "b": 2},  # orjson refuses non-str keys; json turns them into strings
    {"big": 2**70},
])
def test_dumps_matches_compact_json(value):
    assert jsoncodec.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_dumps_sends_dates_to_default():
    when = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert jsoncodec.dumps({"at": when}, default=str) == json.dumps({"at": str(when)}, separators=(",", ":"))
    with pytest.raises(TypeError):
        jsoncodec.dumps({"at": when})


def test_dumps_writes_nan_as_null():
    assert jsoncodec.dumps({"x": float("nan"), "y": float("inf")}) == '{"x":null,"y":null}'
