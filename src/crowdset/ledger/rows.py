"""Row digests: what a ledger entry says a table row held right after the change it records.

A ledger entry that writes covered fields of a row (an annotation's result, a task's final label and
method) carries the row's digest in its payload under ``"rows"``::

    "rows": {"tasks": {"17": "<digest>"}, "annotations": {"40": "<digest>"}}

``crowdset ledger verify --tables`` recomputes the digest of each current row and compares it with the
last entry that recorded it, so an UPDATE made directly in the database is named. Bulk writers (an
import with annotations, a quality run writing finals) collect digests in a ``RowDigests`` that spills
to a temporary file, so memory stays bounded whatever the import's size; their entries carry them
packed, ``CHUNK`` rows an entry (``{"ids": [[first, count], ...], "digests": "<hex>"}``: a 2,000-key
object cost 10 ms an entry to write, the packed form a fraction of that).

Pure: no database or web code (digests must come out the same in the writer and in the verifier).
"""

from __future__ import annotations

import hashlib
import json
import struct
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

CHUNK = 5000  # rows per ledger entry: ~160 KB of payload
_ROW = struct.Struct("<q16s")  # one spilled row: id, digest
_ITEM = _ROW.size
_PACK = _ROW.pack
_UNPACK = _ROW.iter_unpack
_OPTIONS = orjson.OPT_SORT_KEYS


def canonical_bytes(value: Any) -> bytes:
    """Sorted-key compact JSON of a stored value. orjson where it can (10x the standard library);
    json for what orjson refuses (integers beyond 64 bits, non-string keys) — the choice depends on
    the value alone, so the writer and the verifier always take the same branch."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def row_digest_bytes(value: Any) -> bytes:
    return hashlib.sha256(canonical_bytes(value)).digest()[:16]


def row_digest(value: Any) -> str:
    """128-bit digest (32 hex characters) of a row's covered value."""
    return row_digest_bytes(value).hex()


def task_final_value(final: Any, final_method: str | None) -> dict[str, Any]:
    """The covered fields of a task: its final result and the method that produced it."""
    return {"final": final, "final_method": final_method}


def task_digest(final: Any, final_method: str | None) -> str:
    return row_digest(task_final_value(final, final_method))


def annotation_digest(result: Any) -> str:
    """The covered field of an annotation: its result."""
    return row_digest(result)


def rows_of(**tables: dict[int, str]) -> dict[str, dict[str, str]]:
    """``rows_of(tasks={17: d})`` -> the payload's ``"rows"`` value (ids as JSON keys)."""
    return {table: {str(k): v for k, v in rows.items()} for table, rows in tables.items() if rows}


def expand(recorded: Any) -> Iterator[tuple[int, str]]:
    """(row id, digest hex) from either form of a table's ``"rows"`` value: a mapping ``{"17": d}``
    (single rows) or a packed batch ``{"ids": [[first id, count], ...], "digests": "<32 hex each>"}``.
    Malformed values yield nothing (the payload is hashed: it is as the writer made it)."""
    if not isinstance(recorded, dict):
        return
    ids, hexes = recorded.get("ids"), recorded.get("digests")
    if isinstance(ids, list) and isinstance(hexes, str):
        pos = 0
        for run in ids:
            first, count = int(run[0]), int(run[1])
            for row_id in range(first, first + count):
                yield row_id, hexes[pos:pos + 32]
                pos += 32
        return
    for row_id, digest in recorded.items():
        yield int(row_id), digest


class RowDigests:
    """Digests of many rows, kept in a spooled temporary file (in memory up to 8 MiB, then on disk),
    so a bulk writer's memory stays bounded however many rows it writes."""

    _FLUSH = 1 << 16

    def __init__(self) -> None:
        self._files: dict[str, tempfile.SpooledTemporaryFile] = {}
        self._buffers: dict[str, bytearray] = {}
        self._counts: dict[str, int] = {}

    def add(self, table: str, row_id: int, value: Any) -> None:
        self.add_digest(table, row_id, row_digest_bytes(value))

    def _buffer(self, table: str) -> bytearray:
        buf = self._buffers.get(table)
        if buf is None:
            buf = self._buffers[table] = bytearray()
            self._files[table] = tempfile.SpooledTemporaryFile(max_size=8 << 20)
            self._counts[table] = 0
        return buf

    def _spill(self, table: str, buf: bytearray) -> None:
        if len(buf) >= self._FLUSH:
            self._files[table].write(buf)
            buf.clear()

    def add_digest(self, table: str, row_id: int, digest: bytes) -> None:
        buf = self._buffer(table)
        buf += _PACK(row_id, digest)
        self._counts[table] += 1
        self._spill(table, buf)

    def add_many(self, table: str, row_ids: Iterable[int], values: Iterable[Any]) -> None:
        """``add`` for a batch (one buffer append: ~1 µs a row less)."""
        buf = self._buffer(table)
        packed = [_PACK(row_id, row_digest_bytes(value)) for row_id, value in zip(row_ids, values, strict=True)]
        buf += b"".join(packed)
        self._counts[table] += len(packed)
        self._spill(table, buf)

    def __len__(self) -> int:
        return sum(self._counts.values())

    def chunks(self, size: int = CHUNK) -> Iterator[dict[str, dict[str, Any]]]:
        """``"rows"`` payload values of at most ``size`` rows each, packed (consecutive ids as one
        ``[first, count]`` run, digests as one hex string), in the order rows were added."""
        chunk: dict[str, dict[str, Any]] = {}
        room = size
        for table, fh in self._files.items():
            fh.write(self._buffers[table])
            self._buffers[table].clear()
            fh.seek(0)
            while block := fh.read(room * _ITEM):
                runs: list[list[int]] = []
                digests = []
                for row_id, digest in _UNPACK(block):
                    if runs and runs[-1][0] + runs[-1][1] == row_id:
                        runs[-1][1] += 1
                    else:
                        runs.append([row_id, 1])
                    digests.append(digest)
                part = chunk.setdefault(table, {"ids": [], "digests": ""})
                part["ids"] += runs
                part["digests"] += b"".join(digests).hex()
                room -= len(block) // _ITEM
                if room == 0:
                    yield chunk
                    chunk, room = {}, size
        if chunk:
            yield chunk

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()
        self._buffers.clear()
        self._counts.clear()
