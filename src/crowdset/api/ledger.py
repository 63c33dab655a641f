"""Ledger API: read the chain (administrators) and verify it as a job."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from crowdset.api.shapes.jobs import JobOut
from crowdset.http.deps import DB, require_roles
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.jobs.service import submit_job
from crowdset.ledger.models import LedgerEntry
from crowdset.ledger.service import public_keys

router = APIRouter(tags=["ledger"])
Admin = require_roles("admin")


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


@router.get("/ledger", response_model=Page[EntryOut])
def list_entries(s: DB, user=Admin, cursor: str | None = None, limit: int = 100) -> Page[EntryOut]:  # noqa: ANN001
    limit = check_limit(limit)
    rows = s.scalars(
        select(LedgerEntry).where(LedgerEntry.seq > decode_cursor(cursor)).order_by(LedgerEntry.seq).limit(limit + 1)
    ).all()
    items = [EntryOut.model_validate(r, from_attributes=True) for r in rows]
    return page_of(items, limit, lambda e: e.seq)


@router.post("/ledger/verify", status_code=202, response_model=JobOut)
def verify(s: DB, user=Admin, tables: bool = False, all_signatures: bool = False) -> JobOut:  # noqa: ANN001
    """Start a verification of the chain, the signed checkpoint and the signatures (``tables``: also the
    covered rows against the ledger; ``all_signatures``: every entry's signature, minutes per million);
    poll the job for the report (``problems`` names each one)."""
    return JobOut.of(submit_job(s, "ledger.verify", {"tables": tables, "all_signatures": all_signatures}, user))


class KeyOut(BaseModel):
    key_id: str
    public_key: str
    from_seq: int
    to_seq: int | None
    created_at: str | None
    retired_at: str | None


@router.get("/ledger/keys", response_model=list[KeyOut])
def keys(user=Admin) -> list[KeyOut]:  # noqa: ANN001
    """Every public key the ledger was signed with and the entries each signed, for offline audits."""
    return [KeyOut(**k.as_dict()) for k in public_keys()]
