"""Constants and small helpers shared by tests (import as ``tests.support``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PASSWORD = "correct horse battery"


def run_cli(*args: str | os.PathLike[str], env: Mapping[str, str | None] | None = None, input: str | None = None,
            cwd: str | Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``crowdset *args`` in a fresh Python process, the way an operator runs it.

    A fresh process is the point: an in-process runner shares the test's imports, registries, caches
    and engines, so a command that only works because the test process had already imported or
    configured something would pass. The child sees the test's environment as it is at call time
    (the ``backend`` fixture's ``CROWDSET_DATABASE_URL`` and ``CROWDSET_DATA_DIR`` included, since
    monkeypatch writes ``os.environ``), with ``env`` laid over it; a ``None`` value removes a variable.
    Nothing raises on a non-zero exit: tests look at ``returncode``, ``stdout`` and ``stderr``."""
    child = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for key, value in (env or {}).items():
        if value is None:
            child.pop(key, None)
        else:
            child[key] = value
    return subprocess.run([sys.executable, "-m", "crowdset", *map(str, args)], env=child, input=input, cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False)
