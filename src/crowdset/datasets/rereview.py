"""Dynamic rating: re-evaluate what is due, demote on a lower grade, suspend what cannot be redone.

A dataset is due when its rating's validity has passed. Each due dataset is handled in its own
transactions, so one failure neither blocks nor rolls back the others. A re-review that cannot be
done (no version, file missing, unreadable) leaves the rating overdue: a published dataset is then
suspended ("rereview_overdue") until a later re-review succeeds, which lifts the suspension.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.datasets.catalogue import suspend
from crowdset.datasets.evaluations import request_evaluation, run_evaluation
from crowdset.datasets.models import Dataset, Evaluation, ReReview
from crowdset.datasets.policy import managed_datasets
from crowdset.datasets.rating import TIER_ORDER, newest_version
from crowdset.db import get_db, utcnow
from crowdset.ledger.service import actor_of, append

OVERDUE = "rereview_overdue"


def is_due(now: datetime) -> ColumnElement[bool]:
    """The due rule, as a condition on datasets: the rating's validity has passed by ``now``."""
    return Dataset.rating_valid_until.is_not(None) & (Dataset.rating_valid_until <= now)


def due(now: datetime) -> list[int]:
    with get_db().reading() as s:
        return list(s.scalars(select(Dataset.id).where(is_due(now)).order_by(Dataset.id)))


def due_for_rereview(s: Session, user: User, now: datetime, limit: int = 200) -> list[Dataset]:
    """The datasets ``user`` manages that are due for re-review by ``now`` (the job's rule), the longest
    overdue first. Pass a later ``now`` to see what falls due by then."""
    q = select(Dataset).where(is_due(now)).order_by(Dataset.rating_valid_until, Dataset.id).limit(limit)
    managed = managed_datasets(user)  # the datasets policy decides whose datasets these are
    if managed is not None:
        q = q.where(managed)
    return list(s.scalars(q))


def _profile_of(s: Any, ds: Dataset) -> str | None:
    ev = s.get(Evaluation, ds.rating_evaluation_id) if ds.rating_evaluation_id else None
    return ev.profile if ev is not None else None


def rereview_one(dataset_id: int, now: datetime, actor_id: int | None = None) -> dict[str, Any]:
    db = get_db()
    with db.transaction() as s:
        ds = s.get(Dataset, dataset_id)
        actor = s.get(User, actor_id) if actor_id else None
        old = {"rating": ds.rating, "tier": ds.reserve_tier, "due_at": ds.rating_valid_until}
        version = newest_version(s, ds.id)
        ev_id = None
        if version is not None:
            ev_id = request_evaluation(s, actor, ds, version, _profile_of(s, ds), reason="rereview").id
    error = "the dataset has no version to evaluate" if ev_id is None else None
    if ev_id is not None:
        try:
            run_evaluation(ev_id, now=now, actor_id=actor_id)
        except Exception as exc:  # recorded on the run; here it only decides the suspension
            error = getattr(exc, "detail", None) or str(exc)
    with db.transaction() as s:
        ds = s.get(Dataset, dataset_id)
        actor = s.get(User, actor_id) if actor_id else None
        if error is not None:
            outcome = "suspended" if ds.status == "published" else "failed"
            if outcome == "suspended":
                suspend(s, actor, ds, OVERDUE)
        else:
            outcome = {1: "promoted", 0: "kept", -1: "demoted"}[
                (TIER_ORDER[ds.reserve_tier] > TIER_ORDER[old["tier"]])
                - (TIER_ORDER[ds.reserve_tier] < TIER_ORDER[old["tier"]])]
            if ds.status == "suspended" and ds.suspended_reason == OVERDUE:
                ds.status, ds.suspended_reason = "published", None
                append(s, "dataset.status_changed", f"dataset:{ds.id}", actor_of(actor),
                       {"from": "suspended", "to": "published", "reason": "re-review done"})
        s.add(ReReview(dataset_id=ds.id, due_at=old["due_at"], ran_at=now, outcome=outcome, evaluation_id=ev_id,
                       old_rating=old["rating"], new_rating=ds.rating, old_tier=old["tier"],
                       new_tier=ds.reserve_tier, message=error or ""))
        s.flush()
        append(s, "dataset.rereviewed", f"dataset:{ds.id}", actor_of(actor),
               {"outcome": outcome, "evaluation_id": ev_id, "old_rating": old["rating"], "new_rating": ds.rating,
                "old_tier": old["tier"], "new_tier": ds.reserve_tier, "error": error})
        return {"dataset_id": ds.id, "name": ds.name, "outcome": outcome, "old_rating": old["rating"],
                "new_rating": ds.rating, "old_tier": old["tier"], "new_tier": ds.reserve_tier, "error": error}


def rereview(now: datetime | None = None, actor_id: int | None = None,
             progress: Callable[[int, int, str], None] | None = None) -> dict[str, Any]:
    """Re-review every due dataset; a summary with one line per dataset."""
    now = now or utcnow()
    ids = due(now)
    results = []
    for i, dataset_id in enumerate(ids):
        if progress is not None:
            progress(i, len(ids), f"dataset {dataset_id}")
        results.append(rereview_one(dataset_id, now, actor_id))
    counts: dict[str, int] = {}
    for r in results:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    return {"now": now.isoformat(), "due": len(ids), "outcomes": counts, "datasets": results}
