"""Imports run as jobs so the API answers at once and the UI can show progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crowdset.annotation.import_sources import check_job_source
from crowdset.annotation.importing import import_file
from crowdset.annotation.models import Project
from crowdset.auth.models import User
from crowdset.db import get_db
from crowdset.jobs.queue import Progress


def import_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    path = Path(params["path"])
    try:
        with get_db().transaction() as s:
            project = s.get(Project, params["project_id"])
            path = check_job_source(path, project.org_id)
            actor = s.get(User, params["user_id"]) if params.get("user_id") else None
            report = import_file(s, actor, project, path, params.get("format"), progress)
        return {**report, "url": f"/api/v1/projects/{project.id}/tasks?import_id={report['import_id']}"}
    finally:
        if params.get("delete_after"):
            path.unlink(missing_ok=True)


def quality_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    from crowdset.annotation.quality_runs import run_quality

    with get_db().transaction() as s:
        project = s.get(Project, params["project_id"])
        actor = s.get(User, params["user_id"]) if params.get("user_id") else None
        run = run_quality(s, actor, project, params.get("method", "ds"), params.get("control"), progress)
        return {"run_id": run.id, "tasks": run.n_tasks, "finalised": run.n_finalised,
                "label_issues": len(run.label_issues), "url": f"/api/v1/projects/{project.id}/quality"}
