"""The ``crowdset`` command line. Commands call the same service functions as the API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from crowdset.cli_support import err, user_errors

app = typer.Typer(help="Crowdset: crowd annotation, quality control and high-quality datasets.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

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

    from crowdset.app import create_app
    from crowdset.jobs.queue import start_consumer, stop_consumer

    _require_migrated()
    settings = _settings()
    _recover_jobs()
    consumer = start_consumer() if jobs and not (settings.jobs_url or "").startswith("redis") else None
    out.print(f"Crowdset serving on http://{host}:{port}  (API: http://{host}:{port}/api/v1/openapi.json)")
    try:
        uvicorn.run(create_app(), host=host, port=port, log_level="info")
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


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="organisation name")],
    kind: Annotated[str, typer.Option(help="enterprise | institute | university | government")],
    region: Annotated[str, typer.Option(help="region, e.g. 福建省福州市")] = "",
    credit_code: Annotated[str | None, typer.Option(help="18-character unified social credit code")] = None,
) -> None:
    """Create an organisation and print its id."""
    from crowdset.auth.service import create_org
    from crowdset.db import get_db

    with user_errors(), get_db().transaction() as s:
        org = create_org(s, None, name, kind, region, credit_code)
        org_id = org.id
    typer.echo(org_id)


@org_app.command("list")
def org_list() -> None:
    """List organisations."""
    from sqlalchemy import select

    from crowdset.auth.models import Org
    from crowdset.db import get_db

    with get_db().reading() as s:
        for o in s.scalars(select(Org).order_by(Org.id)):
            typer.echo(f"{o.id}\t{o.name}\t{o.kind}\t{o.region}\t{o.credit_code or ''}")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="log-in email")],
    org: Annotated[str | None, typer.Option(help="organisation id or name")] = None,
    role: Annotated[list[str], typer.Option(help="role (repeatable): admin, manager, annotator, reviewer, expert, "
                                                 "owner, consumer")] = ["annotator"],  # noqa: B006
    name: Annotated[str, typer.Option(help="display name")] = "",
    password_stdin: Annotated[bool, typer.Option(help="read the password from standard input")] = False,
) -> None:
    """Create a user (the password is prompted, or read from stdin) and print its id."""
    from crowdset.auth.service import create_user, find_org
    from crowdset.db import get_db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with user_errors(), get_db().transaction() as s:
        org_id = find_org(s, org).id if org else None
        user = create_user(s, None, email, password, name, org_id, role)
        user_id = user.id
    typer.echo(user_id)


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="user email or id")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    days: Annotated[int | None, typer.Option(help="expire after N days")] = None,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from crowdset.auth.service import create_token, find_user
    from crowdset.db import get_db

    with user_errors(), get_db().transaction() as s:
        _token, secret = create_token(s, None, find_user(s, user), name, days)
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="token id")]) -> None:
    """Revoke an API token (the ledger records the operator, not the token's owner, as the actor)."""
    from crowdset.auth.service import revoke_token
    from crowdset.db import get_db

    with user_errors(), get_db().transaction() as s:
        revoke_token(s, None, token_id)
    out.print(f"token {token_id} revoked")


def _register_domain_commands() -> None:
    """Commands that live with their domain (kept out of this file so it stays a thin index)."""
    from crowdset.annotation.cli import export_cmd, import_cmd, project_app
    from crowdset.datasets.cli import app as datasets_app
    from crowdset.datasets.evaluate.cli import evaluate
    from crowdset.ledger.cli import app as ledger_app
    from crowdset.quality.cli import app as quality_app

    app.add_typer(project_app, name="project")
    app.add_typer(datasets_app, name="datasets")
    app.add_typer(quality_app, name="quality", help="Quality control on any labels file, no server needed.")
    app.add_typer(ledger_app, name="ledger")
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
    app.command("evaluate")(evaluate)


_register_domain_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
