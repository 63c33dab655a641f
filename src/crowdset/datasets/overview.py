"""What a person browsing the catalogue sees, read in one call a page: the catalogue with its filters,
a dataset with its card, versions, evaluations and re-reviews, one evaluation's report, and the
forms that create or edit an entry.

Each function asks ``policy`` what the user may see and do, and hands the pages the answers
(``can_manage``, ``can_download``, ``can_create``) so no page decides for itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.datasets import policy
from crowdset.datasets.card import gather, render_card
from crowdset.datasets.catalogue import list_datasets
from crowdset.datasets.evaluate import available_profiles
from crowdset.datasets.evaluations import default_profile, evaluation_of, evaluations_of
from crowdset.datasets.models import (
    DATASET_KINDS,
    GRADES,
    SECURITY_LEVELS,
    SUPPLY_MODES,
    TIERS,
    Dataset,
    DatasetVersion,
    Evaluation,
    ReReview,
)
from crowdset.datasets.versions import versions_of
from crowdset.errors import CrowdsetError

if TYPE_CHECKING:
    from crowdset.annotation.models import Project

FILTERS = ("domain", "kind", "modality", "tier", "grade")


@dataclass
class Catalogue:
    """The catalogue page: what was found, the filter choices, and whether the user may add a dataset."""

    datasets: list[Dataset]
    error: str | None
    choices: dict[str, Any]
    can_create: bool
    total: int


def browse(s: Session, user: User, q: str | None, filters: dict[str, str | None]) -> Catalogue:
    """Datasets the user may see matching ``q`` and ``filters`` (``FILTERS``). An unknown filter
    value (a hand-made address) finds nothing and says why instead of failing the page."""
    everything = list_datasets(s, user, 0, 1000)
    error = None
    try:
        found = list_datasets(s, user, 0, 200, q=q, **{k: filters.get(k) for k in FILTERS})
    except CrowdsetError as exc:
        found, error = [], exc.detail
    choices = {"domain": sorted({d.domain for d in everything if d.domain}),
               "modality": sorted({d.modality for d in everything if d.modality}),
               "kind": DATASET_KINDS, "tier": TIERS, "grade": GRADES}
    return Catalogue(found, error, choices, policy.can_create_datasets(user), len(everything))


@dataclass
class Overview:
    """A dataset's page: the entry, its card (Markdown), versions, evaluations (newest first),
    re-reviews (newest first), and what the user may do with it."""

    ds: Dataset
    card: str
    versions: list[DatasetVersion]
    evaluations: list[Evaluation]
    rereviews: list[ReReview]
    can_manage: bool
    can_download: bool
    projects: list[Project]
    profiles: list[str]
    default_profile: str

    @property
    def version_of(self) -> dict[int, str]:
        """Version label by version id, for the evaluation history."""
        return {v.id: v.version for v in self.versions}


def dataset_overview(s: Session, user: User, dataset_id: int, lang: str = "both") -> Overview:
    """Everything a dataset's page shows; ``lang`` is the card's language (zh, en or both)."""
    ds = policy.get_dataset(s, user, dataset_id)
    manage = policy.can_manage(user, ds)
    rereviews = list(s.scalars(select(ReReview).where(ReReview.dataset_id == ds.id).order_by(ReReview.id.desc())))
    return Overview(
        ds=ds, card=render_card(gather(s, ds), lang), versions=versions_of(s, ds),
        evaluations=list(reversed(evaluations_of(s, ds, limit=200))), rereviews=rereviews,
        can_manage=manage, can_download=policy.can_download(user, ds),
        projects=policy.publishable_projects(s, user, ds) if manage else [],
        profiles=available_profiles(), default_profile=default_profile(ds))


@dataclass
class ReportView:
    """One evaluation run with its dataset and the version it evaluated."""

    ds: Dataset
    ev: Evaluation
    version: DatasetVersion | None


def evaluation_overview(s: Session, user: User, dataset_id: int, evaluation_id: int) -> ReportView:
    """An evaluation of a dataset the user may see, for its report page."""
    ds = policy.get_dataset(s, user, dataset_id)
    ev = evaluation_of(s, ds, evaluation_id)
    return ReportView(ds, ev, s.get(DatasetVersion, ev.version_id))


@dataclass
class Form:
    """The create or edit form: the entry (None for a new one) and the choices the form offers."""

    ds: Dataset | None
    kinds: tuple[str, ...] = DATASET_KINDS
    levels: tuple[str, ...] = SECURITY_LEVELS
    supply_modes: tuple[str, ...] = SUPPLY_MODES


def new_dataset_form(user: User) -> Form:
    """The form for a new dataset, for someone who may create one."""
    policy.check_may_create(user)
    return Form(None)


def edit_dataset_form(s: Session, user: User, dataset_id: int) -> Form:
    """The form that edits a dataset's entry, for someone who manages it."""
    return Form(policy.dataset_to_edit(s, user, dataset_id))
