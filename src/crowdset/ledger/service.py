"""Appending to and verifying the ledger inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from crowdset.db import utcnow
from crowdset.ledger.chain import (
    GENESIS,
    Break,
    EntryView,
    canonical_json,
    entry_hash,
    first_break,
    sha256_hex,
)
from crowdset.ledger.keys import sign_hex, signing_key, verify_hex
from crowdset.ledger.models import LedgerEntry
from crowdset.settings import get_settings

_PG_LOCK_KEY = 0x43524F57  # "CROW": one advisory lock serialises appends on PostgreSQL


def actor_of(user: Any | None) -> str:
    return f"user:{user.id}" if user is not None else "system"


def append(session: Session, kind: str, subject: str, actor: str, payload: dict[str, Any]) -> LedgerEntry:
    """Add one entry after the current head. Runs in the caller's transaction, so the entry
    commits or rolls back with the change it records."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    head = session.execute(select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    body = canonical_json(payload)
    payload_hash = sha256_hex(body)
    created = utcnow()
    h = entry_hash(seq, kind, subject, actor, payload_hash, prev, created)
    entry = LedgerEntry(
        seq=seq,
        kind=kind,
        subject=subject,
        actor=actor,
        payload=body,
        payload_hash=payload_hash,
        prev_hash=prev,
        hash=h,
        signature=sign_hex(str(get_settings().data_dir), h),
        created_at=created,
    )
    session.add(entry)
    session.flush()
    return entry


def iter_entries(session: Session, batch: int = 5000) -> Iterator[EntryView]:
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
    return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def verify(
    session: Session, on_progress: Callable[[int], None] | None = None, every: int = 5000
) -> tuple[int, Break | None]:
    """Recompute the whole chain in batches; return (entries checked, first break).

    ``on_progress(n)`` is called every ``every`` entries so long checks can report progress."""
    public = signing_key(str(get_settings().data_dir)).public_key()

    def entries() -> Iterator[EntryView]:
        for i, view in enumerate(iter_entries(session), 1):
            if on_progress is not None and i % every == 0:
                on_progress(i)
            yield view

    return first_break(entries(), lambda h, sig: verify_hex(public, h, sig))
