"""Annotation API: projects, members, imports, the task loop, review, arbitration, export, stats.
Thin: each handler parses, calls one service of ``crowdset.annotation`` (which asks the policy) and
shapes the answer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from crowdset.annotation import (
    exporting,
    import_requests,
    projects,
    quality_runs,
    review,
    scheduler,
    stats,
    submissions,
    tasks,
)
from crowdset.annotation.exporting import ExportFilter
from crowdset.annotation.import_requests import ImportSource
from crowdset.annotation.import_sources import new_upload_path
from crowdset.api.shapes.annotation import (
    AnnotationOut,
    ArbitrationItemOut,
    DraftIn,
    EditIn,
    FeedbackOut,
    LeaseOut,
    MemberIn,
    MemberOut,
    PredictionOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    QualityOut,
    QualityRunIn,
    QualityRunOut,
    ResolveIn,
    ReviewIn,
    ReviewItemOut,
    ReviewOut,
    SubmitIn,
    TaskOut,
)
from crowdset.api.shapes.jobs import JobOut
from crowdset.errors import FieldError, TooLarge, invalid
from crowdset.http.deps import DB, CurrentUser
from crowdset.http.limits import BodyTooLarge
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.http.types import Id, Instant, QueryId, file_responses
from crowdset.messages import msg
from crowdset.settings import get_settings

router = APIRouter(tags=["annotation"])


@router.post("/projects", status_code=201, response_model=ProjectOut, response_model_by_alias=True)
def create_project(body: ProjectIn, s: DB, user: CurrentUser) -> ProjectOut:
    """Create a project from our label schema (``schema``) or a Label Studio config (``labelstudio_config``)."""
    settings = body.model_dump(exclude={"org_id", "title", "label_schema", "labelstudio_config"})
    return ProjectOut.of(projects.create_project(s, user, body.org_id, body.title, body.label_schema,
                                                 labelstudio_config=body.labelstudio_config, **settings))


@router.get("/projects", response_model=Page[ProjectOut], response_model_by_alias=True)
def list_projects(s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 50) -> Page[ProjectOut]:
    limit = check_limit(limit)
    rows = projects.list_projects(s, user, decode_cursor(cursor), limit + 1)
    return page_of([ProjectOut.of(p) for p in rows], limit, lambda p: p.id)


@router.get("/projects/{project_id}", response_model=ProjectOut, response_model_by_alias=True)
def get_project(project_id: Id, s: DB, user: CurrentUser) -> ProjectOut:
    return ProjectOut.of(projects.get_project(s, user, project_id))


@router.patch("/projects/{project_id}", response_model=ProjectOut, response_model_by_alias=True)
def update_project(project_id: Id, body: ProjectPatch, s: DB, user: CurrentUser) -> ProjectOut:
    changes = body.model_dump(exclude_unset=True)
    if "label_schema" in changes:
        changes["schema"] = changes.pop("label_schema")
    return ProjectOut.of(projects.update_project(s, user, project_id, changes))


@router.get("/projects/{project_id}/members", response_model=list[MemberOut])
def list_members(project_id: Id, s: DB, user: CurrentUser) -> list[MemberOut]:
    return [MemberOut(user_id=m.user_id, role=m.role) for m in projects.list_members(s, user, project_id)]


@router.post("/projects/{project_id}/members", status_code=201, response_model=MemberOut)
def add_member(project_id: Id, body: MemberIn, s: DB, user: CurrentUser) -> MemberOut:
    member = projects.add_project_member(s, user, project_id, body.user_id, body.role)
    return MemberOut(user_id=member.id, role=body.role)


@router.delete("/projects/{project_id}/members/{user_id}/{role}", status_code=204)
def remove_member(project_id: Id, user_id: Id, role: str, s: DB, user: CurrentUser) -> Response:
    projects.remove_member(s, user, project_id, user_id, role)
    return Response(status_code=204)


# A file sent as the request body itself: its type names the format (``format`` overrides).
RAW_UPLOAD_TYPES = {"application/x-ndjson": "jsonl", "application/jsonl": "jsonl", "text/csv": "csv",
                    "text/tab-separated-values": "tsv", "application/octet-stream": None}
WRITE_BLOCK = 1 << 20
PATH_BODY_KEYS = {"path", "format"}


def _too_large() -> TooLarge:
    limit = get_settings().max_upload_bytes
    return TooLarge(msg("upload.too_large", limit=limit),
                    [FieldError("body", msg("request.at_most_bytes", limit=limit))])


async def _save_body(request: Request, path: Path) -> None:
    """Stream the request body to ``path`` in 1 MiB writes off the event loop. The body-size cap is
    enforced by the middleware as bytes arrive; a body over it (chunked, so unannounced) is a 413 and
    leaves no file behind."""
    out = await anyio.to_thread.run_sync(path.open, "wb")
    try:
        block = bytearray()
        async for chunk in request.stream():
            block += chunk
            if len(block) >= WRITE_BLOCK:
                await anyio.to_thread.run_sync(out.write, bytes(block))
                block.clear()
        if block:
            await anyio.to_thread.run_sync(out.write, bytes(block))
    except BaseException as exc:
        await anyio.to_thread.run_sync(out.close)
        path.unlink(missing_ok=True)
        if isinstance(exc, BodyTooLarge):
            raise _too_large() from None
        raise
    await anyio.to_thread.run_sync(out.close)


def _copy_upload(upload: Any, path: Path) -> None:
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, WRITE_BLOCK)


async def _read_form(request: Request) -> Any:
    """The multipart form, with the parser's failures as problems naming what is wrong."""
    try:
        return await request.form(max_part_size=get_settings().max_upload_bytes)
    except BodyTooLarge:
        raise _too_large() from None
    except (MultiPartException, StarletteHTTPException) as exc:
        message = getattr(exc, "message", None) or getattr(exc, "detail", None) or "malformed multipart body"
        raise invalid("body", "upload.multipart", reason=str(message)) from None


