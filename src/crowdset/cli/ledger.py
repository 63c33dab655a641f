"""``crowdset ledger ...``: verify the ledger, rotate its signing key, print its public keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from crowdset.cli.support import err, progress_bar, user_errors

app = typer.Typer(help="The tamper-evident ledger.", no_args_is_help=True)
out = Console(highlight=False)


@app.command("verify")
def verify(
    tables: Annotated[bool, typer.Option(
        "--tables/--no-tables",
        help="also compare annotations, tasks and datasets with what the ledger recorded")] = False,
    all_signatures: Annotated[bool, typer.Option(
        "--all-signatures", help="check every entry's signature, not only those after the signed checkpoint "
                                 "(slow: minutes per million entries)")] = False,
) -> None:
    """Recompute the hash chain, compare it with the signed checkpoint, check signatures with the key in
    force at each entry; name every problem (exit 1) if any."""
    from crowdset.db import get_db
    from crowdset.ledger.service import audit

    with user_errors(), get_db().reading() as s, progress_bar() as bar:
        task = bar.add_task("verifying the ledger", total=None)
        report = audit(s, tables=tables, all_signatures=all_signatures, every=5000,
                       on_progress=lambda n, total: bar.update(task, completed=n, total=total))
    for note in report.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    if not report.ok:
        err.print(f"[bold red]ledger BROKEN[/]: {len(report.problems)} problem(s) in {report.entries} entries read")
        for p in report.problems:
            err.print(f"  {p.message}", markup=False, highlight=False)
        raise typer.Exit(1)
    checkpoint = (f"checkpoint #{report.checkpoint_seq} matches" if report.checkpoint_seq is not None
                  else "no checkpoint yet")
    line = (f"ledger OK: {report.entries} entries, chain valid, {checkpoint}, "
            f"{report.signatures_checked} signatures checked ({report.keys} key{'s' if report.keys != 1 else ''})")
    if report.tables is not None:
        line += "; tables match: " + ", ".join(f"{t.table} {t.rows}" for t in report.tables)
    out.print(line)


@app.command("rotate-key")
def rotate_key(
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Replace the ledger signing key (e.g. it may have leaked): the new key signs a ledger.key_rotated
    entry cross-signed by the old one; the old public key stays in the keyring. Running servers and
    workers pick the new key up at their next append (no restart)."""
    from crowdset.db import get_db
    from crowdset.ledger import service

    if not yes:
        typer.confirm("Replace the ledger signing key now? The old private key is destroyed", abort=True)
    with user_errors(), get_db().transaction() as s:
        done = service.rotate_key(s, None)
    out.print(f"ledger key rotated at entry #{done['seq']}: {done['previous_key_id']} -> {done['new_key_id']}")
    typer.echo(done["public_key"], nl=False)


@app.command("public-key")
def public_key(
    all_keys: Annotated[bool, typer.Option("--all", help="every key ever used, with the entries each signed")] = False,
) -> None:
    """Print the ledger's public key (PEM) so an auditor can check signatures offline."""
    from crowdset.ledger.service import public_keys

    with user_errors():
        keys = public_keys(None)
    for k in keys if all_keys else keys[-1:]:
        span = f"#{k.from_seq}.." + (f"#{k.to_seq}" if k.to_seq is not None else "(in force)")
        typer.echo(f"# key {k.key_id} signs entries {span}")
        typer.echo(k.pem, nl=False)
