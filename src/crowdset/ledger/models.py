"""The ledger table: append-only rows linked by SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crowdset.db import Base, UTCDateTime, utcnow


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(120), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, kept so the payload hash can be rechecked
    payload_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(String(128))  # Ed25519 over `hash`, hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
