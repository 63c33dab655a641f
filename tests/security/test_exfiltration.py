"""The attack that read the platform's secrets through the import path, kept as regression tests.

A manager of any organisation imported ``keys/platform_ed25519.pem`` or ``demo-credentials.txt`` from
the data directory as CSV and read the lines back as tasks or in error messages. Server-side paths now
come only from ``<CROWDSET_IMPORT_DIR>/<org id>/`` (off by default), secrets live in the keys folder,
and import errors name fields and positions, never the file's text.
"""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import func, select

from crowdset.annotation.models import Task
from crowdset.db import get_db
from crowdset.errors import Invalid
from crowdset.settings import Settings, reset_settings
from tests.annotation.helpers import make_project

# A schema whose control labels the first line of a PEM file, as the attacker built it.
PEM_HEADER = "-----BEGIN PRIVATE KEY-----"
ATTACK_SCHEMA = {"controls": [{"name": "c", "kind": "choices", "to": PEM_HEADER, "options": ["a", "b"]}]}
SECRET_FILES = ("keys/platform_ed25519.pem", "keys/secret_key", "keys/demo-credentials.txt", "demo-credentials.txt",
                "secret_key", "crowdset.db", "jobs.db")


def _tasks(pid: int) -> int:
    with get_db().reading() as s:
        return s.scalar(select(func.count()).where(Task.project_id == pid))


def _plant_secrets(data_dir) -> str:
    """Write secret-looking files where the old attack found them; return the secret text."""
    from crowdset.ledger.service import append

    with get_db().transaction() as s:  # makes the real signing key in the keys folder
        append(s, "test.secret", "test", "system", {})
    secret = "s3cr3t-demo-password-0001"
    (data_dir / "demo-credentials.txt").write_text(f"admin@crowdset.example.com\t{secret}\n")
    return secret


def test_secret_files_cannot_be_imported_by_path(world, backend):
    secret = _plant_secrets(backend.data_dir)
    pid = make_project(world)
    r = world.client.post("/api/v1/projects", headers=world.h("manager"),
                          json={"title": "attack", "schema": ATTACK_SCHEMA})
    attack_pid = r.json()["id"] if r.status_code == 201 else pid
    for target in SECRET_FILES + tuple(f"../{name}" for name in SECRET_FILES) + (
            str(backend.data_dir / "keys" / "platform_ed25519.pem"), f"file://{backend.data_dir}/secret_key"):
        for fmt in ("csv", "tsv", None):
            body = {"path": target} | ({"format": fmt} if fmt else {})
            r = world.client.post(f"/api/v1/projects/{attack_pid}/imports", json=body, headers=world.h("manager"))
            assert r.status_code == 422, (target, r.text)
            assert r.json()["errors"][0]["field"] == "path"
            assert secret not in r.text and PEM_HEADER not in r.text and "PRIVATE" not in r.text
    assert _tasks(attack_pid) == 0


