"""Appending to and verifying the ledger inside the caller's transaction.

Three things make the ledger tamper-evident:

1. the hash chain (each entry hashes its fields and the previous entry's hash; each is Ed25519-signed);
2. a signed checkpoint of the head kept outside the database (``ledger.checkpoint``), written after
   every committing transaction that appended, so deleting the last entries is detected;
3. row digests (``ledger.rows``): the covered fields of annotations, tasks and datasets are compared
   with what the last ledger entry for each row recorded (``audit(..., tables=True)``).

Keys live in the keys folder (``ledger.keys``) and can be rotated (``rotate_key``). Who may read,
verify and rotate is ``ledger.policy``'s to say.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from crowdset.db import utcnow
from crowdset.errors import Forbidden
from crowdset.jobs.models import Job
from crowdset.jobs.service import submit_job
from crowdset.ledger import checkpoint, policy
from crowdset.ledger.chain import (
    GENESIS,
    Break,
    EntryView,
    canonical_json,
    entry_hash,
    entry_hash_iso,
    iso,
    sha256_hex,
)
from crowdset.ledger.keys import (
    KeyRecord,
    install_new_key,
    key_id,
    keyring,
    load_public_pem,
    public_pem,
    rotation_message,
    signing_key,
    verify_hex,
)
from crowdset.ledger.models import LedgerEntry
from crowdset.ledger.rows import RowDigests
from crowdset.ledger.tables import keyset_pages
from crowdset.messages import msg
from crowdset.settings import get_settings

_PG_LOCK_KEY = 0x43524F57  # "CROW": one advisory lock serialises appends on PostgreSQL
ROTATED = "ledger.key_rotated"
ROWS = "ledger.rows"  # further row digests of the entry named in the payload's "for"

log = logging.getLogger(__name__)

# session.info keys of the commit hooks
_NESTED, _HEAD, _COMMITTED, _ROTATION = ("ledger.nested", "ledger.head", "ledger.committed", "ledger.rotation")


def keys_dir() -> Path:
    kd = get_settings().keys_dir
    assert kd is not None  # always set once the settings load
    return kd


def actor_of(user: Any | None) -> str:
    return f"user:{user.id}" if user is not None else "system"


def _lock_head(session: Session) -> tuple[int, str]:
    """Take the chain-head lock (PostgreSQL: an advisory lock until the transaction ends; SQLite: the
    write transaction already holds the database lock) and return (head seq, head hash)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    head = session.execute(select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)).first()
    return (head[0], head[1]) if head else (0, GENESIS)


def append(session: Session, kind: str, subject: str, actor: str, payload: dict[str, Any]) -> LedgerEntry:
    """Add one entry after the current head. Runs in the caller's transaction, so the entry
    commits or rolls back with the change it records; the checkpoint follows after the commit."""
    head_seq, prev = _lock_head(session)
    seq = head_seq + 1
    body = canonical_json(payload)
    payload_hash = sha256_hex(body)
    created = utcnow()
    h = entry_hash(seq, kind, subject, actor, payload_hash, prev, created)
    key = signing_key(keys_dir())  # read after the lock: a rotation elsewhere is seen here
    entry = LedgerEntry(seq=seq, kind=kind, subject=subject, actor=actor, payload=body, payload_hash=payload_hash,
                        prev_hash=prev, hash=h, signature=key.sign(h.encode()).hex(), created_at=created)
    session.add(entry)
    session.flush()
    watch(session)
    info = session.info
    if session.in_nested_transaction():
        info[_NESTED] = True  # a savepoint may still roll it back: re-read the head before the commit
    info[_HEAD] = (seq, h)
    return entry


def append_rows(session: Session, kind: str, subject: str, actor: str, payload: dict[str, Any],
                digests: RowDigests | None) -> LedgerEntry:
    """Append ``kind`` with the row digests of a bulk change: the first chunk in the entry itself
    (``"rows"``), the rest in ``ledger.rows`` entries right after it."""
    chunks = digests.chunks() if digests is not None else iter(())
    entry = append(session, kind, subject, actor, {**payload, "rows": next(chunks, {})})
    for part, chunk in enumerate(chunks, 2):
        append(session, ROWS, subject, actor, {"for": entry.seq, "part": part, "rows": chunk})
    return entry


