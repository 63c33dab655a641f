"""``crowdset org|user|token ...``: organisations, users and API tokens at the operator's console."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from crowdset.cli.support import user_errors

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


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
    from crowdset.auth.service import list_orgs
    from crowdset.db import get_db

    with get_db().reading() as s:
        for o in list_orgs(s, None):
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
    typer.echo(f"token {token_id} revoked")