async def _read_path_body(request: Request) -> dict[str, Any]:
    """``{"path": ..., "format": ...}``, read with the small JSON cap whatever the route's upload cap."""
    limit = get_settings().max_body_bytes
    raw = bytearray()
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > limit:
                raise invalid("body", "upload.json_at_most", limit=limit)
    except BodyTooLarge:
        raise _too_large() from None
    try:
        body = json.loads(bytes(raw))
    except (ValueError, RecursionError):
        raise invalid("body", "upload.not_json") from None
    if not isinstance(body, dict):
        raise invalid("body", "upload.path_body")
    unknown = sorted(k for k in body if k not in PATH_BODY_KEYS)
    if unknown:
        raise invalid(str(unknown[0])[:100], "upload.unknown_field")
    if "path" not in body:
        raise invalid("path", "field.required")
    return body


async def _receive(request: Request, filename: str | None) -> ImportSource:
    """The file of an import request, saved (an upload) or named (a path in the import folder)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await _read_form(request)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise invalid("file", "upload.attach_file")
        path = new_upload_path(upload.filename)
        await run_in_threadpool(_copy_upload, upload, path)
        return ImportSource(saved=path, format=form.get("format"), filename=upload.filename)
    if ctype in RAW_UPLOAD_TYPES:
        path = new_upload_path(filename)
        await _save_body(request, path)
        return ImportSource(saved=path, implied_format=RAW_UPLOAD_TYPES[ctype], filename=filename)
    if ctype == "application/json":
        body = await _read_path_body(request)
        return ImportSource(folder_path=body["path"], format=body.get("format"))
    raise invalid("content-type", "upload.content_type")


@router.post("/projects/{project_id}/imports", status_code=202, response_model=JobOut)
async def import_tasks(project_id: Id, request: Request, s: DB, user: CurrentUser,
                       format: str | None = None, filename: str | None = None) -> JobOut:  # noqa: A002
    """Import a file of tasks, sent one of three ways: as the request body (``Content-Type``
    application/x-ndjson, text/csv, text/tab-separated-values or application/octet-stream with
    ``?format=``), as multipart field `file` (optional field `format`), or as a file the operator put
    in the organisation's import folder (JSON `{"path": ..., "format": ...}`, the path relative to
    ``<CROWDSET_IMPORT_DIR>/<org id>/``; off unless the operator sets that folder). Runs as a job; on
    any bad row nothing is stored and the job's result lists every error (row, field, message)."""

    def receive() -> ImportSource:  # called by the service, in its worker thread, once the caller may import
        return anyio.from_thread.run(_receive, request, filename)

    job = await run_in_threadpool(import_requests.request_import, s, user, project_id, format, filename, receive)
    return JobOut.of(job)