# ---------------------------------------------------------------- the checkpoint after commit


_hooks_lock = threading.Lock()
_hooked = False


def watch(session: Session) -> None:
    """Make sure the commit hooks are registered (explicitly, by the first append or rotation in this
    process, not as an import side effect; on the Session class once, since registering on each
    session costs ~0.2 ms a transaction). They act only on sessions that appended: the head is the
    last entry appended (re-read before the commit when a savepoint was involved, so entries of a
    rolled-back savepoint do not count), after the commit the checkpoint advances to it, and when the
    transaction ends without committing a key rotation's files are put back."""
    global _hooked
    if _hooked:
        return
    with _hooks_lock:
        if not _hooked:
            event.listen(Session, "before_commit", _before_commit)
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_transaction_end", _after_transaction_end)
            _hooked = True


def _before_commit(session: Session) -> None:
    """Entries appended inside a savepoint may have been rolled back with it: then the head is read
    again inside the transaction (the chain-head lock is still held, so it is ours)."""
    if session.info and session.info.get(_NESTED) and not session.in_nested_transaction():
        head = session.execute(select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc())
                               .limit(1)).first()
        session.info[_HEAD] = (head[0], head[1]) if head else None


def _after_commit(session: Session) -> None:
    info = session.info
    if _HEAD not in info and _ROTATION not in info:
        return  # this transaction appended nothing
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    info[_COMMITTED] = True
    head = info.pop(_HEAD, None)
    if head is None:
        return
    try:
        checkpoint.advance(keys_dir(), head[0], head[1], utcnow())
    except Exception:  # the change did commit: never fail it afterwards; the checkpoint trails
        log.exception("could not write the ledger checkpoint at #%s", head[0])


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or not session.info:
        return
    rotation = session.info.pop(_ROTATION, None)
    if rotation is not None and not session.info.get(_COMMITTED):
        rotation.restore()
    for k in (_NESTED, _HEAD, _COMMITTED):
        session.info.pop(k, None)


# ---------------------------------------------------------------- key rotation


def rotate_key(session: Session, actor: Any | None = None) -> dict[str, Any]:
    """Replace the signing key (it may have leaked). In the caller's transaction: under the head lock
    a new key is made and installed, the old public key stays in the keyring for the entries it
    signed, and a ``ledger.key_rotated`` entry records the new public key — signed by the new key and
    cross-signed by the old one. If the transaction does not commit, the old key is put back; after
    the commit the checkpoint is re-signed with the new key."""
    if not policy.may_rotate_key(actor):
        raise _refused()
    head_seq, _prev = _lock_head(session)
    seq = head_seq + 1
    now = utcnow()
    kd = keys_dir()
    rotation = install_new_key(kd, seq, iso(now))
    watch(session)
    session.info[_ROTATION] = rotation
    old_pub, new_pub = rotation.old_key.public_key(), rotation.new_key.public_key()
    entry = append(session, ROTATED, "ledger:keys", actor_of(actor), {
        "new_key_id": key_id(new_pub),
        "new_public_key": public_pem(new_pub),
        "previous_key_id": key_id(old_pub),
        "cross_signature": rotation.old_key.sign(rotation_message(seq, old_pub, new_pub).encode()).hex(),
    })
    return {"seq": entry.seq, "new_key_id": key_id(new_pub), "previous_key_id": key_id(old_pub),
            "public_key": public_pem(new_pub)}


def public_keys(actor: Any | None) -> list[KeyRecord]:
    """Every ledger key, oldest first, with the range of entries it signs (for offline auditors)."""
    if not policy.may_see_keys(actor):
        raise _refused()
    return keyring(keys_dir())


def _refused() -> Forbidden:
    """The ledger is the administrators' (the words the role check in front of its routes used)."""
    return Forbidden(msg("auth.requires_roles", roles=["admin"]))


# ---------------------------------------------------------------- reading


def list_entries(session: Session, actor: Any | None, after: int = 0, limit: int = 100) -> list[LedgerEntry]:
    """Entries after seq ``after``, oldest first, for those who may read the ledger."""
    if not policy.may_read_entries(actor):
        raise _refused()
    return list(session.scalars(
        select(LedgerEntry).where(LedgerEntry.seq > after).order_by(LedgerEntry.seq).limit(limit)))


