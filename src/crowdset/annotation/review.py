"""Review and arbitration: moving a task from collected annotations to its final result.

``settle`` is the one place that decides a task's state after anything changes: waiting for more
annotations (open), waiting for reviewers (review), disputed (arbitration), or done with a final
result and the method that produced it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from crowdset.annotation import consensus
from crowdset.annotation.label_schema import LabelSchema
from crowdset.annotation.models import VERDICTS, Annotation, Project, Review, Task
from crowdset.annotation.policy import check_not_own_annotation, check_not_own_task, get_project, may_overrule
from crowdset.annotation.scheduler import release_slot
from crowdset.annotation.validation import check_result, schema_of
from crowdset.auth.models import User
from crowdset.db import utcnow
from crowdset.errors import Conflict, NotFound, invalid
from crowdset.ledger.rows import rows_of, task_digest
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg


def needs_review(project: Project, annotation_id: int) -> bool:
    """Policy: none, all, or a deterministic sample (a hash of the id, so reruns agree)."""
    if project.review_policy == "all":
        return True
    if project.review_policy == "sample":
        return ((annotation_id * 2654435761) % 2**32) / 2**32 < project.review_sample
    return False


def submitted(s: Session, task_id: int) -> list[Annotation]:
    return list(s.scalars(select(Annotation).where(Annotation.task_id == task_id, Annotation.status == "submitted")
                          .order_by(Annotation.submitted_at, Annotation.id)))


def _assign(task: Task, **values: Any) -> None:
    """Set only what changes, so a task that stays open is not rewritten on every submit."""
    for name, value in values.items():
        if getattr(task, name) != value:
            setattr(task, name, value)


def outcome(project: Project, schema: LabelSchema, results: list[dict[str, Any]], n_submitted: int,
            pending: bool) -> dict[str, Any]:
    """The task fields a task's submitted annotations settle it to (pure: the same rule for a submit,
    a review and a bulk import, which has the results in hand)."""
    if n_submitted < project.overlap:
        return {"state": "open", "final": None, "final_method": None, "final_confidence": None}
    if pending:
        return {"state": "review"}
    agreement = consensus.agreement(schema, results)
    if len(results) > 1 and agreement < project.agreement_threshold:
        return {"agreement": agreement, "state": "arbitration", "final": None, "final_method": None}
    final, confidence = consensus.consensus(schema, results)
    return {"agreement": agreement, "final": final, "final_confidence": confidence,
            "final_method": "single" if len(results) == 1 else "majority", "final_by": None, "state": "done"}


def settle(s: Session, project: Project, task: Task) -> None:
    if task.is_gold or task.final_method in ("expert", "review_fix"):
        return
    subs = submitted(s, task.id)
    results = [a.result for a in subs if a.result is not None]
    pending = any(a.review_state == "pending" for a in subs)
    _assign(task, **outcome(project, schema_of(project), results, len(subs), pending))


def final_rows(task: Task, written: bool = False) -> dict[str, dict[str, str]]:
    """The ledger's digest of the task's final (``"rows"`` of the entry), when this change decided it:
    ``settle`` does unless the task is gold or a person's final stands; ``written``: the caller set it."""
    if not written and (task.is_gold or task.final_method in ("expert", "review_fix")):
        return {}
    return rows_of(tasks={task.id: task_digest(task.final, task.final_method)})


def review(s: Session, reviewer: User, annotation_id: int, verdict: str, comment: str = "",
           fixed_result: dict[str, Any] | None = None) -> Review:
    ann = s.get(Annotation, annotation_id, with_for_update=True)
    if ann is None:
        raise NotFound(msg("annotation.not_found", id=annotation_id))
    project = get_project(s, reviewer, ann.project_id, "review")
    check_not_own_annotation(reviewer, ann)
    if ann.status != "submitted":
        raise Conflict(msg("review.not_submitted", id=annotation_id, status=ann.status))
    if ann.review_state in ("accepted", "rejected", "fixed"):
        raise Conflict(msg("review.already_reviewed", id=annotation_id, state=ann.review_state))
    if verdict not in VERDICTS:
        raise invalid("verdict", "field.one_of", choices=VERDICTS)
    if verdict == "reject" and not comment.strip():
        raise invalid("comment", "review.comment_required")
    task = s.get(Task, ann.task_id, with_for_update=True)
    if verdict == "fix":
        if fixed_result is None:
            raise invalid("result", "review.fix_needs_result")
        check_result(project, fixed_result, task.data, field="result")
    row = Review(annotation_id=ann.id, task_id=task.id, reviewer_id=reviewer.id, verdict=verdict,
                 comment=comment.strip(), fixed_result=fixed_result if verdict == "fix" else None)
    s.add(row)
    if verdict == "accept":
        ann.review_state = "accepted"
    elif verdict == "reject":
        ann.review_state, ann.status = "rejected", "rejected"
        task.n_done -= 1
        release_slot(s, task.id)
        task.state, task.final, task.final_method = "open", None, None
    else:
        ann.review_state = "fixed"
        task.final, task.final_method, task.final_by, task.final_confidence = (
            fixed_result, "review_fix", reviewer.id, 1.0)
        task.state = "done"
    s.flush()
    s.refresh(task)
    settle(s, project, task)
    append(s, f"review.{verdict}", f"annotation:{ann.id}", actor_of(reviewer),
           {"task_id": task.id, "comment": row.comment, "fixed_result": row.fixed_result, "task_state": task.state,
            "rows": final_rows(task, written=verdict == "fix")})
    return row


