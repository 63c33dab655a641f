"""The table check: covered rows must hold what the last ledger entry for each recorded.

The chain proves what the ledger says; this shows whether the tables still say the same. Covered:

- ``annotations``: ``result`` — recorded by ``annotation.submitted``/``annotation.updated`` (their
  ``"result"``) and, for imported annotations, the import's row digests;
- ``tasks``: ``final`` and ``final_method`` — row digests written by every writer of a task's final
  (submit, update, review, arbitration, import, quality run);
- ``datasets``: ``rating`` (with its evaluation and validity), ``reserve_tier`` and
  ``strategic_designated`` — read straight from ``dataset.rated``, ``dataset.tier_changed`` and
  ``dataset.strategic_designation``.

A row no entry records must hold the default (no result, no final, no rating, tier "none"). Rows
recorded but gone are named too (no service deletes these rows). A ledger written partly before row
digests existed ("legacy": an entry of a final-writing kind without ``"rows"``) cannot vouch for
unrecorded rows, nor for tasks recorded before that entry; those are counted, not judged.

Rows are read with the driver's cursor in id order, a page at a time; expected values are kept per
row id (one int each, about 120 bytes a row).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from crowdset import jsoncodec
from crowdset.ledger.chain import iso
from crowdset.ledger.rows import expand, row_digest_bytes, task_final_value

# Kinds that write a task's final or an annotation's result: written without "rows" = legacy.
FINAL_WRITERS = frozenset({"annotation.submitted", "annotation.updated", "review.accept", "review.reject",
                           "review.fix", "quality.run", "tasks.imported"})
DERIVED = frozenset({"annotation.submitted", "annotation.updated", "task.arbitrated", "dataset.rated",
                     "dataset.tier_changed", "dataset.strategic_designation"})
DATASET_KINDS = frozenset({"dataset.rated", "dataset.tier_changed", "dataset.strategic_designation"})
DIGESTED = ("annotations", "tasks")
_SEQ_SHIFT = 128  # an expected row is one int: seq << 128 | digest (a third of a (seq, str) tuple's memory)
_DIGEST_MASK = (1 << _SEQ_SHIFT) - 1


def _digest_int(value: Any) -> int:
    return int.from_bytes(row_digest_bytes(value), "big")


def _packed(seq: int, digest_hex: Any) -> int:
    try:
        return (seq << _SEQ_SHIFT) | int(digest_hex, 16)
    except (TypeError, ValueError):
        return (seq << _SEQ_SHIFT) | _DIGEST_MASK  # not a digest: matches no row (names it)


NO_RESULT = _digest_int(None)
NO_FINAL = _digest_int(task_final_value(None, None))


def _subject_id(subject: str) -> int | None:
    try:
        return int(subject.split(":", 1)[1])
    except (IndexError, ValueError):
        return None


def _when(value: Any) -> str | None:
    """A stored or recorded time in ``chain.iso`` form (UTC, microseconds), whatever its spelling."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    return str(value)


class Expected:
    """What the ledger says each covered row holds, built entry by entry during the chain pass."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, int]] = {t: {} for t in DIGESTED}  # row id -> _packed(seq, digest)
        self.datasets: dict[int, dict[str, tuple[int, Any]]] = {}
        self.legacy_seq = 0

    def see(self, seq: int, kind: str, subject: str, payload: str) -> None:
        if kind not in DERIVED and '"rows":' not in payload:
            return
        try:
            p = orjson.loads(payload)
        except orjson.JSONDecodeError:
            p = jsoncodec.loads(payload)  # integers beyond 64 bits
        if not isinstance(p, dict):
            return
        rows = p.get("rows")
        if isinstance(rows, dict):  # what the writer recorded, row by row
            for table, recorded in rows.items():
                target = self.rows.get(table)
                if target is not None:
                    for row_id, digest in expand(recorded):
                        target[row_id] = _packed(seq, digest)
            if kind not in DATASET_KINDS:
                return
        elif kind in FINAL_WRITERS:
            self.legacy_seq = seq
        row_id = _subject_id(subject)
        if row_id is None:
            return
        if kind in ("annotation.submitted", "annotation.updated"):  # legacy: the result is in the payload
            if "result" in p:
                self.rows["annotations"][row_id] = (seq << _SEQ_SHIFT) | _digest_int(p["result"])
        elif kind == "task.arbitrated":  # legacy: the expert's result
            self.rows["tasks"][row_id] = (seq << _SEQ_SHIFT) | _digest_int(task_final_value(p.get("result"), "expert"))
        elif kind == "dataset.rated":
            self.datasets.setdefault(row_id, {})["rating"] = (
                seq, (p.get("rating"), p.get("evaluation_id"), _when(p.get("valid_until"))))
        elif kind == "dataset.tier_changed":
            self.datasets.setdefault(row_id, {})["reserve_tier"] = (seq, p.get("to"))
        elif kind == "dataset.strategic_designation":
            self.datasets.setdefault(row_id, {})["strategic_designated"] = (seq, bool(p.get("designated")))

    def notes(self) -> list[str]:
        if not self.legacy_seq:
            return []
        return [f"entries up to #{self.legacy_seq} predate row digests: annotations and tasks no entry records, "
                "and tasks last recorded before that entry, were counted but not judged"]


@dataclass
class TableResult:
    table: str
    fields: str
    rows: int = 0
    differing: int = 0
    missing: int = 0
    unjudged: int = 0
    first: str | None = None
    first_id: int | None = None
    first_seq: int | None = None

    def flag(self, row_id: int, message: str, seq: int | None) -> None:
        if self.first_id is None or row_id < self.first_id:
            self.first, self.first_id, self.first_seq = message, row_id, seq

    def summary(self) -> str:
        bad = self.differing + self.missing
        return f"{self.first}" + (f" ({bad} {self.table} rows differ in all)" if bad > 1 else "")

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "fields": self.fields, "rows": self.rows, "differing": self.differing,
                "missing": self.missing, "unjudged": self.unjudged, "first": self.first, "first_id": self.first_id,
                "first_seq": self.first_seq}


def keyset_pages(session: Session, sql: str, after: int = 0, batch: int = 20000) -> Iterator[list[tuple]]:
    """Pages of ``sql`` (``... WHERE <key> > :after ORDER BY <key> LIMIT :limit``, the key first in each
    row) through the driver's cursor: no ORM objects, no per-row type processing, constant memory."""
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    sql = sql.replace(":after", "%s" if pg else "?").replace(":limit", str(int(batch)))
    cursor = conn.connection.driver_connection.cursor()
    try:
        while True:
            cursor.execute(sql, (after,))
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]
    finally:
        cursor.close()


