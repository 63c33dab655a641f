"""Access rules the attack found wanting, kept as regression tests: account lock-out by strangers,
a state-changing GET, CSRF tokens not bound to the session, judging one's own work, the token
revocation's actor, and two tabs overwriting one lease."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from crowdset.annotation.models import Project
from crowdset.annotation.projects import add_member
from crowdset.auth.models import LoginAttempt, User
from crowdset.db import get_db, utcnow
from crowdset.errors import Throttled, Unauthorized
from tests.annotation.helpers import add_tasks, choice, make_project, texts
from tests.support import PASSWORD

VICTIM = "reviewer@example.com"


def _login(email: str, password: str, ip: str):  # noqa: ANN202
    from crowdset.auth.service import authenticate

    with get_db().transaction() as s:
        return authenticate(s, email, password, ip)


# ---------------------------------------------------------------- log-in throttling


def test_a_stranger_cannot_lock_an_account(world):
    for _ in range(20):
        with pytest.raises((Unauthorized, Throttled)):
            _login(VICTIM, "wrong-password", "203.0.113.9")
    with pytest.raises(Throttled):
        _login(VICTIM, PASSWORD, "203.0.113.9")  # the failing source is slowed down...
    assert _login(VICTIM, PASSWORD, "198.51.100.7").email == VICTIM  # ...the owner, elsewhere, is not


def test_delays_grow_with_each_failure_and_pass(world):
    from crowdset.auth.service import growing_delay, login_wait

    assert [growing_delay(n, 5, 900) for n in (0, 4, 5, 6, 7, 20)] == [0, 0, 1, 2, 4, 900]
    ip = "203.0.113.10"
    with get_db().transaction() as s:
        long_ago = utcnow() - timedelta(seconds=5)
        s.add_all([LoginAttempt(email=VICTIM, ip=ip, succeeded=False, at=long_ago) for _ in range(7)])
    with get_db().reading() as s:
        assert login_wait(s, VICTIM, ip) == 0  # 7 failures: 4 s after the last, and 5 s have passed
    with pytest.raises(Unauthorized):
        _login(VICTIM, "wrong-again", ip)
    with get_db().reading() as s:
        assert 7 <= login_wait(s, VICTIM, ip) <= 8  # the 8th failure: 8 s from now
    with pytest.raises(Throttled) as refused:
        _login(VICTIM, PASSWORD, ip)
    assert 1 <= refused.value.retry_after <= 8


def test_a_source_spraying_many_accounts_is_slowed_down(world):
    ip = "203.0.113.11"
    emails = [f"{who}@example.com" for who in ("annotator", "annotator2", "annotator3", "expert", "manager")]
    for _ in range(4):
        for email in emails:
            with pytest.raises((Unauthorized, Throttled)):
                _login(email, "Summer2026!", ip)
    with pytest.raises(Throttled):
        _login("manager_b@example.com", PASSWORD, ip)  # 20 failures from here, across accounts
    assert _login("manager_b@example.com", PASSWORD, "198.51.100.8")


def test_login_page_says_how_long_to_wait(world):
    c = world.client
    token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    for _ in range(6):
        r = c.post("/login", data={"email": VICTIM, "password": "nope-nope-nope", "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "秒后再试" in r.text


# ---------------------------------------------------------------- GET /next and CSRF


def test_next_is_post_only(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(1), tmp_path)
    r = world.client.get(f"/api/v1/projects/{pid}/next", headers=world.h("annotator"))
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("application/problem+json")
    assert world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator")).status_code == 200
    paths = world.client.get("/api/v1/openapi.json").json()["paths"]
    assert list(paths["/projects/{project_id}/next"]) == ["post"]


def _session(world, who: str):  # noqa: ANN202
    """A fresh client logged in through the form; returns (client, csrf token of its pages)."""
    from fastapi.testclient import TestClient

    from crowdset.app import create_app

    client = TestClient(create_app())
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/login", data={"email": f"{who}@example.com", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/").text
    return client, page.split('name="csrf-token" content="')[1].split('"')[0]


def test_csrf_token_is_bound_to_the_session(world):
    alice, alice_token = _session(world, "annotator")
    mallory, mallory_token = _session(world, "annotator2")
    assert alice.post("/api/v1/tokens", json={"name": "mine"}, headers={"X-CSRF-Token": alice_token}).status_code == 201
    # Mallory's whole pair (cookie and token) planted into Alice's session is refused.
    from crowdset.http import csrf

    alice.cookies.set(csrf.COOKIE, mallory.cookies.get(csrf.COOKIE))
    r = alice.post("/api/v1/tokens", json={"name": "forged"}, headers={"X-CSRF-Token": mallory_token})
    assert r.status_code == 403
    # the token of the log-in form, from before the session existed, does not work after log-in
    from fastapi.testclient import TestClient

    from crowdset.app import create_app

    fresh = TestClient(create_app())
    anon_token = fresh.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = fresh.post("/login", data={"email": "annotator3@example.com", "password": PASSWORD, "csrf_token": anon_token},
                   follow_redirects=False)
    assert r.status_code == 303
    assert fresh.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": anon_token}).status_code == 403


# ---------------------------------------------------------------- judging one's own work


def _member(pid: int, who: str, role: str, world) -> None:  # noqa: ANN001
    with get_db().transaction() as s:
        add_member(s, None, s.get(Project, pid), s.get(User, world.users[who].id), role)


def test_nobody_reviews_their_own_annotation(world, tmp_path):
    pid = make_project(world, review_policy="all")
    add_tasks(pid, texts(1), tmp_path)
    _member(pid, "manager", "annotator", world)
    lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("manager")).json()
    aid = lease["annotation_id"]
    r = world.client.post(f"/api/v1/annotations/{aid}/submit", json={"result": choice("正面")},
                          headers=world.h("manager"))
    assert r.status_code == 200
    queue = world.client.get(f"/api/v1/projects/{pid}/review-queue", headers=world.h("manager")).json()
    assert aid not in [i["annotation"]["id"] for i in queue["items"]]
    for verdict in ("accept", "reject", "fix"):
        body = {"verdict": verdict, "comment": "自己", "result": choice("负面")}
        r = world.client.post(f"/api/v1/annotations/{aid}/review", json=body, headers=world.h("manager"))
        assert r.status_code == 403, r.text
    queue = world.client.get(f"/api/v1/projects/{pid}/review-queue", headers=world.h("reviewer")).json()
    assert aid in [i["annotation"]["id"] for i in queue["items"]]
    r = world.client.post(f"/api/v1/annotations/{aid}/review", json={"verdict": "accept"}, headers=world.h("reviewer"))
    assert r.status_code == 201


def test_nobody_arbitrates_a_task_they_annotated(world, tmp_path):
    pid = make_project(world, overlap=2, agreement_threshold=1.0)
    add_tasks(pid, texts(1), tmp_path)
    _member(pid, "expert", "annotator", world)
    for who, label in (("expert", "正面"), ("annotator", "负面")):
        lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who)).json()
        world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": choice(label)},
                          headers=world.h(who))
    task_id = lease["task_id"]
    queue = world.client.get(f"/api/v1/projects/{pid}/arbitration-queue", headers=world.h("expert")).json()
    assert task_id not in [i["task"]["id"] for i in queue["items"]]
    r = world.client.post(f"/api/v1/tasks/{task_id}/resolve", json={"result": choice("正面")},
                          headers=world.h("expert"))
    assert r.status_code == 403
    r = world.client.post(f"/api/v1/tasks/{task_id}/resolve", json={"result": choice("正面")},
                          headers=world.h("manager"))
    assert r.status_code == 200


def test_a_project_level_expert_gets_the_arbitration_page(world, tmp_path):
    """Pages ask the same policy as the API: an account annotator made a project's expert may arbitrate
    there, on the page as over the API."""
    pid = make_project(world)
    _member(pid, "annotator2", "expert", world)
    assert world.client.get(f"/api/v1/projects/{pid}/arbitration-queue",
                            headers=world.h("annotator2")).status_code == 200
    client, _ = _session(world, "annotator2")
    assert client.get(f"/arbitrate/{pid}").status_code == 200
    assert client.get("/review").status_code == 200
    assert client.get(f"/review/{pid}").status_code == 403


# ---------------------------------------------------------------- two tabs, one lease


def test_a_second_submit_of_one_lease_is_a_conflict(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(1), tmp_path)
    h = world.h("annotator")
    first = world.client.post(f"/api/v1/projects/{pid}/next", headers=h).json()
    second = world.client.post(f"/api/v1/projects/{pid}/next", headers=h).json()  # the other tab
    assert first["annotation_id"] == second["annotation_id"]
    aid = first["annotation_id"]
    done = world.client.post(f"/api/v1/annotations/{aid}/submit", json={"result": choice("正面")}, headers=h)
    assert done.status_code == 200
    r = world.client.post(f"/api/v1/annotations/{aid}/submit", json={"result": choice("负面")}, headers=h)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    current = r.json()["current"]
    assert current["result"] == choice("正面") and current["version"] == done.json()["version"]
    # an explicit edit with a stale version is refused; with the current one it goes through
    r = world.client.put(f"/api/v1/annotations/{aid}", json={"result": choice("中性"), "version": "2000-01-01"},
                         headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "version"
    r = world.client.put(f"/api/v1/annotations/{aid}", json={"result": choice("负面"), "version": current["version"]},
                         headers=h)
    assert r.status_code == 200 and r.json()["result"] == choice("负面")
    assert r.json()["version"] != current["version"]
    r = world.client.put(f"/api/v1/annotations/{aid}", json={"result": choice("中性"), "version": current["version"]},
                         headers=h)
    assert r.status_code == 409  # the first tab's version is stale now


# ---------------------------------------------------------------- the operator's actor in the ledger


def test_token_revoke_at_the_command_line_records_the_operator(world, backend):
    from crowdset.auth.models import ApiToken
    from crowdset.ledger.models import LedgerEntry

    with get_db().reading() as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.user_id == world.users["annotator"].id))
    env = {**os.environ, "CROWDSET_DATABASE_URL": backend.url, "CROWDSET_DATA_DIR": str(backend.data_dir)}
    done = subprocess.run([sys.executable, "-m", "crowdset", "token", "revoke", str(token_id)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with get_db().reading() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.kind == "token.revoked")
                         .order_by(LedgerEntry.seq.desc()).limit(1))
    assert entry.actor == "system" and entry.subject == f"token:{token_id}"
    assert json.loads(entry.payload)["user_id"] == world.users["annotator"].id
    missing = subprocess.run([sys.executable, "-m", "crowdset", "token", "revoke", "999999"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode != 0 and "not found" in missing.stderr + missing.stdout
