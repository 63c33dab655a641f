"""Who may do what to a dataset: the one place the datasets domain answers "may this actor do this".

The services ask here before they act; the API, the pages and the command line never decide, they
only present the NotFound or Forbidden raised here. ``user`` None is the operator at the command
line, who may do anything. Another organisation's dataset is NotFound, not Forbidden, so its
existence does not leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.auth.service import get_org
from crowdset.datasets.models import SECURITY_LEVEL_ZH, Dataset
from crowdset.db import MAX_ID
from crowdset.errors import Forbidden, NotFound
from crowdset.messages import msg

if TYPE_CHECKING:
    from crowdset.annotation.models import Project

# Account roles that create and manage an organisation's datasets.
MANAGER_ROLES = ("owner", "manager")
# What one may ask of a dataset through ``get_dataset``: seeing it, and the owner's work on it
# (changing its entry, adding a version by upload or from a project, asking for an evaluation).
NEEDS = ("view", "manage", "publish", "evaluate")


def can_view(user: User | None, dataset: Dataset) -> bool:
    return user is None or user.is_admin or user.org_id == dataset.org_id


def can_manage(user: User | None, dataset: Dataset) -> bool:
    return user is None or user.is_admin or (user.org_id == dataset.org_id and user.has_role(*MANAGER_ROLES))


def can_download(user: User | None, dataset: Dataset) -> bool:
    """Whether the version files and records of ``dataset`` may leave the platform for ``user``."""
    return can_view(user, dataset) and dataset.security_level != "core"


def can_create_datasets(user: User | None) -> bool:
    """Whether ``user`` holds an account role that creates datasets (in their own organisation)."""
    return user is None or user.is_admin or user.has_role(*MANAGER_ROLES)


def visible_datasets(user: User | None) -> ColumnElement[bool] | None:
    """The condition a listing for ``user`` keeps rows by: their own organisation's datasets
    (None: every dataset, for administrators and the operator)."""
    if user is None or user.is_admin:
        return None
    return Dataset.org_id == user.org_id


def managed_datasets(user: User | None) -> ColumnElement[bool] | None:
    """The condition a listing of the datasets ``user`` manages keeps rows by, the same rule as
    ``can_manage`` (None: every dataset, for administrators and the operator)."""
    if user is None or user.is_admin:
        return None
    if user.org_id is None or not user.has_role(*MANAGER_ROLES):
        return false()
    return Dataset.org_id == user.org_id


def manages_dataset_id(s: Session, user: User | None, dataset_id: int) -> bool:
    """Whether ``user`` manages the dataset with this id (False when there is none)."""
    dataset = s.get(Dataset, dataset_id) if 0 < dataset_id <= MAX_ID else None
    return dataset is not None and user is not None and can_manage(user, dataset)


def get_dataset(s: Session, user: User | None, dataset_id: int, need: str = "view") -> Dataset:
    """The dataset if ``user`` may ``need`` (one of ``NEEDS``) it; another organisation's is NotFound,
    a dataset one sees but may not change is Forbidden."""
    if need not in NEEDS:
        raise ValueError(f"unknown need {need!r}")
    ds = s.get(Dataset, dataset_id) if 0 < dataset_id <= MAX_ID else None
    if ds is None or not can_view(user, ds):
        raise NotFound(msg("dataset.not_found", id=dataset_id))
    if need != "view" and not can_manage(user, ds):
        raise Forbidden(msg("dataset.manage_forbidden"))
    return ds


def check_create(s: Session, user: User | None, org_id: int) -> None:
    """Owners and managers create datasets in their own organisation, administrators in any; an
    organisation the user may not see is NotFound."""
    get_org(s, user, org_id)
    if user is not None and not (user.is_admin or (user.org_id == org_id and user.has_role(*MANAGER_ROLES))):
        raise Forbidden(msg("dataset.create_forbidden"))


def check_may_create(user: User | None) -> None:
    """For the new-dataset form: the account must hold a role that creates datasets."""
    if not can_create_datasets(user):
        raise Forbidden(msg("dataset.create_forbidden_any"))


def dataset_to_edit(s: Session, user: User | None, dataset_id: int) -> Dataset:
    """For the edit form: the role first (Forbidden whichever dataset is asked for), then the dataset."""
    check_may_create(user)
    return get_dataset(s, user, dataset_id, "manage")


def check_suspension_change(user: User | None) -> None:
    """Suspending a dataset, or lifting a suspension, is an administrator's decision."""
    if user is not None and not user.is_admin:
        raise Forbidden(msg("dataset.suspend_forbidden"))


def check_designate(user: User | None) -> None:
    """Designating a strategic dataset (the third condition of the strategic tier) is an administrator's."""
    if user is not None and not user.is_admin:
        raise Forbidden(msg("dataset.strategic_forbidden"))


def check_rereview(user: User | None) -> None:
    """Re-reviewing every due dataset of every organisation is an administrator's."""
    if user is not None and not user.is_admin:
        raise Forbidden(msg("dataset.rereview_forbidden"))


def check_download(user: User | None, dataset: Dataset) -> None:
    """Core data never leaves the platform (GB/T 43697-2024), not even to its owner's download."""
    if not can_download(user, dataset):
        raise Forbidden(msg("dataset.core_not_exported", core=SECURITY_LEVEL_ZH["core"], id=dataset.id))


def project_to_publish(s: Session, user: User | None, project_id: int) -> Project:
    """A project whose export ``user`` may publish as a version: one they may review (its export is
    then theirs to read). The dataset side is ``get_dataset(..., "publish")``."""
    from crowdset.annotation.policy import get_project

    return get_project(s, user, project_id, "review")


def publishable_projects(s: Session, user: User, dataset: Dataset) -> list[Project]:
    """Projects of the dataset's organisation whose export ``user`` may publish into it."""
    from crowdset.annotation.policy import projects_where

    return [p for p in projects_where(s, user, "review", 500) if p.org_id == dataset.org_id]
