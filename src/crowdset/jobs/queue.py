"""The huey queue behind jobs.

One huey task, ``execute(job_id)``, runs whichever handler is registered for the job's kind, so
adding a kind of long work is one plain function in its domain, named in ``crowdset.wiring``, and no
new queue plumbing. This package imports no domain. Storage: SqliteHuey in the data directory (a consumer
thread inside ``crowdset serve``) or RedisHuey when ``CROWDSET_JOBS_URL=redis://...`` (separate
``crowdset worker`` processes).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer, Worker

from crowdset.db import get_db, utcnow
from crowdset.errors import CrowdsetError
from crowdset.logs import get_logger
from crowdset.messages import params_json
from crowdset.settings import Settings, get_settings

log = get_logger(__name__)

Handler = Callable[["Progress", dict[str, Any]], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, fn: Handler) -> None:
    """Name the function that does the work of jobs of ``kind`` (``crowdset.wiring`` does, for every
    kind the platform has)."""
    _HANDLERS[kind] = fn


def handler(kind: str) -> Callable[[Handler], Handler]:
    """``register_handler`` as a decorator, for handlers defined where they are registered (tests)."""

    def register(fn: Handler) -> Handler:
        register_handler(kind, fn)
        return fn

    return register


def handler_for(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no job handler for kind {kind!r} (crowdset.wiring.wire() registers them)") from None


class Progress:
    """Reports percent and message for a running job.

    Progress goes to huey's key-value storage (its SQLite file, or Redis), not to the main
    database: a job usually holds one long write transaction, and on SQLite a second writer
    would wait for it. The job resource reads it back while the job runs."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    def __call__(self, percent: float, message: str = "") -> None:
        get_huey().put(progress_key(self.job_id), (max(0.0, min(100.0, float(percent))), message))


def progress_key(job_id: str) -> str:
    return f"crowdset:progress:{job_id}"


def read_progress(job_id: str) -> tuple[float, str] | None:
    try:
        value = get_huey().get(progress_key(job_id), peek=True)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the job row stays authoritative
        return None
    return tuple(value) if value else None  # type: ignore[return-value]


def run_job(job_id: str) -> None:
    """Execute one job by id, recording running / succeeded / failed with its result or error.

    The row names this process while the job runs and the heartbeat thread beats for it, so a job
    whose process dies is found and failed (or re-queued) by ``crowdset.jobs.recovery``. Only a queued
    job starts (a duplicate queue message runs nothing), and the final state is written only while
    the row still names this process: a job re-queued after it was taken for dead belongs to its new
    run. A job failed for dead whose process was in fact alive gets its real outcome back."""
    from crowdset.jobs.heartbeat import HEARTBEAT, me
    from crowdset.jobs.models import Job

    db = get_db()
    worker = me()
    HEARTBEAT.track(job_id)  # before the row says running, so this process's own sweep never misjudges it
    started = False
    try:
        with db.transaction() as s:
            job = s.get(Job, job_id, with_for_update=True)
            if job is None or job.state != "queued":
                log.warning("job.not_startable", job_id=job_id, state=getattr(job, "state", None))
                return
            started = True
            now = utcnow()
            job.state, job.started_at, job.heartbeat_at, job.attempts = "running", now, now, (job.attempts or 0) + 1
            job.worker_host, job.worker_pid, job.worker_id = worker.host, worker.pid, worker.id
            kind, params = job.kind, dict(job.params or {})
        _execute(db, job_id, kind, params, worker.id)
    finally:
        HEARTBEAT.untrack(job_id, forget=started)  # a job running elsewhere keeps its beat


def _still_ours(s: Any, job_id: str, worker_id: str) -> Any:
    from crowdset.jobs.models import Job

    job = s.get(Job, job_id, with_for_update=True)
    if job is None or job.worker_id != worker_id or job.state == "queued":
        log.warning("job.outcome_dropped", job_id=job_id, reason="the job was re-queued or removed")
        return None
    return job


