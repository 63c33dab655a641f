"""Storing and reading blobs on behalf of a user's organisation."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.blobs import policy
from crowdset.blobs.models import Blob
from crowdset.blobs.store import StoredBlob, blob_path, put_stream
from crowdset.errors import Forbidden, NotFound
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg
from crowdset.settings import get_settings

MEDIA_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff",
    "audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/mp4",
    "video/mp4", "video/webm", "video/quicktime", "video/x-msvideo",
    "application/pdf", "text/plain", "application/json",
}


def store(s: Session, user: User, stream: BinaryIO, filename: str = "") -> tuple[Blob, StoredBlob]:
    """Store the file and record that the user's organisation holds it."""
    if not policy.may_upload(user):
        raise Forbidden(msg("blob.no_org"))
    settings = get_settings()
    stored = put_stream(settings.data_dir, stream, settings.max_upload_bytes, MEDIA_TYPES)
    blob = s.get(Blob, (stored.sha256, user.org_id))
    if blob is None:
        blob = Blob(sha256=stored.sha256, org_id=user.org_id, media_type=stored.media_type, size=stored.size,
                    filename=Path(filename).name[:255], created_by=user.id)
        s.add(blob)
        s.flush()
        append(s, "blob.stored", f"blob:{stored.sha256}", actor_of(user),
               {"org_id": user.org_id, "size": stored.size, "media_type": stored.media_type})
    return blob, stored


def open_for(s: Session, user: User, sha256: str) -> tuple[Path, str]:
    """The file's path and media type, if ``user`` may read it; NotFound otherwise."""
    path = blob_path(get_settings().data_dir, sha256)
    blob = s.scalars(select(Blob).where(Blob.sha256 == sha256, policy.readable_by(user)).limit(1)).first()
    if blob is None or not path.exists():
        raise NotFound(msg("blob.not_found", sha256=sha256))
    return path, blob.media_type
