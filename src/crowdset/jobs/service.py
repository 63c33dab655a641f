"""Creating and reading jobs; the API and CLI call these. Who may read a job is ``jobs.policy``'s to
say (the API hands over the domains' subject checks, which the app factory registers)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from crowdset.errors import NotFound
from crowdset.jobs import policy, queue
from crowdset.jobs.models import Job
from crowdset.jobs.policy import SubjectCheck
from crowdset.messages import msg

# The parameter that names what a job concerns, in order of preference.
SUBJECT_PARAMS = (("project_id", "project"), ("dataset_id", "dataset"))


def subject_of(params: Mapping[str, Any]) -> str | None:
    """``"project:5"`` for a job whose params name ``project_id`` 5, and so on; None when none does."""
    for key, kind in SUBJECT_PARAMS:
        value = params.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{kind}:{value}"
    return None


def create_job(session: Session, kind: str, params: dict[str, Any], user: Any | None,
               subject: str | None = None) -> Job:
    """Record a queued job without queueing it (``submit_job`` queues it on commit). ``subject``
    defaults to what the params name (``project_id``, ``dataset_id``)."""
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        params=params,
        subject=subject or subject_of(params),
        user_id=getattr(user, "id", None),
        org_id=getattr(user, "org_id", None),
    )
    session.add(job)
    session.flush()
    return job


def submit_job(session: Session, kind: str, params: dict[str, Any], user: Any | None,
                subject: str | None = None) -> Job:
    """Record a queued job in the caller's transaction; it goes on the queue when that transaction
    commits, with whatever else the use case wrote (an evaluation naming the job, say), and never if
    it rolls back. A worker therefore never sees a job id whose row is not committed, nor a row
    written beside the job without it."""
    job = create_job(session, kind, params, user, subject)
    pending = session.info.setdefault(_PENDING, [])
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _enqueue_pending)
        event.listen(session, "after_rollback", _drop_pending)
        session.info[_LISTENING] = True
    pending.append(job.id)
    return job


_PENDING = "crowdset.jobs.pending"
_LISTENING = "crowdset.jobs.listening"


def _enqueue_pending(session: Session) -> None:
    for job_id in session.info.pop(_PENDING, []):
        queue.enqueue(job_id)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def get_job(s: Session, user: Any, job_id: str, checks: Mapping[str, SubjectCheck] | None = None) -> Job:
    """The job, re-read from the database, if ``user`` may read it (``checks``: whether a user manages a
    job's subject, one per subject kind); NotFound otherwise, so its existence does not leak."""
    job = s.get(Job, job_id, populate_existing=True)
    if job is None or not policy.may_read_job(job, user, policy.manage_checker(s, user, checks or {})):
        raise NotFound(msg("job.not_found", id=job_id))
    return job
