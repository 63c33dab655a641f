"""Blob files named by their SHA-256, written atomically under ``<data_dir>/blobs/ab/cd/<sha>``.

Writing streams in chunks with a size cap, so an upload never sits whole in memory and a file
over the limit leaves nothing behind. Identical content is stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from crowdset.blobs.sniff import sniff
from crowdset.errors import invalid

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    media_type: str
    path: Path


def blob_root(data_dir: Path) -> Path:
    return data_dir / "blobs"


def blob_path(data_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise invalid("sha256", "blob.sha256")
    return blob_root(data_dir) / sha256[:2] / sha256[2:4] / sha256


def put_stream(data_dir: Path, stream: BinaryIO, max_bytes: int, allowed: set[str] | None = None) -> StoredBlob:
    """Store ``stream``; reject it (storing nothing) when larger than ``max_bytes`` or of a type
    outside ``allowed``."""
    root = blob_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                size += len(chunk)
                if size > max_bytes:
                    raise invalid("file", "blob.too_large", max=max_bytes)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise invalid("file", "blob.empty")
        media = sniff(head) or "application/octet-stream"
        if allowed is not None and media not in allowed:
            raise invalid("file", "blob.media_type", media=media)
        sha = digest.hexdigest()
        final = blob_path(data_dir, sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, final)
        return StoredBlob(sha, size, media, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
