"""Asking for an import of tasks: by a manager of the project, from a file sent with the request or
one in the organisation's import folder (``import_sources``), run as a job (``importing`` does the
work) or, at the command line, at once.

The API face streams the request's body to disk; this decides everything else. It asks the policy
before the face reads a byte of the body (``receive`` is called after the check), so a caller who
may not import never gets a file written to the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.import_sources import resolve_import_path
from crowdset.annotation.importing import FORMATS, ProgressFn, import_file
from crowdset.auth.models import User
from crowdset.errors import invalid
from crowdset.jobs.models import Job
from crowdset.jobs.service import submit_job

MAX_FILENAME_CHARS = 255


@dataclass
class ImportSource:
    """The file of an import request as the face received it: an upload it saved under a name from
    ``import_sources.new_upload_path`` (``saved``, deleted after the job), or the path the request
    names in the organisation's import folder (``folder_path``, unchecked: checked here).

    ``format`` is the one named in the body or form (it wins over the query's); ``implied_format``
    the one the upload's content type implies (the query's wins over it)."""

    saved: Path | None = None
    folder_path: object = None
    format: object = None
    implied_format: str | None = None
    filename: str | None = None


def check_format(value: object) -> str | None:
    """A format the request named (None when it named none)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in FORMATS:
        raise invalid("format", "field.one_of", choices=FORMATS)
    return value


def request_import(s: Session, user: User, project_id: int, fmt: object, filename: str | None,
                   receive: Callable[[], ImportSource]) -> Job:
    """Queue the import of the file ``receive`` yields into the project, as a job. ``fmt`` and
    ``filename``: the query's. The job's result lists every bad row; nothing is stored unless all
    rows are good."""
    project = policy.get_project(s, user, project_id, "manage")
    query_format = check_format(fmt)
    if filename is not None and (len(filename) > MAX_FILENAME_CHARS or "\x00" in filename):
        raise invalid("filename", "import.filename", max=MAX_FILENAME_CHARS)
    source = receive()
    try:
        chosen = check_format(source.format) or query_format
        params: dict[str, Any] = {"project_id": project.id, "org_id": project.org_id, "user_id": user.id}
        if source.saved is not None:
            params |= {"path": str(source.saved), "format": chosen or source.implied_format, "delete_after": True,
                       "filename": source.filename}
        else:
            path = resolve_import_path(project.org_id, source.folder_path)
            params |= {"path": str(path), "format": chosen, "delete_after": False}
        return submit_job(s, "tasks.import", params, user)
    except BaseException:
        if source.saved is not None:  # refused: the upload is not kept
            source.saved.unlink(missing_ok=True)
        raise


def import_now(s: Session, actor: User | None, project_id: int, path: Path, fmt: str | None = None,
               progress: ProgressFn | None = None) -> dict[str, Any]:
    """Import ``path`` into the project in the caller's transaction, by a manager of the project
    (``actor`` None: the operator at the command line); the import's report."""
    project = policy.get_project(s, actor, project_id, "manage")
    return import_file(s, actor, project, path, fmt, progress)
