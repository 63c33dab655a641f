"""Who may do what with organisations, users and tokens: the one place that answers, for the API, the
pages and the command line alike.

``actor`` None is the operator at the command line, who may do everything. Administrators may do
everything too; everyone else sees their own organisation and its people, and acts on their own
tokens. Something a person may not see answers "not found" (the services raise it), so its existence
does not leak.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, true

from crowdset.auth.models import ApiToken, Org, User
from crowdset.errors import Forbidden
from crowdset.messages import msg


def may_sign_in(user: User) -> bool:
    """Whether this account may act at all (by password, web session or token): a deactivated one may not."""
    return user.is_active


# ---------------------------------------------------------------- organisations


def may_create_org(actor: User | None) -> bool:
    return actor is None or actor.is_admin


def may_see_org(viewer: User | None, org_id: int) -> bool:
    return viewer is None or viewer.is_admin or viewer.org_id == org_id


def orgs_seen_by(viewer: User | None) -> ColumnElement[bool]:
    """``may_see_org`` as a condition on ``Org``, for listings."""
    if viewer is None or viewer.is_admin:
        return true()
    return Org.id == viewer.org_id


# ---------------------------------------------------------------- users


def may_see_user(viewer: User, user: User) -> bool:
    return viewer.is_admin or user.org_id == viewer.org_id


def users_seen_by(viewer: User) -> ColumnElement[bool]:
    """``may_see_user`` as a condition on ``User``, for listings."""
    if viewer.is_admin:
        return true()
    return User.org_id == viewer.org_id


def check_create_user(actor: User | None, org_id: int | None, roles: Collection[str]) -> int | None:
    """Admins (and the operator) create anyone anywhere; managers create non-admin users in their own
    organisation; nobody else creates users. Returns the organisation the new user goes in (a
    manager's own when none is named). The caller has already looked ``org_id`` up as ``actor`` (another
    organisation answers 404, as for projects and datasets)."""
    if actor is None or actor.is_admin:
        return org_id
    if not actor.has_role("manager"):
        raise Forbidden(msg("user.create_forbidden"))
    if "admin" in roles:
        raise Forbidden(msg("user.admin_grant"))
    return actor.org_id if org_id is None else org_id


# ---------------------------------------------------------------- API tokens


def may_create_token(actor: User | None, owner: User) -> bool:
    """People create tokens for themselves; administrators and the operator for anyone."""
    return actor is None or actor.id == owner.id or actor.is_admin


def may_revoke_token(actor: User | None, token: ApiToken) -> bool:
    """Its owner, an administrator, or the operator."""
    return actor is None or token.user_id == actor.id or actor.is_admin
