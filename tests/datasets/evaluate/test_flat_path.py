"""The columnar path (FlatBatch + ``update_flat``) gives the same report as the per-record path.

Files are generated with planted defects of the kinds real exports carry: broken and non-object lines,
blank lines, missing and null fields, type drift (numbers as strings, floats, booleans), blank and odd
ids, labels of every scalar type, several text fields, PII in texts and in other columns, blocked terms,
garbled and repetitive texts, duplicates across batches, stale / future / unparseable times, columns
that appear mid-file (one with a sensitive name), and batches that are not flat at all (nested values,
media), which must take the per-record path. The per-record path is forced by making
``FlatBatch.build`` decline every batch.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from crowdset.datasets.evaluate import engine, evaluate_path, evaluate_records
from crowdset.datasets.evaluate.flat import FlatBatch, missing_mask
from crowdset.datasets.evaluate.readers import RawRecord
from crowdset.datasets.evaluate.record_checks import is_missing
from crowdset.datasets.evaluate.records import Normaliser

from .builders import NOW

HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
         "也能下过子说产种面而方后多定行")


def _text(rng: random.Random) -> str:
    t = "".join(rng.choice(HANZI) for _ in range(rng.randint(40, 90)))
    kind = rng.random()
    if kind < 0.03:
        return t[:10] + "ä¸­æ–‡" + t[10:]
    if kind < 0.06:
        return t[:5] + "\ufffd" + t[5:]
    if kind < 0.09:
        return t[:5] + "\x07" + t[5:]
    if kind < 0.12:
        return (t[:3] * 30)[:80]
    if kind < 0.15:
        return f"{t}，电话 138{rng.randint(10_000_000, 99_999_999)}"
    if kind < 0.17:
        return f"{t}，身份证 110105199001011237"
    if kind < 0.19:
        return f"{t} 写信到 user{rng.randint(1, 99)}@example.com"
    if kind < 0.21:
        return t + " 机密 "
    if kind < 0.23:
        return "  "
    if kind < 0.25:
        return "😀 emoji 文本 " + t + " \u3000"
    return t


def flat_lines(n: int, seed: int) -> list[str]:
    """JSONL lines: mostly flat records with planted defects, some broken or non-flat lines."""
    rng = random.Random(seed)
    texts: list[str] = []
    lines: list[str] = []
    for i in range(n):
        t = rng.choice(texts) if texts and rng.random() < 0.08 else _text(rng)
        texts.append(t)
        rec: dict[str, Any] = {"id": f"r{i}", "text": t, "label": rng.choice(["体育", "财经", "科技"]),
                               "last_modified_time": "2025-01-01", "source": "自采", "generated_data_indicator": 0}
        r = rng.random()
        if r < 0.03:
            rec["id"] = rng.choice(["", None, 0, i, True, 1.5])
        elif r < 0.05:
            del rec["id"]
        r = rng.random()
        if r < 0.03:
            rec["label"] = rng.choice(["", "  ", None, 3, 2.5, False, " 体育 "])
        elif r < 0.05:
            del rec["label"]
        r = rng.random()
        if r < 0.03:
            rec["generated_data_indicator"] = rng.choice(["0", "1", 1.0, True, None, 2])
        elif r < 0.05:
            del rec["generated_data_indicator"]
        r = rng.random()
        if r < 0.02:
            rec["source"] = rng.choice(["互联网", "", None, 5])
            if rng.random() < 0.5:
                rec["source_details"] = rng.choice(["https://example.com/a", "ftp://x", ""])
        elif r < 0.03:
            del rec["source"]
        r = rng.random()
        if r < 0.03:
            rec["last_modified_time"] = rng.choice(["2015-01-01", "2099-01-01", "bad", "", None, 1.7e9, 1735689600])
        elif r < 0.04:
            del rec["last_modified_time"]
        if i > n // 2 and rng.random() < 0.3:  # columns that appear mid-file
            rec["身份证号"] = rng.choice(["110105199001011237", "", "无"])
            rec["question"] = rng.choice(["问题一", "", 7, "联系 13912345678"])
        if rng.random() < 0.01:
            rec["text"] = rng.choice([None, 12, "", True])
        line = json.dumps(rec, ensure_ascii=rng.random() < 0.1)
        r = rng.random()
        if r < 0.01:
            line = line[: len(line) // 2]  # broken JSON
        elif r < 0.015:
            line = rng.choice(["[1, 2]", '"a string"', "42", "null"])
        elif r < 0.02:
            line = json.dumps({**rec, "extra": {"nested": "张三"}}, ensure_ascii=False)  # not flat
        elif r < 0.022:
            line = json.dumps({**rec, "image": "missing.png"}, ensure_ascii=False)  # media: not flat
        elif r < 0.025:
            line = "   "  # blank line: skipped by the reader
        elif r < 0.027:
            line = json.dumps(rec, ensure_ascii=False).replace('"text": "', '"text": "\\ud800')  # lone surrogate
        lines.append(line)
    return lines


def _per_record_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.FlatBatch, "build", classmethod(lambda cls, raw, norm: None))


def _count_flat(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = FlatBatch.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[FlatBatch], raw: list[RawRecord], norm: Normaliser) -> FlatBatch | None:
        fb = real(cls, raw, norm)
        if fb is not None:
            built.append(fb.n)
        return fb

    monkeypatch.setattr(engine.FlatBatch, "build", classmethod(counting))
    return built


METAS: list[dict[str, Any] | None] = [
    None,
    {"labels": ["体育", "财经"], "blocked_terms": ["机密"], "source": "互联网",
     "source_details": "https://example.com", "generated_data_indicator": 1},
    {"time_field": "last_modified_time", "blocked_terms": ["机\n密", "文本"]},
]


@pytest.mark.parametrize("meta_i", range(len(METAS)))
@pytest.mark.parametrize("seed", [1, 2])
def test_flat_path_report_equals_per_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            meta_i: int, seed: int) -> None:
    path = tmp_path / "flat.jsonl"
    path.write_text("\n".join(flat_lines(900, seed)) + "\n", encoding="utf-8")
    meta = METAS[meta_i]
    with monkeypatch.context() as mp:
        built = _count_flat(mp)
        fast = evaluate_path(path, "general", metadata=meta, now=NOW, batch_size=40)
    assert len(built) >= 10  # the columnar path really ran on most batches
    _per_record_only(monkeypatch)
    slow = evaluate_path(path, "general", metadata=meta, now=NOW, batch_size=40)
    assert fast == slow
    assert fast["indicators"]["0208"]["dirty_records"] > 0 and fast["indicators"]["0202"]["pii_hits"]


def test_flat_path_csv_and_in_memory_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recs: list[dict[str, Any]] = []
    for line in flat_lines(700, 3):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict):
            recs.append(d)
    fields = sorted({k for d in recs for k in d if not isinstance(d[k], dict)})
    path = tmp_path / "flat.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for d in recs:
            w.writerow({k: ("" if d.get(k) is None else str(d[k]).replace("\ud800", "?")) for k in fields})
    meta = METAS[1]
    with monkeypatch.context() as mp:
        built = _count_flat(mp)
        fast = [evaluate_path(path, "healthcare", metadata=meta, now=NOW, batch_size=50),
                evaluate_records(recs, "general", metadata=meta, now=NOW, batch_size=30)]
    assert len(built) >= 10
    _per_record_only(monkeypatch)
    slow = [evaluate_path(path, "healthcare", metadata=meta, now=NOW, batch_size=50),
            evaluate_records(recs, "general", metadata=meta, now=NOW, batch_size=30)]
    assert fast == slow


def test_flat_batch_declines_non_flat_records() -> None:
    norm = Normaliser(None)
    ok = [RawRecord(1, {"id": "a", "text": "x"}), RawRecord(2, None, "broken"), RawRecord(3, {"text": "y"})]
    fb = FlatBatch.build(ok, norm)
    assert fb is not None
    assert fb.ids == ["a", "row-2", "row-3"] and fb.errs == [1] and fb.pos == [0, 2]
    assert [(i, j) for i, j in fb.in_order([1])] == [(1, None), (2, 1)]
    for bad in ({"text": "x", "meta": {"a": 1}}, {"text": "x", "tags": ["a"]}, {"image": "a.png"},
                {"data_content": []}, {"spans": None}):
        assert FlatBatch.build([RawRecord(1, {"id": "a"}), RawRecord(2, bad)], norm) is None


def test_missing_mask_equals_is_missing() -> None:
    for col in (["a", " ", "", "\u3000", "\x1c"], [1, 0, 2.5, False], ["a", None, " "], [None, 0, "", "x", 1.5]):
        assert missing_mask(col) == [is_missing(v) for v in col]


def test_str_split_cuts_exactly_at_regex_whitespace() -> None:
    """normalise_texts relies on str.split() and the regex \\s agreeing on every code point."""
    import re

    ws = re.compile(r"\s")
    for cp in range(0x110000):
        c = chr(cp)
        assert (ws.fullmatch(c) is not None) == (not c.split()), hex(cp)
