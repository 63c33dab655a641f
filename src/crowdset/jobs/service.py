"""Creating and reading jobs; the API and CLI call these."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from crowdset.jobs.models import Job


def create_job(session: Session, kind: str, params: dict[str, Any], user: Any | None) -> Job:
    """Record a queued job. The caller commits, then calls ``jobs.queue.enqueue(job.id)`` so a
    worker never sees a job id whose row is not yet committed."""
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        params=params,
        user_id=getattr(user, "id", None),
        org_id=getattr(user, "org_id", None),
    )
    session.add(job)
    session.flush()
    return job


def job_visible_to(job: Job, user: Any) -> bool:
    return user.is_admin or job.user_id == user.id or (job.org_id is not None and job.org_id == user.org_id)
