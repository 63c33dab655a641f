"""The command line: ids printed, clear errors with non-zero exit, demo data, serve. Every command runs in
a fresh process (``tests.support.run_cli``), as an operator runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from tests.support import run_cli


def test_help_on_every_command():
    for args in (["--help"], ["serve", "--help"], ["migrate", "--help"], ["demo", "--help"],
                 ["org", "create", "--help"], ["user", "create", "--help"], ["token", "create", "--help"],
                 ["ledger", "verify", "--help"], ["worker", "--help"]):
        r = run_cli(*args)
        assert r.returncode == 0, (args, r.stderr)
        assert "Usage" in r.stdout


def test_org_user_token_round_trip(backend):
    r = run_cli("org", "create", "闽数科技", "--kind", "enterprise", "--credit-code", "91350100M000100Y43")
    assert r.returncode == 0, r.stderr
    org_id = int(r.stdout.strip())
    r = run_cli("user", "create", "pm@example.com", "--org", str(org_id), "--role", "manager", "--password-stdin",
                input="a long enough password\n")
    assert r.returncode == 0, r.stderr
    int(r.stdout.strip())
    r = run_cli("token", "create", "--user", "pm@example.com", "--name", "ci")
    assert r.returncode == 0 and r.stdout.strip().startswith("cs_"), r.stderr


def test_bad_input_gives_message_and_nonzero_exit(backend):
    r = run_cli("org", "create", "坏码公司", "--kind", "enterprise", "--credit-code", "91350100M000100Y42")
    assert r.returncode == 1 and "credit_code" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("org", "create", "X", "--kind", "shop")
    assert r.returncode == 1 and "kind" in r.stderr
    r = run_cli("user", "create", "u@example.com", "--org", "no-such-org", "--password-stdin",
                input="a long enough password\n")
    assert r.returncode == 1 and "not found" in r.stderr
    r = run_cli("token", "create", "--user", "ghost@example.com")
    assert r.returncode == 1
    r = run_cli("org", "create")
    assert r.returncode == 2  # usage error


def test_demo_is_idempotent_and_prints_logins(backend):
    first = run_cli("demo")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("@crowdset.example.com") == 7
    again = run_cli("demo")
    assert again.returncode == 0 and again.stdout == first.stdout
    from sqlalchemy import text

    from crowdset.db import get_db

    with get_db().reading() as s:
        assert s.execute(text("SELECT count(*) FROM users")).scalar() == 7
        assert s.execute(text("SELECT count(*) FROM orgs")).scalar() == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_the_platform(tmp_path):
    """`crowdset migrate` then `crowdset serve` on a fresh SQLite data directory."""
    fresh = {"CROWDSET_DATA_DIR": str(tmp_path), "CROWDSET_ARGON2_PROFILE": "test", "CROWDSET_DATABASE_URL": None}
    refused = run_cli("serve", "--port", "1", env=fresh)
    assert refused.returncode == 1 and "crowdset migrate" in refused.stderr
    migrated = run_cli("migrate", env=fresh)
    assert migrated.returncode == 0, migrated.stderr
    env = {k: v for k, v in {**os.environ, **fresh, "COLUMNS": "40"}.items() if v is not None}
    exe = [sys.executable, "-m", "crowdset"]
    port = _free_port()
    proc = subprocess.Popen([*exe, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.3)
        assert r.json()["status"] == "ok"
        assert "Crowdset" in httpx.get(f"http://127.0.0.1:{port}/").text
        assert (tmp_path / "crowdset.db").exists() and (tmp_path / "keys" / "secret_key").exists()
        mode = (tmp_path / "keys" / "secret_key").stat().st_mode & 0o777
        assert mode == 0o600
        import sqlite3

        con = sqlite3.connect(tmp_path / "crowdset.db")
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # a narrow terminal (COLUMNS=40) must not break the addresses over two lines
    banner = next(line for line in proc.stdout.read().decode().splitlines() if line.startswith("Crowdset serving"))
    assert f"http://127.0.0.1:{port}/api/v1/openapi.json" in banner, banner
