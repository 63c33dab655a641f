"""Dataset versions: immutable files in the content-addressed blob store.

A version is written once (upload, or a project's export) and never changed; a different file is a
new version. Its content hash is the SHA-256 of the file's bytes, so anyone holding the file can
check it. Blob paths carry no extension, and the evaluation readers pick the format by extension,
so reading goes through a temporary link named ``data.<ext>``.

The public functions taking a ``dataset_id`` are the use cases (upload, publish a project, list,
read, download); they ask ``policy`` first. The ones taking a ``Dataset`` serve the other services.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.blobs.models import Blob
from crowdset.blobs.store import blob_path, put_stream
from crowdset.datasets import policy
from crowdset.datasets.evaluate.readers import ReadError, iter_batches, open_source
from crowdset.datasets.models import VERSION_FORMATS, Dataset, DatasetVersion
from crowdset.db import get_db
from crowdset.errors import Conflict, Invalid, NotFound, invalid
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg
from crowdset.settings import get_settings

SUFFIX = {"jsonl": ".jsonl", "tc609": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
MEDIA_TYPE = {"jsonl": "application/jsonlines", "tc609": "application/jsonlines", "csv": "text/csv",
              "parquet": "application/x-parquet"}
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,49}$")


def guess_format(filename: str, given: str | None) -> str:
    if given:
        if given not in VERSION_FORMATS:
            raise invalid("format", "field.one_of", choices=VERSION_FORMATS)
        return given
    fmt = _BY_SUFFIX.get(Path(filename or "").suffix.lower())
    if fmt is None:
        raise invalid("format", "version.cannot_tell", filename=filename, choices=VERSION_FORMATS)
    return fmt


def file_path(version: DatasetVersion, index: int = 0) -> Path:
    return blob_path(get_settings().data_dir, version.files[index]["sha256"])


@contextmanager
def readable(sha256: str, fmt: str) -> Iterator[Path]:
    """The blob as ``<tmp>/data.<ext>`` for the format-by-extension readers; removed afterwards."""
    src = blob_path(get_settings().data_dir, sha256)
    if not src.is_file():
        raise NotFound(msg("version.blob_missing", sha=sha256[:12]))
    tmp = Path(tempfile.mkdtemp(prefix="crowdset-version-"))
    link = tmp / f"data{SUFFIX[fmt]}"
    try:
        try:
            os.symlink(src, link)
        except OSError:
            shutil.copyfile(src, link)
        yield link
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scan(path: Path, fmt: str) -> int:
    """Count records; refuse a file the readers cannot read at all (one bad line is the evaluator's
    business, an unreadable file is the uploader's)."""
    n, first = 0, None
    try:
        for batch, _ in iter_batches(open_source(path)):
            n += len(batch)
            if first is None and batch:
                first = batch[0]
    except ReadError as exc:
        raise invalid("file", "version.unreadable", reason=str(exc)) from None
    if n == 0:
        raise invalid("file", "version.no_records")
    if fmt == "tc609" and (first is None or first.data is None or "data_content" not in first.data):
        raise invalid("format", "version.tc609_format")
    return n


def iter_records(version: DatasetVersion) -> Generator[dict[str, Any], None, None]:
    """The version's records as dicts, streaming (unreadable lines are skipped). Close the generator
    when stopping early: that removes the temporary link to the file."""
    with readable(version.files[0]["sha256"], version.format) as path:
        for batch, _ in iter_batches(open_source(path), 1000):
            for raw in batch:
                if raw.data is not None:
                    yield raw.data


def _hold_blob(s: Session, actor: User | None, org_id: int, sha: str, size: int, media: str, name: str) -> None:
    if s.get(Blob, (sha, org_id)) is None:
        s.add(Blob(sha256=sha, org_id=org_id, media_type=media, size=size, filename=Path(name).name[:255],
                   created_by=getattr(actor, "id", None)))
        s.flush()
        append(s, "blob.stored", f"blob:{sha}", actor_of(actor), {"org_id": org_id, "size": size, "media_type": media})


def upload_version(s: Session, actor: User | None, dataset_id: int, stream: BinaryIO, filename: str,
                   fmt: str | None = None, version: str | None = None) -> DatasetVersion:
    """Add an uploaded file as a new immutable version of the dataset."""
    ds = policy.get_dataset(s, actor, dataset_id, "publish")
    return _add_version(s, actor, ds, stream, filename, fmt, version)


def _add_version(s: Session, actor: User | None, ds: Dataset, stream: BinaryIO, filename: str,
                 fmt: str | None = None, version: str | None = None,
                 source_project_id: int | None = None) -> DatasetVersion:
    """Store the file, check it reads, and record a new immutable version (the rating then follows
    the newest version, which has no evaluation yet). The caller has asked the policy."""
    fmt = guess_format(filename, fmt)
    existing = list(s.scalars(select(DatasetVersion).where(DatasetVersion.dataset_id == ds.id)))
    if version is None:
        version = str(len(existing) + 1)
        while any(v.version == version for v in existing):
            version += ".1"
    if not _VERSION_RE.match(version):
        raise invalid("version", "version.name")
    if any(v.version == version for v in existing):
        raise Conflict(msg("version.exists", version=version))
    settings = get_settings()
    stored = put_stream(settings.data_dir, stream, settings.max_upload_bytes)
    same = next((v for v in existing if v.content_hash == stored.sha256), None)
    if same is not None:
        raise Conflict(msg("version.identical", version=same.version, sha256=stored.sha256))
    with readable(stored.sha256, fmt) as path:
        count = scan(path, fmt)
    name = Path(filename or f"data{SUFFIX[fmt]}").name
    _hold_blob(s, actor, ds.org_id, stored.sha256, stored.size, MEDIA_TYPE[fmt], name)
    v = DatasetVersion(dataset_id=ds.id, version=version, format=fmt, content_hash=stored.sha256,
                       record_count=count, size=stored.size, source_project_id=source_project_id,
                       files=[{"name": name, "sha256": stored.sha256, "size": stored.size,
                               "media_type": MEDIA_TYPE[fmt]}],
                       created_by=getattr(actor, "id", None))
    s.add(v)
    s.flush()
    append(s, "dataset.version_added", f"dataset:{ds.id}", actor_of(actor),
           {"version": version, "format": fmt, "content_hash": stored.sha256, "records": count,
            "size": stored.size, "source_project_id": source_project_id})
    from crowdset.datasets.rating import apply_rating

    apply_rating(s, actor, ds, f"new version {version}")
    return v


def writer_options(ds: Dataset, version: str) -> dict[str, Any]:
    """Dataset-level TC609 fields for records written from this dataset."""
    extra = ds.extra or {}
    return {"version": version, "license": ds.licence, "source": ds.source,
            "source_details": extra.get("source_details"),
            "generated_data_indicator": extra.get("generated_data_indicator", 0)}


def publish_project(s: Session, actor: User | None, dataset_id: int, project_id: int, fmt: str = "tc609",
                    version: str | None = None) -> DatasetVersion:
    """Export a project (jsonl or tc609) straight into a new version of the dataset."""
    from crowdset.annotation.exporting import write_export
    from crowdset.annotation.models import Project

    ds = policy.get_dataset(s, actor, dataset_id, "publish")
    if fmt not in ("jsonl", "tc609"):
        raise invalid("format", "version.publish_format")
    project = policy.project_to_publish(s, actor, project_id)
    if project.org_id != ds.org_id:
        raise invalid("project_id", "version.project_other_org")
    label = version or str(
        len(s.scalars(select(DatasetVersion.id).where(DatasetVersion.dataset_id == ds.id)).all()) + 1)
    with tempfile.TemporaryDirectory(prefix="crowdset-publish-") as tmp:
        out_path = Path(tmp) / f"project-{project.id}.jsonl"
        # Its own read session: the exporter expunges its session between batches.
        with get_db().reading() as rs, out_path.open("wb") as out:
            stats = write_export(rs, rs.get(Project, project.id), fmt, out, **writer_options(ds, label))
        if not stats.get("tasks"):
            raise Invalid(msg("version.no_tasks", id=project.id))
        with out_path.open("rb") as fh:
            return _add_version(s, actor, ds, fh, out_path.name, fmt, version, source_project_id=project.id)


def list_versions(s: Session, user: User | None, dataset_id: int) -> list[DatasetVersion]:
    """The versions of a dataset the user may see, oldest first."""
    return versions_of(s, policy.get_dataset(s, user, dataset_id))


def get_version(s: Session, user: User | None, dataset_id: int, version: str) -> DatasetVersion:
    """One version of a dataset the user may see."""
    return version_of(s, policy.get_dataset(s, user, dataset_id), version)


@dataclass(frozen=True)
class VersionFile:
    """Where a version's file lies and what to call it when it is handed out."""

    path: Path
    name: str
    media_type: str
    sha256: str


def version_file(s: Session, user: User | None, dataset_id: int, version: str) -> VersionFile:
    """The version's file as uploaded, for a download (never core data)."""
    ds = policy.get_dataset(s, user, dataset_id)
    policy.check_download(user, ds)
    v = version_of(s, ds, version)
    fl = v.files[0]
    return VersionFile(file_path(v), fl["name"], fl["media_type"], fl["sha256"])


def version_records(s: Session, user: User | None, dataset_id: int, version: str, fmt: str = "tc609",
                    masked: bool = False) -> tuple[str, Iterator[dict[str, Any]]]:
    """The version's records as TC609-5-2025-02 (never core data): a file name for them and the
    records, read lazily from the file as the caller consumes them."""
    if fmt != "tc609":
        raise invalid("format", "version.download_format")
    ds = policy.get_dataset(s, user, dataset_id)
    policy.check_download(user, ds)
    v = version_of(s, ds, version)
    return f"dataset-{ds.id}-{v.version}.tc609.jsonl", tc609_records(ds, v, masked)


def versions_of(s: Session, ds: Dataset) -> list[DatasetVersion]:
    return list(s.scalars(select(DatasetVersion).where(DatasetVersion.dataset_id == ds.id)
                          .order_by(DatasetVersion.id)))


def version_of(s: Session, ds: Dataset, version: str) -> DatasetVersion:
    v = s.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == ds.id, DatasetVersion.version == version))
    if v is None:
        raise NotFound(msg("version.not_found", version=version, dataset=ds.id))
    return v


def tc609_records(ds: Dataset, version: DatasetVersion, masked: bool = False) -> Iterator[dict[str, Any]]:
    """The version's records in TC609 form: TC609 files pass through, project exports and flat
    records are converted with the dataset's own fields filling what a record does not say."""
    from crowdset.datasets.tc609 import flat_to_tc609, is_task_record, mask_tc609, to_tc609

    opts = {**writer_options(ds, version.version), "mask": masked, "created_at": version.created_at.isoformat(),
            "annotation_method": ds.annotation_method, "fields": (ds.extra or {}).get("fields")}
    for row, d in enumerate(iter_records(version), start=1):
        if "data_content" in d:
            yield mask_tc609(d) if masked else d
        elif is_task_record(d):
            yield to_tc609(d, opts)
        else:
            yield flat_to_tc609(d, row, opts)