def test_import_folder_keeps_each_organisation_to_its_own_files(world, backend, tmp_path, monkeypatch):
    root = tmp_path / "imports"
    monkeypatch.setenv("CROWDSET_IMPORT_DIR", str(root))
    reset_settings()
    _plant_secrets(backend.data_dir)
    (root / str(world.org_a)).mkdir(parents=True)
    (root / str(world.org_b)).mkdir(parents=True)
    (root / str(world.org_b) / "theirs.jsonl").write_text('{"data": {"text": "乙方数据"}}\n')
    # A link planted in the organisation's own folder, pointing at the signing key.
    os.symlink(backend.data_dir / "keys" / "platform_ed25519.pem", root / str(world.org_a) / "key.csv")
    os.symlink(root / str(world.org_b), root / str(world.org_a) / "other-org")
    pid = make_project(world)
    for target in ("key.csv", f"../{world.org_b}/theirs.jsonl", "other-org/theirs.jsonl", "missing.jsonl",
                   "../../" + str(backend.data_dir.name) + "/keys/platform_ed25519.pem"):
        r = world.client.post(f"/api/v1/projects/{pid}/imports", json={"path": target, "format": "csv"},
                              headers=world.h("manager"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path", (target, r.text)
    # every miss reads the same, so nothing is learnt about what exists outside
    messages = {world.client.post(f"/api/v1/projects/{pid}/imports", json={"path": t},
                                  headers=world.h("manager")).json()["errors"][0]["message"]
                for t in ("key.csv", "missing.jsonl", "other-org/theirs.jsonl")}
    assert len(messages) == 1
    assert _tasks(pid) == 0


def test_import_folder_may_not_overlap_the_data_or_keys_folder(tmp_path):
    for import_dir in (tmp_path, tmp_path / "keys", tmp_path / "sub" / ".."):
        with pytest.raises(ValueError, match="must not overlap"):
            Settings(data_dir=tmp_path, import_dir=import_dir)
    with pytest.raises(ValueError, match="must not overlap"):
        Settings(data_dir=tmp_path / "data", keys_dir=tmp_path / "secrets", import_dir=tmp_path / "secrets" / "x")
    Settings(data_dir=tmp_path / "data", import_dir=tmp_path / "imports")  # a sibling folder is fine


def test_the_job_checks_its_file_again_before_opening_it(world, backend, tmp_path, monkeypatch):
    """The folders can change between the request and the job: a path outside uploads and the
    organisation's import folder is refused when the job starts."""
    from crowdset.annotation.import_sources import check_job_source, new_upload_path

    _plant_secrets(backend.data_dir)
    with pytest.raises(Invalid):
        check_job_source(backend.data_dir / "keys" / "platform_ed25519.pem", world.org_a)
    upload = new_upload_path("x.jsonl")
    link = upload.parent / "link.csv"
    try:
        upload.write_text("{}\n")
        os.symlink(backend.data_dir / "keys" / "platform_ed25519.pem", link)
        assert check_job_source(upload, world.org_a) == upload.resolve()
        with pytest.raises(Invalid):
            check_job_source(link, world.org_a)
    finally:  # the uploads folder is shared by the tests of this backend
        upload.unlink(missing_ok=True)
        link.unlink(missing_ok=True)


def test_upload_names_are_chosen_by_the_server(world, backend):
    from crowdset.annotation.import_sources import new_upload_path

    for name in ("../../keys/x.pem", "a/../../b.csv", "x.c\x00sv", "evil.csv/../../..", None):
        path = new_upload_path(name)
        assert path.parent == backend.data_dir / "uploads" and "/" not in path.name and "\x00" not in path.name


def test_import_errors_never_echo_the_files_text(world):
    """A file whose first line is secret: the errors name fields and rows, not its content."""
    pid = make_project(world)  # choices on data.text
    secret_csv = f"{PEM_HEADER}\nMC4CAQAwBQYDK2VwBCIEIGZpbGUtY29udGVudC1tdXN0LW5vdC1sZWFr\n-----END PRIVATE KEY-----\n"
    r = world.client.post(f"/api/v1/projects/{pid}/imports?format=csv", content=secret_csv.encode(),
                          headers={**world.h("manager"), "Content-Type": "text/csv"})
    job = world.client.get(r.json()["url"], headers=world.h("manager")).json()
    assert job["state"] == "failed"
    text = json.dumps(job, ensure_ascii=False)
    assert "PRIVATE" not in text and "MC4CAQ" not in text, text
    assert all(e["field"] == "data.text" and e.get("row") for e in job["result"]["errors"])
    rows = '{"data": {"text": "x"}, "is_gold": "top-secret-flag"}\n{"data": {"text": "y"}, "priority": "hunter2"}\n'
    r = world.client.post(f"/api/v1/projects/{pid}/imports", content=rows.encode(),
                          headers={**world.h("manager"), "Content-Type": "application/x-ndjson"})
    job = world.client.get(r.json()["url"], headers=world.h("manager")).json()
    assert job["state"] == "failed" and {e["field"] for e in job["result"]["errors"]} == {"is_gold", "priority"}
    assert "top-secret-flag" not in json.dumps(job) and "hunter2" not in json.dumps(job)


def test_secrets_live_in_the_keys_folder_private(world, backend):
    from crowdset.demo import load_demo

    _plant_secrets(backend.data_dir)
    (backend.data_dir / "demo-credentials.txt").unlink()
    load_demo()
    keys = backend.data_dir / "keys"
    assert (keys / "demo-credentials.txt").stat().st_mode & 0o077 == 0
    assert (keys / "platform_ed25519.pem").stat().st_mode & 0o077 == 0
    assert not (backend.data_dir / "demo-credentials.txt").exists()
