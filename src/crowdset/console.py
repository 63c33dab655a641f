"""The command line's composition root: the ``crowdset`` executable and ``python -m crowdset``.

``crowdset.cli.main`` holds the root commands (migrate, serve, worker, demo); ``crowdset.wiring``
fills the registries and attaches every domain's commands. Keeping the assembly here, above both,
lets the command modules stay faces that import domains and nothing that assembles them."""

from __future__ import annotations

import typer

from crowdset import wiring
from crowdset.cli.main import app as root

_attached = False


def command_line() -> typer.Typer:
    """The root command with every domain's commands attached (idempotent)."""
    global _attached
    wiring.wire()
    if not _attached:
        wiring.cli_groups(root)
        _attached = True
    return root


def main() -> None:
    command_line()()
