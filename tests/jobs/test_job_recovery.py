"""Jobs whose process died are failed (or re-queued) with a reason, their uploads removed; and a job is
readable only by its creator, administrators and the managers of what it concerns."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from crowdset.db import get_db, utcnow
from crowdset.jobs import queue
from crowdset.jobs.heartbeat import beat_key, me, read_beat
from crowdset.jobs.models import Job
from crowdset.jobs.recovery import MAX_ATTEMPTS, Policy, recover, set_policy, sweep
from crowdset.jobs.service import create_job
from tests.conftest import configure

# ---------------------------------------------------------------- kill -9 of a real `crowdset serve`

N_TASKS = 300_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "crowdset", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            return proc
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def _tasks_in(db: Path, project_id: int) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM tasks WHERE project_id = ?", (project_id,)).fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow  # about 20-25 s: three CLI commands, two server starts and a 300k-task import
def test_kill_9_during_an_import_fails_the_job_on_restart(tmp_path):
    """A real server killed with SIGKILL in the middle of a 300k-task import: after the restart the job
    is failed with a reason naming the dead worker, no task was imported, and uploads/ is empty."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROWDSET_")}
    env.update(CROWDSET_DATA_DIR=str(data), CROWDSET_ARGON2_PROFILE="test", CROWDSET_JOBS_IMMEDIATE="0")
    cli = [sys.executable, "-m", "crowdset"]
    for args in (["migrate"], ["demo"]):
        subprocess.run([*cli, *args], env=env, check=True, capture_output=True, timeout=120)
    token = subprocess.run([*cli, "token", "create", "--user", "manager@crowdset.example.com"], env=env,
                           check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    big = tmp_path / "tasks.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        for i in range(N_TASKS):
            fh.write(json.dumps({"data": {"text": f"第{i}条评论：物流很快，包装完好"}}, ensure_ascii=False) + "\n")

    port = _free_port()
    proc = _serve(env, port)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        [project] = [p for p in httpx.get(f"{base}/projects", headers=auth).json()["items"]
                     if p["title"].startswith("电商评论")]
        before = _tasks_in(data / "crowdset.db", project["id"])
        with big.open("rb") as body:
            r = httpx.post(f"{base}/projects/{project['id']}/imports", content=body, timeout=120,
                           headers={**auth, "Content-Type": "application/x-ndjson"})
        assert r.status_code == 202, r.text
        job_url = f"http://127.0.0.1:{port}{r.json()['url']}"
        deadline = time.monotonic() + 60
        while True:  # kill it mid-way: some batches inserted, none committed
            live = httpx.get(job_url, headers=auth).json()
            if live["state"] != "queued" and (live["state"] != "running" or live["percent"] >= 5):
                break
            assert time.monotonic() < deadline, "the import never started"
            time.sleep(0.02)
        assert live["state"] == "running", "the import finished before it could be killed: make the file larger"
        assert len(list((data / "uploads").iterdir())) == 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        dead_pid = proc.pid
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)

    proc = _serve(env, port)
    try:
        job = httpx.get(job_url, headers=auth).json()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert job["state"] == "failed", job
    assert job["error"] == (f"the worker running it stopped ({socket.gethostname()}/{dead_pid}) before it "
                            "finished; nothing was imported")
    assert job["result"] == {"detail": job["error"]} and job["finished_at"] is not None
    assert _tasks_in(data / "crowdset.db", project["id"]) == before
    assert list((data / "uploads").iterdir()) == []


# ---------------------------------------------------------------- the sweep and start-up recovery

OTHER_HOST = "gpu-node-7"


def _running(kind: str, params: dict | None = None, *, host: str = OTHER_HOST, pid: int = 4242,
             worker_id: str = "f" * 32, beat_age: float = 600.0, attempts: int = 1) -> str:
    """A job row left ``running`` by some worker, its last heartbeat ``beat_age`` seconds ago."""
    now = utcnow()
    with get_db().transaction() as s:
        job = create_job(s, kind, params or {}, None)
        job.state, job.attempts = "running", attempts
        job.started_at = job.heartbeat_at = now - timedelta(seconds=beat_age)
        job.worker_host, job.worker_pid, job.worker_id = host, pid, worker_id
        return job.id


def _job(job_id: str) -> Job:
    with get_db().reading() as s:
        return s.get(Job, job_id)


