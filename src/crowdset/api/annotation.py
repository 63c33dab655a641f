"""Annotation API: projects, members, imports, the task loop, review, arbitration, export, stats.
Thin: parse, authorise through the services, call them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from crowdset.annotation import policy, submissions
from crowdset.annotation import projects as svc
from crowdset.annotation import review as rev
from crowdset.annotation.exporting import ExportFilter, check_format, stream_export
from crowdset.annotation.import_sources import new_upload_path, resolve_import_path
from crowdset.annotation.importing import FORMATS as IMPORT_FORMATS
from crowdset.annotation.models import Annotation, Prediction, Task
from crowdset.annotation.scheduler import next_task
from crowdset.annotation.stats import project_stats
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
    QualityPoint,
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
from crowdset.auth.service import get_user
from crowdset.db import get_db
from crowdset.errors import FieldError, NotFound, TooLarge, invalid
from crowdset.formats import get_writer
from crowdset.http.deps import DB, CurrentUser
from crowdset.http.limits import BodyTooLarge
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.http.types import Id, Instant, QueryId, file_responses
from crowdset.jobs.service import submit_job
from crowdset.settings import get_settings

router = APIRouter(tags=["annotation"])


def project_schema_from(body: ProjectIn) -> dict[str, Any]:
    if (body.label_schema is None) == (body.labelstudio_config is None):
        raise invalid("schema", "give exactly one of schema or labelstudio_config")
    if body.labelstudio_config is not None:
        from crowdset.annotation.label_schema import SchemaError
        from crowdset.annotation.labelstudio_config import labelstudio_config_to_schema

        try:
            return labelstudio_config_to_schema(body.labelstudio_config).model_dump(mode="json", exclude_none=True)
        except SchemaError as exc:
            from crowdset.errors import FieldError, Invalid

            raise Invalid("the Label Studio config cannot be converted",
                          [FieldError(f"labelstudio_config.{p}" if p else "labelstudio_config", m)
                           for p, m in exc.errors]) from None
    return body.label_schema


@router.post("/projects", status_code=201, response_model=ProjectOut, response_model_by_alias=True)
def create_project(body: ProjectIn, s: DB, user: CurrentUser) -> ProjectOut:
    org_id = body.org_id if body.org_id is not None else user.org_id
    if org_id is None:
        raise invalid("org_id", "required for users without an organisation")
    settings = body.model_dump(exclude={"org_id", "title", "label_schema", "labelstudio_config"})
    project = svc.create_project(s, user, org_id, body.title, project_schema_from(body), **settings)
    return ProjectOut.of(project)


@router.get("/projects", response_model=Page[ProjectOut], response_model_by_alias=True)
def list_projects(s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 50) -> Page[ProjectOut]:
    limit = check_limit(limit)
    rows = svc.list_projects(s, user, decode_cursor(cursor), limit + 1)
    return page_of([ProjectOut.of(p) for p in rows], limit, lambda p: p.id)


@router.get("/projects/{project_id}", response_model=ProjectOut, response_model_by_alias=True)
def get_project(project_id: Id, s: DB, user: CurrentUser) -> ProjectOut:
    return ProjectOut.of(policy.get_project(s, user, project_id))


@router.patch("/projects/{project_id}", response_model=ProjectOut, response_model_by_alias=True)
def update_project(project_id: Id, body: ProjectPatch, s: DB, user: CurrentUser) -> ProjectOut:
    project = policy.get_project(s, user, project_id, "manage")
    changes = body.model_dump(exclude_unset=True)
    if "label_schema" in changes:
        changes["schema"] = changes.pop("label_schema")
    return ProjectOut.of(svc.update_project(s, user, project, changes))


@router.get("/projects/{project_id}/members", response_model=list[MemberOut])
def list_members(project_id: Id, s: DB, user: CurrentUser) -> list[MemberOut]:
    project = policy.get_project(s, user, project_id)
    return [MemberOut(user_id=m.user_id, role=m.role) for m in svc.members(s, project)]


@router.post("/projects/{project_id}/members", status_code=201, response_model=MemberOut)
def add_member(project_id: Id, body: MemberIn, s: DB, user: CurrentUser) -> MemberOut:
    project = policy.get_project(s, user, project_id, "manage")
    member = get_user(s, user, body.user_id)
    svc.add_member(s, user, project, member, body.role)
    return MemberOut(user_id=member.id, role=body.role)


@router.delete("/projects/{project_id}/members/{user_id}/{role}", status_code=204)
def remove_member(project_id: Id, user_id: Id, role: str, s: DB, user: CurrentUser) -> Response:
    project = policy.get_project(s, user, project_id, "manage")
    svc.remove_member(s, user, project, user_id, role)
    return Response(status_code=204)


# A file sent as the request body itself: its type names the format (``format`` overrides).
RAW_UPLOAD_TYPES = {"application/x-ndjson": "jsonl", "application/jsonl": "jsonl", "text/csv": "csv",
                    "text/tab-separated-values": "tsv", "application/octet-stream": None}
WRITE_BLOCK = 1 << 20
PATH_BODY_KEYS = {"path", "format"}


def _too_large() -> TooLarge:
    limit = get_settings().max_upload_bytes
    return TooLarge(f"the file exceeds {limit} bytes", [FieldError("body", f"at most {limit} bytes")])


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


def _check_import_format(fmt: object, field: str = "format") -> str | None:
    if fmt is None or fmt == "":
        return None
    if not isinstance(fmt, str) or fmt not in IMPORT_FORMATS:
        raise invalid(field, f"one of {', '.join(IMPORT_FORMATS)}")
    return fmt


async def _read_form(request: Request) -> Any:
    """The multipart form, with the parser's failures as problems naming what is wrong."""
    try:
        return await request.form(max_part_size=get_settings().max_upload_bytes)
    except BodyTooLarge:
        raise _too_large() from None
    except (MultiPartException, StarletteHTTPException) as exc:
        message = getattr(exc, "message", None) or getattr(exc, "detail", None) or "malformed multipart body"
        raise invalid("body", f"not a valid multipart/form-data body: {message}") from None