def _pages(session: Session, sql: str) -> Iterator[tuple]:
    """The rows of ``keyset_pages``, one at a time."""
    for page in keyset_pages(session, sql):
        yield from page


def _load(text: Any) -> Any:
    if text is None:
        return None
    if not isinstance(text, str | bytes):
        return text  # a driver that already parsed it
    return jsoncodec.loads(text)


def _check_digested(session: Session, expected: Expected, table: str, field: str, sql: str,
                    digest_of: Any, default: int) -> TableResult:
    result = TableResult(table, field)
    recorded = expected.rows[table]
    legacy = expected.legacy_seq
    for row in _pages(session, sql):
        row_id = row[0]
        result.rows += 1
        hit = recorded.pop(row_id, None)
        if hit is not None and table == "tasks" and hit >> _SEQ_SHIFT <= legacy:
            result.unjudged += 1  # recorded before an unrecorded legacy write: no evidence either way
            continue
        if hit is None and legacy:
            result.unjudged += 1
            continue
        digest = digest_of(row)
        if hit is None:
            if digest != default:
                result.differing += 1
                result.flag(row_id, f"{table} #{row_id}: {field} is set but no ledger entry records it", None)
        elif digest != hit & _DIGEST_MASK:
            seq = hit >> _SEQ_SHIFT
            result.differing += 1
            result.flag(row_id, f"{table} #{row_id}: {field} differs from ledger entry #{seq}", seq)
    for row_id, packed in recorded.items():
        seq = packed >> _SEQ_SHIFT
        result.missing += 1
        result.flag(row_id, f"{table} #{row_id}: row missing (recorded by ledger entry #{seq})", seq)
    recorded.clear()
    return result


_DATASET_DEFAULTS: dict[str, Any] = {"rating": (None, None, None), "reserve_tier": "none",
                                     "strategic_designated": False}


def _check_datasets(session: Session, expected: Expected) -> TableResult:
    result = TableResult("datasets", "rating, reserve_tier, strategic_designated")
    sql = ("SELECT id, rating, rating_evaluation_id, rating_valid_until, reserve_tier, strategic_designated "
           "FROM datasets WHERE id > :after ORDER BY id LIMIT :limit")
    for row_id, rating, evaluation_id, valid_until, tier, designated in _pages(session, sql):
        result.rows += 1
        current = {"rating": (rating, evaluation_id, _when(valid_until)), "reserve_tier": tier,
                   "strategic_designated": bool(designated)}
        recorded = expected.datasets.pop(row_id, {})
        for name, now in current.items():
            seq, want = recorded.get(name, (None, _DATASET_DEFAULTS[name]))
            if now == want:
                continue
            result.differing += 1
            shown_now, shown_want = (now[0], want[0]) if name == "rating" and now[0] != want[0] else (now, want)
            label = name if name != "rating" or now[0] != want[0] else "rating (evaluation, valid until)"
            source = f"ledger entry #{seq} recorded" if seq is not None else "no ledger entry records a change from"
            result.flag(row_id, f"datasets #{row_id}: {label} is {shown_now!r} but {source} {shown_want!r}", seq)
            break
    for row_id, groups in expected.datasets.items():
        seq = max(s for s, _v in groups.values())
        result.missing += 1
        result.flag(row_id, f"datasets #{row_id}: row missing (recorded by ledger entry #{seq})", seq)
    return result


def check_tables(session: Session, expected: Expected) -> list[TableResult]:
    """Compare every covered row with the ledger; one result per table, naming its first bad row."""
    annotations = _check_digested(
        session, expected, "annotations", "result",
        "SELECT id, CAST(result AS TEXT) FROM annotations WHERE id > :after ORDER BY id LIMIT :limit",
        lambda row: _digest_int(_load(row[1])), NO_RESULT)
    tasks = _check_digested(
        session, expected, "tasks", "final",
        "SELECT id, CAST(final AS TEXT), final_method FROM tasks WHERE id > :after ORDER BY id LIMIT :limit",
        lambda row: _digest_int(task_final_value(_load(row[1]), row[2])), NO_FINAL)
    return [annotations, tasks, _check_datasets(session, expected)]
