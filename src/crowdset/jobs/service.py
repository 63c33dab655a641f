"""Creating and reading jobs; the API and CLI call these.

Who may read a job: its creator, administrators, and whoever manages what the job concerns (its
``subject``: "project:5", "dataset:3"). Being in the same organisation is not enough: a failed import's
result lists rows of the file, which an annotator of the organisation has no business reading. This
package imports no domain, so whether a user manages a subject is asked of a ``may_manage`` callable
that the caller builds (the API builds it from the checks the app factory registers).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from crowdset.errors import NotFound
from crowdset.jobs import queue
from crowdset.jobs.models import Job

MayManage = Callable[[str], bool]
# subject kind -> (session, user, object id) -> whether the user manages that object
SubjectCheck = Callable[[Session, Any, int], bool]

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


def manage_checker(s: Session, user: Any, checks: Mapping[str, SubjectCheck]) -> MayManage:
    """``may_manage(subject)`` for ``user``, from one check per subject kind; unknown kinds and
    malformed subjects are not managed by anyone but administrators."""

    def may_manage(subject: str) -> bool:
        kind, _, ident = subject.partition(":")
        check = checks.get(kind)
        if check is None or not ident.isdigit():
            return False
        return bool(check(s, user, int(ident)))

    return may_manage


def job_visible_to(job: Job, user: Any, may_manage: MayManage | None = None) -> bool:
    if user.is_admin or (job.user_id is not None and job.user_id == user.id):
        return True
    return bool(job.subject) and may_manage is not None and may_manage(job.subject)


def get_job(s: Session, user: Any, job_id: str, may_manage: MayManage | None = None) -> Job:
    """The job if ``user`` may read it; NotFound otherwise, so its existence does not leak."""
    job = s.get(Job, job_id, populate_existing=True)
    if job is None or not job_visible_to(job, user, may_manage):
        raise NotFound(f"job {job_id} not found")
    return job