def resolve(s: Session, expert: User, task_id: int, result: dict[str, Any], comment: str = "") -> Task:
    """An expert's final answer for a disputed task (or any task, when a manager overrules)."""
    task = s.get(Task, task_id, with_for_update=True)
    if task is None:
        raise NotFound(msg("task.not_found", id=task_id))
    project = get_project(s, expert, task.project_id, "arbitrate")
    check_not_own_task(s, expert, task.id)
    if task.state != "arbitration" and not may_overrule(expert):
        raise Conflict(msg("arbitration.not_waiting", id=task_id, state=task.state))
    check_result(project, result, task.data, field="result")
    task.final, task.final_method, task.final_by, task.final_confidence = result, "expert", expert.id, 1.0
    task.state = "done"
    task.updated_at = utcnow()
    append(s, "task.arbitrated", f"task:{task.id}", actor_of(expert),
           {"result": result, "comment": comment, "rows": final_rows(task, written=True)})
    return task


def _submitted_by_task(s: Session, task_ids: list[int]) -> dict[int, list[Annotation]]:
    """``submitted`` for many tasks in one query (a queue page shows each task's annotations)."""
    out: dict[int, list[Annotation]] = defaultdict(list)
    if task_ids:
        for a in s.scalars(select(Annotation).where(Annotation.task_id.in_(task_ids),
                                                    Annotation.status == "submitted")
                           .order_by(Annotation.submitted_at, Annotation.id)):
            out[a.task_id].append(a)
    return out


@dataclass
class ReviewItem:
    """An annotation waiting for review, its task, and every submitted annotation of that task (in
    submission order, the reviewed one included) to compare it with."""

    annotation: Annotation
    task: Task
    submitted: list[Annotation]


@dataclass
class ReviewQueue:
    project: Project
    items: list[ReviewItem]


def review_queue(s: Session, user: User, project_id: int, after: int = 0, limit: int = 50) -> ReviewQueue:
    """Annotations of the project waiting for review, oldest first, after annotation id ``after``;
    never the user's own (nobody reviews their own work)."""
    project = get_project(s, user, project_id, "review")
    anns = list(s.scalars(select(Annotation).where(
        Annotation.project_id == project_id, Annotation.review_state == "pending", Annotation.id > after,
        Annotation.status == "submitted", or_(Annotation.user_id.is_(None), Annotation.user_id != user.id),
    ).order_by(Annotation.id).limit(limit)))
    task_ids = sorted({a.task_id for a in anns})
    tasks = {t.id: t for t in s.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
    subs = _submitted_by_task(s, task_ids)
    return ReviewQueue(project, [ReviewItem(a, tasks[a.task_id], subs.get(a.task_id, [])) for a in anns])


@dataclass
class ArbitrationItem:
    """A disputed task, its submitted annotations (in submission order) and their consensus (None
    when none carries a result)."""

    task: Task
    annotations: list[Annotation]
    consensus: dict[str, Any] | None


@dataclass
class ArbitrationQueue:
    project: Project
    items: list[ArbitrationItem]


def arbitration_queue(s: Session, user: User, project_id: int, after: int = 0, limit: int = 50) -> ArbitrationQueue:
    """Tasks of the project waiting for an expert, after task id ``after``; never a task the user
    annotated (nobody arbitrates their own work)."""
    project = get_project(s, user, project_id, "arbitrate")
    own = exists().where(Annotation.task_id == Task.id, Annotation.user_id == user.id)
    tasks = list(s.scalars(select(Task).where(Task.project_id == project_id, Task.state == "arbitration",
                                              Task.id > after, ~own).order_by(Task.id).limit(limit)))
    subs = _submitted_by_task(s, [t.id for t in tasks])
    schema = schema_of(project)
    items = []
    for t in tasks:
        anns = subs.get(t.id, [])
        results = [a.result for a in anns if a.result]
        items.append(ArbitrationItem(t, anns, consensus.consensus(schema, results)[0] if results else None))
    return ArbitrationQueue(project, items)


def feedback(s: Session, user: User, project_id: int | None = None, limit: int = 50) -> list[tuple[Review, Annotation]]:
    """Reviews of the user's own annotations, newest first (what the annotator learns from)."""
    q = (select(Review, Annotation).join(Annotation, Annotation.id == Review.annotation_id)
         .where(Annotation.user_id == user.id).order_by(Review.id.desc()).limit(limit))
    if project_id is not None:
        q = q.where(Annotation.project_id == project_id)
    return [(r, a) for r, a in s.execute(q)]
