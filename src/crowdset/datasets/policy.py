"""Who may do what to a dataset: the one place the datasets domain answers "may this actor do this".

Services, pages and the command line ask here; nothing else decides. ``user`` None is the operator at
the command line, who may do anything. Another organisation's dataset is NotFound, not Forbidden, so
its existence does not leak."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.datasets.models import Dataset
from crowdset.errors import Forbidden, NotFound

# Account roles that manage an organisation's datasets.
MANAGER_ROLES = ("owner", "manager")


def can_manage(user: User | None, dataset: Dataset) -> bool:
    return user is None or user.is_admin or (user.org_id == dataset.org_id and user.has_role(*MANAGER_ROLES))


def can_view(user: User | None, dataset: Dataset) -> bool:
    return user is None or user.is_admin or user.org_id == dataset.org_id


def manages_dataset_id(s: Session, user: User | None, dataset_id: int) -> bool:
    """Whether ``user`` manages the dataset with this id (False when there is none)."""
    dataset = s.get(Dataset, dataset_id)
    return dataset is not None and user is not None and can_manage(user, dataset)


def get_dataset(s: Session, user: User | None, dataset_id: int, need: str = "view") -> Dataset:
    """The dataset if ``user`` may ``need`` ("view" | "manage") it; another organisation's is NotFound."""
    ds = s.get(Dataset, dataset_id)
    if ds is None or not can_view(user, ds):
        raise NotFound(f"dataset {dataset_id} not found")
    if need == "manage" and not can_manage(user, ds):
        raise Forbidden("only owners and managers of the organisation manage its datasets")
    return ds
