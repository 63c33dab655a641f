"""Bad import requests get a 4xx problem naming the field, and leave no file behind."""

from __future__ import annotations

from crowdset.settings import reset_settings
from tests.annotation.helpers import make_project


def _chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        yield b'{"data": {"text": "x"}}\n' * (size // 24)
        sent += size


def test_a_chunked_upload_over_the_cap_is_413_and_leaves_no_file(world, backend, monkeypatch):
    monkeypatch.setenv("CROWDSET_MAX_UPLOAD_BYTES", str(256 * 1024))
    reset_settings()
    from fastapi.testclient import TestClient

    from crowdset.app import create_app

    pid = make_project(world)
    uploads = backend.data_dir / "uploads"
    before = set(uploads.iterdir()) if uploads.exists() else set()
    with TestClient(create_app()) as client:
        for ctype in ("application/x-ndjson", "application/json"):
            r = client.post(f"/api/v1/projects/{pid}/imports", content=_chunks(1024 * 1024),
                            headers={**world.h("manager"), "Content-Type": ctype})
            assert r.status_code == 413, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["errors"][0]["field"] == "body"
        files = {"file": ("t.jsonl", b'{"data": {"text": "x"}}\n' * 20000, "application/octet-stream")}
        r = client.post(f"/api/v1/projects/{pid}/imports", files=files, headers=world.h("manager"))
        assert r.status_code == 413, r.text
    assert not uploads.exists() or set(uploads.iterdir()) == before  # no file of these requests is left


def test_bad_formats_and_bodies_name_their_field(world):
    pid = make_project(world)
    url = f"/api/v1/projects/{pid}/imports"
    h = world.h("manager")
    r = world.client.post(url, files={"file": ("t.jsonl", b"{}", "text/plain")}, data={"format": "exe"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
    r = world.client.post(url + "?format=exe", content=b"{}", headers={**h, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
    r = world.client.post(url, content=b"--x\r\n", headers={**h, "Content-Type": "multipart/form-data"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body", r.text
    for body, field in ((b'{"path": 5}', "path"), (b"[1]", "body"), (b"{not json", "body"),
                        (b'{"path": "x", "extra": 1}', "extra"), (b"{}", "path"),
                        (b'{"path": "x", "format": 3}', "format")):
        r = world.client.post(url, content=body, headers={**h, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (body, r.text)
        assert "pydantic" not in r.text
    r = world.client.post(url, content=b"x", headers={**h, "Content-Type": "image/png"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "content-type"
    r = world.client.post(url + "?filename=" + "a" * 300, content=b"{}",
                          headers={**h, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "filename"
