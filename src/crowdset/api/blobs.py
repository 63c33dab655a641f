"""Upload and download media files (content-addressed)."""

from __future__ import annotations

from fastapi import APIRouter, Response, UploadFile
from fastapi.responses import FileResponse

from crowdset.api.shapes.blobs import BlobOut
from crowdset.blobs import service
from crowdset.http.deps import DB, CurrentUser
from crowdset.http.types import file_responses

router = APIRouter(tags=["files"])


@router.post("/blobs", status_code=201, response_model=BlobOut)
def upload(file: UploadFile, s: DB, user: CurrentUser) -> BlobOut:
    """Store a media file (type sniffed from its bytes, size-limited); identical files are stored once."""
    _blob, stored = service.store(s, user, file.file, file.filename or "")
    return BlobOut.of(stored)


@router.get("/blobs/{sha256}", response_class=Response,
            responses=file_responses("the file, in the media type sniffed from its bytes", "*/*"))
def download(sha256: str, s: DB, user: CurrentUser) -> FileResponse:
    path, media = service.open_for(s, user, sha256)
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=31536000, immutable"})
