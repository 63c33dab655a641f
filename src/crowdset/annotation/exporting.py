"""Streaming export of a project's tasks with their annotations, reviews, predictions and final
result, in any registered format. Tasks are read in keyset batches, so memory stays flat whatever
the project size; the writer streams its output."""

from __future__ import annotations

import queue
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.models import TASK_STATES, Annotation, Prediction, Project, Review, Task
from crowdset.auth.models import User
from crowdset.db import get_db
from crowdset.errors import invalid
from crowdset.formats import get_writer, writer_names

BATCH = 1000


@dataclass
class ExportFilter:
    state: str | None = None  # task state
    since: datetime | None = None  # task created at or after
    until: datetime | None = None  # task created before
    annotator_id: int | None = None  # only tasks this user submitted an annotation for

    def check(self) -> None:
        if self.state is not None and self.state not in TASK_STATES:
            raise invalid("status", "field.one_of", choices=TASK_STATES)


def check_format(fmt: str) -> str:
    if fmt not in writer_names():
        raise invalid("format", "field.one_of", choices=writer_names())
    return fmt


def schema_kinds(project: Project) -> set[str]:
    """The control kinds in the project's label schema (a dict with ``controls`` or a bare list)."""
    schema = project.label_schema or {}
    ctrls = schema if isinstance(schema, list) else schema.get("controls") or []
    return {c["kind"] for c in ctrls if isinstance(c, dict) and isinstance(c.get("kind"), str)}


def formats_for(project: Project) -> list[str]:
    """The export formats that can express this project's labels (each writer says what it needs), so
    a text project is not offered COCO or YOLO files that would come out empty."""
    kinds = schema_kinds(project)
    return [name for name in writer_names() if get_writer(name).fits(kinds)]


def check_fits(project: Project, fmt: str) -> str:
    """``fmt`` if it is a known format that fits the project; a 422 on ``format`` otherwise."""
    check_format(fmt)
    fitting = formats_for(project)
    if fmt not in fitting:
        raise invalid("format", "export.format_does_not_fit", format=fmt, choices=fitting)
    return fmt


def export_filename(project: Project, fmt: str, when: datetime | None = None) -> str:
    """``project-<id>-<format>-<YYYYMMDD>.<ext>``: ASCII, and distinct for formats sharing an extension
    (jsonl and tc609, labelstudio and coco) and for exports made on different days."""
    day = (when or datetime.now(UTC)).strftime("%Y%m%d")
    return f"project-{project.id}-{fmt}-{day}.{get_writer(fmt).extension}"


def iter_records(s: Session, project: Project, flt: ExportFilter | None = None) -> Iterator[dict[str, Any]]:
    """Exported task records (docs/formats.md), in task id order."""
    flt = flt or ExportFilter()
    flt.check()
    after = 0
    names: dict[int, str] = {}
    while True:
        q = select(Task).where(Task.project_id == project.id, Task.id > after).order_by(Task.id).limit(BATCH)
        if flt.state:
            q = q.where(Task.state == flt.state)
        if flt.since:
            q = q.where(Task.created_at >= flt.since)
        if flt.until:
            q = q.where(Task.created_at < flt.until)
        if flt.annotator_id is not None:
            q = q.where(Task.id.in_(select(Annotation.task_id).where(
                Annotation.project_id == project.id, Annotation.user_id == flt.annotator_id,
                Annotation.status == "submitted")))
        tasks = list(s.scalars(q))
        if not tasks:
            return
        ids = [t.id for t in tasks]
        anns: dict[int, list[Annotation]] = defaultdict(list)
        for a in s.scalars(select(Annotation).where(Annotation.task_id.in_(ids),
                                                    Annotation.status.in_(("submitted", "rejected")))
                           .order_by(Annotation.id)):
            anns[a.task_id].append(a)
        reviews: dict[int, list[Review]] = defaultdict(list)
        for r in s.scalars(select(Review).where(Review.task_id.in_(ids)).order_by(Review.id)):
            reviews[r.annotation_id].append(r)
        preds: dict[int, list[Prediction]] = defaultdict(list)
        for p in s.scalars(select(Prediction).where(Prediction.task_id.in_(ids)).order_by(Prediction.id)):
            preds[p.task_id].append(p)
        missing = {a.user_id for a_list in anns.values() for a in a_list if a.user_id and a.user_id not in names}
        if missing:
            for uid, email in s.execute(select(User.id, User.email).where(User.id.in_(missing))):
                names[uid] = email
        for t in tasks:
            yield _record(t, anns.get(t.id, []), reviews, preds.get(t.id, []), names)
        after = ids[-1]
        s.expunge_all()


