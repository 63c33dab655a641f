"""How much work waits for one person: the tasks an annotator can still take, what they submitted
today, and the size of a reviewer's and an expert's queues.

The work hubs (/work, /review) and the workbench read these. Each count follows the rule of the
service that hands the work out: ``waiting_for`` the scheduler's pick (``scheduler._pick``: open,
not gold, a free overlap slot, not already had by this person), the queue sizes ``review.review_queue``
and ``review.arbitration_queue`` (nobody is counted work on their own annotations), so a number shown
is work the person would actually be given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.models import Annotation, Project, ProjectMember, Task
from crowdset.annotation.scheduler import GOLD_FLOOR_MIN_ANSWERS, gold_accuracy
from crowdset.auth.models import User
from crowdset.db import utcnow

# Counting stops here: "1000+" says as much to a person as an exact count, and stays one short index
# walk on a project of millions of tasks.
WAITING_CAP = 1000
# What counts as done today: a submit, including one a reviewer rejected later.
DONE_STATES = ("submitted", "rejected")


def today_start(now: datetime | None = None) -> datetime:
    """Midnight (UTC) of ``now``'s day: the start of "today" for the daily counters."""
    now = now or utcnow()
    return datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)


def done_today(s: Session, user_id: int, project_id: int | None = None, now: datetime | None = None) -> int:
    """Annotations ``user_id`` submitted since midnight (UTC), in one project or in all."""
    q = select(func.count(Annotation.id)).where(
        Annotation.user_id == user_id, Annotation.submitted_at >= today_start(now),
        Annotation.status.in_(DONE_STATES))
    if project_id is not None:
        q = q.where(Annotation.project_id == project_id)
    return int(s.scalar(q) or 0)


def done_today_by_project(s: Session, user_id: int, project_ids: Iterable[int],
                          now: datetime | None = None) -> dict[int, int]:
    """``done_today`` for several projects in one query (projects with none are absent)."""
    ids = list(project_ids)
    if not ids:
        return {}
    rows = s.execute(select(Annotation.project_id, func.count(Annotation.id)).where(
        Annotation.user_id == user_id, Annotation.project_id.in_(ids), Annotation.submitted_at >= today_start(now),
        Annotation.status.in_(DONE_STATES)).group_by(Annotation.project_id))
    return {int(pid): int(n) for pid, n in rows}


def submitted_total(s: Session, user_id: int, project_id: int) -> int:
    """The user's submitted annotations in the project that stand (not rejected)."""
    return int(s.scalar(select(func.count(Annotation.id)).where(
        Annotation.project_id == project_id, Annotation.user_id == user_id, Annotation.status == "submitted")) or 0)


def pending_counts(s: Session, project_id: int) -> tuple[int, int]:
    """(annotations waiting for review, tasks waiting for arbitration) in the project, whoever made them."""
    review = s.scalar(select(func.count(Annotation.id)).where(
        Annotation.project_id == project_id, Annotation.review_state == "pending", Annotation.status == "submitted"))
    arbitration = s.scalar(select(func.count(Task.id)).where(Task.project_id == project_id,
                                                              Task.state == "arbitration"))
    return int(review or 0), int(arbitration or 0)


def held_project_roles(s: Session, user: User) -> set[str]:
    """The project roles ``user`` holds in at least one project."""
    return set(s.scalars(select(ProjectMember.role).where(ProjectMember.user_id == user.id).distinct()))


def projects_as(s: Session, user: User, role: str, limit: int = 500) -> list[Project]:
    """Projects in which ``user`` is a member with ``role`` (membership, not what an admin may do)."""
    member = exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id,
                            ProjectMember.role == role)
    return list(s.scalars(select(Project).where(member).order_by(Project.id).limit(limit)))


def waiting_for(s: Session, user: User, project: Project, cap: int = WAITING_CAP) -> int:
    """How many tasks ``user`` could still be given in ``project`` (at most ``cap`` + 1, so the
    caller can say "more than cap"): 0 unless the project is active and the user may annotate in it."""
    if project.status != "active" or not policy.allowed(s, user, project, "annotate"):
        return 0
    mine = exists().where(Annotation.task_id == Task.id, Annotation.user_id == user.id,
                          Annotation.status != "expired")
    takeable = (select(Task.id).where(Task.project_id == project.id, Task.is_gold.is_(False), Task.state == "open",
                                      Task.n_taken < project.overlap, ~mine).limit(cap + 1))
    return int(s.scalar(select(func.count()).select_from(takeable.subquery())) or 0)


def below_gold_floor(s: Session, user: User, project: Project) -> bool:
    """Whether the scheduler refuses ``user`` more work here: their accuracy on gold tasks is under
    the project's floor (counted once they answered ``GOLD_FLOOR_MIN_ANSWERS``, as the scheduler does)."""
    if project.gold_floor is None:
        return False
    correct, answered = gold_accuracy(s, project.id, user.id)
    return answered >= GOLD_FLOOR_MIN_ANSWERS and correct / answered < project.gold_floor


def review_queue_size(s: Session, user: User, project: Project) -> int | None:
    """How many annotations ``review.review_queue`` would show ``user`` (None: they may not review here)."""
    if not policy.allowed(s, user, project, "review"):
        return None
    return int(s.scalar(select(func.count(Annotation.id)).where(
        Annotation.project_id == project.id, Annotation.review_state == "pending", Annotation.status == "submitted",
        or_(Annotation.user_id.is_(None), Annotation.user_id != user.id))) or 0)


def arbitration_queue_size(s: Session, user: User, project: Project) -> int | None:
    """How many tasks ``review.arbitration_queue`` would show ``user`` (None: they may not arbitrate here)."""
    if not policy.allowed(s, user, project, "arbitrate"):
        return None
    own = exists().where(Annotation.task_id == Task.id, Annotation.user_id == user.id)
    return int(s.scalar(select(func.count(Task.id)).where(Task.project_id == project.id,
                                                           Task.state == "arbitration", ~own)) or 0)
