"""Which process runs a job, and a heartbeat that says it is still alive.

Every process that runs jobs has an identity (host, pid and a random worker id, new on each start, so a
restarted process that got the same pid - pid 1 in a container - is still told apart). One daemon thread
per process beats for every job the process is running, every ``jobs_heartbeat_seconds``:

- into huey's key-value store (its own SQLite file, or Redis), always. That write never waits for the
  main database, where on SQLite the job itself usually holds the one write lock for minutes (an
  import is one transaction);
- onto the job rows (``heartbeat_at``) when the main database lets it at once: on PostgreSQL the rows are
  not locked by the job; on SQLite the write gives up after a fraction of a second and the key-value
  beat stands in until the next try.

Whoever judges liveness (``crowdset.jobs.recovery``) takes the later of the two.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from crowdset.db import Database, get_db, utcnow
from crowdset.logs import get_logger
from crowdset.settings import get_settings

log = get_logger(__name__)

# On SQLite a heartbeat or sweep write waits at most this long for the write lock instead of the
# session's busy_timeout (a minute): a job holding the lock must not make them hang.
BRIEF_WAIT_S = 0.25


@dataclass(frozen=True)
class Worker:
    """The process that runs jobs: enough to tell, later, whether it is still there."""

    host: str
    pid: int
    id: str

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}"


_me: Worker | None = None
_me_lock = threading.Lock()


def me() -> Worker:
    """This process's identity (a forked child gets its own)."""
    global _me
    with _me_lock:
        if _me is None or _me.pid != os.getpid():
            _me = Worker(socket.gethostname()[:255], os.getpid(), uuid.uuid4().hex)
        return _me


def beat_key(job_id: str) -> str:
    return f"crowdset:heartbeat:{job_id}"


def read_beat(job_id: str, worker_id: str | None) -> datetime | None:
    """The last key-value beat for ``job_id`` by ``worker_id`` (a beat by an earlier runner does not count)."""
    from crowdset.jobs.queue import get_huey

    try:
        value = get_huey().get(beat_key(job_id), peek=True)
    except Exception:  # noqa: BLE001 - an unreadable store means "no beat known", never a crash
        return None
    if not value or worker_id is None or value[1] != worker_id:
        return None
    return datetime.fromtimestamp(value[0], UTC)


def forget_beat(job_id: str) -> None:
    from crowdset.jobs.queue import get_huey

    try:
        get_huey().delete(beat_key(job_id))
    except Exception:  # noqa: BLE001 - a leftover beat only ever refers to a finished job
        log.warning("job.heartbeat_forget_failed", job_id=job_id)


@contextmanager
def brief_write(db: Database | None = None, wait_s: float = BRIEF_WAIT_S) -> Iterator[Session]:
    """A write transaction that fails after ``wait_s`` when another writer holds the lock, instead of
    waiting out the busy timeout (SQLite) or a row lock (PostgreSQL). Commits on success."""
    db = db or get_db()
    with db.engine.execution_options(crowdset_write=True).connect() as conn:
        driver = conn.connection.driver_connection if db.is_sqlite else None
        if driver is not None:
            driver.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
        try:
            with Session(bind=conn, expire_on_commit=False) as s:
                if not db.is_sqlite:
                    s.execute(text(f"SET LOCAL lock_timeout = '{max(1, int(wait_s * 1000))}ms'"))
                yield s
                s.commit()
        finally:
            if driver is not None:
                driver.execute("PRAGMA busy_timeout=60000")


def beat(job_ids: Iterable[str], worker: Worker | None = None) -> bool:
    """Record one beat for ``job_ids``; True when the rows got it too (not only the key-value store)."""
    from crowdset.jobs.models import Job
    from crowdset.jobs.queue import get_huey

    ids = list(job_ids)
    if not ids:
        return True
    worker = worker or me()
    now = utcnow()
    for job_id in ids:
        try:
            get_huey().put(beat_key(job_id), (now.timestamp(), worker.id, worker.host, worker.pid))
        except Exception as exc:  # noqa: BLE001 - a missed beat is retried at the next tick
            log.warning("job.heartbeat_store_failed", job_id=job_id, error=str(exc))
    try:
        with brief_write() as s:
            s.execute(update(Job).where(Job.id.in_(ids), Job.state == "running", Job.worker_id == worker.id)
                      .values(heartbeat_at=now))
        return True
    except Exception as exc:  # noqa: BLE001 - the database is busy (usually with this very job)
        log.debug("job.heartbeat_row_skipped", error=str(exc).splitlines()[0])
        return False


class Heartbeat:
    """The jobs this process is running, and the thread that beats for them."""

    def __init__(self) -> None:
        self._jobs: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()  # a newly tracked job gets its first beat now, not a whole interval on

    def running(self) -> set[str]:
        with self._lock:
            return set(self._jobs)

    def track(self, job_id: str) -> None:
        with self._lock:
            self._jobs.add(job_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="crowdset-heartbeat", daemon=True)
                self._thread.start()
        self._wake.set()

    def untrack(self, job_id: str, forget: bool = True) -> None:
        with self._lock:
            self._jobs.discard(job_id)
        if forget:
            forget_beat(job_id)

    def _run(self) -> None:
        while True:
            self._wake.wait(get_settings().jobs_heartbeat_seconds)
            self._wake.clear()
            ids = self.running()
            if ids:
                try:
                    beat(ids)
                except Exception as exc:  # noqa: BLE001 - the beating thread must outlive any one error
                    log.warning("job.heartbeat_failed", error=str(exc))


HEARTBEAT = Heartbeat()
