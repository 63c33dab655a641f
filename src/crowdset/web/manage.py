"""Manager pages: projects, schema builder, imports, members, progress, quality, export.

Pages only read (through the same services the API uses); every change goes through the JSON API
from the page's JS module (session cookie + X-CSRF-Token), so no business rule lives here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from crowdset.annotation import exporting, projects, quality_runs, stats
from crowdset.annotation.importing import FORMATS
from crowdset.annotation.models import PROJECT_ROLES, REVIEW_POLICIES, TASK_STATES
from crowdset.auth.models import User
from crowdset.db import get_db
from crowdset.errors import Forbidden, NotFound
from crowdset.quality.methods import CLASSIFICATION_METHODS
from crowdset.web.guards import PageDenied, page_user
from crowdset.web.render import render

router = APIRouter(include_in_schema=False)


@contextmanager
def reading(request: Request, *roles: str) -> Iterator[tuple[Session, User]]:
    """A read session and the signed-in user; the services' NotFound and Forbidden become pages."""
    user = page_user(request, *roles)
    with get_db().reading() as s:
        try:
            yield s, user
        except NotFound:
            raise PageDenied(render(request, "manage/not_found.html", status=404)) from None
        except Forbidden:
            raise PageDenied(render(request, "forbidden.html", status=403)) from None


@router.get("/projects")
def projects_page(request: Request) -> Response:
    with reading(request) as (s, user):
        rows = projects.managed_projects(s, user, 200)
        return render(request, "manage/projects.html", projects=rows)


@router.get("/projects/new")
def new_project_page(request: Request) -> Response:
    with reading(request) as (_s, user):
        kinds = projects.new_project_kinds(user)
    return render(request, "manage/new.html", kinds=kinds, review_policies=REVIEW_POLICIES)


@router.get("/projects/{project_id}")
def overview_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        progress = stats.project_progress(s, user, project_id)
        return render(request, "manage/overview.html", project=progress.project, stats=progress.stats,
                      tab="overview")


@router.get("/projects/{project_id}/import")
def import_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        project = projects.project_to_manage(s, user, project_id)
        schema_json = json.dumps(project.label_schema, ensure_ascii=False, indent=2)
        return render(request, "manage/import.html", project=project, formats=FORMATS, tab="import",
                      schema_json=schema_json)


@router.get("/projects/{project_id}/members")
def members_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        view = projects.members_view(s, user, project_id)
        return render(request, "manage/members.html", project=view.project, members=view.members, names=view.names,
                      candidates=view.candidates, roles=PROJECT_ROLES, tab="members")


@router.get("/projects/{project_id}/quality")
def quality_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        report = quality_runs.quality_report(s, user, project_id)
        history = [{"run": p.run_id, "at": p.created_at.strftime("%m-%d %H:%M"), "method": p.method,
                    "control": p.control, "percent_agreement": p.percent_agreement, "fleiss_kappa": p.fleiss_kappa,
                    "krippendorff_alpha": p.krippendorff_alpha} for p in report.history]
        return render(request, "manage/quality.html", project=report.project, latest=report.latest,
                      workers=[asdict(w) for w in report.workers], history=history,
                      methods=CLASSIFICATION_METHODS, tab="quality")


@router.get("/projects/{project_id}/export")
def export_page(project_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        project = projects.project_to_review(s, user, project_id)
        return render(request, "manage/export.html", project=project, formats=exporting.formats_for(project),
                      states=TASK_STATES, tab="export")
