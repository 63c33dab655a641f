"""Ledger verification as a job: a long chain is checked with progress, the same report as the CLI's."""

from __future__ import annotations

from typing import Any

from crowdset.db import get_db
from crowdset.jobs.queue import Progress
from crowdset.ledger.service import audit


def verify_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """``params``: ``tables`` (compare covered rows too), ``all_signatures`` (check every signature)."""
    def report_progress(n: int, total: int) -> None:
        progress(100.0 * n / max(total, 1), f"{n}/{total}")

    with get_db().reading() as s:
        report = audit(s, tables=bool(params.get("tables", False)),
                       all_signatures=bool(params.get("all_signatures", False)),
                       on_progress=report_progress, every=20000)
    return report.as_dict()