def _execute(db: Any, job_id: str, kind: str, params: dict[str, Any], worker_id: str) -> None:
    try:
        result = handler_for(kind)(Progress(job_id), params)
    except Exception as exc:  # a failed job is data for the user, not a crashed worker
        log.error("job.failed", job_id=job_id, kind=kind, error=str(exc))
        detail = str(exc.detail) if isinstance(exc, CrowdsetError) else str(exc)
        with db.transaction() as s:
            job = _still_ours(s, job_id, worker_id)
            if job is not None:
                job.state, job.finished_at = "failed", utcnow()
                job.error = f"{detail}\n{traceback.format_exc(limit=5)}"
                job.message = detail[:500]
                if isinstance(exc, CrowdsetError):  # code and params: the reader's language is chosen when read
                    job.result = {"detail": detail, "code": exc.code, "params": params_json(exc.params)}
                    if exc.errors:  # e.g. every bad row of an import
                        job.result["errors"] = [e.as_dict() for e in exc.errors]
        get_huey().get(progress_key(job_id))
        return
    with db.transaction() as s:
        job = _still_ours(s, job_id, worker_id)
        if job is not None:
            job.state, job.percent, job.result, job.finished_at = "succeeded", 100.0, result or {}, utcnow()
            job.error, job.message = None, ""
    get_huey().get(progress_key(job_id))  # consume: the row now holds the final word


_huey: Huey | None = None
_huey_key: tuple | None = None
_lock = threading.Lock()


def make_huey(settings: Settings) -> Huey:
    if settings.jobs_url and settings.jobs_url.startswith("redis"):
        hq: Huey = RedisHuey("crowdset", url=settings.jobs_url, immediate=settings.jobs_immediate)
    else:
        settings.ensure_data_dir()
        hq = SqliteHuey(
            "crowdset", filename=str(settings.data_dir / "jobs.db"), immediate=settings.jobs_immediate
        )
    hq.crowdset_execute = hq.task(name="crowdset.execute")(run_job)  # type: ignore[attr-defined]
    return hq


def get_huey(settings: Settings | None = None) -> Huey:
    global _huey, _huey_key
    settings = settings or get_settings()
    key = (settings.jobs_url, str(settings.data_dir), settings.jobs_immediate)
    with _lock:
        if _huey is None or _huey_key != key:
            _huey, _huey_key = make_huey(settings), key
        return _huey


def reset_huey() -> None:
    global _huey, _huey_key
    with _lock:
        _huey, _huey_key = None, None


# Set when this process enqueues a job, so an idle in-process worker starts it at once instead of at
# its next poll. Jobs enqueued by another process are found by polling.
_wake = threading.Event()


def enqueue(job_id: str) -> None:
    get_huey().crowdset_execute(job_id)  # type: ignore[attr-defined]
    _wake.set()


class _WakeableWorker(Worker):
    """huey's worker, whose idle sleep also ends when this process enqueues a job."""

    def sleep(self) -> None:
        if self.delay > self.max_delay:
            self.delay = self.max_delay
        if _wake.wait(self.delay):
            _wake.clear()
        self.delay *= self.backoff


class _Consumer(Consumer):
    worker_class = _WakeableWorker

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()
        _wake.set()  # idle workers notice the stop now, not at their next poll
        super().stop(graceful)


# An idle SQLite queue is polled at most every half second for jobs other processes enqueue (huey's
# default backs off to 10 s, which a user waiting on an import would notice); jobs enqueued here wake
# a worker at once; Redis queues block on the list instead of polling.
POLLING = {"initial_delay": 0.05, "backoff": 1.2, "max_delay": 0.5}


def start_consumer(workers: int = 2) -> Consumer:
    """Start a consumer in background threads of this process (``crowdset serve``), with the sweep that
    fails or re-queues jobs whose process died (``crowdset.jobs.recovery``)."""
    from crowdset.jobs.recovery import Sweeper

    consumer = _Consumer(get_huey(), workers=workers, worker_type="thread", check_worker_health=False, **POLLING)
    consumer.start()
    consumer.crowdset_sweeper = Sweeper().start()  # type: ignore[attr-defined]
    return consumer


def stop_consumer(consumer: Consumer) -> None:
    sweeper = getattr(consumer, "crowdset_sweeper", None)
    if sweeper is not None:
        sweeper.stop()
    consumer.stop(graceful=True)
