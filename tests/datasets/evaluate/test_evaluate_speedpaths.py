"""Every fast path in the evaluator gives the same numbers as the reference path, on crafted data.

The fast paths (batch scans, packed 3-grams, cache-sized MinHash blocks, planned field lookup, exact-type
shortcuts, the JSON scanner) exist only for speed; these tests pin them to the straightforward code.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pytest

from crowdset.datasets.evaluate import dedup as dedup_mod
from crowdset.datasets.evaluate import evaluate_path, evaluate_records
from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.dedup import VectorisedNearDup, normalise_text, normalise_texts
from crowdset.datasets.evaluate.media import MediaInspector
from crowdset.datasets.evaluate.profiles import load_profile
from crowdset.datasets.evaluate.readers import RawRecord
from crowdset.datasets.evaluate.record_checks import (
    is_missing,
    parse_time,
    parse_time_cached,
    type_matches,
    value_type,
)
from crowdset.datasets.evaluate.records import Normaliser, normalise
from crowdset.datasets.evaluate.security_check import SecurityCheck
from crowdset.datasets.evaluate.textcheck import (
    garbled_reason,
    garbled_suspects,
    repetition_ratio,
    repetition_ratios,
)
from crowdset.jsoncodec import loads as codec_loads
from crowdset.security.pii import detect

from .builders import NOW

HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
         "也能下过子说产种面而方后多定行")
ODD = ["", "a", "ab", "abc", "  ", "\n", "ΟΔΟΣ ΣΑΣ", "İstanbul", "😀😀😀😀x", "\ud800lone", "ä¸­æ–‡ok", "锟斤拷",
       "x\ufffdy", "ctl\x07", "\x85nel", "a\tb\u3000c", "ß" * 60, "哈哈哈" * 30, "abc" * 40, "ÃÂ€€"]


def crafted_texts(n: int = 600, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    alphabet = HANZI + "abcXYZ 0123456789\n\t@:.-Σσς😀"
    out = [rng.choice(ODD) if rng.random() < 0.2 else
           "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(n)]
    out.append("长" * 5000)  # longer than one MinHash block
    return out


def signatures_reference(self: VectorisedNearDup, texts: Sequence[str]) -> np.ndarray:
    """The first (slower) formulation of ``VectorisedNearDup.signatures``: the fast one must give the same
    numbers. Written as a method, so a test can put it in the fast one's place."""
    k = self.k
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    if len(texts) == 0:
        return np.zeros((0, self.num_perm), dtype=np.uint32)
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    ends = np.cumsum(lens)
    starts = ends - lens
    # Rolling polynomial hash of each k-gram starting at every position, then keep those inside a text.
    n = cps.size
    h = np.zeros(max(0, n - k + 1), dtype=np.uint64)
    for j in range(k):
        h = (h * np.uint64(1_000_003) + cps[j : n - k + 1 + j]) & dedup_mod._MASK64
    counts = np.maximum(lens - k + 1, 0)
    short = (lens > 0) & (lens < k)
    total = int(counts.sum())
    # position of each valid k-gram: its text's start + its rank inside the text
    first = np.cumsum(counts) - counts
    valid_pos = np.arange(total, dtype=np.int64) - np.repeat(first - starts, counts)
    sh = h[valid_pos] if total else np.zeros(0, dtype=np.uint64)
    owner = np.repeat(np.arange(len(texts)), counts)
    if short.any():  # whole-text shingle for texts shorter than k
        idx = np.nonzero(short)[0]
        extra = np.array([dedup_mod.hash_str(texts[i]) for i in idx], dtype=np.uint64)
        sh = np.concatenate([sh, extra])
        owner = np.concatenate([owner, idx])
        order = np.argsort(owner, kind="stable")
        sh, owner = sh[order], owner[order]
    sh = dedup_mod._splitmix(sh)
    sig = np.full((len(texts), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if sh.size == 0:
        return sig
    has = np.bincount(owner, minlength=len(texts)) > 0
    seg = np.searchsorted(owner, np.arange(len(texts)))  # first shingle index per text
    chunk = max(1, (1 << 22) // self.num_perm)  # ~32 MiB of uint64 per slice
    rec_ids = np.nonzero(has)[0]
    rec_starts = seg[rec_ids]
    for s0 in range(0, sh.size, chunk):
        s1 = min(sh.size, s0 + chunk)
        lo = np.searchsorted(rec_starts, s0, side="right") - 1
        hi = np.searchsorted(rec_starts, s1, side="left")
        # multiply-add-shift: uint64 arithmetic wraps mod 2^64 in numpy, the top 32 bits are the hash
        part = sh[s0:s1, None] * self.a[None, :]
        part += self.b[None, :]
        part >>= np.uint64(32)
        bounds = np.maximum(rec_starts[lo:hi], s0) - s0
        red = np.minimum.reduceat(part.astype(np.uint32), bounds, axis=0)
        ids = rec_ids[lo:hi]
        sig[ids] = np.minimum(sig[ids], red)
    return sig


@pytest.mark.parametrize(("num_perm", "block"), [(128, 1 << 19), (64, 1 << 10), (16, 37)])
def test_minhash_blocks_equal_reference(monkeypatch: pytest.MonkeyPatch, num_perm: int, block: int) -> None:
    monkeypatch.setattr(dedup_mod, "_BLOCK_ELEMS", block)
    nd = VectorisedNearDup(0.8, num_perm, 3)
    texts = [normalise_text(t) for t in crafted_texts()]
    assert np.array_equal(nd.signatures(texts), signatures_reference(nd, texts))
    assert nd.signatures([]).shape == (0, num_perm)
    assert np.array_equal(nd.signatures(["", "a"]), signatures_reference(nd, ["", "a"]))


def test_threaded_batches_equal_one_synchronous_pass() -> None:
    texts = [normalise_text(t) for t in crafted_texts(400, 3) if len(t) >= 3]
    texts += texts[:50] + [t[:-2] + "改动" for t in texts[50:100]]
    threaded = VectorisedNearDup(0.8, 128, 3)
    for s in range(0, len(texts), 37):  # many small batches: more than two queued at a time
        threaded.add_batch(np.arange(s, min(len(texts), s + 37)), texts[s : s + 37])
    sync = VectorisedNearDup(0.8, 128, 3)
    sync._sigs.append(signatures_reference(sync, texts))
    sync._keys.append(np.arange(len(texts)))
    assert threaded.finish() == sync.finish()


def test_batch_normalise_equals_per_text() -> None:
    texts = crafted_texts(300, 1)
    clean = [t for t in texts if "\x00" not in t]
    assert normalise_texts(clean) == [normalise_text(t) for t in clean]
    with_nul = clean[:5] + ["a\x00b"]
    assert normalise_texts(with_nul) == [normalise_text(t) for t in with_nul]
    assert normalise_texts([]) == []


def test_garbled_suspects_cover_every_garbled_text() -> None:
    texts = crafted_texts(500, 2) + ["ä¸", "¸­", "正常文本", "\x9f", "烫烫", "烫烫烫", "銆傘"]
    suspects = garbled_suspects(texts)
    flagged = {i for i, t in enumerate(texts) if garbled_reason(t) is not None}
    assert flagged <= suspects
    assert flagged  # the crafted data does contain dirt
    assert garbled_suspects([]) == set()
    assert garbled_suspects(["干净", "文本"]) == set()


@pytest.mark.parametrize("k", [3, 2])
def test_batch_repetition_ratios_equal_per_text(k: int) -> None:
    texts = crafted_texts(500, 4)
    assert repetition_ratios(texts, k) == [repetition_ratio(t, k) for t in texts]
    bmp = [t for t in texts if all(ord(c) < 0x10000 for c in t)]
    assert repetition_ratios(bmp, k) == [repetition_ratio(t, k) for t in bmp]


def crafted_records(n: int = 400, seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pool: list[dict[str, Any]] = []
    for i, t in enumerate(crafted_texts(n, seed)):
        options: dict[str, list[Any]] = {
            "id": [f"r{i}", "", None, i], "text": [t], "content": [t[:10], "", 3],
            "label": ["正面", " 负面 ", "", None, ["a", "b"], [{"label": "x"}, {"start": 0, "end": 1}], 7],
            "image": ["", " ", "x.png", "http://h/x.jpg"], "spans": [[{"start": 0, "end": 2, "label": "PER"}]],
            "bbox": [[1, 2, 3, 4], [], [{"x": 0, "y": 0, "width": 1, "height": 1}]], "编号": [f"z{i}"],
            "phone": ["13812345678", "110105199001011237"],
            "meta": [{"patientName": "张三", "nested": {"idcard": "x"}}],
            "last_modified_time": ["2025-01-01", "2030-01-01", "bad", 1.7e9],
            "source": ["自采", "互联网", ""], "generated_data_indicator": [0, 1, "0", True, None],
        }
        pool.append({k: rng.choice(v) for k, v in options.items() if rng.random() < 0.6})
    pool.append({"data_content": [{"media_type": "text", "content": "TC609 文本"}], "id": "t1",
                 "annotation": {"label": ["正面"]}})
    return pool


@pytest.mark.parametrize("field_map", [None, {"text": ["content"], "label": "label"}])
def test_planned_normaliser_equals_normalise(field_map: dict[str, Any] | None) -> None:
    norm = Normaliser(field_map)
    for i, d in enumerate(crafted_records()):
        raw = RawRecord(i + 1, d)
        assert norm(raw) == normalise(raw, field_map)
    assert norm(RawRecord(9, None, "broken")) == normalise(RawRecord(9, None, "broken"), field_map)


def _is_missing_reference(v: Any) -> bool:
    return v is None or (isinstance(v, (str, list, dict)) and len(v) == 0) or (isinstance(v, str) and not v.strip())


def _type_matches_reference(v: Any, declared: str, lexical: bool) -> bool:
    t = value_type(v, lexical)
    if declared == "number":
        return t in ("number", "integer")
    if declared == "datetime":
        return t == "datetime" or (t in ("string", "integer") and parse_time(v) is not None)
    if declared == "string" and lexical:
        return isinstance(v, str)
    return t == declared


class _Str(str):
    pass


VALUES = [None, "", " ", "x", " x ", "\u3000", [], [1], {}, {"a": 1}, 0, 1, -3, 1.5, 0.0, True, False, "12", "1.5",
          "true", "2025-01-01", 1_700_000_000, datetime(2025, 1, 1), _Str(""), _Str("a"), (), b""]


def test_exact_type_fast_paths_equal_reference() -> None:
    for v in VALUES:
        assert is_missing(v) == _is_missing_reference(v), v
        for declared in ("string", "integer", "number", "boolean", "array", "object", "datetime"):
            for lexical in (False, True):
                assert (type_matches(v, declared, lexical)
                        == _type_matches_reference(v, declared, lexical)), (v, declared)
    for v in ["2025-01-01", "2025/01/01 10:00:00", "bad", "1700000000", "", 1.7e9, None, "2025-01-01Z"]:
        assert parse_time_cached(v) == parse_time(v)
        assert parse_time_cached(v) == parse_time(v)  # second call comes from the cache


LINES = ['{"a": 1}\n', '{"a": 1}', ' {"a": 1}\n', '{"a": 1} \t\r\n', '{"a": 1}\u3000\n', '{"a": 1} x\n', '[1, 2]\n',
         '"s"\n', "NaN\n", '{"a": [1, {"b": null}]}\n', '{"a": \n', "\ufeff{}\n", "", "\n", "{}{}\n", '{"a": 1e400}\n',
         '{"t": "中文\\u00e4"}\n', "tru\n"]


def test_jsoncodec_equals_json_loads() -> None:
    for line in LINES:
        try:
            expected: Any = ("ok", json.loads(line))
        except json.JSONDecodeError as exc:
            expected = ("error", exc.msg, exc.colno)
        try:
            got: Any = ("ok", codec_loads(line))
        except json.JSONDecodeError as exc:
            got = ("error", exc.msg, exc.colno)
        assert repr(got) == repr(expected), line


def test_security_batch_scan_covers_every_hit() -> None:
    profile = load_profile("general")
    ctx = Ctx(profile=profile, meta={"blocked_terms": ["患者姓名", "a\nb", "机密"]},
              media=MediaInspector(".", profile.media), now=NOW)
    check = SecurityCheck(ctx)
    strings = crafted_texts(300, 6) + ["电话 13812345678", "机", "密", "患者姓名张三", "a", "b", "邮箱 a.b@example.com",
                                       "车牌京A12345", "京", "A12345", "沪AD12345 新", "fe80::1:2:3"]
    pii, blocked = check._suspects(strings)
    assert {i for i, s in enumerate(strings) if detect(s, check.kinds)} <= pii
    assert detect("车牌京A12345")  # plates still pass the narrower candidate test
    assert blocked is None  # a blocked term with a newline: every string is scanned
    check.blocked_multiline = False
    _, blocked = check._suspects(strings)
    assert blocked is not None
    assert check.blocked is not None
    assert {i for i, s in enumerate(strings) if check.blocked.search(s)} <= blocked


def _reference_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swap every fast path for the straightforward code it replaced."""
    from crowdset.datasets.evaluate import application, cleanliness, conformance, engine, readers

    def scan_all(self: SecurityCheck, strings: list[str]) -> tuple[None, None]:
        return None, None

    class PlainNormaliser:
        def __init__(self, field_map: dict[str, Any] | None) -> None:
            self.field_map = field_map

        def __call__(self, raw: RawRecord) -> Any:
            return normalise(raw, self.field_map)

    monkeypatch.setattr(readers.jsoncodec, "loads", json.loads)
    monkeypatch.setattr(engine, "Normaliser", PlainNormaliser)
    monkeypatch.setattr(SecurityCheck, "_suspects", scan_all)
    monkeypatch.setattr(cleanliness, "garbled_suspects", lambda texts: set(range(len(texts))))
    monkeypatch.setattr(cleanliness, "repetition_ratios", lambda texts: [repetition_ratio(t) for t in texts])
    monkeypatch.setattr(cleanliness, "normalise_texts", lambda texts: [normalise_text(t) for t in texts])
    monkeypatch.setattr(VectorisedNearDup, "signatures", signatures_reference)
    monkeypatch.setattr(conformance, "_FAST_TYPE", {})
    monkeypatch.setattr(conformance, "is_missing", _is_missing_reference)
    monkeypatch.setattr(conformance, "type_matches", _type_matches_reference)
    monkeypatch.setattr(application, "parse_time_cached", parse_time)
    monkeypatch.setattr(engine.FlatBatch, "build", classmethod(lambda cls, raw, norm: None))


def test_full_report_equals_reference_paths(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    records = crafted_records(700, 7)
    records += [dict(r) for r in records[:80]]  # exact duplicates across batches
    lines = [json.dumps(r, ensure_ascii=False).replace("\ud800", "?") for r in records]
    lines[10] = lines[10][:5]  # a broken line
    lines.insert(20, "[1, 2]")
    path = tmp_path / "crafted.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    meta = {"blocked_terms": ["机密", "张三"], "labels": ["正面", "负面", "a", "b"]}
    fast = [evaluate_path(path, "general", metadata=meta, now=NOW, batch_size=64),
            evaluate_records(records, "healthcare", metadata=meta, now=NOW, batch_size=100)]
    _reference_paths(monkeypatch)
    slow = [evaluate_path(path, "general", metadata=meta, now=NOW, batch_size=64),
            evaluate_records(records, "healthcare", metadata=meta, now=NOW, batch_size=100)]
    assert fast == slow
