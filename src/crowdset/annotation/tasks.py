"""Reading a project's tasks as they stand (state, counters, final result), for its reviewers and
managers. Tasks are created by imports (``importing``) and changed by the annotation loop; this only
reads them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.models import Task
from crowdset.auth.models import User
from crowdset.errors import NotFound
from crowdset.messages import msg


def get_task(s: Session, user: User, task_id: int) -> Task:
    """One task, for those who may review its project (gold answers and finals are shown)."""
    task = s.get(Task, task_id)
    if task is None:
        raise NotFound(msg("task.not_found", id=task_id))
    policy.get_project(s, user, task.project_id, "review")
    return task


def list_tasks(s: Session, user: User, project_id: int, after: int = 0, limit: int = 50, state: str | None = None,
               import_id: str | None = None) -> list[Task]:
    """The project's tasks in id order after ``after``, optionally only those in ``state`` or from
    one import (an import job's result links here)."""
    policy.get_project(s, user, project_id, "review")
    q = select(Task).where(Task.project_id == project_id, Task.id > after).order_by(Task.id)
    if state:
        q = q.where(Task.state == state)
    if import_id:
        q = q.where(Task.import_id == import_id)
    return list(s.scalars(q.limit(limit)))