@router.post("/projects/{project_id}/next", response_model=LeaseOut,
             responses={204: {"description": "no task is left for you"}})
def next_(project_id: Id, s: DB, user: CurrentUser, prefetch: bool = False) -> Any:
    """Lease the next task (or return the one you hold). 204 when nothing is left for you."""
    lease = scheduler.lease_next(s, user, project_id, prefetch)
    if lease is None:
        return Response(status_code=204)
    ann = lease.annotation
    return LeaseOut(annotation_id=ann.id, task_id=lease.task.id, data=lease.task.data, leased_until=ann.leased_until,
                    draft=ann.draft, predictions=[PredictionOut(model=p.model, score=p.score, result=p.result)
                                                  for p in lease.predictions])


@router.post("/annotations/{annotation_id}/submit", response_model=AnnotationOut,
             responses={409: {"description": "already submitted (e.g. in another tab); the body's `current` "
                                             "holds the stored version"}})
def submit(annotation_id: Id, body: SubmitIn, s: DB, user: CurrentUser) -> AnnotationOut:
    """Submit a leased task once. A second submit of the same lease is a 409 carrying the stored
    version; change a submitted annotation with ``PUT /annotations/{id}``."""
    return AnnotationOut.of(submissions.submit(s, user, annotation_id, body.result, body.lead_time))


@router.put("/annotations/{annotation_id}", response_model=AnnotationOut,
            responses={409: {"description": "reviewed already, or changed since `version`"}})
def update(annotation_id: Id, body: EditIn, s: DB, user: CurrentUser) -> AnnotationOut:
    """Change your submitted annotation (allowed until it is reviewed); with ``version``, only if
    nobody changed it since."""
    return AnnotationOut.of(submissions.submit(s, user, annotation_id, body.result, body.lead_time, edit=True,
                                               version=body.version))


@router.post("/annotations/{annotation_id}/skip", response_model=AnnotationOut)
def skip(annotation_id: Id, s: DB, user: CurrentUser) -> AnnotationOut:
    return AnnotationOut.of(submissions.skip(s, user, annotation_id))


@router.put("/annotations/{annotation_id}/draft", response_model=AnnotationOut)
def draft(annotation_id: Id, body: DraftIn, s: DB, user: CurrentUser) -> AnnotationOut:
    return AnnotationOut.of(submissions.save_draft(s, user, annotation_id, body.draft))


@router.get("/projects/{project_id}/review-queue", response_model=Page[ReviewItemOut])
def review_queue(project_id: Id, s: DB, user: CurrentUser, cursor: str | None = None,
                 limit: int = 20) -> Page[ReviewItemOut]:
    limit = check_limit(limit)
    queue = review.review_queue(s, user, project_id, decode_cursor(cursor), limit + 1)
    items = [ReviewItemOut(annotation=AnnotationOut.of(i.annotation), task_id=i.task.id, data=i.task.data)
             for i in queue.items]
    return page_of(items, limit, lambda i: i.annotation.id)


@router.post("/annotations/{annotation_id}/review", status_code=201, response_model=ReviewOut,
             name="review")  # the operation's id in the OpenAPI document, as before the module took the name
def review_annotation(annotation_id: Id, body: ReviewIn, s: DB, user: CurrentUser) -> ReviewOut:
    return ReviewOut.of(review.review(s, user, annotation_id, body.verdict, body.comment, body.result))


