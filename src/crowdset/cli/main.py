"""The root of the ``crowdset`` command line: setting up, serving and the demo. Each domain's commands
live in its own module beside this one and are attached by ``crowdset.wiring``; every command parses,
calls one service and prints."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from crowdset.cli.support import err, user_errors

app = typer.Typer(help="Crowdset: crowd annotation, quality control and high-quality datasets.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

out = Console()


def _settings():  # noqa: ANN202
    from crowdset.settings import get_settings

    return get_settings()


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply database migrations (creates the SQLite file under the data directory if needed)."""
    from crowdset.migrate import upgrade

    settings = _settings()
    if settings.is_sqlite:
        settings.ensure_data_dir()
    upgrade(settings.sqlalchemy_url, revision)
    out.print(f"database at {revision}: {_redact(settings.sqlalchemy_url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _require_migrated() -> None:
    from crowdset.migrate import MIGRATIONS, current_heads

    settings = _settings()
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    if current_heads(settings.sqlalchemy_url) != heads:
        err.print("[bold red]error:[/] the database is not migrated; run `crowdset migrate` first")
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    jobs: Annotated[bool, typer.Option(help="run a job consumer in this process (SQLite job storage)")] = True,
) -> None:
    """Serve the web platform and API (and, by default, run jobs in background threads)."""
    import uvicorn

    from crowdset.jobs.queue import start_consumer, stop_consumer

    _require_migrated()
    settings = _settings()
    _recover_jobs()
    consumer = start_consumer() if jobs and not (settings.jobs_url or "").startswith("redis") else None
    # echoed, not printed by rich: rich wraps at the terminal's width and would break the addresses in two
    typer.echo(f"Crowdset serving on http://{host}:{port}  (API: http://{host}:{port}/api/v1/openapi.json)")
    try:
        # by name, so this command line imports no composition root (crowdset.app assembles the pages and API)
        uvicorn.run("crowdset.app:create_app", factory=True, host=host, port=port, log_level="info")
    finally:
        if consumer is not None:
            stop_consumer(consumer)


@app.command()
def worker(workers: Annotated[int, typer.Option(help="worker threads")] = 2) -> None:
    """Run a job worker (use with CROWDSET_JOBS_URL=redis://... to scale out across machines)."""
    from crowdset.jobs.queue import POLLING, get_huey
    from crowdset.jobs.recovery import Sweeper

    _require_migrated()
    _recover_jobs()
    out.print(f"job worker with {workers} threads; Ctrl-C to stop")
    sweeper = Sweeper().start()
    try:
        get_huey().create_consumer(workers=workers, worker_type="thread", **POLLING).run()
    finally:
        sweeper.stop()


def _recover_jobs() -> None:
    """Fail (or re-queue) jobs left running by a process that died, and remove their uploads."""
    from crowdset.jobs.recovery import recover

    found = recover()
    if found is not None and (found.failed or found.requeued):
        err.print(f"jobs whose worker stopped: {len(found.failed)} failed, {len(found.requeued)} re-queued")


@app.command()
def demo() -> None:
    """Load demo data: two organisations, an admin, a manager, three annotators, a reviewer and an
    expert. Passwords are random per installation and printed (kept in the keys folder, mode 0600)."""
    from crowdset.demo import load_demo

    _require_migrated()
    with user_errors():
        people = load_demo()
    out.print("[bold]Demo accounts[/] (log in at http://127.0.0.1:8000/login):")
    for email, password, roles in people:
        typer.echo(f"  {email:<34} {password:<18} {roles}")
