"""The one place where Crowdset is put together.

Every registry in the platform is told what it holds here, by name, and nowhere else: the job
queue's handlers, the export writers beyond the built-in ones, the JSON API's routers, the pages'
routers, the command line's groups and the job resource's subject checks. No registry imports its
plug-ins and no module registers anything because it was imported, so what runs never depends on
which module happened to be imported first (``crowdset export --format tc609`` used to work only
when the datasets command line had been loaded).

A new domain adds its routers, commands and job handlers to the lists below; the import contracts
(``[tool.importlinter]`` in pyproject.toml) keep everything else out of this module's way: faces may
import domains, domains may not import faces, and only this module and the app factory see them all.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from crowdset.jobs.policy import SubjectCheck
    from crowdset.jobs.queue import Handler

_wired = False
_lock = threading.Lock()


def wire() -> None:
    """Fill the registries that outlive a request: the table metadata, the job handlers and the
    export writers. Idempotent and cheap after the first call; called by the app factory, the
    command line's root and ``crowdset worker`` before they do anything else."""
    global _wired
    with _lock:
        if _wired:
            return
        from crowdset import models
        from crowdset.formats import registry as writers
        from crowdset.jobs import queue

        assert models.Base.metadata.tables  # every domain's tables, so foreign keys resolve in any process
        for kind, fn in job_handlers().items():
            queue.register_handler(kind, fn)
        for name, (fn, media_type, extension) in export_writers().items():
            writers.register_writer(name, fn, media_type, extension, replace=True)
        _wired = True


def job_handlers() -> dict[str, Handler]:
    """Kind of long work -> the domain function that does it (imported when a job of the kind first
    runs, so a command that runs no job does not pay for loading every domain's job code)."""
    return {
        "tasks.import": _deferred("crowdset.annotation.jobs", "import_job"),
        "quality.run": _deferred("crowdset.annotation.jobs", "quality_job"),
        "datasets.evaluate": _deferred("crowdset.datasets.jobs", "evaluate_job"),
        "datasets.rereview": _deferred("crowdset.datasets.jobs", "rereview_job"),
        "ledger.verify": _deferred("crowdset.ledger.jobs", "verify_job"),
    }


def export_writers() -> dict[str, tuple[Any, str, str]]:
    """Export formats owned by a domain (the format-neutral ones are built into ``formats``)."""
    return {"tc609": (_deferred("crowdset.datasets.tc609", "write_tc609"), "application/x-ndjson", "jsonl")}


def _deferred(module: str, name: str) -> Any:
    """A function that imports ``module`` and calls its ``name`` on first use: the registry holds a
    named, explicit entry without the import cost at start-up."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported on first use."
    return call


def api_routers() -> list[APIRouter]:
    """The JSON API under /api/v1, one router a domain."""
    from crowdset.api import annotation, auth, blobs, datasets, jobs, ledger

    return [auth.router, annotation.router, blobs.router, ledger.router, jobs.router, datasets.router]


def page_routers() -> list[APIRouter]:
    """The web pages, one router a domain (the shell's log-in and language switch first)."""
    from crowdset.web import annotate, datasets, manage, shell, workbench

    return [shell.router, workbench.router, manage.router, datasets.router, annotate.router]


def job_subject_checks() -> dict[str, SubjectCheck]:
    """For the job resource: whether a user manages what a job concerns ("project:5", "dataset:3").
    ``jobs`` imports no domain, so each domain's policy is handed to it here."""
    from crowdset.annotation.policy import manages_project_id
    from crowdset.datasets.policy import manages_dataset_id

    def project(s: Session, user: Any, project_id: int) -> bool:
        return manages_project_id(s, user, project_id)

    def dataset(s: Session, user: Any, dataset_id: int) -> bool:
        return manages_dataset_id(s, user, dataset_id)

    return {"project": project, "dataset": dataset}


def cli_groups(root: typer.Typer) -> None:
    """Attach each domain's commands to the root command line."""
    from crowdset.cli import annotation, auth, datasets, evaluate, ledger, quality

    root.add_typer(auth.org_app, name="org")
    root.add_typer(auth.user_app, name="user")
    root.add_typer(auth.token_app, name="token")
    root.add_typer(annotation.project_app, name="project")
    root.add_typer(datasets.app, name="datasets")
    root.add_typer(quality.app, name="quality", help="Quality control on any labels file, no server needed.")
    root.add_typer(ledger.app, name="ledger")
    root.command("import")(annotation.import_cmd)
    root.command("export")(annotation.export_cmd)
    root.command("evaluate")(evaluate.evaluate)
