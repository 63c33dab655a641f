"""Pages for the people who label: the annotator's workspace and labelling loop, the reviewer's
queue and the expert's arbitration queue. The pages only read; every change goes through the JSON
API from the page's scripts, so the same rules (leases, validation, roles) apply as for API clients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crowdset.annotation import review, workload
from crowdset.annotation.models import Annotation, Project
from crowdset.annotation.projects import project_to_annotate
from crowdset.db import get_db
from crowdset.errors import CrowdsetError
from crowdset.web.guards import PageDenied, page_user
from crowdset.web.render import render

router = APIRouter(include_in_schema=False)


@contextmanager
def _forbidden_page(request: Request) -> Iterator[None]:
    """A service's NotFound or Forbidden as the 403 page (404 and 403 look alike, so a page never
    tells whether a project it hides exists)."""
    try:
        yield
    except CrowdsetError:
        raise PageDenied(render(request, "forbidden.html", status=403)) from None


def _schema_info(project: Project) -> dict[str, Any]:
    return {"id": project.id, "title": project.title, "instructions": project.instructions,
            "schema": project.label_schema}


@router.get("/work")
def work_home(request: Request) -> Response:
    user = page_user(request)
    with get_db().reading() as s, _forbidden_page(request):
        hub = workload.work_hub(s, user)
    return render(request, "annotate/work.html", rows=hub.rows, feedback=hub.feedback, today=hub.today)


@router.get("/work/{project_id}")
def work_loop(project_id: int, request: Request) -> Response:
    user = page_user(request)
    with get_db().reading() as s:
        with _forbidden_page(request):
            project = project_to_annotate(s, user, project_id)
        today = workload.done_today(s, user.id, project.id)
    return render(request, "annotate/label.html", project=project, info=_schema_info(project), today=today)


@router.get("/review")
def review_home(request: Request) -> Response:
    user = page_user(request)
    with get_db().reading() as s, _forbidden_page(request):
        rows = workload.review_hub(s, user)
    return render(request, "annotate/review_home.html", rows=rows)


def _others(submitted: list[Annotation], but: int | None = None) -> list[dict[str, Any]]:
    """A task's submitted annotations (in submission order) but ``but``, annotators shown by number
    only (reviewers judge work, not people)."""
    return [{"id": a.id, "n": i, "result": a.result, "review_state": a.review_state}
            for i, a in enumerate(submitted, start=1) if a.id != but]


@router.get("/review/{project_id}")
def review_page(project_id: int, request: Request) -> Response:
    user = page_user(request)
    with get_db().reading() as s, _forbidden_page(request):
        queue = review.review_queue(s, user, project_id, 0, 50)
        items = [{"annotation_id": i.annotation.id, "task_id": i.task.id, "data": i.task.data,
                  "result": i.annotation.result, "lead_time": i.annotation.lead_time,
                  "others": _others(i.submitted, but=i.annotation.id)} for i in queue.items]
    return render(request, "annotate/review.html", project=queue.project, info=_schema_info(queue.project),
                  items=items)


@router.get("/arbitrate/{project_id}")
def arbitrate_page(project_id: int, request: Request) -> Response:
    user = page_user(request)
    with get_db().reading() as s, _forbidden_page(request):
        queue = review.arbitration_queue(s, user, project_id, 0, 50)
        items = [{"task_id": i.task.id, "data": i.task.data, "agreement": i.task.agreement,
                  "annotations": _others(i.annotations), "consensus": i.consensus} for i in queue.items]
    return render(request, "annotate/arbitrate.html", project=queue.project, info=_schema_info(queue.project),
                  items=items)
