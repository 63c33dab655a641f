"""CSRF protection for cookie-authenticated requests: a random cookie plus an HMAC of it and of the
web session that pages embed in forms (field ``csrf_token``) and htmx sends as the ``X-CSRF-Token``
header. A cross-site page can neither read the cookie nor forge the HMAC, and because the session is
part of the HMAC, a token pair taken from one person's session is worthless in another's (and a
token from before log-in is worthless after it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

from crowdset.settings import get_settings

COOKIE = "crowdset_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(cookie_value: str, session_value: str | None) -> str:
    """The token for this CSRF cookie within this web session (None: not logged in)."""
    key = get_settings().resolved_secret_key().encode()
    session_digest = hashlib.sha256((session_value or "").encode()).hexdigest()
    message = b"csrf:" + cookie_value.encode() + b"|session:" + session_digest.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check(cookie_value: str | None, presented: str | None, session_value: str | None) -> bool:
    if not cookie_value or not presented:
        return False
    return hmac.compare_digest(token_for(cookie_value, session_value), presented)


def ensure_cookie(request: Request) -> str:
    """The request's CSRF cookie value, minting one (set on the response by the web layer)."""
    value = request.cookies.get(COOKIE)
    if not value:
        value = getattr(request.state, "new_csrf_cookie", None) or new_cookie_value()
        request.state.new_csrf_cookie = value
    return value
