"""Media uploads: content-addressed, type sniffed from the bytes, size-limited, per organisation."""

from __future__ import annotations

import hashlib
import io
import wave

from tests.conftest import configure


def _wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return buf.getvalue()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_upload_is_content_addressed_and_sniffed(world, backend):
    c = world.client
    wav = _wav()
    r = c.post("/api/v1/blobs", files={"file": ("录音.mp3", wav, "audio/mpeg")}, headers=world.h("manager"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sha256"] == hashlib.sha256(wav).hexdigest()
    assert body["media_type"] == "audio/wav"  # the bytes decide, not the name or the header
    assert body["ref"] == f"blob:{body['sha256']}"
    stored = backend.data_dir / "blobs" / body["sha256"][:2] / body["sha256"][2:4] / body["sha256"]
    assert stored.read_bytes() == wav
    again = c.post("/api/v1/blobs", files={"file": ("copy.wav", wav, "audio/wav")}, headers=world.h("annotator"))
    assert again.status_code == 201 and again.json()["sha256"] == body["sha256"]
    got = c.get(body["url"], headers=world.h("annotator"))
    assert got.status_code == 200 and got.content == wav and got.headers["content-type"] == "audio/wav"
    # another organisation has not uploaded it, so for them it does not exist
    assert c.get(body["url"], headers=world.h("annotator_b")).status_code == 404
    assert c.get("/api/v1/blobs/../../secret_key", headers=world.h("manager")).status_code == 404
    assert c.get("/api/v1/blobs/" + "z" * 64, headers=world.h("manager")).status_code == 422


def test_types_outside_the_allow_list_and_empty_files_are_refused(world):
    c = world.client
    r = c.post("/api/v1/blobs", files={"file": ("x.exe", b"MZ\x90\x00" + b"\x00" * 100, "image/png")},
               headers=world.h("manager"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = c.post("/api/v1/blobs", files={"file": ("empty.png", b"", "image/png")}, headers=world.h("manager"))
    assert r.status_code == 422
    r = c.post("/api/v1/blobs", files={"file": ("a.png", PNG, "image/png")}, headers=world.h("manager"))
    assert r.status_code == 201 and r.json()["media_type"] == "image/png"
    assert c.post("/api/v1/blobs", files={"file": ("a.png", PNG, "image/png")}).status_code == 401


def test_size_limit_stores_nothing(world, backend, monkeypatch):
    configure(monkeypatch, backend.url, backend.data_dir, max_upload_bytes="1000")
    big = _wav() + b"\x00" * 5000
    r = world.client.post("/api/v1/blobs", files={"file": ("big.wav", big, "audio/wav")}, headers=world.h("manager"))
    assert r.status_code in (413, 422)
    leftovers = [p for p in (backend.data_dir / "blobs").rglob("*") if p.is_file()
                 and p.read_bytes() == big] if (backend.data_dir / "blobs").exists() else []
    assert leftovers == []
