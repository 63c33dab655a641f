"""CSRF protection for cookie-authenticated requests: a random cookie plus an HMAC of it that
pages embed in forms (field ``csrf_token``) and htmx sends as the ``X-CSRF-Token`` header.
A cross-site page can neither read the cookie nor forge the HMAC."""

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


def token_for(cookie_value: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def check(cookie_value: str | None, presented: str | None) -> bool:
    if not cookie_value or not presented:
        return False
    return hmac.compare_digest(token_for(cookie_value), presented)


def ensure_cookie(request: Request) -> str:
    """The request's CSRF cookie value, minting one (set on the response by the web layer)."""
    value = request.cookies.get(COOKIE)
    if not value:
        value = getattr(request.state, "new_csrf_cookie", None) or new_cookie_value()
        request.state.new_csrf_cookie = value
    return value