def _wait(job_id: str, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while (job := _job(job_id)).state not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, f"job {job_id} is still {job.state}"
        time.sleep(0.05)
    return job


def _upload(backend, name: str) -> Path:
    folder = backend.data_dir / "uploads"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text('{"data": {"text": "x"}}\n')
    return path


def test_stale_heartbeat_on_another_machine_is_failed_by_the_sweep(backend):
    upload = _upload(backend, "a1b2.jsonl")
    keep = backend.data_dir / "elsewhere.jsonl"  # not in uploads/: never deleted, whatever the params say
    keep.write_text("x\n")
    stale = _running("tasks.import", {"project_id": 7, "path": str(upload), "delete_after": True})
    stale_path_outside = _running("tasks.import", {"project_id": 7, "path": str(keep), "delete_after": True})
    fresh = _running("tasks.import", beat_age=3)

    found = sweep()
    assert found is not None and set(found.failed) == {stale, stale_path_outside} and found.requeued == []
    job = _job(stale)
    assert job.state == "failed" and job.finished_at is not None
    assert job.message == (f"the worker running it stopped ({OTHER_HOST}/4242) before it finished; "
                           "nothing was imported")
    assert job.result == {"detail": job.message} and "no heartbeat since" in job.error
    assert not upload.exists() and keep.exists()
    assert _job(fresh).state == "running"


def test_a_beat_in_the_key_value_store_keeps_a_job_alive(backend):
    """On SQLite the row's heartbeat cannot be written while the job holds the write lock: the beat in
    huey's store counts too, but only one by the worker the row names."""
    alive = _running("tasks.import", worker_id="a" * 32)
    impostor = _running("tasks.import", worker_id="b" * 32)
    queue.get_huey().put(beat_key(alive), (utcnow().timestamp(), "a" * 32, OTHER_HOST, 4242))
    queue.get_huey().put(beat_key(impostor), (utcnow().timestamp(), "c" * 32, OTHER_HOST, 4242))
    assert read_beat(alive, "a" * 32) is not None and read_beat(impostor, "b" * 32) is None
    found = sweep()
    assert found is not None and found.failed == [impostor]
    assert _job(alive).state == "running" and _job(impostor).state == "failed"


def test_the_consumer_sweeps_periodically(backend, monkeypatch):
    configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0", jobs_heartbeat_seconds="0.05",
              jobs_stale_seconds="0.3")
    c = queue.start_consumer(workers=1)
    try:
        job = _wait(_running("quality.run", beat_age=5), timeout=15)
    finally:
        queue.stop_consumer(c)
    assert job.state == "failed" and job.message.endswith("nothing was stored; start the quality run again")


@queue.handler("test.hold_the_database")
def _hold(progress, params):  # noqa: ANN001
    """A job that holds the write lock (SQLite) for a while, as an import does."""
    with get_db().transaction() as s:
        s.execute(text("UPDATE orgs SET name = name"))
        time.sleep(params["seconds"])
    return {"held": params["seconds"]}


def test_heartbeat_goes_on_while_the_job_holds_the_database(backend, monkeypatch):
    """The job holds the database for 1.5 s, five stale thresholds: it beats all along (on SQLite into
    huey's store only, on PostgreSQL onto the row too), nobody takes it for dead, and it succeeds."""
    from crowdset.jobs.heartbeat import Worker
    from crowdset.jobs.recovery import why_dead

    configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0", jobs_heartbeat_seconds="0.05",
              jobs_stale_seconds="0.3")
    elsewhere = Worker(OTHER_HOST, 1, "e" * 32)
    c = queue.start_consumer(workers=1)
    try:
        with get_db().transaction() as s:
            job_id = create_job(s, "test.hold_the_database", {"seconds": 1.5}, None).id
        queue.enqueue(job_id)
        while _job(job_id).state == "queued":
            time.sleep(0.02)
        time.sleep(1.0)
        with get_db().reading() as s:
            job = s.get(Job, job_id)
            assert job.state == "running" and job.worker_id == me().id and job.worker_host == me().host
            assert why_dead(job, utcnow(), elsewhere, set()) is None  # as another machine's sweep sees it
            beat = read_beat(job_id, job.worker_id)
            assert beat is not None and (utcnow() - beat).total_seconds() < 0.3
            if not get_db().is_sqlite:
                assert (utcnow() - job.heartbeat_at).total_seconds() < 0.3
        done = _wait(job_id)
    finally:
        queue.stop_consumer(c)
    assert done.state == "succeeded" and done.result == {"held": 1.5}
    assert read_beat(job_id, done.worker_id) is None  # forgotten once finished


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_rerunnable_jobs_are_requeued_and_then_succeed(backend, monkeypatch):
    configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0")
    host = me().host
    verify = _running("ledger.verify", host=host, pid=_dead_pid(), worker_id="0" * 32, beat_age=1)
    worn_out = _running("ledger.verify", host=host, pid=_dead_pid(), worker_id="0" * 32, beat_age=1,
                        attempts=MAX_ATTEMPTS)
    restarted = _running("tasks.import", host=host, pid=os.getpid(), worker_id="1" * 32, beat_age=1)
    mystery = _running("test.mystery", host=host, pid=_dead_pid(), worker_id="0" * 32, beat_age=1)
    c = queue.start_consumer(workers=1)
    try:
        found = recover()
        assert found is not None and found.requeued == [verify]
        assert set(found.failed) == {worn_out, restarted, mystery}
        job = _wait(verify)
    finally:
        queue.stop_consumer(c)
    assert job.state == "succeeded" and job.result["ok"] is True and job.attempts == 2
    assert job.worker_id == me().id and job.error is None
    assert _job(worn_out).message.endswith(f"before it finished, {MAX_ATTEMPTS} times; not re-run again")
    assert _job(restarted).message == (f"the worker running it stopped ({host}/{os.getpid()}) before it "
                                       "finished; nothing was imported")
    assert _job(mystery).message.endswith("its work was not finished; start it again")


