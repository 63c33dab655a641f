"""FastAPI dependencies: a database session per request and the user asking.

GET/HEAD run on a read session; other methods on a write session that commits when the
handler returns and rolls back on any error (``scope="function"``: before the response goes
out, so a client never sees success for a change that did not commit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crowdset.auth import service
from crowdset.auth.models import User
from crowdset.db import get_db
from crowdset.errors import Forbidden, Unauthorized
from crowdset.http import csrf
from crowdset.messages import msg

SESSION_COOKIE = "crowdset_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def db_session(request: Request) -> Iterator[Session]:
    write = request.method not in SAFE_METHODS
    s = get_db().session(write=write)
    try:
        yield s
        if write:
            s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()


DB = Annotated[Session, Depends(db_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def optional_user(request: Request, s: DB) -> User | None:
    """Bearer token first (API clients), else the web session cookie (pages and htmx)."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized(msg("auth.bearer_format"))
        user = service.token_user(s, secret.strip())
        if user is None:
            raise Unauthorized(msg("auth.token_invalid"))
        return user
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    user = service.session_user(s, raw)
    if user is not None and request.method not in SAFE_METHODS:
        presented = request.headers.get(csrf.HEADER)
        if presented is None:
            presented = getattr(request.state, "form_csrf", None)
        if not csrf.check(request.cookies.get(csrf.COOKIE), presented, raw):
            raise Forbidden(msg("auth.csrf"))
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user, scope="function")]) -> User:
    """Async on purpose: no I/O here, so it runs on the event loop instead of costing a thread hop."""
    if user is None:
        raise Unauthorized(msg("auth.required"))
    return user


CurrentUser = Annotated[User, Depends(current_user, scope="function")]
