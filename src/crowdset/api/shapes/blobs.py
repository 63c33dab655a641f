"""API shapes for files."""

from __future__ import annotations

from pydantic import BaseModel

from crowdset.blobs.store import StoredBlob


class BlobOut(BaseModel):
    sha256: str
    size: int
    media_type: str
    url: str
    ref: str  # what to put in a task's data to point at this file

    @classmethod
    def of(cls, stored: StoredBlob) -> BlobOut:
        return cls(sha256=stored.sha256, size=stored.size, media_type=stored.media_type,
                   url=f"/api/v1/blobs/{stored.sha256}", ref=f"blob:{stored.sha256}")
