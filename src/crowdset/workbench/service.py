"""The signed-in person's workbench: one panel per role they hold, each filled by the owning domain.

- Annotator (an annotator in some project, or by account role): per project, the tasks they can still
  take and what they submitted today (``annotation.workload``).
- Reviewer and expert: per project where ``annotation.policy`` lets them review or arbitrate, the size
  of their own queues (their own annotations left out, as in the queues themselves).
- Manager: the projects they manage (``policy.projects_where(..., "manage")``) with progress and alerts:
  stuck jobs (``jobs.stuck``), low agreement in the latest quality run and annotators under the gold
  floor (``annotation.health``, which documents the thresholds).
- Dataset owner (account roles ``owner``/``manager``, who manage the organisation's datasets): the
  datasets due for re-review now or within ``DUE_SOON`` (``datasets.rereview.due_for_rereview``, the
  re-review job's own rule), and every dataset's current rating and reserve tier.

Plain functions over a session, returning plain data; no queries here (they live with their domain),
no web framework. A panel is None when the person does not hold the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowdset.annotation import health, policy, workload
from crowdset.auth.models import User
from crowdset.datasets import catalogue, rereview
from crowdset.datasets.models import Dataset
from crowdset.datasets.policy import MANAGER_ROLES, can_manage
from crowdset.db import utcnow
from crowdset.jobs.stuck import stuck_jobs

# A dataset whose rating lapses within this shows up before it is due, so its owner can prepare.
DUE_SOON = timedelta(days=30)
MAX_PROJECTS = 200  # per panel; the full lists are on /work, /review and /projects
MAX_DATASETS = 100
REVIEW_ROLES = ("reviewer", "expert")
ALERT_STATUSES = ("active", "paused")  # draft projects have no annotations, finished ones need no action


@dataclass(frozen=True)
class AnnotatorRow:
    project_id: int
    title: str
    status: str
    waiting: int  # tasks they can still take, capped at workload.WAITING_CAP + 1
    today: int
    below_gold_floor: bool

    @property
    def waiting_capped(self) -> bool:
        return self.waiting > workload.WAITING_CAP


@dataclass(frozen=True)
class AnnotatorPanel:
    rows: list[AnnotatorRow]
    today: int  # submitted today in all projects
    cap: int = workload.WAITING_CAP


@dataclass(frozen=True)
class Alert:
    kind: str  # "stuck_job" | "low_agreement" | "gold_failure"
    detail: dict[str, Any]


@dataclass(frozen=True)
class ManagerRow:
    project_id: int
    title: str
    status: str
    done: int
    total: int
    alerts: list[Alert] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class ManagerPanel:
    rows: list[ManagerRow]
    thresholds: dict[str, float]


@dataclass(frozen=True)
class DatasetRow:
    dataset_id: int
    name: str
    status: str
    rating: str | None
    tier: str
    valid_until: datetime | None
    due: str | None  # "overdue" | "soon" | None


@dataclass(frozen=True)
class DatasetsPanel:
    due: list[DatasetRow]  # overdue first, then due within DUE_SOON
    rows: list[DatasetRow]  # every dataset the person manages, with its rating
    soon_days: int = DUE_SOON.days


@dataclass(frozen=True)
class Workbench:
    name: str
    annotator: AnnotatorPanel | None
    queues: list[workload.QueueRow] | None
    manager: ManagerPanel | None
    datasets: DatasetsPanel | None

    @property
    def empty(self) -> bool:
        return all(p is None for p in (self.annotator, self.queues, self.manager, self.datasets))


def workbench(s: Session, user: User, now: datetime | None = None) -> Workbench:
    """Every panel ``user`` should see, as of ``now``."""
    now = now or utcnow()
    held = workload.held_project_roles(s, user)
    is_annotator = user.has_role("annotator") or "annotator" in held
    reviews = user.has_role(*REVIEW_ROLES) or bool(held & set(REVIEW_ROLES))
    manages = user.is_admin or user.has_role("manager") or "manager" in held
    owns_datasets = user.is_admin or user.has_role(*MANAGER_ROLES)
    return Workbench(
        name=user.display_name,
        annotator=annotator_panel(s, user, now) if is_annotator else None,
        queues=workload.queue_rows(s, user, MAX_PROJECTS) if reviews else None,
        manager=manager_panel(s, user, now) if manages else None,
        datasets=datasets_panel(s, user, now) if owns_datasets else None,
    )


def annotator_panel(s: Session, user: User, now: datetime) -> AnnotatorPanel:
    """The projects ``user`` annotates in, with the tasks left for them and today's count."""
    projects = workload.projects_as(s, user, "annotator", MAX_PROJECTS)
    today = workload.done_today_by_project(s, user.id, [p.id for p in projects], now)
    rows = []
    for p in projects:
        blocked = workload.below_gold_floor(s, user, p)  # the scheduler gives them nothing more here
        rows.append(AnnotatorRow(p.id, p.title, p.status, 0 if blocked else workload.waiting_for(s, user, p),
                                 today.get(p.id, 0), blocked))
    return AnnotatorPanel(rows, workload.done_today(s, user.id, now=now))


def manager_panel(s: Session, user: User, now: datetime) -> ManagerPanel:
    """The projects ``user`` manages, with progress and alerts; projects with alerts first."""
    projects = policy.projects_where(s, user, "manage", MAX_PROJECTS)
    done_total = health.progress(s, [p.id for p in projects])
    stuck: dict[int, list[Alert]] = {}
    for job in stuck_jobs(s, [f"project:{p.id}" for p in projects], now):
        pid = int(job.subject.partition(":")[2])
        stuck.setdefault(pid, []).append(Alert("stuck_job", {"job_id": job.id, "kind": job.kind, "why": job.why,
                                                            "since": job.since}))
    rows = []
    for p in projects:
        alerts = list(stuck.get(p.id, []))
        if p.status in ALERT_STATUSES:
            run = health.latest_quality_run(s, p.id)
            if run is not None:
                alerts += [Alert("low_agreement", {"run_id": run.id, **low}) for low in health.low_agreement(run)]
            alerts += [Alert("gold_failure", failure) for failure in health.gold_failures(s, p)]
        done, total = done_total[p.id]
        rows.append(ManagerRow(p.id, p.title, p.status, done, total, alerts))
    rows.sort(key=lambda r: (not r.alerts, r.project_id))
    thresholds = {"percent_agreement": health.LOW_PERCENT_AGREEMENT, "kappa": health.LOW_KAPPA,
                  "pairwise": health.LOW_PAIRWISE, "gold_floor": health.DEFAULT_GOLD_FLOOR}
    return ManagerPanel(rows, thresholds)


def _dataset_row(ds: Dataset, now: datetime) -> DatasetRow:
    due = None
    if ds.rating_valid_until is not None:
        if ds.rating_valid_until <= now:
            due = "overdue"
        elif ds.rating_valid_until <= now + DUE_SOON:
            due = "soon"
    return DatasetRow(ds.id, ds.name, ds.status, ds.rating, ds.reserve_tier, ds.rating_valid_until, due)


def datasets_panel(s: Session, user: User, now: datetime) -> DatasetsPanel:
    """The datasets ``user`` manages: those due for re-review (now or within ``DUE_SOON``), and all
    of them with their current rating."""
    due = [_dataset_row(ds, now) for ds in rereview.due_for_rereview(s, user, now + DUE_SOON)]
    listed = [ds for ds in catalogue.list_datasets(s, user, 0, MAX_DATASETS) if can_manage(user, ds)]
    return DatasetsPanel(due, [_dataset_row(ds, now) for ds in listed])
