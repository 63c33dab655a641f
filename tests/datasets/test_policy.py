"""The datasets policy on its own: who may see, manage, download, create and administer datasets."""

from __future__ import annotations

import pytest

from crowdset.auth.models import User, UserRole
from crowdset.datasets import policy
from crowdset.datasets.models import Dataset
from crowdset.errors import Forbidden


def user(org_id: int | None, *roles: str) -> User:
    return User(id=1, org_id=org_id, role_rows=[UserRole(role=r) for r in roles])


ADMIN, OWNER, MANAGER, ANNOTATOR, OTHER = (user(None, "admin"), user(1, "owner"), user(1, "manager"),
                                           user(1, "annotator"), user(2, "manager"))


@pytest.mark.parametrize(("who", "view", "manage"), [
    (None, True, True), (ADMIN, True, True), (OWNER, True, True), (MANAGER, True, True),
    (ANNOTATOR, True, False), (OTHER, False, False),
])
def test_view_and_manage(who, view, manage):
    ds = Dataset(id=7, org_id=1, security_level="general")
    assert (policy.can_view(who, ds), policy.can_manage(who, ds)) == (view, manage)
    assert policy.can_download(who, ds) == view


def test_core_data_is_never_downloaded():
    core = Dataset(id=7, org_id=1, security_level="core")
    for who in (None, ADMIN, OWNER):
        assert not policy.can_download(who, core)
        with pytest.raises(Forbidden, match="never exported"):
            policy.check_download(who, core)


def test_administrators_designate_and_rereview_owners_create():
    for check in (policy.check_designate, policy.check_rereview, policy.check_suspension_change):
        check(None)
        check(ADMIN)
        with pytest.raises(Forbidden):
            check(MANAGER)
    assert [policy.can_create_datasets(u) for u in (None, ADMIN, OWNER, MANAGER, ANNOTATOR)] == [
        True, True, True, True, False]
    with pytest.raises(Forbidden):
        policy.check_may_create(ANNOTATOR)


def test_listing_keeps_the_users_organisation():
    assert policy.visible_datasets(None) is None and policy.visible_datasets(ADMIN) is None
    assert "org_id" in str(policy.visible_datasets(ANNOTATOR))
