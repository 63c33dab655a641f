"""Accounts API: organisations, users, tokens. Thin: parse, call the service (which asks
``crowdset.auth.policy``), present."""

from __future__ import annotations

from fastapi import APIRouter, Request

from crowdset.api.shapes.auth import (
    LoginTokenIn,
    NewTokenOut,
    OrgIn,
    OrgOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    org_out,
)
from crowdset.auth import service
from crowdset.http.deps import DB, CurrentUser, client_ip
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.http.types import Id

router = APIRouter()


@router.post("/auth/token", status_code=201, response_model=NewTokenOut, tags=["auth"])
def login_for_token(body: LoginTokenIn, request: Request, s: DB) -> NewTokenOut:
    """Exchange email and password for a new API token (throttled like the log-in page)."""
    token, secret = service.log_in_for_token(s, body.email, body.password, client_ip(request), body.name, body.days)
    return NewTokenOut(**TokenOut.of(token).model_dump(), token=secret)


@router.get("/me", response_model=UserOut, tags=["auth"])
def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.get("/orgs", response_model=Page[OrgOut], tags=["orgs"])
def list_orgs(s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 50) -> Page[OrgOut]:
    limit = check_limit(limit)
    rows = service.list_orgs(s, user, decode_cursor(cursor), limit + 1)
    return page_of([org_out(o) for o in rows], limit, lambda o: o.id)


@router.post("/orgs", status_code=201, response_model=OrgOut, tags=["orgs"])
def create_org(body: OrgIn, s: DB, user: CurrentUser) -> OrgOut:
    return org_out(service.create_org(s, user, body.name, body.kind, body.region, body.credit_code))


@router.get("/orgs/{org_id}", response_model=OrgOut, tags=["orgs"])
def get_org(org_id: Id, s: DB, user: CurrentUser) -> OrgOut:
    return org_out(service.get_org(s, user, org_id))


@router.get("/users", response_model=Page[UserOut], tags=["users"])
def list_users(s: DB, user: CurrentUser, cursor: str | None = None, limit: int = 50) -> Page[UserOut]:
    limit = check_limit(limit)
    rows = service.visible_users(s, user, decode_cursor(cursor), limit + 1)
    return page_of([UserOut.of(u) for u in rows], limit, lambda u: u.id)


@router.post("/users", status_code=201, response_model=UserOut, tags=["users"])
def create_user(body: UserIn, s: DB, user: CurrentUser) -> UserOut:
    created = service.create_user(s, user, body.email, body.password, body.display_name, body.org_id, body.roles)
    return UserOut.of(created)


@router.get("/users/{user_id}", response_model=UserOut, tags=["users"])
def get_user(user_id: Id, s: DB, user: CurrentUser) -> UserOut:
    return UserOut.of(service.get_user(s, user, user_id))


@router.get("/tokens", response_model=list[TokenOut], tags=["auth"])
def list_tokens(s: DB, user: CurrentUser) -> list[TokenOut]:
    return [TokenOut.of(t) for t in service.list_tokens(s, user)]


@router.post("/tokens", status_code=201, response_model=NewTokenOut, tags=["auth"])
def create_token(body: TokenIn, s: DB, user: CurrentUser) -> NewTokenOut:
    token, secret = service.create_token(s, user, user, body.name, body.days)
    return NewTokenOut(**TokenOut.of(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut, tags=["auth"])
def revoke_token(token_id: Id, s: DB, user: CurrentUser) -> TokenOut:
    return TokenOut.of(service.revoke_token(s, user, token_id))
