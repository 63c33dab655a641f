"""Project statistics: tasks by state, submissions per day, per-annotator counts and lead times."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.models import TASK_STATES, Annotation, Project, Task
from crowdset.auth.models import User


@dataclass
class ProjectProgress:
    project: Project
    stats: dict[str, Any]  # ``project_stats``


def project_progress(s: Session, user: User, project_id: int) -> ProjectProgress:
    """The project and its statistics, for those who may review it (the API's stats, the overview page)."""
    project = policy.get_project(s, user, project_id, "review")
    return ProjectProgress(project, project_stats(s, project))


def project_stats(s: Session, project: Project, days: int = 30) -> dict[str, Any]:
    """Tasks by state, annotations by status, submissions per day over ``days`` and per annotator."""
    by_state = dict.fromkeys(TASK_STATES, 0)
    for state, n in s.execute(select(Task.state, func.count()).where(Task.project_id == project.id,
                                                                     Task.is_gold.is_(False)).group_by(Task.state)):
        by_state[state] = int(n)
    gold = int(s.scalar(select(func.count()).where(Task.project_id == project.id, Task.is_gold.is_(True))) or 0)
    ann_states = {st: int(n) for st, n in s.execute(
        select(Annotation.status, func.count()).where(Annotation.project_id == project.id).group_by(Annotation.status))}
    day = func.date(Annotation.submitted_at)
    per_day = [{"date": str(d), "submitted": int(n)} for d, n in s.execute(
        select(day, func.count()).where(Annotation.project_id == project.id, Annotation.submitted_at.is_not(None))
        .group_by(day).order_by(day.desc()).limit(days))]
    per_day.reverse()
    # Per annotator: stream (user, lead_time) ordered by user so only one user's times are in memory.
    annotators: list[dict[str, Any]] = []
    emails = dict(s.execute(select(User.id, User.display_name).where(
        User.id.in_(select(Annotation.user_id).where(Annotation.project_id == project.id).distinct()))).all())
    current, times, counts = None, [], {"submitted": 0, "rejected": 0, "skipped": 0}

    def flush() -> None:
        if current is not None:
            annotators.append({"user_id": current, "name": emails.get(current), **counts,
                               "median_lead_time": statistics.median(times) if times else None})

    rows = s.execute(select(Annotation.user_id, Annotation.status, Annotation.lead_time)
                     .where(Annotation.project_id == project.id, Annotation.user_id.is_not(None),
                            Annotation.status.in_(("submitted", "rejected", "skipped")))
                     .order_by(Annotation.user_id)).yield_per(5000)
    for uid, status, lead in rows:
        if uid != current:
            flush()
            current, times, counts = uid, [], {"submitted": 0, "rejected": 0, "skipped": 0}
        counts[status] += 1
        if status in ("submitted", "rejected") and lead is not None:
            times.append(lead)
    flush()
    total = sum(by_state.values())
    return {
        "project_id": project.id,
        "tasks": {"total": total, "gold": gold, "by_state": by_state},
        "annotations": ann_states,
        "progress": (by_state["done"] / total) if total else 0.0,
        "throughput": per_day,
        "annotators": annotators,
    }
