"""The command line: ids printed, clear errors with non-zero exit, demo data, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from crowdset.console import command_line

app = command_line()

runner = CliRunner()


def test_help_on_every_command():
    for args in (["--help"], ["serve", "--help"], ["migrate", "--help"], ["demo", "--help"], ["org", "create", "--help"],
                 ["user", "create", "--help"], ["token", "create", "--help"], ["ledger", "verify", "--help"],
                 ["worker", "--help"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, (args, r.output)
        assert "Usage" in r.output


def test_org_user_token_round_trip(backend):
    r = runner.invoke(app, ["org", "create", "闽数科技", "--kind", "enterprise", "--credit-code", "91350100M000100Y43"])
    assert r.exit_code == 0, r.output
    org_id = int(r.output.strip())
    r = runner.invoke(app, ["user", "create", "pm@example.com", "--org", str(org_id), "--role", "manager",
                            "--password-stdin"], input="a long enough password\n")
    assert r.exit_code == 0, r.output
    int(r.output.strip())
    r = runner.invoke(app, ["token", "create", "--user", "pm@example.com", "--name", "ci"])
    assert r.exit_code == 0 and r.output.strip().startswith("cs_")


def test_bad_input_gives_message_and_nonzero_exit(backend):
    r = runner.invoke(app, ["org", "create", "坏码公司", "--kind", "enterprise", "--credit-code", "91350100M000100Y42"])
    assert r.exit_code == 1 and "credit_code" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["org", "create", "X", "--kind", "shop"])
    assert r.exit_code == 1 and "kind" in r.output
    r = runner.invoke(app, ["user", "create", "u@example.com", "--org", "no-such-org", "--password-stdin"],
                      input="a long enough password\n")
    assert r.exit_code == 1 and "not found" in r.output
    r = runner.invoke(app, ["token", "create", "--user", "ghost@example.com"])
    assert r.exit_code == 1
    r = runner.invoke(app, ["org", "create"])
    assert r.exit_code == 2  # usage error


def test_demo_is_idempotent_and_prints_logins(backend):
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("@crowdset.example.com") == 7
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0 and again.output == first.output
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
    env = {**os.environ, "CROWDSET_DATA_DIR": str(tmp_path), "CROWDSET_ARGON2_PROFILE": "test"}
    env.pop("CROWDSET_DATABASE_URL", None)
    exe = [sys.executable, "-m", "crowdset"]
    refused = subprocess.run([*exe, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "crowdset migrate" in refused.stderr
    subprocess.run([*exe, "migrate"], env=env, check=True, capture_output=True, timeout=120)
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
