"""Who may read a job: the one place that answers, for the API's job resource.

A job is readable by its creator, administrators, and whoever manages what the job concerns (its
``subject``: "project:5", "dataset:3"). Being in the same organisation is not enough: a failed import's
result lists rows of the file, which an annotator of the organisation has no business reading. This
package imports no domain, so whether a user manages a subject is asked of the domains' own checks,
which ``crowdset.wiring`` hands over (one ``SubjectCheck`` per subject kind).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from crowdset.jobs.models import Job

MayManage = Callable[[str], bool]
# subject kind -> (session, user, object id) -> whether the user manages that object
SubjectCheck = Callable[[Session, Any, int], bool]


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


def may_read_job(job: Job, user: Any, may_manage: MayManage | None = None) -> bool:
    if user.is_admin or (job.user_id is not None and job.user_id == user.id):
        return True
    return bool(job.subject) and may_manage is not None and may_manage(job.subject)
