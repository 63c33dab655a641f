"""Manager pages: projects, schema builder, imports, members, progress, quality, export.

Pages only read (through the same services the API uses); every change goes through the JSON API
from the page's JS module (session cookie + X-CSRF-Token), so no business rule lives here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation import projects as svc
from crowdset.annotation.models import PROJECT_ROLES, REVIEW_POLICIES, Project
from crowdset.annotation.stats import project_stats
from crowdset.auth.models import User
from crowdset.auth.service import visible_users
from crowdset.db import get_db
from crowdset.errors import Forbidden, NotFound
from crowdset.formats.registry import writer_names
from crowdset.web.guards import PageDenied, page_user
from crowdset.web.render import render

router = APIRouter(include_in_schema=False)
MANAGER = ("manager",)
# Schema kinds the builder offers (docs/label-schemas.md); the API validates the result.
KINDS = ("choices", "spans", "relations", "bbox", "polygon", "keypoints", "transcription", "audio_segments",
         "video_segments", "pairwise", "ranking", "rating", "cot_review", "image_text_alignment", "kg_triples")
IMPORT_FORMATS = ("jsonl", "csv", "labelstudio")


@contextmanager
def reading(request: Request, *roles: str) -> Iterator[tuple[Session, User]]:
    """A read session and the signed-in user re-loaded in it; service errors become pages."""
    viewer = page_user(request, *roles)
    with get_db().reading() as s:
        user = s.get(User, viewer.id)
        try:
            yield s, user
        except NotFound:
            raise PageDenied(render(request, "manage/not_found.html", status=404)) from None
        except Forbidden:
            raise PageDenied(render(request, "forbidden.html", status=403)) from None


def _project(s: Session, user: User, project_id: int, need: str = "manage") -> Project:
    return policy.get_project(s, user, project_id, need)


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.display_name for u in s.scalars(select(User).where(User.id.in_(ids)))}


@router.get("/projects")
def projects_page(request: Request) -> Response:
    with reading(request) as (s, user):
        rows = policy.projects_where(s, user, "manage", 200)
        if not rows and not (user.is_admin or user.has_role(*MANAGER)):
            raise Forbidden("no project to manage")
        return render(request, "manage/projects.html", projects=rows)


@router.get("/projects/new")
def new_project_page(request: Request) -> Response:
    page_user(request, *MANAGER)
    return render(request, "manage/new.html", kinds=KINDS, review_policies=REVIEW_POLICIES)


@router.get("/projects/{project_id}")
def overview_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        project = _project(s, user, project_id, "review")
        stats = project_stats(s, project)
        return render(request, "manage/overview.html", project=project, stats=stats, tab="overview")


@router.get("/projects/{project_id}/import")
def import_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        project = _project(s, user, project_id)
        schema_json = json.dumps(project.label_schema, ensure_ascii=False, indent=2)
        return render(request, "manage/import.html", project=project, formats=IMPORT_FORMATS, tab="import",
                      schema_json=schema_json)


@router.get("/projects/{project_id}/members")
def members_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        project = _project(s, user, project_id)
        rows = svc.members(s, project)
        candidates = [u for u in visible_users(s, user, 0, 500) if u.org_id == project.org_id]
        names = {u.id: u.display_name for u in candidates} | _names(s, {m.user_id for m in rows})
        return render(request, "manage/members.html", project=project, members=rows, names=names,
                      candidates=candidates, roles=PROJECT_ROLES, tab="members")


@router.get("/projects/{project_id}/quality")
def quality_page(project_id: int, request: Request) -> Response:
    from crowdset.annotation.quality_runs import quality_history
    from crowdset.quality.aggregation import CLASSIFICATION_METHODS

    with reading(request) as (s, user):
        project = _project(s, user, project_id, "review")
        runs = quality_history(s, project)
        latest = runs[0] if runs else None
        workers = _worker_rows(latest.workers if latest else [], _names(s, _worker_ids(latest)))
        history = [{"run": r.id, "at": r.created_at.strftime("%m-%d %H:%M"), "method": r.method, "control": c,
                    **{k: a["summary"].get(k) for k in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha")}}
                   for r in reversed(runs) for c, a in (r.agreement or {}).items()]
        return render(request, "manage/quality.html", project=project, latest=latest, workers=workers,
                      history=history, methods=CLASSIFICATION_METHODS, tab="quality")


def _uid(worker: Any) -> int | None:
    """Quality runs name workers "user:<id>"."""
    tail = str(worker).removeprefix("user:")
    return int(tail) if tail.isdigit() else None


def _worker_ids(run: Any) -> set[int]:
    return {uid for w in (run.workers if run else []) if (uid := _uid(w.get("worker"))) is not None}


def _worker_rows(workers: list[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """One row per annotator: gold accuracy and spam flag over the run's controls (worst one wins)."""
    rows = []
    for w in workers:
        wid = str(w.get("worker"))
        per = [v for k, v in w.items() if k != "worker" and isinstance(v, dict)]
        acc = [v["gold_accuracy"] for v in per if isinstance(v.get("gold_accuracy"), int | float)]
        agree = [v["consensus_agreement"] for v in per if isinstance(v.get("consensus_agreement"), int | float)]
        reasons = [v["spam_reason"] for v in per if v.get("is_spam") and v.get("spam_reason")]
        rows.append({"worker": wid, "name": names.get(_uid(wid)),
                     "labels": sum(int(v.get("n_labels") or 0) for v in per),
                     "gold_accuracy": min(acc) if acc else None,
                     "consensus_agreement": min(agree) if agree else None,
                     "is_spam": any(v.get("is_spam") for v in per), "spam_reason": "; ".join(reasons)})
    return rows


@router.get("/projects/{project_id}/export")
def export_page(project_id: int, request: Request) -> Response:
    from crowdset.annotation.models import TASK_STATES

    with reading(request) as (s, user):
        project = _project(s, user, project_id, "review")
        return render(request, "manage/export.html", project=project, formats=writer_names(), states=TASK_STATES,
                      tab="export")
