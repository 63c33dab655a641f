"""What every ``crowdset`` command shares: one way to report a domain error (a message naming each
bad field or line, exit code 1, never a traceback) and one progress bar on stderr.

Errors are printed in English, or in Chinese when ``CROWDSET_LANG`` says so (``zh``, ``zh_CN``): the
command line's output is read by scripts and logs as often as by people, so ``LANG`` alone does not
change it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from crowdset.errors import CrowdsetError
from crowdset.i18n import API_DEFAULT, pick_locale

err = Console(stderr=True)
MAX_LISTED = 200


def cli_locale() -> str:
    """The language of error messages: ``CROWDSET_LANG`` (``zh``, ``zh_CN`` or ``en``), else English."""
    return pick_locale(None, None, None, os.environ.get("CROWDSET_LANG", "").replace("_", "-"), API_DEFAULT)


def error_exit(exc: CrowdsetError) -> typer.Exit:
    """Print ``exc`` (its detail, then each bad field, with its line when it has one); return the exit."""
    locale = cli_locale()
    err.print("[bold red]error:[/] ", end="", highlight=False)
    err.print(exc.text(locale), highlight=False, markup=False)
    for e in exc.errors[:MAX_LISTED]:
        where = f"line {e.row}: " if e.row is not None else ""
        err.print(f"  {where}{e.field}: {e.text(locale)}", highlight=False, markup=False)
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
