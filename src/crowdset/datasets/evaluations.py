"""Evaluation runs of a dataset version: the pure evaluation toolset on the version's file, with
the dataset's catalogue entry as its metadata sidecar, and the report kept with the run.

A run is recorded (queued) in the request's transaction; the work happens outside any transaction
(it may take minutes) and the result, and the rating it implies, commit together.

The public functions taking a ``dataset_id`` are the use cases (ask for an evaluation as a job, or
run one now from the command line, list runs, read one, read its report, ask for a re-review); they
ask ``policy`` first. The ones taking a ``Dataset`` serve the other services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.blobs.models import Blob
from crowdset.blobs.store import blob_path
from crowdset.datasets import policy
from crowdset.datasets.evaluate import available_profiles, evaluate_path, render
from crowdset.datasets.models import Dataset, DatasetVersion, Evaluation
from crowdset.datasets.rating import apply_rating, newest_version
from crowdset.datasets.versions import readable, version_of
from crowdset.db import MAX_ID, get_db, utcnow
from crowdset.errors import CrowdsetError, Invalid, NotFound, invalid
from crowdset.jobs.models import Job
from crowdset.jobs.service import submit_job
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg
from crowdset.settings import get_settings

Progress = Callable[[float, str], None]
REPORT_FORMATS = {"json": "application/json", "md": "text/markdown; charset=utf-8",
                  "html": "text/html; charset=utf-8"}


def default_profile(ds: Dataset) -> str:
    return ds.domain if ds.domain in available_profiles() else "general"


def check_profile(profile: str | None, ds: Dataset) -> str:
    """Only the installed profiles by name: a path would let a client read server files."""
    name = profile or default_profile(ds)
    if name not in available_profiles():
        raise invalid("profile", "field.one_of", choices=available_profiles())
    return name


def evaluation_metadata(ds: Dataset, version: DatasetVersion) -> dict[str, Any]:
    """The sidecar the evaluator reads (docs/evaluation.md). Facts the platform itself guarantees
    (scale, format, file list, access channel, immutable hashed versions) are filled in; what only
    the owner knows comes from the catalogue entry and its ``extra`` fields."""
    files = ", ".join(f"{f['name']} ({f['size']} bytes, sha256 {f['sha256']})" for f in version.files)
    known = {
        "scale": f"{version.record_count} records, {version.size} bytes",
        "format_spec": "TC609-5-2025-02 JSONL" if version.format == "tc609" else version.format.upper(),
        "file_structure": files,
        "access_channel": f"Crowdset catalogue, dataset {ds.id} ({ds.supply_mode} supply)",
        "support_contact": ds.contact,
        "modality": ds.modality,
        "limitations": ds.limitations,
        "source": ds.source,
        "collection_method": ds.collection_method,
        "annotation_spec": (ds.extra or {}).get("annotation_spec") or ds.annotation_method,
        "version_control": f"immutable versions with SHA-256 content hashes; this is version {version.version}",
        "license": ds.licence,
        "scenarios": ds.use_cases,
        "security_level": ds.security_level,
    }
    return {**(ds.extra or {}), **{k: v for k, v in known.items() if v}}


def org_blobs(org_id: int) -> Callable[[str], Path | None]:
    """Where a record's ``blob:<sha256>`` points, for blobs the dataset's organisation holds (its members
    may download those anyway); None for any other, so a report cannot tell whether another
    organisation holds a file."""
    data_dir = get_settings().data_dir

    def lookup(sha256: str) -> Path | None:
        with get_db().reading() as s:
            held = s.get(Blob, (sha256, org_id)) is not None
        return blob_path(data_dir, sha256) if held else None

    return lookup


def request(s: Session, actor: User | None, dataset_id: int, version: str,
            profile: str | None = None) -> tuple[Evaluation, Job]:
    """Ask for an evaluation of one version, done by a job: the run is recorded as queued and names
    its job, and both commit (and the job is queued) with the caller's transaction, so a worker never
    finds the run without its job."""
    ds = policy.get_dataset(s, actor, dataset_id, "evaluate")
    ev = request_evaluation(s, actor, ds, version_of(s, ds, version), profile)
    job = submit_job(s, "datasets.evaluate", {"evaluation_id": ev.id, "user_id": getattr(actor, "id", None)},
                     actor, subject=f"dataset:{ds.id}")
    ev.job_id = job.id
    return ev, job


def evaluate_now(actor: User | None, dataset_id: int, version: str | None = None, profile: str | None = None,
                 progress: Progress | None = None) -> tuple[int, dict[str, Any]]:
    """Record an evaluation of one version (default: the newest) and do it here and now, in this
    process (the command line shows the progress): the run's id and ``run_evaluation``'s summary.
    Any failure is stored on the run; one that is not already a domain error comes back as one."""
    with get_db().transaction() as s:
        ds = policy.get_dataset(s, actor, dataset_id, "evaluate")
        v = version_of(s, ds, version) if version else newest_version(s, ds.id)
        if v is None:
            raise NotFound(msg("dataset.no_version", id=dataset_id))
        ev_id = request_evaluation(s, actor, ds, v, profile).id
    try:
        return ev_id, run_evaluation(ev_id, progress, actor_id=getattr(actor, "id", None))
    except CrowdsetError:
        raise
    except Exception as exc:  # stored on the run; the caller gets one line, not a traceback
        raise Invalid(msg("evaluation.failed", id=ev_id, reason=str(exc))) from None


def request_rereview(s: Session, actor: User | None, now: datetime | None = None) -> Job:
    """Ask for a re-review of every dataset whose rating validity has passed (by ``now``), done by a job."""
    policy.check_rereview(actor)
    return submit_job(s, "datasets.rereview", {"now": now.isoformat() if now else None,
                                               "user_id": getattr(actor, "id", None)}, actor)


def request_evaluation(s: Session, actor: User | None, ds: Dataset, version: DatasetVersion,
                       profile: str | None = None, reason: str = "request") -> Evaluation:
    """Record a queued evaluation of ``version`` (the caller has asked the policy and does the work)."""
    ev = Evaluation(dataset_id=ds.id, version_id=version.id, profile=check_profile(profile, ds), state="queued",
                    reason=reason, created_by=getattr(actor, "id", None))
    s.add(ev)
    s.flush()
    append(s, "dataset.evaluation_requested", f"dataset:{ds.id}", actor_of(actor),
           {"evaluation_id": ev.id, "version": version.version, "profile": ev.profile, "reason": reason})
    return ev


def run_evaluation(evaluation_id: int, progress: Progress | None = None, now: datetime | None = None,
                   actor_id: int | None = None) -> dict[str, Any]:
    """Do the work of one queued evaluation and store its report; the dataset's rating follows.
    A failure is stored on the run (and re-raised) so the catalogue shows why."""
    db = get_db()
    with db.transaction() as s:
        ev = s.get(Evaluation, evaluation_id)
        if ev is None:
            raise NotFound(msg("evaluation.not_found", id=evaluation_id))
        ev.state = "running"
        ds, version = s.get(Dataset, ev.dataset_id), s.get(DatasetVersion, ev.version_id)
        meta, sha, fmt, profile = (
            evaluation_metadata(ds, version), version.files[0]["sha256"], version.format, ev.profile)
        org_id = ds.org_id

    def tick(done: int, total: int, phase: str) -> None:
        if progress is not None:
            progress(90.0 * done / total if total else 0.0, phase)

    try:
        # media references resolve inside the version's own (temporary) folder or to the organisation's
        # blobs, never elsewhere on the server (crowdset.datasets.evaluate.media)
        with readable(sha, fmt) as path:
            report = evaluate_path(path, profile, metadata=meta, now=now, progress=tick, blobs=org_blobs(org_id))
        report["dataset"]["path"] = version.files[0]["name"]
    except Exception as exc:
        detail = getattr(exc, "detail", None) or str(exc)
        with db.transaction() as s:
            ev = s.get(Evaluation, evaluation_id)
            ev.state, ev.error, ev.finished_at = "failed", detail[:2000], utcnow()
            actor = s.get(User, actor_id) if actor_id else None
            append(s, "dataset.evaluation_failed", f"dataset:{ev.dataset_id}", actor_of(actor),
                   {"evaluation_id": ev.id, "error": detail[:500]})
        raise
    with db.transaction() as s:
        ev = s.get(Evaluation, evaluation_id)
        ev.state, ev.report, ev.grade, ev.dimensions, ev.finished_at = (
            "succeeded", report, report["grade"], report["dimensions"], utcnow())
        actor = s.get(User, actor_id) if actor_id else None
        s.flush()
        append(s, "dataset.evaluated", f"dataset:{ev.dataset_id}", actor_of(actor),
               {"evaluation_id": ev.id, "version_id": ev.version_id, "profile": ev.profile, "grade": ev.grade,
                "dimensions": ev.dimensions})
        rated = apply_rating(s, actor, s.get(Dataset, ev.dataset_id), f"evaluation {ev.id}", now)
    if progress is not None:
        progress(100.0, "done")
    return {"evaluation_id": evaluation_id, "grade": report["grade"], "rating": rated["rating"],
            "tier": rated["tier"], "url": f"/api/v1/datasets/{ds.id}/evaluations/{evaluation_id}"}


def list_evaluations(s: Session, user: User | None, dataset_id: int, version: str | None = None, after: int = 0,
                     limit: int = 50) -> list[Evaluation]:
    """Evaluation runs of a dataset the user may see (of one version when given), in id order."""
    ds = policy.get_dataset(s, user, dataset_id)
    return evaluations_of(s, ds, version_of(s, ds, version) if version else None, after, limit)


def get_evaluation(s: Session, user: User | None, dataset_id: int, evaluation_id: int) -> Evaluation:
    """One evaluation run, with its report, of a dataset the user may see."""
    return evaluation_of(s, policy.get_dataset(s, user, dataset_id), evaluation_id)


def read_report(s: Session, user: User | None, dataset_id: int, evaluation_id: int,
                fmt: str = "json") -> tuple[Evaluation, str]:
    """An evaluation's report as json, md or html (a self-contained page), and the run it belongs to."""
    ev = get_evaluation(s, user, dataset_id, evaluation_id)
    return ev, render_report(ev, fmt)