@router.get("/projects/{project_id}/arbitration-queue", response_model=Page[ArbitrationItemOut])
def arbitration_queue(project_id: Id, s: DB, user: CurrentUser, cursor: str | None = None,
                      limit: int = 20) -> Page[ArbitrationItemOut]:
    limit = check_limit(limit)
    queue = review.arbitration_queue(s, user, project_id, decode_cursor(cursor), limit + 1)
    items = [ArbitrationItemOut(task=TaskOut.of(i.task), annotations=[AnnotationOut.of(a) for a in i.annotations],
                                consensus=i.consensus) for i in queue.items]
    return page_of(items, limit, lambda i: i.task.id)


@router.post("/tasks/{task_id}/resolve", response_model=TaskOut)
def resolve(task_id: Id, body: ResolveIn, s: DB, user: CurrentUser) -> TaskOut:
    return TaskOut.of(review.resolve(s, user, task_id, body.result, body.comment))


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: Id, s: DB, user: CurrentUser) -> TaskOut:
    return TaskOut.of(tasks.get_task(s, user, task_id))


@router.get("/projects/{project_id}/tasks", response_model=Page[TaskOut])
def list_tasks(project_id: Id, s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 50,
               state: str | None = None, import_id: str | None = None) -> Page[TaskOut]:
    limit = check_limit(limit)
    rows = tasks.list_tasks(s, user, project_id, decode_cursor(cursor), limit + 1, state, import_id)
    return page_of([TaskOut.of(t) for t in rows], limit, lambda t: t.id)


@router.get("/projects/{project_id}/export", response_class=Response, responses=file_responses(
    "the export in the format asked for", "application/x-ndjson", "application/json", "text/csv",
    "application/zip", "text/plain"))
def export(project_id: Id, s: DB, user: CurrentUser, format: str = "jsonl", status: str | None = None,
           annotator: QueryId = None, since: Instant | None = None, until: Instant | None = None) -> Response:
    """Stream the project's tasks with annotations, reviews and final labels in `format`
    (jsonl, labelstudio, csv, coco, yolo, conll, tc609; a format that cannot express the project's label
    schema is refused with 422). The file is named `project-<id>-<format>-<YYYYMMDD>.<ext>`.
    Filters: task `status`, `annotator` (user id),
    `since`/`until` (task creation time)."""
    flt = ExportFilter(state=status, since=since, until=until, annotator_id=annotator)
    out = exporting.open_export(s, user, project_id, format, flt)
    return StreamingResponse(out.chunks, media_type=out.media_type,
                             headers={"Content-Disposition": f'attachment; filename="{out.filename}"'})


@router.get("/projects/{project_id}/stats", name="stats")  # the OpenAPI operation id, as before
def project_stats(project_id: Id, s: DB, user: CurrentUser) -> dict[str, Any]:
    return stats.project_progress(s, user, project_id).stats


@router.get("/me/feedback", response_model=list[FeedbackOut])
def my_feedback(s: DB, user: CurrentUser, project_id: QueryId = None) -> list[FeedbackOut]:
    """Reviews of your annotations, newest first: what reviewers said and why."""
    return [FeedbackOut(review=ReviewOut.of(r), project_id=a.project_id, your_result=a.result)
            for r, a in review.feedback(s, user, project_id)]


@router.post("/projects/{project_id}/quality-runs", status_code=202, response_model=JobOut)
def start_quality_run(project_id: Id, body: QualityRunIn, s: DB, user: CurrentUser) -> JobOut:
    """Aggregate repeated labels into final results (method), score annotators, measure agreement
    and send likely label errors to review, as a job."""
    return JobOut.of(quality_runs.request_quality_run(s, user, project_id, body.method, body.control))


@router.get("/projects/{project_id}/quality", response_model=QualityOut)
def quality(project_id: Id, s: DB, user: CurrentUser) -> QualityOut:
    """The latest quality run in full, and the agreement history of every run for plotting."""
    report = quality_runs.quality_report(s, user, project_id)
    latest = QualityRunOut.model_validate(report.latest, from_attributes=True) if report.latest else None
    return QualityOut(latest=latest, history=report.history)