def start_verification(session: Session, actor: Any | None, tables: bool = False,
                       all_signatures: bool = False) -> Job:
    """Submit a ``ledger.verify`` job (``audit`` with these options; queued when the caller commits)."""
    if not policy.may_verify(actor):
        raise _refused()
    return submit_job(session, "ledger.verify", {"tables": tables, "all_signatures": all_signatures}, actor)


# ---------------------------------------------------------------- verification


@dataclass
class Problem:
    area: str  # chain | checkpoint | signature | keys | tables
    seq: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"area": self.area, "seq": self.seq, "message": self.message}


@dataclass
class Report:
    """What ``audit`` found: every problem, named, and what was checked."""

    entries: int = 0
    head_seq: int = 0
    checkpoint_seq: int | None = None
    signatures_checked: int = 0
    keys: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[Any] | None = None  # ledger.tables.TableResult, when asked for

    @property
    def ok(self) -> bool:
        return not self.problems

    def first_break(self) -> Break | None:
        return Break(self.problems[0].seq or 0, self.problems[0].message) if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        brk = self.first_break()
        return {
            "ok": self.ok, "checked": self.entries, "head_seq": self.head_seq, "checkpoint_seq": self.checkpoint_seq,
            "signatures_checked": self.signatures_checked, "keys": self.keys,
            "first_broken_seq": brk.seq if brk else None, "reason": brk.reason if brk else None,
            "problems": [p.as_dict() for p in self.problems], "notes": self.notes,
            "tables": [t.as_dict() for t in self.tables] if self.tables is not None else None,
        }


_SQLITE_ISO = ("CASE WHEN length(created_at) = 26 AND substr(created_at, 11, 1) = ' ' "
               "THEN substr(created_at, 1, 10) || 'T' || substr(created_at, 12) || 'Z' ELSE created_at END")
_PG_ISO = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def iter_entry_rows(session: Session, after: int = 0, batch: int = 20000,
                    signatures_after: int = 0) -> Iterator[tuple]:
    """Entries as plain tuples: seq, kind, subject, actor, payload, payload_hash, prev_hash, hash,
    signature, and the time already in ``chain.iso`` form (formatted by the database). Read in keyset
    pages through the driver's cursor: no ORM objects, no per-row type processing. The signature is
    None for entries up to ``signatures_after`` (rotation entries excepted): not needed, not fetched."""
    pg = session.connection().dialect.name == "postgresql"
    sql = (f"SELECT seq, kind, subject, actor, payload, payload_hash, prev_hash, hash, "  # noqa: S608 - constants
           f"CASE WHEN seq > {int(signatures_after)} OR kind = '{ROTATED}' THEN signature END, "
           f"{_PG_ISO if pg else _SQLITE_ISO} FROM ledger_entries WHERE seq > :after ORDER BY seq LIMIT :limit")
    for rows in keyset_pages(session, sql, after, batch):
        if not pg:
            for i, r in enumerate(rows):
                created = r[9]
                if created.__class__ is not str or created[-1:] != "Z":  # not as SQLAlchemy writes it
                    rows[i] = r[:9] + (_any_iso(created),)
        yield from rows


def _any_iso(stored: Any) -> str:
    """A stored time in another spelling than the usual, in ``chain.iso`` form when it can be read."""
    if isinstance(stored, datetime):
        return iso(stored)
    try:
        return iso(datetime.fromisoformat(str(stored)))
    except ValueError:
        return str(stored)  # garbage: the entry hash will not match, which is the report


