"""Handing out tasks: ``next_task`` leases one task to an annotator.

Rules: never a task the user already has, did, skipped or had rejected; never more than the
project's overlap N of leased-or-submitted annotations on a task; expired leases return their slot;
highest priority first, then least annotated, then oldest; gold tasks mixed in at the gold ratio
(they have no overlap limit and look like any other task).

Concurrency: on SQLite the write transaction holds the database lock from its first statement
(``BEGIN IMMEDIATE``), so the pick-and-claim cannot interleave. On PostgreSQL the pick takes the
task row ``FOR UPDATE SKIP LOCKED``: concurrent callers claim different rows without waiting, and
the counter update happens under the row lock. The unique (task, user) index is the last guard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crowdset.annotation import policy
from crowdset.annotation.models import Annotation, Prediction, Project, Task
from crowdset.auth.models import User
from crowdset.db import utcnow
from crowdset.errors import Forbidden
from crowdset.messages import msg

MAX_ACTIVE_LEASES = 2  # the current task and one prefetched
GOLD_FLOOR_MIN_ANSWERS = 5


def sweep_expired(s: Session, project_id: int, now: datetime | None = None, limit: int = 500) -> int:
    """Return expired leases' slots to their tasks. Idempotent under concurrency: only the
    transaction whose UPDATE flips a row from leased to expired gives back its slot."""
    now = now or utcnow()
    ids = list(s.scalars(select(Annotation.id).where(
        Annotation.project_id == project_id, Annotation.status == "leased", Annotation.leased_until < now,
    ).limit(limit)))
    if not ids:
        return 0
    task_ids = list(s.scalars(
        update(Annotation).where(Annotation.id.in_(ids), Annotation.status == "leased")
        .values(status="expired", leased_until=None).returning(Annotation.task_id)
    ))
    for task_id, n in Counter(task_ids).items():
        s.execute(update(Task).where(Task.id == task_id).values(n_taken=Task.n_taken - n))
    return len(task_ids)


def active_leases(s: Session, project_id: int, user_id: int, now: datetime) -> list[Annotation]:
    return list(s.scalars(select(Annotation).where(
        Annotation.project_id == project_id, Annotation.user_id == user_id, Annotation.status == "leased",
        Annotation.leased_until >= now).order_by(Annotation.id)))


def gold_accuracy(s: Session, project_id: int, user_id: int) -> tuple[int, int]:
    """(correct, answered) on gold tasks in the project."""
    row = s.execute(select(
        func.count(Annotation.id).filter(Annotation.gold_correct.is_(True)),
        func.count(Annotation.id).filter(Annotation.gold_correct.is_not(None)),
    ).where(Annotation.project_id == project_id, Annotation.user_id == user_id)).one()
    return int(row[0]), int(row[1])


def _gold_due(s: Session, project: Project, user: User) -> bool:
    if project.gold_ratio <= 0:
        return False
    row = s.execute(select(
        func.count(Annotation.id).filter(Annotation.gold_correct.is_not(None)),
        func.count(Annotation.id),
    ).where(Annotation.project_id == project.id, Annotation.user_id == user.id,
            Annotation.status.in_(("submitted", "leased", "rejected")))).one()
    gold_done, total = int(row[0]), int(row[1])
    return gold_done < project.gold_ratio * (total + 1)


def _pick(s: Session, project: Project, user: User, gold: bool) -> Task | None:
    """The whole row, not just its id: the caller shows the task, so this saves a second SELECT."""
    mine = exists().where(Annotation.task_id == Task.id, Annotation.user_id == user.id,
                          Annotation.status != "expired")
    q = select(Task).where(Task.project_id == project.id, Task.is_gold == gold, Task.state == "open", ~mine)
    if not gold:
        q = q.where(Task.n_taken < project.overlap)
    q = q.order_by(Task.priority.desc(), Task.n_taken, Task.id).limit(1)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True, of=Task)
    return s.scalar(q)


def next_task(s: Session, user: User, project: Project, prefetch: bool = False) -> Annotation | None:
    """Lease a task to ``user`` (or return their current lease); None when nothing is left for them."""
    if project.status != "active":
        raise Forbidden(msg("project.status", status=project.status))
    now = utcnow()
    sweep_expired(s, project.id, now)
    held = active_leases(s, project.id, user.id, now)
    if held and not prefetch:
        return held[0]
    if len(held) >= MAX_ACTIVE_LEASES:
        return held[-1]
    if project.gold_floor is not None:
        correct, answered = gold_accuracy(s, project.id, user.id)
        if answered >= GOLD_FLOOR_MIN_ANSWERS and correct / answered < project.gold_floor:
            raise Forbidden(msg("work.below_floor"))
    task = None
    if _gold_due(s, project, user):
        task = _pick(s, project, user, gold=True)
    if task is None:
        task = _pick(s, project, user, gold=False)
    if task is None:
        return None
    ann = _lease(s, project, user, task.id, now)
    set_committed_value(ann, "task", task)
    # No session sync: it would expire the loaded task and cost a re-SELECT when it is shown;
    # n_taken is only ever changed in SQL, never read back from this object in the request.
    s.execute(update(Task).where(Task.id == task.id).values(n_taken=Task.n_taken + 1),
              execution_options={"synchronize_session": False})
    return ann


@dataclass
class Lease:
    """A leased task as its annotator is shown it: the lease (with any draft), the task, and the
    model predictions stored for the task (pre-annotations)."""

    annotation: Annotation
    task: Task
    predictions: list[Prediction]


def lease_next(s: Session, user: User, project_id: int, prefetch: bool = False) -> Lease | None:
    """``next_task`` for the annotator asking by project id (the /next of the API and the workspace);
    None when nothing is left for them."""
    project = policy.get_project(s, user, project_id, "annotate")
    ann = next_task(s, user, project, prefetch)
    if ann is None:
        return None
    task = ann.task
    preds = list(s.scalars(select(Prediction).where(Prediction.task_id == task.id).order_by(Prediction.id)))
    return Lease(ann, task, preds)


def _lease(s: Session, project: Project, user: User, task_id: int, now: datetime) -> Annotation:
    """Insert the lease, or revive the user's own expired one on that task (keeping any draft it
    holds): one upsert on the unique (task, user) key instead of a SELECT then INSERT/UPDATE."""
    until = now + timedelta(seconds=project.lease_seconds)
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Annotation).values(project_id=project.id, task_id=task_id, user_id=user.id, status="leased",
                                     leased_until=until, created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[Annotation.task_id, Annotation.user_id],
                                      set_={"status": "leased", "leased_until": until, "created_at": now,
                                            "updated_at": now})
    return s.scalars(stmt.returning(Annotation), execution_options={"populate_existing": True}).one()


def release_slot(s: Session, task_id: int) -> None:
    s.execute(update(Task).where(Task.id == task_id).values(n_taken=Task.n_taken - 1))


def take_slot_if_free(s: Session, task: Task, overlap: int) -> bool:
    """Re-take a slot for an expired lease being submitted late; False when the task is full."""
    cond = and_(Task.id == task.id, Task.is_gold.is_(True) | (Task.n_taken < overlap))
    done = s.execute(update(Task).where(cond).values(n_taken=Task.n_taken + 1))
    return done.rowcount == 1
