"""Exact and near-duplicate detection over character shingles (works for Chinese, which has no spaces).

Two interchangeable near-duplicate paths with the same semantics — a record is a near-duplicate when an
*earlier* record has estimated Jaccard ≥ threshold on its character k-gram set:

- ``DatasketchNearDup``: the reference, datasketch ``MinHash`` + ``MinHashLSH`` (query, then insert).
- ``VectorisedNearDup``: MinHash computed for a whole batch at once in numpy (one UTF-32 buffer, rolling
  k-gram hashes, multiply-shift permutations, ``minimum.reduceat``), then LSH banding by sorting band
  hashes once at the end. ``benchmarks/bench_evaluate.py`` prints the speed ratio; this is the default
  because signature computation in datasketch hashes each shingle with SHA-1 in Python.

Both keep per-record signatures (num_perm × 4 bytes) for verification — O(N) state, the price of a
global near-duplicate check; ``num_perm`` in the profile trades accuracy for memory.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

_WS = re.compile(r"\s+")
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_WORKERS = max(1, min(2, os.cpu_count() or 1))  # MinHash threads (numpy kernels run without the GIL)
_BLOCK_ELEMS = 1 << 19  # uint64 cells per MinHash block (4 MiB): stays in L2/L3 on small machines


def normalise_text(text: str) -> str:
    """Lower-case and drop whitespace, so re-wrapped or re-spaced copies still collide."""
    return _WS.sub("", text).lower()


def normalise_texts(texts: list[str]) -> list[str]:
    """``normalise_text`` over a batch in one regex pass and one ``lower`` (same results).

    Joined with NUL, which is not whitespace, is never produced by ``lower`` and (being a control
    character) never occurs in a text that passed the dirt checks; a batch holding one falls back.
    """
    if len(texts) < 2:
        return [normalise_text(t) for t in texts]
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [normalise_text(t) for t in texts]
    # str.split() cuts at exactly the characters ``\s`` matches in a str pattern (both use
    # Py_UNICODE_ISSPACE), and is ~2x faster than the regex substitution
    return "".join(joined.split()).lower().split("\x00")


def content_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@functools.lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives, as datasketch chooses them."""
    best, best_err = (1, num_perm), float("inf")
    xs = np.linspace(0, 1, 401)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1 - (1 - xs**r) ** b
            fp = np.trapezoid(p[xs <= threshold], xs[xs <= threshold])
            fn = np.trapezoid(1 - p[xs >= threshold], xs[xs >= threshold])
            err = 0.5 * fp + 0.5 * fn
            if err < best_err:
                best, best_err = (b, r), err
    return best


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
    x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
    x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
    return x ^ (x >> np.uint64(31))


