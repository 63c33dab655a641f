"""The policy modules of accounts, files, the ledger and jobs: each rule on its own (no database), then the
services asking them, so a face that forgets to check cannot open anything up."""

from __future__ import annotations

import pytest

from crowdset.auth.models import ApiToken, User, UserRole
from crowdset.auth.policy import (
    check_create_user,
    may_create_org,
    may_create_token,
    may_revoke_token,
    may_see_org,
    may_see_user,
    may_sign_in,
)
from crowdset.blobs.policy import may_upload, readable_by
from crowdset.errors import Forbidden
from crowdset.jobs.models import Job
from crowdset.jobs.policy import manage_checker, may_read_job
from crowdset.ledger.policy import may_read_entries, may_rotate_key, may_see_keys, may_verify
from tests.support import run_cli


def person(user_id: int, org_id: int | None, *roles: str, active: bool = True) -> User:
    u = User(id=user_id, email=f"u{user_id}@example.com", display_name="", password_hash="", org_id=org_id,
             is_active=active)
    u.role_rows = [UserRole(role=r) for r in roles]
    return u


ADMIN = person(1, None, "admin")
MANAGER_A = person(2, 10, "manager")
ANNOTATOR_A = person(3, 10, "annotator")
ANNOTATOR_B = person(4, 20, "annotator")


def test_accounts_rules():
    assert may_create_org(None) and may_create_org(ADMIN)
    assert not may_create_org(MANAGER_A)
    assert may_see_org(ANNOTATOR_A, 10) and not may_see_org(ANNOTATOR_A, 20)
    assert may_see_org(ADMIN, 20) and may_see_org(None, 20)
    assert may_see_user(ANNOTATOR_A, MANAGER_A) and not may_see_user(ANNOTATOR_A, ANNOTATOR_B)
    assert may_see_user(ADMIN, ANNOTATOR_B)
    assert may_sign_in(ANNOTATOR_A) and not may_sign_in(person(9, 10, active=False))


def test_who_creates_users():
    assert check_create_user(None, None, ["admin"]) is None  # the operator: anyone, anywhere
    assert check_create_user(ADMIN, 20, ["admin"]) == 20
    assert check_create_user(MANAGER_A, None, ["annotator"]) == 10  # into the manager's own org
    assert check_create_user(MANAGER_A, 10, ["reviewer"]) == 10
    with pytest.raises(Forbidden, match="admin role"):
        check_create_user(MANAGER_A, None, ["admin"])
    with pytest.raises(Forbidden, match="managers create users"):
        check_create_user(ANNOTATOR_A, None, ["annotator"])


def test_tokens_are_their_owners():
    token = ApiToken(id=7, user_id=ANNOTATOR_A.id, name="t", prefix="cs_", token_hash="x")
    assert may_create_token(ANNOTATOR_A, ANNOTATOR_A) and not may_create_token(MANAGER_A, ANNOTATOR_A)
    assert may_create_token(ADMIN, ANNOTATOR_A) and may_create_token(None, ANNOTATOR_A)
    assert may_revoke_token(ANNOTATOR_A, token) and may_revoke_token(ADMIN, token)
    assert may_revoke_token(None, token)
    assert not may_revoke_token(MANAGER_A, token)  # managing the organisation is not owning its tokens


def test_files_rules():
    assert may_upload(ANNOTATOR_A) and not may_upload(ADMIN)  # no organisation
    assert "org_id" in str(readable_by(ANNOTATOR_A))


def test_ledger_is_for_administrators_and_the_operator():
    for rule in (may_read_entries, may_verify, may_see_keys,
                 may_rotate_key):
        assert rule(None) and rule(ADMIN)
        assert not rule(MANAGER_A) and not rule(ANNOTATOR_A)


def test_jobs_are_read_by_creator_admins_and_subject_managers():
    job = Job(id="j", kind="tasks.import", params={}, subject="project:5", user_id=ANNOTATOR_A.id, org_id=10)
    managed = {"project": lambda s, user, ident: user.id == MANAGER_A.id and ident == 5}
    assert may_read_job(job, ANNOTATOR_A) and may_read_job(job, ADMIN)
    assert may_read_job(job, MANAGER_A, manage_checker(None, MANAGER_A, managed))
    assert not may_read_job(job, MANAGER_A)  # no subject check given: nobody manages it
    assert not may_read_job(job, person(5, 10, "manager"),
                                       manage_checker(None, person(5, 10, "manager"), managed))
    odd = manage_checker(None, MANAGER_A, managed)
    assert not odd("project:x") and not odd("dataset:5") and not odd("project")


def test_ledger_services_ask_the_policy(world):
    from crowdset.db import get_db
    from crowdset.ledger import service

    manager, admin = world.users["manager"], world.users["admin"]
    with get_db().transaction() as s:
        for call in (lambda: service.list_entries(s, manager), lambda: service.public_keys(manager),
                     lambda: service.start_verification(s, manager), lambda: service.rotate_key(s, manager)):
            with pytest.raises(Forbidden, match="requires one of the roles: admin"):
                call()
        assert [e.seq for e in service.list_entries(s, admin, 0, 3)] == [1, 2, 3]
        assert service.public_keys(None) and service.public_keys(admin)
    r = world.client.get("/api/v1/ledger", headers=world.h("manager"))
    assert r.status_code == 403 and r.json()["detail"] == "requires one of the roles: admin"


def test_organisations_listed_by_who_asks(world):
    from crowdset.auth import service
    from crowdset.db import get_db

    with get_db().reading() as s:
        assert [o.id for o in service.list_orgs(s, None)] == [world.org_a, world.org_b]
        assert [o.id for o in service.list_orgs(s, world.users["admin"], world.org_a)] == [world.org_b]
        assert [o.id for o in service.list_orgs(s, world.users["manager_b"])] == [world.org_b]


def test_org_list_at_the_command_line_lists_every_organisation(world):
    r = run_cli("org", "list")
    assert r.returncode == 0, r.stderr
    assert [line.split("\t")[:2] for line in r.stdout.splitlines()] == [
        [str(world.org_a), "甲标注公司"], [str(world.org_b), "乙研究院"]]