def _record(t: Task, anns: list[Annotation], reviews: dict[int, list[Review]], preds: list[Prediction],
            names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": t.id,
        "external_id": t.external_id,
        "data": t.data,
        "meta": t.meta,
        "is_gold": t.is_gold,
        "gold": t.gold,
        "priority": t.priority,
        "state": t.state,
        "agreement": t.agreement,
        "created_at": t.created_at.isoformat(),
        "annotations": [{
            "id": a.id,
            "annotator": names.get(a.user_id) if a.user_id else a.imported_annotator,
            "status": a.status,
            "result": a.result,
            "lead_time": a.lead_time,
            "created_at": (a.submitted_at or a.created_at).isoformat(),
            "review_state": a.review_state,
            "gold_correct": a.gold_correct,
            "reviews": [{"verdict": r.verdict, "comment": r.comment, "fixed_result": r.fixed_result,
                         "reviewer_id": r.reviewer_id, "created_at": r.created_at.isoformat()}
                        for r in reviews.get(a.id, [])],
        } for a in anns],
        "predictions": [{"model": p.model, "score": p.score, "result": p.result} for p in preds],
        "final": ({"result": t.final, "method": t.final_method, "confidence": t.final_confidence}
                  if t.final is not None else None),
    }


def _whitespace_tokens(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def tokenizer_for(name: str | None):  # noqa: ANN201
    """The project's CoNLL tokeniser: None keeps the default (one token per CJK character, whole
    Latin words and numbers); "whitespace" splits on spaces for pre-tokenised text."""
    return _whitespace_tokens if name == "whitespace" else None


def write_export(s: Session, project: Project, fmt: str, out: IO[bytes], flt: ExportFilter | None = None,
                 **options: Any) -> dict[str, Any]:
    writer = get_writer(check_format(fmt))
    opts = {"tokenizer": tokenizer_for(project.tokenizer), **options}
    return writer(iter_records(s, project, flt), out, schema=project.label_schema, **opts) or {}


class _QueueWriter:
    """A write-only binary file whose chunks a generator yields on the other side (HTTP streaming)."""

    def __init__(self, q: queue.Queue, chunk: int = 256 * 1024) -> None:
        self.q, self.chunk, self.buf = q, chunk, bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= self.chunk:
            self.q.put(bytes(self.buf))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        if self.buf:
            self.q.put(bytes(self.buf))
            self.buf.clear()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


def stream_export(open_session, project_id: int, fmt: str, flt: ExportFilter | None = None) -> Iterator[bytes]:  # noqa: ANN001
    """Run the writer in a thread with its own session and yield its output as it is produced;
    the bounded queue keeps memory flat when the client reads slowly."""
    check_format(fmt)
    q: queue.Queue = queue.Queue(maxsize=16)
    done = object()
    failure: list[BaseException] = []

    def work() -> None:
        try:
            with open_session() as s:
                project = s.get(Project, project_id)
                w = _QueueWriter(q)
                write_export(s, project, fmt, w, flt)
                w.flush()
        except BaseException as exc:  # surfaced to the reader below
            failure.append(exc)
        finally:
            q.put(done)

    thread = threading.Thread(target=work, daemon=True, name="export")
    thread.start()
    while True:
        item = q.get()
        if item is done:
            break
        yield item
    thread.join()
    if failure:
        raise failure[0]


@dataclass
class ExportStream:
    """An export on its way out: the file name and media type to send it under, and its bytes as
    they are written (a thread with its own session writes them)."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]


def open_export(s: Session, user: User, project_id: int, fmt: str, flt: ExportFilter) -> ExportStream:
    """Start streaming the project's export in ``fmt``, for those who may review the project; the
    format and filter are checked before a byte is sent."""
    project = policy.get_project(s, user, project_id, "review")
    check_fits(project, fmt)
    flt.check()
    writer = get_writer(fmt)
    return ExportStream(export_filename(project, fmt), writer.media_type,
                        stream_export(get_db().reading, project.id, fmt, flt))


def export_project(s: Session, actor: User | None, project_id: int, fmt: str, out: IO[bytes],
                   flt: ExportFilter | None = None) -> dict[str, Any]:
    """Write the project's export in ``fmt`` to ``out`` in the caller's session, for those who may
    review it (``actor`` None: the operator at the command line); the writer's report."""
    project = policy.get_project(s, actor, project_id, "review")
    check_fits(project, fmt)
    return write_export(s, project, fmt, out, flt)