class VectorisedNearDup:
    """Batch MinHash in numpy + sort-based LSH banding; call ``add_batch`` then ``finish``."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128, shingle: int = 3, seed: int = 1,
                 window: int = 32) -> None:
        self.threshold, self.num_perm, self.k, self.window = threshold, num_perm, shingle, window
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self.bands, self.rows = lsh_params(threshold, num_perm)
        self._sigs: list[np.ndarray] = []
        self._keys: list[np.ndarray] = []  # caller's integer key per signature row
        self._pending: deque[Future[np.ndarray]] = deque()
        self._pool: ThreadPoolExecutor | None = None

    def _shingle_hashes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(splitmixed k-gram hash per shingle, owning text index), shingles grouped by text in order."""
        k = self.k
        lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        ends = np.cumsum(lens)
        starts = ends - lens
        n = cps.size
        h = np.zeros(max(0, n - k + 1), dtype=np.uint64)
        for j in range(k):
            h *= np.uint64(1_000_003)
            h += cps[j : n - k + 1 + j]
        counts = np.maximum(lens - k + 1, 0)
        short = (lens > 0) & (lens < k)
        total = int(counts.sum())
        first = np.cumsum(counts) - counts
        valid_pos = np.arange(total, dtype=np.int64) - np.repeat(first - starts, counts)
        sh = h[valid_pos] if total else np.zeros(0, dtype=np.uint64)
        owner = np.repeat(np.arange(len(texts)), counts)
        if short.any():  # whole-text shingle for texts shorter than k
            idx = np.nonzero(short)[0]
            extra = np.array([hash_str(texts[i]) for i in idx], dtype=np.uint64)
            sh = np.concatenate([sh, extra])
            owner = np.concatenate([owner, idx])
            order = np.argsort(owner, kind="stable")
            sh, owner = sh[order], owner[order]
        return _splitmix(sh), owner

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), num_perm) uint32 MinHash signatures; texts shorter than k use one whole-text shingle.

        Same numbers as the first, plainer formulation (kept in the tests as the reference), ~5x faster:
        permutations run along rows of a (num_perm, shingles) block sized to stay in cache and cut at text
        boundaries, so each block is one multiply, one add and one contiguous ``minimum.reduceat``; the
        ``>> 32`` is applied to the per-text minima only (shifting is monotone, so min then shift = shift
        then min).
        """
        sig = np.full((len(texts), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        if len(texts) == 0:
            return sig
        sh, owner = self._shingle_hashes(texts)
        if sh.size == 0:
            return sig
        rec_ids = np.nonzero(np.bincount(owner, minlength=len(texts)))[0]
        rec_starts = np.searchsorted(owner, rec_ids)
        rec_ends = np.append(rec_starts[1:], sh.size)
        block = max(1, _BLOCK_ELEMS // self.num_perm)
        buf = np.empty(self.num_perm * (block + int((rec_ends - rec_starts).max())), dtype=np.uint64)
        a, b = self.a[:, None], self.b[:, None]
        out = np.empty((self.num_perm, rec_ids.size), dtype=np.uint64)
        r0 = 0
        while r0 < rec_ids.size:
            r1 = max(r0 + 1, int(np.searchsorted(rec_ends, rec_starts[r0] + block, side="right")))
            s0, s1 = int(rec_starts[r0]), int(rec_ends[r1 - 1])
            v = buf[: self.num_perm * (s1 - s0)].reshape(self.num_perm, s1 - s0)
            np.multiply(a, sh[None, s0:s1], out=v)  # uint64 wraps mod 2^64: multiply-add-shift hashing
            np.add(v, b, out=v)
            out[:, r0:r1] = np.minimum.reduceat(v, rec_starts[r0:r1] - s0, axis=1)
            r0 = r1
        out >>= np.uint64(32)
        sig[rec_ids] = out.T
        return sig

    def add_batch(self, keys: np.ndarray, texts: Sequence[str]) -> None:
        """Queue a batch; its signatures are computed on worker threads, in two halves.

        numpy releases the GIL inside its kernels, so MinHash for batch n runs while the main thread parses
        and checks batch n + 1, and the two halves use both cores of a 2-core machine when the main thread
        waits. Results are collected in submission order; at most two batches wait, to bound memory.
        """
        if not len(texts):
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="minhash")
        while len(self._pending) >= 2 * _WORKERS:
            self._sigs.append(self._pending.popleft().result())
        texts = list(texts)
        step = max(1, -(-len(texts) // _WORKERS))
        for s in range(0, len(texts), step):
            self._pending.append(self._pool.submit(self.signatures, texts[s : s + step]))
        self._keys.append(np.asarray(keys, dtype=np.int64))

    def _drain(self) -> None:
        while self._pending:
            self._sigs.append(self._pending.popleft().result())
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def finish(self) -> dict[int, tuple[int, float]]:
        """{key of later record: (key of earlier near-duplicate, estimated Jaccard)}."""
        self._drain()
        if not self._sigs:
            return {}
        sig = np.concatenate(self._sigs)
        keys = np.concatenate(self._keys)
        self._sigs, self._keys = [sig], [keys]  # drop the per-batch copies (num_perm x 4 bytes a record)
        if keys.size > 1 and not bool(np.all(keys[1:] > keys[:-1])):  # callers add keys in order: no copy
            order = np.argsort(keys, kind="stable")
            sig, keys = sig[order], keys[order]
        n = len(keys)
        pairs = []
        weights = _splitmix(np.arange(1, self.rows + 1, dtype=np.uint64))
        for band in range(self.bands):
            cols = sig[:, band * self.rows : (band + 1) * self.rows].astype(np.uint64)
            bh = _splitmix((cols * weights[None, :] & _MASK64).sum(axis=1, dtype=np.uint64))
            srt = np.argsort(bh, kind="stable")  # stable: equal hashes stay in record order
            sbh = bh[srt]
            for u in range(1, min(self.window, n - 1) + 1):
                eq = np.nonzero(sbh[:-u] == sbh[u:])[0]
                if eq.size == 0:
                    break
                pairs.append(np.stack([srt[eq], srt[eq + u]], axis=1))
        if not pairs:
            return {}
        cand = np.unique(np.concatenate(pairs), axis=0)
        i, j = cand[:, 0], cand[:, 1]
        sim = np.empty(len(i), dtype=np.float64)
        for s0 in range(0, len(i), 100_000):
            s1 = s0 + 100_000
            sim[s0:s1] = (sig[i[s0:s1]] == sig[j[s0:s1]]).mean(axis=1)
        ok = sim >= self.threshold
        out: dict[int, tuple[int, float]] = {}
        for a, b, s in zip(i[ok].tolist(), j[ok].tolist(), sim[ok].tolist(), strict=True):
            later, earlier = (b, a) if a < b else (a, b)
            prev = out.get(int(keys[later]))
            if prev is None or keys[earlier] < prev[0]:
                out[int(keys[later])] = (int(keys[earlier]), round(s, 3))
        return out


def hash_str(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


class DatasketchNearDup:
    """Reference path: datasketch MinHash + MinHashLSH, query-then-insert in record order."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128, shingle: int = 3, seed: int = 1) -> None:
        from datasketch import MinHash, MinHashLSH

        self._MinHash = MinHash
        self.threshold, self.num_perm, self.k, self.seed = threshold, num_perm, shingle, seed
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._stored: dict[int, object] = {}
        self._found: dict[int, tuple[int, float]] = {}

    def add_batch(self, keys: np.ndarray, texts: Sequence[str]) -> None:
        k = self.k
        for key, t in zip(np.asarray(keys).tolist(), texts, strict=True):
            m = self._MinHash(num_perm=self.num_perm, seed=self.seed)
            sh = {t[i : i + k] for i in range(len(t) - k + 1)} or {t}
            m.update_batch([s.encode("utf-8", "surrogatepass") for s in sh])
            best: tuple[int, float] | None = None
            for c in self.lsh.query(m):
                s = m.jaccard(self._stored[c])
                if s >= self.threshold and (best is None or c < best[0]):
                    best = (c, round(s, 3))
            if best is not None:
                self._found[key] = best
            self.lsh.insert(key, m)
            self._stored[key] = m

    def finish(self) -> dict[int, tuple[int, float]]:
        return dict(self._found)


def make_near_dup(method: str, threshold: float, num_perm: int, shingle: int) -> VectorisedNearDup | DatasketchNearDup:
    if method == "datasketch":
        return DatasketchNearDup(threshold, num_perm, shingle)
    return VectorisedNearDup(threshold, num_perm, shingle)
