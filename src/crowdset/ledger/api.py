"""Ledger API: read the chain (administrators) and verify it as a job."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from crowdset.http.deps import DB, require_roles
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.jobs.api import JobOut, submit_job
from crowdset.ledger.models import LedgerEntry

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
def verify(s: DB, user=Admin) -> JobOut:  # noqa: ANN001
    """Start a verification of the whole chain; poll the job for the result."""
    return submit_job(s, "ledger.verify", {}, user)
