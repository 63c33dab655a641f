"""Jobs that look stuck, for the people who manage what they concern.

Two signs, read only (the recovery sweep in ``crowdset.jobs.recovery`` is what acts on dead jobs):

- ``no_heartbeat``: running, and the last sign of life (``recovery.last_beat``: the row's heartbeat,
  the key-value store's beat, or the start) is older than ``recovery.stale_after()``, the same
  threshold the sweep uses. The sweep will fail or re-queue it; until then a person sees why nothing
  moves.
- ``queued``: still waiting for a worker ``QUEUED_TOO_LONG`` (15 minutes) after it was created:
  usually no worker is running.

This package imports no domain: callers name the subjects ("project:5", "dataset:3") they may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.db import utcnow
from crowdset.jobs.models import Job
from crowdset.jobs.recovery import last_beat, stale_after

QUEUED_TOO_LONG = timedelta(minutes=15)
_CHUNK = 500  # subjects per query, well under any database's parameter limit


@dataclass(frozen=True)
class StuckJob:
    """One job that looks stuck: what it is, what it concerns, and since when nothing happened."""

    id: str
    kind: str
    subject: str
    state: str
    why: str  # "no_heartbeat" | "queued"
    since: datetime | None


def stuck_jobs(s: Session, subjects: Iterable[str], now: datetime | None = None,
               queued_too_long: timedelta = QUEUED_TOO_LONG) -> list[StuckJob]:
    """The queued or running jobs about ``subjects`` that look stuck, oldest first."""
    now = now or utcnow()
    wanted = sorted(set(subjects))
    found: list[StuckJob] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        for job in s.scalars(select(Job).where(Job.state.in_(("queued", "running")), Job.subject.in_(chunk))):
            if job.state == "running":
                beat = last_beat(job)
                if beat is None or now - beat > stale_after():
                    found.append(StuckJob(job.id, job.kind, job.subject or "", job.state, "no_heartbeat", beat))
            elif job.created_at is not None and now - job.created_at > queued_too_long:
                found.append(StuckJob(job.id, job.kind, job.subject or "", job.state, "queued", job.created_at))
    return sorted(found, key=lambda j: (j.since is not None, j.since or now, j.id))