def evaluations_of(s: Session, ds: Dataset, version: DatasetVersion | None = None, after: int = 0,
                   limit: int = 50) -> list[Evaluation]:
    q = select(Evaluation).where(Evaluation.dataset_id == ds.id, Evaluation.id > after)
    if version is not None:
        q = q.where(Evaluation.version_id == version.id)
    return list(s.scalars(q.order_by(Evaluation.id).limit(limit)))


def evaluation_of(s: Session, ds: Dataset, evaluation_id: int) -> Evaluation:
    ev = s.get(Evaluation, evaluation_id) if 0 < evaluation_id <= MAX_ID else None
    if ev is None or ev.dataset_id != ds.id:
        raise NotFound(msg("evaluation.not_found_in", id=evaluation_id, dataset=ds.id))
    return ev


def latest_report(s: Session, ds: Dataset) -> dict[str, Any] | None:
    """Report behind the current rating, else the newest succeeded one."""
    ev = s.get(Evaluation, ds.rating_evaluation_id) if ds.rating_evaluation_id else None
    if ev is None:
        ev = s.scalar(select(Evaluation).where(Evaluation.dataset_id == ds.id, Evaluation.state == "succeeded")
                      .order_by(Evaluation.id.desc()).limit(1))
    return ev.report if ev is not None else None


def render_report(ev: Evaluation, fmt: str) -> str:
    if fmt not in REPORT_FORMATS:
        raise invalid("format", "field.one_of", choices=REPORT_FORMATS)
    if ev.report is None:
        raise NotFound(msg("evaluation.no_report", id=ev.id, state=ev.state))
    return render(ev.report, fmt)
