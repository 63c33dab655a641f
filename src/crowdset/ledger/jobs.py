"""Ledger verification as a job: a long chain is checked in batches with progress."""

from __future__ import annotations

from typing import Any

from crowdset.db import get_db
from crowdset.jobs.queue import Progress, handler
from crowdset.ledger.service import count_entries, verify


@handler("ledger.verify")
def verify_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    with get_db().reading() as s:
        total = count_entries(s)
        every = max(1, total // 20)
        checked, brk = verify(s, lambda n: progress(100.0 * n / max(total, 1), f"{n}/{total}"), every=every)
    return {
        "ok": brk is None,
        "checked": checked,
        "first_broken_seq": brk.seq if brk else None,
        "reason": brk.reason if brk else None,
    }
