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
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from crowdset.annotation import policy, review
from crowdset.annotation.models import Annotation, Project, ProjectMember, Review, Task
from crowdset.annotation.projects import list_projects
from crowdset.annotation.scheduler import GOLD_FLOOR_MIN_ANSWERS, gold_accuracy
from crowdset.auth.models import User
from crowdset.db import utcnow

# Counting stops here: "1000+" says as much to a person as an exact count, and stays one short index
# walk on a project of millions of tasks.
WAITING_CAP = 1000
# The hubs list at most this many projects (the manager's list is paged on /projects).
HUB_PROJECTS = 500
# Feedback items the /work page shows.
FEEDBACK_SHOWN = 30
# Account roles for which an empty hub is a page (with "nothing here yet") rather than a refusal.
WORK_ROLES = ("annotator",)
REVIEW_ROLES = ("reviewer", "expert", "manager")
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


@dataclass(frozen=True)
class QueueRow:
    """A project's review and arbitration queues as ``user`` would be handed them."""

    project_id: int
    title: str
    review: int | None  # None: may not review in this project
    arbitration: int | None  # None: may not arbitrate in this project


def queue_rows(s: Session, user: User, limit: int = HUB_PROJECTS) -> list[QueueRow]:
    """The review and arbitration queue sizes in each project where the policy lets ``user`` do either."""
    projects: dict[int, Project] = {}
    for need in ("review", "arbitrate"):
        for p in policy.projects_where(s, user, need, limit):
            projects.setdefault(p.id, p)
    return [QueueRow(p.id, p.title, review_queue_size(s, user, p), arbitration_queue_size(s, user, p))
            for p in sorted(projects.values(), key=lambda p: p.id)]


def review_hub(s: Session, user: User) -> list[QueueRow]:
    """The /review page: ``queue_rows``; Forbidden for someone who may review or arbitrate nowhere and
    holds no reviewing account role (who would get an empty page)."""
    rows = queue_rows(s, user)
    policy.check_hub(user, rows, REVIEW_ROLES)
    return rows


@dataclass(frozen=True)
class WorkRow:
    project: Project
    today: int
    total: int
    gold: float | None  # accuracy on gold tasks, None before the first gold answer
    gold_n: int


@dataclass(frozen=True)
class FeedbackItem:
    review: Review
    project_id: int
    title: str
    task_id: int


@dataclass(frozen=True)
class WorkHub:
    rows: list[WorkRow]
    feedback: list[FeedbackItem]
    today: int


def work_hub(s: Session, user: User, now: datetime | None = None) -> WorkHub:
    """The /work page: the projects ``user`` annotates in with today's and all-time counts and gold
    accuracy, reviewers' feedback on their work, and today's total. Forbidden for someone who annotates
    nowhere and holds no annotator account role."""
    mine = list_projects(s, user, 0, HUB_PROJECTS) if user.is_admin else projects_as(s, user, "annotator")
    policy.check_hub(user, mine, WORK_ROLES)
    today_by_project = done_today_by_project(s, user.id, [p.id for p in mine], now=now)
    rows = []
    for p in mine:
        correct, answered = gold_accuracy(s, p.id, user.id)
        rows.append(WorkRow(p, today_by_project.get(p.id, 0), submitted_total(s, user.id, p.id),
                            (correct / answered) if answered else None, answered))
    titles = {p.id: p.title for p in list_projects(s, user, 0, HUB_PROJECTS)}
    feedback = [FeedbackItem(r, a.project_id, titles.get(a.project_id, str(a.project_id)), a.task_id)
                for r, a in review.feedback(s, user, None, FEEDBACK_SHOWN)]
    return WorkHub(rows, feedback, done_today(s, user.id, now=now))
