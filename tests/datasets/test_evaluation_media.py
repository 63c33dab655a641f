"""An uploaded dataset version cannot use the evaluator as an oracle on the server's files.

Records naming ``/etc/passwd``-style absolute paths, ``../..`` paths (into the keys folder), file URLs,
another organisation's blob, or guessing the SHA-256 of a server file all fail 0201 for leaving the
dataset, and the report is the same whether the named file exists or not.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from crowdset.db import get_db
from crowdset.settings import get_settings
from tests.datasets.helpers import create, jsonl, upload


def _png(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def _evaluate(world, dataset_id: int) -> dict:
    r = world.client.post(f"/api/v1/datasets/{dataset_id}/versions/1/evaluations", json={"profile": "general"},
                          headers=world.h("manager"))
    assert r.status_code == 202, r.text
    ev = world.client.get(r.headers["location"], headers=world.h("manager")).json()
    assert ev["state"] == "succeeded", ev
    report = ev["report"]
    report.pop("generated_at")
    return report


def _up(path: Path) -> str:
    """``path`` as the version's records see it: relative to the version's temporary folder."""
    return "../" + os.path.relpath(path, tempfile.gettempdir())


def test_version_records_cannot_probe_server_files(world, backend, tmp_path):
    secret = get_settings().ensure_keys_dir() / "secret_key"
    assert secret.is_file()
    key_sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    outside = tmp_path / "outside" / "photo.png"
    outside.parent.mkdir()
    outside.write_bytes(_png((300, 200), (200, 0, 0)))
    photo_sha = hashlib.sha256(outside.read_bytes()).hexdigest()
    own = world.client.post("/api/v1/blobs", files={"file": ("own.png", _png((64, 48), (0, 0, 200)))},
                            headers=world.h("manager")).json()
    theirs = world.client.post("/api/v1/blobs", files={"file": ("b.png", _png((32, 32), (0, 200, 0)))},
                               headers=world.h("manager_b")).json()
    caption = {"caption": "一张红色的图片，白色背景"}
    rows = [
        {"id": "passwd", "file": "/etc/passwd", **caption},
        {"id": "abs", "image": str(outside), **caption},
        {"id": "dotdot", "image": _up(outside), **caption},
        {"id": "keys", "file": _up(secret), **caption},
        {"id": "key-sha-right", "file": str(secret), "sha256": key_sha, **caption},
        {"id": "key-sha-wrong", "file": str(secret), "sha256": "0" * 64, **caption},
        {"id": "photo-sha-right", "image": _up(outside), "sha256": photo_sha, **caption},
        {"id": "file-url", "image": f"file://{outside}", **caption},
        {"id": "nul", "image": "a\x00.png", **caption},
        {"id": "drive", "image": "C:\\photo.png", **caption},
        {"id": "blob-theirs", "image": theirs["ref"], **caption},
        {"id": "blob-own", "image": own["ref"], "sha256": own["sha256"], "caption": "一张蓝色的图片，白色背景"},
    ]
    d = create(world)
    assert upload(world, d["id"], jsonl(rows)).status_code == 201
    first = _evaluate(world, d["id"])

    # now the outside photo and the other organisation's blob are gone: nothing in the report may change
    outside.unlink()
    from sqlalchemy import delete

    from crowdset.blobs.models import Blob
    from crowdset.blobs.store import blob_path

    with get_db().transaction() as s:
        s.execute(delete(Blob).where(Blob.sha256 == theirs["sha256"]))
    blob_path(backend.data_dir, theirs["sha256"]).unlink()
    second = _evaluate(world, d["id"])
    assert first == second

    ev = {e["id"]: e["reason"] for e in first["indicators"]["0201"]["evidence"]}
    assert set(ev) == {r["id"] for r in rows} - {"blob-own"}, ev
    for rid in ("passwd", "abs", "dotdot", "keys", "key-sha-right", "key-sha-wrong", "photo-sha-right", "drive"):
        assert "media path leaves the dataset" in ev[rid], (rid, ev[rid])
    assert ev["key-sha-right"].replace(str(secret), "") == ev["key-sha-wrong"].replace(str(secret), "")
    assert "checksum" not in " ".join(ev.values())
    assert "URL scheme" in ev["file-url"] and "NUL" in ev["nul"]
    assert "not held by this dataset's organisation" in ev["blob-theirs"]
    # the organisation's own blob was really read: the only decoded image is its 64x48
    img = first["indicators"]["0208"]["sub_metrics"]["image"]
    assert img["min_resolution"] == [64, 48] and img["decode_errors"] == img["files"] - 1
