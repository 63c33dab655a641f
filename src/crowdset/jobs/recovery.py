"""Jobs whose process died: found at start-up and by a periodic sweep, then failed or re-queued.

A job is taken for dead when it is ``running`` and

- the row names this host and a process that is gone (or a zombie), or names this very pid with another
  worker id (the pid was reused after a restart, as pid 1 is in every container start), or
- its last heartbeat (the later of the row's and the key-value store's) is older than
  ``jobs_stale_seconds``: how a job on another machine that died is found.

What happens next depends on the kind (``RECOVERY``): a kind that may safely run twice is re-queued (a
few times at most); anything else is failed with a reason that says what was lost. Imports are failed,
not re-run: they are all-or-nothing, so a killed import stored nothing, but a process killed just
after the import committed and before the row said so would import the file twice on a re-run.

Temporary files go too: the upload a dead job owned (``delete_after`` with a ``path`` inside
``<data_dir>/uploads/``), and files in that folder older than ``uploads_orphan_hours`` that no queued
or running job names (an upload cut off mid-way, a job lost before it ran).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.db import get_db, utcnow
from crowdset.jobs.heartbeat import HEARTBEAT, Worker, brief_write, forget_beat, me, read_beat
from crowdset.jobs.models import Job
from crowdset.logs import get_logger
from crowdset.settings import get_settings

log = get_logger(__name__)

MAX_ATTEMPTS = 3  # a re-runnable job that took its worker down this often is failed, not re-run for ever


@dataclass(frozen=True)
class Policy:
    """What to do with a job of one kind whose process died."""

    rerun: bool = False
    lost: str = "its work was not finished; start it again"


# Built-in kinds (named, not imported: this package imports no domain).
RECOVERY: dict[str, Policy] = {
    "tasks.import": Policy(lost="nothing was imported"),  # all-or-nothing, never run twice
    "quality.run": Policy(lost="nothing was stored; start the quality run again"),  # one transaction
    "ledger.verify": Policy(rerun=True),  # reads only
    "datasets.evaluate": Policy(rerun=True),  # recomputes the same report for the same version
    "datasets.rereview": Policy(rerun=True),  # re-reviews only the datasets still due
}


def set_policy(kind: str, policy: Policy) -> None:
    """Declare what recovery does for ``kind`` (kinds not declared are failed)."""
    RECOVERY[kind] = policy


def policy_for(kind: str) -> Policy:
    return RECOVERY.get(kind, Policy())


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): existence is all we know
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def stale_after() -> timedelta:
    """Silence longer than this means dead; never under three heartbeats, whatever the settings say."""
    s = get_settings()
    return timedelta(seconds=max(s.jobs_stale_seconds, 3 * s.jobs_heartbeat_seconds))


def last_beat(job: Job) -> datetime | None:
    beats = [t for t in (job.heartbeat_at, read_beat(job.id, job.worker_id), job.started_at) if t is not None]
    return max(beats) if beats else None


def why_dead(job: Job, now: datetime, worker: Worker, ours: set[str]) -> str | None:
    """Why the running ``job`` is taken for dead (None: it may be alive)."""
    if job.worker_id is not None and job.worker_id == worker.id:
        return None if job.id in ours else "this process lost track of it"
    if job.worker_host == worker.host and job.worker_pid is not None:
        if job.worker_pid == worker.pid:
            return "the process was restarted"
        if not pid_alive(job.worker_pid):
            return "the process is gone"
        # a live pid may be a live worker, or another program that reused the pid: the heartbeat says
    beat = last_beat(job)
    if beat is None or now - beat > stale_after():
        return f"no heartbeat since {beat.isoformat(timespec='seconds') if beat else 'it started'}"
    return None


def _who(job: Job) -> str:
    return f"{job.worker_host or 'unknown host'}/{job.worker_pid if job.worker_pid is not None else '?'}"


def upload_of(job: Job) -> Path | None:
    """The upload this job owns and should delete: ``delete_after`` with a path in the uploads folder."""
    params = job.params or {}
    if not params.get("delete_after") or not isinstance(params.get("path"), str):
        return None
    uploads = (get_settings().data_dir / "uploads").resolve()
    path = Path(params["path"])
    try:
        resolved = path.parent.resolve() / path.name  # the folder resolved, the file itself not followed
    except OSError:
        return None
    return resolved if resolved.parent == uploads else None


def _settle(job: Job, why: str, now: datetime) -> tuple[str, Path | None]:
    """Fail or re-queue one dead job; returns the action and the upload to remove (after commit)."""
    policy = policy_for(job.kind)
    who = _who(job)
    log.warning("job.worker_lost", job_id=job.id, kind=job.kind, worker=who, why=why)
    if policy.rerun and (job.attempts or 0) < MAX_ATTEMPTS:
        job.state, job.started_at, job.percent = "queued", None, 0.0
        job.message = f"re-queued: the worker running it stopped ({who}) before it finished"
        job.heartbeat_at, job.worker_host, job.worker_pid, job.worker_id = None, None, None, None
        return "requeued", None
    if policy.rerun:
        reason = (f"the worker running it stopped ({who}) before it finished, {job.attempts} times; "
                  "not re-run again")
    else:
        reason = f"the worker running it stopped ({who}) before it finished; {policy.lost}"
    job.state, job.finished_at, job.message, job.error = "failed", now, reason, f"{reason}\n({why})"
    job.result = {"detail": reason}
    return "failed", upload_of(job)


@dataclass
class Recovered:
    failed: list[str]
    requeued: list[str]
    removed: list[str]


def recover(wait_s: float = 5.0, now: datetime | None = None) -> Recovered | None:
    """Fail or re-queue the running jobs whose process died, then remove their uploads and old orphan
    uploads. Used at start-up and by the sweep. The write waits at most ``wait_s`` for the database
    (on SQLite a live job may hold the write lock for minutes): None when it gave up, and the next
    sweep tries again."""
    now = now or utcnow()
    try:
        with brief_write(wait_s=wait_s) as s:
            failed, requeued, uploads = _settle_dead(s, now)
    except Exception as exc:  # noqa: BLE001 - a busy database or a passing error; the next sweep retries
        log.info("jobs.recovery_skipped", error=(str(exc).splitlines() or [repr(exc)])[0])
        return None
    return _after_commit(failed, requeued, uploads, now)


def _settle_dead(s: Session, now: datetime) -> tuple[list[str], list[str], list[Path]]:
    worker, ours = me(), HEARTBEAT.running()
    failed: list[str] = []
    requeued: list[str] = []
    uploads: list[Path] = []
    for job in s.scalars(select(Job).where(Job.state == "running").order_by(Job.id).with_for_update()):
        why = why_dead(job, now, worker, ours)
        if why is None:
            continue
        action, upload = _settle(job, why, now)
        (requeued if action == "requeued" else failed).append(job.id)
        if upload is not None:
            uploads.append(upload)
    return failed, requeued, uploads


def _after_commit(failed: list[str], requeued: list[str], uploads: list[Path], now: datetime) -> Recovered:
    """What may only happen once the new states are committed: a re-queued job must be ``queued``
    when a worker picks it up, and a file is removed only once no live job names it."""
    from crowdset.jobs.queue import enqueue, get_huey, progress_key

    for job_id in failed + requeued:
        forget_beat(job_id)
        try:
            get_huey().get(progress_key(job_id))
        except Exception:  # noqa: BLE001 - progress is a courtesy
            log.debug("job.progress_not_cleared", job_id=job_id)
    for job_id in requeued:
        enqueue(job_id)
    removed = [str(p) for p in uploads if _unlink(p)]
    removed += remove_orphan_uploads(now)
    if failed or requeued or removed:
        log.info("jobs.recovered", failed=len(failed), requeued=len(requeued), removed=len(removed))
    return Recovered(failed, requeued, removed)


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("jobs.upload_not_removed", path=str(path), error=str(exc))
        return False


def remove_orphan_uploads(now: datetime | None = None) -> list[str]:
    """Remove files in the uploads folder older than ``uploads_orphan_hours`` that no queued or running
    job names. Young files are left alone: one may be a request body still arriving."""
    folder = get_settings().data_dir / "uploads"
    if not folder.is_dir():
        return []
    cutoff = (now or utcnow()).timestamp() - get_settings().uploads_orphan_hours * 3600
    old = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and p.stat().st_mtime < cutoff]
    if not old:
        return []
    live: set[str] = set()
    with get_db().reading() as s:
        for params in s.scalars(select(Job.params).where(Job.state.in_(("queued", "running")))):
            if isinstance(params, dict) and isinstance(params.get("path"), str):
                live.add(str(Path(params["path"]).resolve()))
    return [str(p) for p in old if str(p.resolve()) not in live and _unlink(p)]


def sweep() -> Recovered | None:
    """One periodic sweep: gives up after a second when a job holds the database."""
    return recover(wait_s=1.0)


class Sweeper:
    """A daemon thread in a process that consumes jobs: every quarter of the stale threshold it fails or
    re-queues jobs taken for dead (on any host) and removes orphan uploads."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crowdset-job-sweeper", daemon=True)

    @staticmethod
    def interval() -> float:
        return max(0.2, stale_after().total_seconds() / 4)

    def start(self) -> Sweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval()):
            started = time.monotonic()
            sweep()
            log.debug("jobs.swept", seconds=round(time.monotonic() - started, 3))
