"""Rating, reserve tiers and rating validity (docs/evaluation.md, "Score and rating").

rating = grade of the newest succeeded evaluation of the newest version. Tiers:
basic (rating ≥ C), featured (≥ B and an industry kind), strategic (A, industry-specific and
designated by an administrator). The validity period follows the tier: strategic 6 months,
featured 12, basic 24; an unrated or D-rated dataset has no tier and nothing to re-review.
Every change of rating or tier is a ledger entry, written here and nowhere else.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.datasets import policy
from crowdset.datasets.models import Dataset, DatasetVersion, Evaluation
from crowdset.db import utcnow
from crowdset.ledger.service import actor_of, append

VALIDITY_MONTHS = {"strategic": 6, "featured": 12, "basic": 24}
TIER_ORDER = {"none": 0, "basic": 1, "featured": 2, "strategic": 3}
_GRADE_RANK = {"A": 4, "B": 3, "C": 2, "D": 1}
INDUSTRY_KINDS = ("industry-general", "industry-specific")


def at_least(rating: str | None, grade: str) -> bool:
    return rating is not None and _GRADE_RANK.get(rating, 0) >= _GRADE_RANK[grade]


def tier_for(rating: str | None, kind: str, designated: bool) -> str:
    """The reserve tier a dataset qualifies for."""
    if at_least(rating, "A") and kind == "industry-specific" and designated:
        return "strategic"
    if at_least(rating, "B") and kind in INDUSTRY_KINDS:
        return "featured"
    if at_least(rating, "C"):
        return "basic"
    return "none"


def add_months(when: datetime, months: int) -> datetime:
    """Same day ``months`` later, clamped to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def valid_until(tier: str, rated_at: datetime | None) -> datetime | None:
    months = VALIDITY_MONTHS.get(tier)
    return add_months(rated_at, months) if months and rated_at else None


def newest_version(s: Session, dataset_id: int) -> DatasetVersion | None:
    return s.scalar(select(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id)
                    .order_by(DatasetVersion.id.desc()).limit(1))


def rating_evaluation(s: Session, ds: Dataset) -> Evaluation | None:
    """The evaluation the rating comes from: newest succeeded one of the newest version."""
    version = newest_version(s, ds.id)
    if version is None:
        return None
    return s.scalar(select(Evaluation).where(Evaluation.version_id == version.id, Evaluation.state == "succeeded")
                    .order_by(Evaluation.id.desc()).limit(1))


def apply_rating(s: Session, actor: User | None, ds: Dataset, reason: str,
                 now: datetime | None = None) -> dict[str, Any]:
    """Recompute rating, tier and validity from the evaluations; ledger every change.

    ``now`` is when the rating takes effect (the evaluation's finish time by default; re-review
    passes its own clock so validity runs from the re-review)."""
    ev = rating_evaluation(s, ds)
    rating = ev.grade if ev is not None else None
    rated_at = (now or ev.finished_at or utcnow()) if ev is not None else None
    if ev is not None and ev.id == ds.rating_evaluation_id and now is None:
        rated_at = ds.rated_at  # same evaluation: the clock does not restart
    tier = tier_for(rating, ds.kind, ds.strategic_designated)
    until = valid_until(tier, rated_at)
    old = {"rating": ds.rating, "tier": ds.reserve_tier, "valid_until": ds.rating_valid_until}
    subject, who = f"dataset:{ds.id}", actor_of(actor)
    if (rating, getattr(ev, "id", None), until) != (ds.rating, ds.rating_evaluation_id, ds.rating_valid_until):
        ds.rating, ds.rating_evaluation_id, ds.rated_at, ds.rating_valid_until = (
            rating, getattr(ev, "id", None), rated_at, until)
        append(s, "dataset.rated", subject, who,
               {"rating": rating, "previous": old["rating"], "evaluation_id": ds.rating_evaluation_id,
                "valid_until": until.isoformat() if until else None, "reason": reason})
    if tier != ds.reserve_tier:
        ds.reserve_tier = tier
        append(s, "dataset.tier_changed", subject, who,
               {"from": old["tier"], "to": tier, "rating": rating, "kind": ds.kind,
                "strategic_designated": ds.strategic_designated, "reason": reason})
    s.flush()
    return {"rating": rating, "tier": tier, "previous_rating": old["rating"], "previous_tier": old["tier"],
            "valid_until": until}


def designate_strategic(s: Session, actor: User | None, dataset_id: int, designated: bool = True) -> Dataset:
    """An administrator's designation (or its withdrawal): the third condition of the strategic tier.
    The dataset comes back with the rating and tier that follow."""
    ds = policy.get_dataset(s, actor, dataset_id)
    policy.check_designate(actor)
    if ds.strategic_designated != designated:
        ds.strategic_designated = designated
        append(s, "dataset.strategic_designation", f"dataset:{ds.id}", actor_of(actor), {"designated": designated})
    apply_rating(s, actor, ds, "designation")
    return ds