async def _read_path_body(request: Request) -> dict[str, Any]:
    """``{"path": ..., "format": ...}``, read with the small JSON cap whatever the route's upload cap."""
    limit = get_settings().max_body_bytes
    raw = bytearray()
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > limit:
                raise invalid("body", f"at most {limit} bytes of JSON")
    except BodyTooLarge:
        raise _too_large() from None
    try:
        body = json.loads(bytes(raw))
    except (ValueError, RecursionError):
        raise invalid("body", "not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("body", 'must be a JSON object {"path": ..., "format": ...}')
    unknown = sorted(k for k in body if k not in PATH_BODY_KEYS)
    if unknown:
        raise invalid(str(unknown[0])[:100], "unknown field (allowed: path, format)")
    if "path" not in body:
        raise invalid("path", "required")
    return body


@router.post("/projects/{project_id}/imports", status_code=202, response_model=JobOut)
async def import_tasks(project_id: Id, request: Request, s: DB, user: CurrentUser,
                       format: str | None = None, filename: str | None = None) -> JobOut:  # noqa: A002
    """Import a file of tasks, sent one of three ways: as the request body (``Content-Type``
    application/x-ndjson, text/csv, text/tab-separated-values or application/octet-stream with
    ``?format=``), as multipart field `file` (optional field `format`), or as a file the operator put
    in the organisation's import folder (JSON `{"path": ..., "format": ...}`, the path relative to
    ``<CROWDSET_IMPORT_DIR>/<org id>/``; off unless the operator sets that folder). Runs as a job; on
    any bad row nothing is stored and the job's result lists every error (row, field, message)."""
    project = await run_in_threadpool(policy.get_project, s, user, project_id, "manage")
    format = _check_import_format(format)  # noqa: A001
    if filename is not None and (len(filename) > 255 or "\x00" in filename):
        raise invalid("filename", "at most 255 characters, no NUL")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params: dict[str, Any] = {"project_id": project.id, "org_id": project.org_id, "user_id": user.id}
    if ctype == "multipart/form-data":
        form = await _read_form(request)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise invalid("file", "attach the file as multipart field 'file'")
        fmt = _check_import_format(form.get("format")) or format
        path = new_upload_path(upload.filename)
        await run_in_threadpool(_copy_upload, upload, path)
        params |= {"path": str(path), "format": fmt, "delete_after": True, "filename": upload.filename}
    elif ctype in RAW_UPLOAD_TYPES:
        path = new_upload_path(filename)
        await _save_body(request, path)
        params |= {"path": str(path), "format": format or RAW_UPLOAD_TYPES[ctype], "delete_after": True,
                   "filename": filename}
    elif ctype == "application/json":
        body = await _read_path_body(request)
        fmt = _check_import_format(body.get("format")) or format
        path = await run_in_threadpool(resolve_import_path, project.org_id, body["path"])
        params |= {"path": str(path), "format": fmt, "delete_after": False}
    else:
        raise invalid("content-type", "send the file as the body (application/x-ndjson, text/csv, "
                      "text/tab-separated-values, application/octet-stream), as multipart/form-data, or "
                      "application/json naming a path in your organisation's import folder")
    return JobOut.of(await run_in_threadpool(submit_job, s, "tasks.import", params, user))


def _lease_out(s: Any, ann: Annotation) -> LeaseOut:
    task = ann.task
    preds = s.scalars(select(Prediction).where(Prediction.task_id == task.id).order_by(Prediction.id)).all()
    return LeaseOut(annotation_id=ann.id, task_id=task.id, data=task.data, leased_until=ann.leased_until,
                    draft=ann.draft, predictions=[PredictionOut(model=p.model, score=p.score, result=p.result)
                                                  for p in preds])


@router.post("/projects/{project_id}/next", response_model=LeaseOut,
             responses={204: {"description": "no task is left for you"}})
def next_(project_id: Id, s: DB, user: CurrentUser, prefetch: bool = False) -> Any:
    """Lease the next task (or return the one you hold). 204 when nothing is left for you."""
    project = policy.get_project(s, user, project_id, "annotate")
    ann = next_task(s, user, project, prefetch)
    if ann is None:
        return Response(status_code=204)
    return _lease_out(s, ann)


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
    anns = rev.review_queue(s, user, project_id, decode_cursor(cursor), limit + 1)
    tasks = {t.id: t for t in s.scalars(select(Task).where(Task.id.in_([a.task_id for a in anns])))}
    items = [ReviewItemOut(annotation=AnnotationOut.of(a), task_id=a.task_id, data=tasks[a.task_id].data)
             for a in anns]
    return page_of(items, limit, lambda i: i.annotation.id)


@router.post("/annotations/{annotation_id}/review", status_code=201, response_model=ReviewOut)
def review(annotation_id: Id, body: ReviewIn, s: DB, user: CurrentUser) -> ReviewOut:
    return ReviewOut.of(rev.review(s, user, annotation_id, body.verdict, body.comment, body.result))


@router.get("/projects/{project_id}/arbitration-queue", response_model=Page[ArbitrationItemOut])
def arbitration_queue(project_id: Id, s: DB, user: CurrentUser, cursor: str | None = None,
                      limit: int = 20) -> Page[ArbitrationItemOut]:
    limit = check_limit(limit)
    project = policy.get_project(s, user, project_id, "arbitrate")
    tasks = rev.arbitration_queue(s, user, project_id, decode_cursor(cursor), limit + 1)
    from crowdset.annotation.consensus import consensus
    from crowdset.annotation.validation import schema_of

    items = []
    for t in tasks:
        subs = rev.submitted(s, t.id)
        results = [a.result for a in subs if a.result]
        items.append(ArbitrationItemOut(task=TaskOut.of(t), annotations=[AnnotationOut.of(a) for a in subs],
                                        consensus=consensus(schema_of(project), results)[0] if results else None))
    return page_of(items, limit, lambda i: i.task.id)


@router.post("/tasks/{task_id}/resolve", response_model=TaskOut)
def resolve(task_id: Id, body: ResolveIn, s: DB, user: CurrentUser) -> TaskOut:
    return TaskOut.of(rev.resolve(s, user, task_id, body.result, body.comment))


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: Id, s: DB, user: CurrentUser) -> TaskOut:
    task = s.get(Task, task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    policy.get_project(s, user, task.project_id, "review") if not user.is_admin else None
    return TaskOut.of(task)


@router.get("/projects/{project_id}/tasks", response_model=Page[TaskOut])
def list_tasks(project_id: Id, s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 50,
               state: str | None = None, import_id: str | None = None) -> Page[TaskOut]:
    policy.get_project(s, user, project_id, "review")
    limit = check_limit(limit)
    q = select(Task).where(Task.project_id == project_id, Task.id > decode_cursor(cursor)).order_by(Task.id)
    if state:
        q = q.where(Task.state == state)
    if import_id:
        q = q.where(Task.import_id == import_id)
    rows = s.scalars(q.limit(limit + 1)).all()
    return page_of([TaskOut.of(t) for t in rows], limit, lambda t: t.id)


@router.get("/projects/{project_id}/export", response_class=Response, responses=file_responses(
    "the export in the format asked for", "application/x-ndjson", "application/json", "text/csv",
    "application/zip", "text/plain"))
def export(project_id: Id, s: DB, user: CurrentUser, format: str = "jsonl", status: str | None = None,
           annotator: QueryId = None, since: Instant | None = None, until: Instant | None = None) -> Response:
    """Stream the project's tasks with annotations, reviews and final labels in `format`
    (jsonl, labelstudio, csv, coco, yolo, conll). Filters: task `status`, `annotator` (user id),
    `since`/`until` (task creation time)."""
    project = policy.get_project(s, user, project_id, "review")
    fmt = check_format(format)
    flt = ExportFilter(state=status, since=since, until=until, annotator_id=annotator)
    flt.check()
    writer = get_writer(fmt)
    filename = f"project-{project.id}.{writer.extension}"
    return StreamingResponse(stream_export(get_db().reading, project.id, fmt, flt), media_type=writer.media_type,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/projects/{project_id}/stats")
def stats(project_id: Id, s: DB, user: CurrentUser) -> dict[str, Any]:
    project = policy.get_project(s, user, project_id, "review")
    return project_stats(s, project)


@router.get("/me/feedback", response_model=list[FeedbackOut])
def my_feedback(s: DB, user: CurrentUser, project_id: QueryId = None) -> list[FeedbackOut]:
    """Reviews of your annotations, newest first: what reviewers said and why."""
    return [FeedbackOut(review=ReviewOut.of(r), project_id=a.project_id, your_result=a.result)
            for r, a in rev.feedback(s, user, project_id)]


@router.post("/projects/{project_id}/quality-runs", status_code=202, response_model=JobOut)
def start_quality_run(project_id: Id, body: QualityRunIn, s: DB, user: CurrentUser) -> JobOut:
    """Aggregate repeated labels into final results (method), score annotators, measure agreement
    and send likely label errors to review, as a job."""
    from crowdset.annotation.quality_runs import quality_controls

    project = policy.get_project(s, user, project_id, "manage")
    quality_controls(project, body.method, body.control)
    return JobOut.of(submit_job(s, "quality.run", {"project_id": project.id, "method": body.method,
                                                   "control": body.control, "user_id": user.id}, user))


@router.get("/projects/{project_id}/quality", response_model=QualityOut)
def quality(project_id: Id, s: DB, user: CurrentUser) -> QualityOut:
    """The latest quality run in full, and the agreement history of every run for plotting."""
    from crowdset.annotation.quality_runs import quality_history

    project = policy.get_project(s, user, project_id, "review")
    runs = quality_history(s, project)
    history = [QualityPoint(run_id=r.id, created_at=r.created_at, method=r.method, control=control,
                            percent_agreement=a["summary"].get("percent_agreement", a["summary"].get("mean")),
                            fleiss_kappa=a["summary"].get("fleiss_kappa"),
                            krippendorff_alpha=a["summary"].get("krippendorff_alpha"))
               for r in reversed(runs) for control, a in (r.agreement or {}).items()]
    latest = QualityRunOut.model_validate(runs[0], from_attributes=True) if runs else None
    return QualityOut(latest=latest, history=history)
