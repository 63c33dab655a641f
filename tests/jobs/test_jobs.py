"""Jobs run on a real huey consumer, with SQLite storage and with Redis storage."""

from __future__ import annotations

import time

import pytest

from crowdset.db import get_db
from crowdset.jobs import queue
from crowdset.jobs.models import Job
from crowdset.jobs.service import create_job
from tests.conftest import configure


@queue.handler("test.count")
def _count(progress, params):  # noqa: ANN001
    for i in range(params["n"]):
        progress(100 * (i + 1) / params["n"], f"{i + 1}/{params['n']}")
    return {"counted": params["n"], "url": "/api/v1/things/1"}


@queue.handler("test.fail")
def _fail(progress, params):  # noqa: ANN001
    raise ValueError("the input file has no rows")


def _redis_ok() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def _wait(job_id: str, timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with get_db().reading() as s:
            job = s.get(Job, job_id)
            if job.state in ("succeeded", "failed"):
                return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture(params=["sqlite-huey", "redis-huey"])
def consumer(request, backend, monkeypatch, tmp_path):
    if request.param == "redis-huey":
        if not _redis_ok():
            pytest.skip("Redis not reachable on 127.0.0.1:6379")
        configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0", jobs_url="redis://127.0.0.1:6379/15")
        queue.get_huey().flush()
    else:
        configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0")
    c = queue.start_consumer(workers=2)
    yield request.param
    queue.stop_consumer(c)


def _submit(kind: str, params: dict) -> str:
    with get_db().transaction() as s:
        job = create_job(s, kind, params, None)
        job_id = job.id
    queue.enqueue(job_id)
    return job_id


def test_job_runs_with_progress_and_result(consumer):
    job = _wait(_submit("test.count", {"n": 5}))
    assert job.state == "succeeded" and job.percent == 100.0
    assert job.result == {"counted": 5, "url": "/api/v1/things/1"}
    assert job.started_at is not None and job.finished_at >= job.started_at


def test_failed_job_records_its_error(consumer):
    job = _wait(_submit("test.fail", {}))
    assert job.state == "failed" and "no rows" in job.message


def test_job_resource_over_the_api(world, monkeypatch, backend):
    configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0")
    c = queue.start_consumer(workers=1)
    try:
        r = world.client.post("/api/v1/ledger/verify", headers=world.h("admin"))
        assert r.status_code == 202 and r.json()["state"] == "queued"
        # a long poll answers once the job has finished, in one request
        done = world.client.get(r.json()["url"], params={"wait": 20}, headers=world.h("admin"))
        assert done.status_code == 200 and done.json()["state"] == "succeeded"
        too_long = world.client.get(r.json()["url"], params={"wait": 31}, headers=world.h("admin"))
        assert too_long.status_code == 422 and "wait" in too_long.text
        _wait(r.json()["id"])
        body = world.client.get(r.json()["url"], headers=world.h("admin")).json()
        assert body["state"] == "succeeded" and body["result"]["ok"] is True
        assert world.client.get("/api/v1/jobs/nope", headers=world.h("admin")).status_code == 404
    finally:
        queue.stop_consumer(c)


def test_enqueue_wakes_an_idle_in_process_worker(backend, monkeypatch):
    """With polling slowed to a minute, a job enqueued here still runs at once: enqueue wakes the
    sleeping worker (without the wake-up this test would wait out the poll interval and fail)."""
    configure(monkeypatch, backend.url, backend.data_dir, jobs_immediate="0")
    monkeypatch.setattr(queue, "POLLING", {"initial_delay": 60.0, "backoff": 1.0, "max_delay": 60.0})
    c = queue.start_consumer(workers=1)
    try:
        time.sleep(0.3)  # the worker found the queue empty and is asleep
        job = _wait(_submit("test.count", {"n": 2}), timeout=20)
        assert job.state == "succeeded"
    finally:
        queue.stop_consumer(c)
