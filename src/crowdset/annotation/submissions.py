"""What an annotator does with a leased task: submit, update until reviewed, skip, save a draft."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowdset.annotation import consensus
from crowdset.annotation.models import Annotation, Project, Task
from crowdset.annotation.policy import get_project
from crowdset.annotation.review import final_rows, needs_review, settle
from crowdset.annotation.scheduler import release_slot, take_slot_if_free
from crowdset.annotation.validation import check_result, schema_of
from crowdset.auth.models import User
from crowdset.db import utcnow
from crowdset.errors import Conflict, FieldError, NotFound, invalid
from crowdset.ledger.chain import iso
from crowdset.ledger.rows import annotation_digest, rows_of
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg

MAX_LEAD_TIME = 24 * 3600.0


def _own(s: Session, user: User, annotation_id: int) -> tuple[Annotation, Project, Task]:
    ann = s.get(Annotation, annotation_id, with_for_update=True)
    if ann is None or ann.user_id != user.id:
        raise NotFound(msg("annotation.not_found", id=annotation_id))
    project = get_project(s, user, ann.project_id, "annotate")
    task = s.get(Task, ann.task_id, with_for_update=True)
    return ann, project, task


def version_of(ann: Annotation) -> str:
    """An annotation's version token: the time of its last change, to the microsecond."""
    return iso(ann.updated_at or ann.created_at)


def current_version(ann: Annotation) -> dict[str, Any]:
    """What a conflict answers with, so a client can show what is stored now."""
    return {"annotation_id": ann.id, "task_id": ann.task_id, "status": ann.status, "review_state": ann.review_state,
            "result": ann.result, "version": version_of(ann)}


def submit(s: Session, user: User, annotation_id: int, result: dict[str, Any], lead_time: float | None = None,
           edit: bool = False, version: str | None = None) -> Annotation:
    """Submit the user's annotation of a leased task, or (``edit``) change a submitted one before review.

    A second submit of one lease (the same task open in two tabs) is a conflict, not a silent
    overwrite: the first submit stands, and the conflict carries it so the editor can show it. An
    edit is explicit; with ``version`` it is refused when the annotation changed since that version."""
    ann, project, task = _own(s, user, annotation_id)
    now = utcnow()
    check_result(project, result, task.data)
    if lead_time is not None and not (0 <= lead_time <= MAX_LEAD_TIME):
        raise invalid("lead_time", "submission.lead_time", max=int(MAX_LEAD_TIME))
    if version is not None and version != version_of(ann):
        raise Conflict(msg("submission.changed"),
                       [FieldError("version", msg("submission.not_current"))], extra={"current": current_version(ann)})
    if ann.status == "submitted":
        if not edit:
            raise Conflict(msg("submission.already_submitted"),
                           [FieldError("annotation_id", msg("submission.submitted"))],
                           extra={"current": current_version(ann)})
        if ann.review_state not in ("none", "pending") or task.final_method in ("expert", "review_fix"):
            raise Conflict(msg("submission.reviewed"))
        ann.result = result
        if task.is_gold:
            ann.gold_correct = consensus.matches_gold(schema_of(project), result, task.gold or {})
        s.flush()
        settle(s, project, task)
        append(s, "annotation.updated", f"annotation:{ann.id}", actor_of(user),
               {"task_id": task.id, "result": result, "rows": _rows(ann, task)})
        return ann
    if ann.status == "expired":
        if not take_slot_if_free(s, task, project.overlap):
            raise Conflict(msg("submission.lease_expired"))
    elif ann.status != "leased":
        raise Conflict(msg("submission.status", status=ann.status))
    ann.status, ann.result, ann.draft, ann.leased_until = "submitted", result, None, None
    ann.submitted_at = now
    measured = (now - ann.created_at).total_seconds() if ann.created_at else None
    ann.lead_time = lead_time if lead_time is not None else measured
    task.n_done += 1
    if task.is_gold:
        ann.gold_correct = consensus.matches_gold(schema_of(project), result, task.gold or {})
    else:
        ann.review_state = "pending" if needs_review(project, ann.id) else "none"
    s.flush()
    settle(s, project, task)
    append(s, "annotation.submitted", f"annotation:{ann.id}", actor_of(user),
           {"task_id": task.id, "result": result, "lead_time": ann.lead_time, "rows": _rows(ann, task)})
    return ann


def _rows(ann: Annotation, task: Task) -> dict[str, dict[str, str]]:
    """Row digests for the ledger entry: the annotation's result and, when settled here, the task's final."""
    return {**rows_of(annotations={ann.id: annotation_digest(ann.result)}), **final_rows(task)}


def skip(s: Session, user: User, annotation_id: int) -> Annotation:
    ann, _project, task = _own(s, user, annotation_id)
    if ann.status != "leased":
        raise Conflict(msg("submission.skip_not_leased", status=ann.status))
    ann.status, ann.leased_until, ann.draft = "skipped", None, None
    release_slot(s, task.id)
    return ann


def save_draft(s: Session, user: User, annotation_id: int, draft: dict[str, Any]) -> Annotation:
    """Keep unfinished work; it also renews the lease, since the annotator is still at it."""
    ann, project, _task = _own(s, user, annotation_id)
    if not isinstance(draft, dict):
        raise invalid("draft", "field.must_be_object")
    if ann.status not in ("leased", "expired"):
        raise Conflict(msg("submission.draft_state", status=ann.status))
    ann.draft = draft
    if ann.status == "leased":
        ann.leased_until = utcnow() + timedelta(seconds=project.lease_seconds)
    return ann
