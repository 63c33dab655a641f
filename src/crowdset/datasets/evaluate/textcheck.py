"""Dirty-text checks: mojibake, replacement characters, control characters, degenerate repetition.

Mojibake is recognised by its fingerprints rather than by language models: UTF-8 bytes read as
cp1252/Latin-1 ("ä¸­æ–‡"), UTF-8 read as GBK ("锟斤拷"), uninitialised MSVC buffers ("烫烫烫", "屯屯屯").
"""

from __future__ import annotations

import bisect
import itertools
import re

import numpy as np

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_REPLACEMENT = "\ufffd"
_GBK_MOJIBAKE = re.compile(r"锟斤拷|烫烫烫|屯屯屯|鈥[溿檚]|銆[傘乗]")
# A Latin-1 lead byte of a multi-byte UTF-8 sequence followed by a continuation-byte character.
_LATIN1_MOJIBAKE = re.compile(r"[ÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïð]"
                              r"[\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¡-¿]")


def garbled_reason(text: str) -> str | None:
    """Why ``text`` looks corrupted, or None."""
    if _REPLACEMENT in text:
        return "contains U+FFFD replacement characters (lossy decoding)"
    m = _CONTROL.search(text)
    if m:
        return f"contains control character U+{ord(m.group()):04X} at offset {m.start()}"
    m = _GBK_MOJIBAKE.search(text)
    if m:
        return f"mojibake {m.group()!r} (UTF-8/GBK mix-up)"
    if len(_LATIN1_MOJIBAKE.findall(text)) >= 2:
        return "mojibake (UTF-8 decoded as Latin-1/cp1252)"
    return None


def repetition_ratio(text: str, k: int = 3) -> float:
    """Share of character k-grams that repeat an earlier k-gram in the same text (0 = no repetition)."""
    n = len(text) - k + 1
    if n <= 1:
        return 0.0
    return 1.0 - len({text[i : i + k] for i in range(n)}) / n


def garbled_suspects(texts: list[str]) -> set[int]:
    """Indices of the texts that ``garbled_reason`` could flag, found with one scan of the joined batch.

    Texts are joined with "\n", which no dirt pattern contains, so no match can straddle two texts; a
    text outside the returned set is certainly clean, one inside is checked by ``garbled_reason``.
    """
    if not texts:
        return set()
    joined = "\n".join(texts)
    hits: list[int] = []
    i = joined.find(_REPLACEMENT)
    while i >= 0:
        hits.append(i)
        i = joined.find(_REPLACEMENT, i + 1)
    for pat in (_CONTROL, _GBK_MOJIBAKE, _LATIN1_MOJIBAKE):
        hits.extend(m.start() for m in pat.finditer(joined))
    if not hits:
        return set()
    starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    return {bisect.bisect_right(starts, h) - 1 for h in hits}


def repetition_ratios(texts: list[str], k: int = 3) -> list[float]:
    """``repetition_ratio`` of every text, counting distinct k-grams for the whole batch in one sort.

    For k = 3 over BMP text each 3-gram packs exactly into 48 bits (no hashing, so no collisions) and the
    text's index into the top 16, so one ``np.sort`` groups equal 3-grams per text; distinct = changes.
    The ratio is the same float expression as ``repetition_ratio``. Other cases use the per-text set.
    """
    if k != 3 or not texts or len(texts) >= 1 << 16:
        return [repetition_ratio(t, k) for t in texts]
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cps.size < 3 or int(cps.max()) >= 1 << 16:
        return [repetition_ratio(t, k) for t in texts]
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    c = cps.astype(np.uint64)
    grams = c[:-2] << np.uint64(32)
    grams |= c[1:-1] << np.uint64(16)
    grams |= c[2:]
    counts = np.maximum(lens - 2, 0)
    starts = np.cumsum(lens) - lens
    first = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(first - starts, counts)
    keyed = grams[pos]
    keyed |= np.repeat(np.arange(len(texts), dtype=np.uint64) << np.uint64(48), counts)
    keyed.sort()
    # sorted by text first, so text i's 3-grams still occupy [first[i], first[i] + counts[i]):
    # its distinct count is the number of value changes inside that segment
    new = np.ones(keyed.size, dtype=np.int64)
    new[1:] = keyed[1:] != keyed[:-1]
    distinct = np.zeros(len(texts), dtype=np.int64)
    nz = counts > 0
    if keyed.size:
        distinct[nz] = np.add.reduceat(new, first[nz])
    # the same IEEE operations as ``1.0 - dcount / n`` on Python ints (both exact in a double)
    ratio = 1.0 - distinct / np.maximum(counts, 1).astype(np.float64)
    out: list[float] = np.where(counts <= 1, 0.0, ratio).tolist()
    return out
