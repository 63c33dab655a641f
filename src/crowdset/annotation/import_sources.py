"""Where the file of an import may come from, checked before any byte of it is read.

A request never names a file in the data directory: that folder holds the database, the job queue
and (by default) the keys folder, and an attacker who could import ``keys/platform_ed25519.pem`` as a
CSV would read the signing key back as tasks. Server-side files come only from the import folder
(``CROWDSET_IMPORT_DIR``, off unless the operator sets it), one sub-folder per organisation
(``<import_dir>/<org id>/``), so a manager reaches only their own organisation's files. Uploaded
files land in ``<data_dir>/uploads/`` under a name the server chose.

The same checks run twice: when the request names the file, and again in the job right before it
opens the file (the folder may have changed in between, e.g. a symlink swapped in).
"""

from __future__ import annotations

import uuid
from pathlib import Path, PurePosixPath

from crowdset.errors import invalid
from crowdset.settings import Settings, get_settings

MAX_PATH_CHARS = 1024


def uploads_dir(settings: Settings | None = None) -> Path:
    """The folder of files sent with import requests (named by the server, deleted after the job)."""
    return (settings or get_settings()).data_dir / "uploads"


def new_upload_path(filename: str | None) -> Path:
    """A fresh server-chosen name in the uploads folder; only the client's last suffix is kept."""
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "".join(PurePosixPath(filename or "").suffixes[-1:])[:10]
    if not suffix[1:].isalnum():
        suffix = ""
    return folder / f"{uuid.uuid4().hex}{suffix}"


def org_import_root(org_id: int, settings: Settings | None = None) -> Path | None:
    """``<import_dir>/<org id>``, or None when importing by server path is off."""
    settings = settings or get_settings()
    if settings.import_dir is None:
        return None
    return settings.import_dir / str(int(org_id))


def check_relative_path(raw: object) -> str:
    """The client's path as text, refused unless it is a plain relative POSIX path of sane size."""
    if not isinstance(raw, str):
        raise invalid("path", "import.path_not_string")
    if not raw or len(raw) > MAX_PATH_CHARS:
        raise invalid("path", "import.path_length", max=MAX_PATH_CHARS)
    if "\x00" in raw or any(ord(ch) < 32 for ch in raw):
        raise invalid("path", "import.path_control_chars")
    pure = PurePosixPath(raw)
    if pure.is_absolute() or "\\" in raw or ":" in pure.parts[0] or ".." in pure.parts:
        raise invalid("path", "import.path_not_relative")
    return raw


def resolve_import_path(org_id: int, raw: object) -> Path:
    """The file that ``raw`` names inside the organisation's import folder, or ``Invalid`` on ``path``.

    Whether a file outside the folder exists is never told: every miss reads the same."""
    rel = check_relative_path(raw)
    root = org_import_root(org_id)
    if root is None:
        raise invalid("path", "import.by_path_off")
    try:
        real_root = root.resolve(strict=True)
        path = (real_root / rel).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a link loop, a name too long for the system
        raise invalid("path", "import.path_not_found") from None
    if not path.is_relative_to(real_root) or not path.is_file():
        raise invalid("path", "import.path_not_found")
    return path


def check_job_source(path: Path, org_id: int) -> Path:
    """Right before a job opens its file: the file must still be an upload or in the organisation's
    import folder (the job's parameters are the server's own, but the folders can change)."""
    real = path.resolve()
    if real.parent == uploads_dir().resolve() and real.is_file():
        return real
    root = org_import_root(org_id)
    if root is not None and root.exists() and real.is_relative_to(root.resolve()) and real.is_file():
        return real
    raise invalid("path", "import.source_gone")