def test_a_declared_kind_is_requeued_and_a_duplicate_message_runs_nothing(backend):
    calls = []
    queue.handler("test.twice_is_fine")(lambda progress, params: calls.append(1) or {"n": len(calls)})
    set_policy("test.twice_is_fine", Policy(rerun=True))
    job_id = _running("test.twice_is_fine", host=me().host, pid=_dead_pid(), worker_id="0" * 32, beat_age=1)
    found = recover()  # jobs run inline here: the re-queued job has run when recover returns
    assert found is not None and found.requeued == [job_id]
    assert _job(job_id).state == "succeeded" and calls == [1]
    queue.enqueue(job_id)  # a stray second message: the job is no longer queued, so nothing runs
    assert calls == [1] and _job(job_id).state == "succeeded"


def test_orphan_uploads_are_removed_only_when_old_and_unowned(backend, monkeypatch):
    configure(monkeypatch, backend.url, backend.data_dir, uploads_orphan_hours="1")
    old_orphan, young, owned = (_upload(backend, n) for n in ("old.jsonl", "young.jsonl", "owned.jsonl"))
    two_hours_ago = time.time() - 7200
    for path in (old_orphan, owned):
        os.utime(path, (two_hours_ago, two_hours_ago))
    with get_db().transaction() as s:
        create_job(s, "tasks.import", {"path": str(owned), "delete_after": True}, None)  # queued: still owned
    found = recover()
    assert found is not None and found.removed == [str(old_orphan)]
    assert young.exists() and owned.exists() and not old_orphan.exists()


# ---------------------------------------------------------------- who may read a job


def test_a_job_is_visible_to_its_creator_admins_and_managers_of_its_subject(world):
    from crowdset.annotation.models import Project
    from crowdset.annotation.projects import add_member, create_project
    from crowdset.auth.models import User
    from tests.annotation.helpers import SENTIMENT, make_project
    from tests.datasets.helpers import create

    pid = make_project(world)  # by the organisation's manager; annotator (not annotator2/3 alone) works in it
    with get_db().transaction() as s:
        manager = s.get(User, world.users["manager"].id)
        other = create_project(s, manager, world.org_a, "另一个项目", SENTIMENT)
        add_member(s, manager, s.get(Project, pid), s.get(User, world.users["annotator2"].id), "manager")
        add_member(s, manager, other, s.get(User, world.users["annotator3"].id), "manager")
    # a failed import: its result lists rows of the file
    r = world.client.post(f"/api/v1/projects/{pid}/imports", files={"file": ("t.jsonl", b'{"data": 1}\n')},
                          headers=world.h("manager"))
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    seen = {who: world.client.get(url, headers=world.h(who)) for who in
            ("manager", "admin", "annotator2", "annotator", "reviewer", "annotator3", "manager_b", "annotator_b")}
    assert seen["manager"].json()["state"] == "failed" and seen["manager"].json()["result"]["errors"]
    assert {w for w, r in seen.items() if r.status_code == 200} == {"manager", "admin", "annotator2"}
    assert {r.status_code for w, r in seen.items() if w not in ("manager", "admin", "annotator2")} == {404}
    assert seen["annotator"].headers["content-type"].startswith("application/problem+json")

    # a job about a dataset: its organisation's managers; a job about nothing: creator and admins only
    dataset = create(world)
    with get_db().transaction() as s:
        about_dataset = create_job(s, "test.count", {"dataset_id": dataset["id"]},
                                   s.get(User, world.users["admin"].id)).id
        about_nothing = create_job(s, "test.count", {}, s.get(User, world.users["annotator2"].id)).id
    for job_id, allowed in ((about_dataset, {"admin", "manager"}), (about_nothing, {"admin", "annotator2"})):
        got = {who for who in ("admin", "manager", "annotator", "annotator2", "manager_b")
               if world.client.get(f"/api/v1/jobs/{job_id}", headers=world.h(who)).status_code == 200}
        assert got == allowed, job_id
