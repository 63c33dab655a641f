"""API shapes for the ledger."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class EntryOut(BaseModel):
    seq: int
    kind: str
    subject: str
    actor: str
    payload_hash: str
    prev_hash: str
    hash: str
    signature: str
    created_at: datetime


class KeyOut(BaseModel):
    key_id: str
    public_key: str
    from_seq: int
    to_seq: int | None
    created_at: str | None
    retired_at: str | None
