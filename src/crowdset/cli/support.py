"""What every ``crowdset`` command shares: one way to report a domain error (a message naming each
bad field or line, exit code 1, never a traceback) and one progress bar on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from crowdset.errors import CrowdsetError

err = Console(stderr=True)
MAX_LISTED = 200


def error_exit(exc: CrowdsetError) -> typer.Exit:
    """Print ``exc`` (its detail, then each bad field, with its line when it has one); return the exit."""
    err.print(f"[bold red]error:[/] {exc.detail}", highlight=False)
    for e in exc.errors[:MAX_LISTED]:
        where = f"line {e.row}: " if e.row is not None else ""
        err.print(f"  {where}{e.field}: {e.message}", highlight=False, markup=False)
    if len(exc.errors) > MAX_LISTED:
        err.print(f"  ... and {len(exc.errors) - MAX_LISTED} more")
    return typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn domain errors raised inside the block into ``error_exit`` and exit code 1."""
    try:
        yield
    except CrowdsetError as exc:
        raise error_exit(exc) from None


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                    console=err, transient=True)
