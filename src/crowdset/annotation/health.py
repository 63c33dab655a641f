"""How a project is doing, in the few figures a manager acts on: progress, and two quality alerts.

- Progress: tasks with a final result out of all tasks (gold tasks left out, as in ``stats``).
- Low agreement: the latest quality run measured a control below a floor. For classification
  controls the floors are ``LOW_PERCENT_AGREEMENT`` (0.6: fewer than six in ten annotator pairs agree)
  and ``LOW_KAPPA`` (0.4 on Fleiss' kappa, or Cohen's with two annotators: below "moderate" on the
  Landis-Koch scale); for structured controls (spans, boxes, transcriptions) ``LOW_PAIRWISE`` on their
  mean pairwise agreement. An undefined coefficient (NaN, stored as null) raises no alert.
- Gold failures: annotators whose accuracy on gold tasks is under the project's ``gold_floor``, or
  under ``DEFAULT_GOLD_FLOOR`` (0.7) when the project sets none, counted once they answered
  ``GOLD_FLOOR_MIN_ANSWERS`` gold tasks (the scheduler's own minimum, so one early miss is no alert).

Who may read these is the caller's question (``policy``: those who manage the project).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdset.annotation.models import Annotation, Project, QualityRun, Task
from crowdset.annotation.scheduler import GOLD_FLOOR_MIN_ANSWERS
from crowdset.auth.models import User

LOW_PERCENT_AGREEMENT = 0.6
LOW_KAPPA = 0.4
LOW_PAIRWISE = 0.6
DEFAULT_GOLD_FLOOR = 0.7


def progress(s: Session, project_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(tasks done, tasks in all) per project, gold tasks not counted; one grouped query."""
    ids = list(project_ids)
    out = dict.fromkeys(ids, (0, 0))
    if not ids:
        return out
    rows = s.execute(select(Task.project_id, func.count(Task.id).filter(Task.state == "done"), func.count(Task.id))
                     .where(Task.project_id.in_(ids), Task.is_gold.is_(False)).group_by(Task.project_id))
    for pid, done, total in rows:
        out[int(pid)] = (int(done), int(total))
    return out


def latest_quality_run(s: Session, project_id: int) -> QualityRun | None:
    return s.scalar(select(QualityRun).where(QualityRun.project_id == project_id)
                    .order_by(QualityRun.id.desc()).limit(1))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def low_agreement(run: QualityRun) -> list[dict[str, Any]]:
    """The controls of ``run`` whose agreement is under its floor: one entry per control, naming
    the first measure that fails (``metric``, ``value``, ``floor``)."""
    found = []
    for control, measured in sorted((run.agreement or {}).items()):
        summary = measured.get("summary", {}) if isinstance(measured, dict) else {}
        kappa = "cohen_kappa" if _number(summary.get("cohen_kappa")) is not None else "fleiss_kappa"
        checks = (("percent_agreement", LOW_PERCENT_AGREEMENT), (kappa, LOW_KAPPA), ("mean", LOW_PAIRWISE))
        for metric, floor in checks:
            value = _number(summary.get(metric))
            if value is not None and value < floor:
                found.append({"control": control, "metric": metric, "value": value, "floor": floor})
                break
    return found


def gold_failures(s: Session, project: Project) -> list[dict[str, Any]]:
    """Annotators under the project's gold floor (``DEFAULT_GOLD_FLOOR`` when it sets none), lowest first."""
    floor = project.gold_floor if project.gold_floor is not None else DEFAULT_GOLD_FLOOR
    correct = func.count(Annotation.id).filter(Annotation.gold_correct.is_(True))
    answered = func.count(Annotation.id)
    rows = s.execute(select(Annotation.user_id, User.display_name, correct, answered)
                     .join(User, User.id == Annotation.user_id)
                     .where(Annotation.project_id == project.id, Annotation.gold_correct.is_not(None))
                     .group_by(Annotation.user_id, User.display_name)
                     .having(answered >= GOLD_FLOOR_MIN_ANSWERS))
    out = [{"user_id": int(uid), "name": name, "correct": int(c), "answered": int(n), "accuracy": int(c) / int(n),
            "floor": floor} for uid, name, c, n in rows if int(c) / int(n) < floor]
    return sorted(out, key=lambda r: (r["accuracy"], r["user_id"]))