def iter_entries(session: Session, batch: int = 5000) -> Iterator[EntryView]:
    """Entries as ``EntryView`` objects (the reference path; ``audit`` uses ``iter_entry_rows``)."""
    last = 0
    while True:
        rows = session.scalars(
            select(LedgerEntry).where(LedgerEntry.seq > last).order_by(LedgerEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        for r in rows:
            yield EntryView(
                r.seq, r.kind, r.subject, r.actor, r.payload, r.payload_hash, r.prev_hash, r.hash, r.signature,
                r.created_at,
            )
        last = rows[-1].seq
        session.expunge_all()


def count_entries(session: Session) -> int:
    """The head's seq (= the number of entries in an unbroken chain): one index lookup, unlike count(*)."""
    return int(session.scalar(select(func.max(LedgerEntry.seq))) or 0)


def _snapshot(session: Session) -> None:
    """One consistent view for the whole check on PostgreSQL (SQLite's read transaction is one already),
    so rows changed by commits during a long check are not taken for tampering."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _who_signed(keys: list[KeyRecord], message: str, signature: str) -> KeyRecord | None:
    return next((k for k in keys if verify_hex(k.public_key, message, signature)), None)


def _check_rotation(keys: list[KeyRecord], seq: int, payload: str, signature: str, h: str) -> str | None:
    """Why the rotation entry at ``seq`` is not a valid hand-over recorded in the keyring, or None."""
    try:
        p = json.loads(payload)
        new_pub = load_public_pem(p["new_public_key"])
    except (ValueError, KeyError, TypeError):
        return "key rotation entry without a readable new public key"
    new_rec = next((k for k in keys if k.from_seq == seq and k.key_id == key_id(new_pub)), None)
    if new_rec is None:
        return f"rotates to key {key_id(new_pub)}, which the keyring does not list as taking over at #{seq}"
    at = keys.index(new_rec)
    old_rec = keys[at - 1] if at > 0 else None
    if old_rec is None or p.get("previous_key_id") != old_rec.key_id:
        return f"names previous key {p.get('previous_key_id')}, not the keyring's"
    if not verify_hex(old_rec.public_key, rotation_message(seq, old_rec.public_key, new_pub),
                      str(p.get("cross_signature", ""))):
        return f"cross-signature of the previous key {old_rec.key_id} invalid"
    if not verify_hex(new_pub, h, signature):
        return f"not signed by the new key {new_rec.key_id}"
    return None


def audit(session: Session, tables: bool = False, all_signatures: bool = False,
          on_progress: Callable[[int, int], None] | None = None, every: int = 5000) -> Report:
    """Check the whole ledger; every problem is named in the report.

    - chain: sequence, payload hashes, entry hashes and links, from #1 to the head;
    - checkpoint: the database must still hold the checkpoint's entry with the same hash, else the
      tail was deleted or the entry rewritten; its signature must hold with a key allowed at its seq;
    - signatures: each entry with the key in force at its seq (keyring), for entries after the
      checkpoint — those before are authenticated by the chain ending in the signed checkpoint, and
      checking 1M Ed25519 signatures takes minutes — or all of them with ``all_signatures``;
      rotation entries are always checked, with the old key's cross-signature;
    - tables (``tables=True``): covered rows against the last entry that recorded each.

    ``on_progress(entries read, head seq)`` is called every ``every`` entries. Call on a fresh session:
    on PostgreSQL it makes the transaction REPEATABLE READ."""
    from crowdset.ledger.tables import Expected, check_tables

    kd = keys_dir()
    report = Report()
    try:  # the files first, then the database: a checkpoint is never newer than what we read next
        cp = checkpoint.read(kd)
    except ValueError as exc:
        cp = None
        report.problems.append(Problem("checkpoint", None, str(exc)))
    try:
        keys = keyring(kd, create=False)
    except ValueError as exc:
        report.problems.append(Problem("keys", None, f"keyring unreadable: {exc}"))
        keys = []
    report.keys = len(keys)
    _snapshot(session)
    report.head_seq = count_entries(session)
    if not keys and report.head_seq and not report.problems:
        report.problems.append(Problem("keys", None, f"no ledger key in {kd}: signatures cannot be checked "
                                                     "(restore the keys folder from backup)"))

    sig_after = 0
    if cp is not None and not keys:
        cp = None  # nothing to check it with: the missing key is the problem reported
    if cp is not None:
        report.checkpoint_seq = cp.seq
        why = cp.verify(keys)
        if why is not None:  # nothing to compare with; every signature gets checked instead
            report.problems.append(Problem("checkpoint", cp.seq, f"checkpoint at #{cp.seq} not trusted: {why}"))
            cp = None
        elif not all_signatures:
            sig_after = cp.seq
    elif report.head_seq:
        report.notes.append("no checkpoint yet: it is written after the next change commits; "
                            "every signature was checked instead")

    expected = Expected() if tables else None
    prev, expected_seq, n = GENESIS, 1, 0
    cp_hash: str | None = None
    chain_broken = False
    key_idx = 0
    sha256 = hashlib.sha256
    rows = iter_entry_rows(session, signatures_after=sig_after)
    for seq, kind, subject, actor, payload, payload_hash, prev_hash, h, signature, created in rows:
        n += 1
        if on_progress is not None and n % every == 0:
            on_progress(n, report.head_seq)
        if seq != expected_seq:
            report.problems.append(Problem("chain", seq, f"entry #{seq}: sequence gap: expected #{expected_seq}"))
            chain_broken = True
            break
        if sha256(payload.encode()).hexdigest() != payload_hash:
            report.problems.append(Problem("chain", seq, f"entry #{seq}: payload does not match its hash"))
            chain_broken = True
            break
        if prev_hash != prev:
            report.problems.append(Problem("chain", seq, f"entry #{seq}: previous-hash link broken"))
            chain_broken = True
            break
        if entry_hash_iso(seq, kind, subject, actor, payload_hash, prev_hash, created) != h:
            report.problems.append(Problem("chain", seq, f"entry #{seq}: entry fields do not match its hash"))
            chain_broken = True
            break
        if cp is not None and seq == cp.seq:
            cp_hash = h
        while key_idx < len(keys) - 1 and not keys[key_idx].covers(seq):
            key_idx += 1
        if kind == ROTATED and keys:
            why = _check_rotation(keys, seq, payload, signature, h)
            if why is not None:
                report.problems.append(Problem("keys", seq, f"key rotation at #{seq}: {why}"))
            report.signatures_checked += 1
        elif seq > sig_after and keys:
            report.signatures_checked += 1
            key = keys[key_idx] if keys[key_idx].covers(seq) else None
            if key is None or not verify_hex(key.public_key, h, signature):
                other = _who_signed(keys, h, signature)
                why = ("signature invalid" if other is None else
                       f"signed with key {other.key_id}, which is not in force at #{seq}"
                       + (f" (retired after #{other.to_seq})" if other.to_seq is not None else ""))
                report.problems.append(Problem("signature", seq, f"entry #{seq}: {why}"))
        if expected is not None:
            expected.see(seq, kind, subject, payload)
        prev = h
        expected_seq += 1
    report.entries = n
    if on_progress is not None:
        on_progress(n, report.head_seq)

    if cp is not None:
        if report.head_seq < cp.seq:
            gone = cp.seq - report.head_seq
            report.problems.append(Problem(
                "checkpoint", cp.seq, f"the last {gone} {'entry was' if gone == 1 else 'entries were'} deleted "
                f"(checkpoint at #{cp.seq}, the database ends at #{report.head_seq})"))
        else:
            if cp_hash is None:  # the pass stopped before it: look the entry up
                cp_hash = session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == cp.seq))
            if cp_hash != cp.hash:
                report.problems.append(Problem("checkpoint", cp.seq, f"entry #{cp.seq} differs from the checkpoint"))
    for k in keys[1:]:
        if k.from_seq > report.head_seq:
            report.problems.append(Problem(
                "keys", k.from_seq, f"the keyring says key {k.key_id} takes over at #{k.from_seq}, but the ledger "
                f"ends at #{report.head_seq} (an interrupted rotation? run `crowdset ledger rotate-key` again)"))
        elif not chain_broken and k.from_seq <= n and not _is_rotation(session, k.from_seq):
            report.problems.append(Problem(
                "keys", k.from_seq, f"the keyring says key {k.key_id} takes over at #{k.from_seq}, "
                f"but entry #{k.from_seq} is not a key rotation"))

    if expected is not None:
        if chain_broken:
            report.notes.append("tables not checked: the chain is broken, so what it recorded cannot be trusted")
        else:
            report.tables = check_tables(session, expected)
            for t in report.tables:
                if t.first is not None:
                    report.problems.append(Problem("tables", t.first_seq, t.summary()))
            report.notes += expected.notes()
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return report


def _is_rotation(session: Session, seq: int) -> bool:
    return session.scalar(select(LedgerEntry.kind).where(LedgerEntry.seq == seq)) == ROTATED


def verify(
    session: Session, on_progress: Callable[[int, int], None] | None = None, every: int = 5000
) -> tuple[int, Break | None]:
    """Chain, checkpoint and signatures (``audit`` without the tables): (entries checked, first problem)."""
    report = audit(session, on_progress=on_progress, every=every)
    return report.entries, report.first_break()

