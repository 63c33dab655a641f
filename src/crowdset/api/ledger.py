"""Ledger API: read the chain and verify it as a job (administrators: ``crowdset.ledger.policy``)."""

from __future__ import annotations

from fastapi import APIRouter

from crowdset.api.shapes.jobs import JobOut
from crowdset.api.shapes.ledger import EntryOut, KeyOut
from crowdset.http.deps import DB, CurrentUser
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.ledger import service

router = APIRouter(tags=["ledger"])


@router.get("/ledger", response_model=Page[EntryOut])
def list_entries(s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 100) -> Page[EntryOut]:
    limit = check_limit(limit)
    rows = service.list_entries(s, user, decode_cursor(cursor), limit + 1)
    items = [EntryOut.model_validate(r, from_attributes=True) for r in rows]
    return page_of(items, limit, lambda e: e.seq)


@router.post("/ledger/verify", status_code=202, response_model=JobOut)
def verify(s: DB, user: CurrentUser, tables: bool = False, all_signatures: bool = False) -> JobOut:
    """Start a verification of the chain, the signed checkpoint and the signatures (``tables``: also the
    covered rows against the ledger; ``all_signatures``: every entry's signature, minutes per million);
    poll the job for the report (``problems`` names each one)."""
    return JobOut.of(service.start_verification(s, user, tables, all_signatures))


@router.get("/ledger/keys", response_model=list[KeyOut])
def keys(user: CurrentUser) -> list[KeyOut]:
    """Every public key the ledger was signed with and the entries each signed, for offline audits."""
    return [KeyOut(**k.as_dict()) for k in service.public_keys(user)]
