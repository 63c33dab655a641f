"""Page routes: log-in, log-out, language switch (the home page is web/workbench.py). Business logic stays
in services."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crowdset.auth import service
from crowdset.db import get_db
from crowdset.errors import Throttled, Unauthorized
from crowdset.http import csrf
from crowdset.http.deps import SESSION_COOKIE, client_ip
from crowdset.i18n import LANG_COOKIE, SUPPORTED, translations
from crowdset.settings import get_settings
from crowdset.web.render import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths, so log-in cannot be used as an open redirect."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=safe_next(next), error=None, email="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    tr = translations(request.state.locale)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    if not csrf.check(request.cookies.get(csrf.COOKIE), str(form.get(csrf.FIELD, "")),
                      request.cookies.get(SESSION_COOKIE)):
        return render(request, "login.html", status=403, next=target, email=email,
                      error=tr.gettext("Your form expired. Please try again."))
    try:
        with get_db().transaction() as s:
            raw = service.log_in(s, email, password, client_ip(request))
    except Throttled as exc:
        refused = render(request, "login.html", status=429, next=target, email=email,
                         error=tr.gettext("Too many failed attempts from here. Try again in %(seconds)s seconds.")
                         % {"seconds": exc.retry_after})
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    except Unauthorized:
        return render(request, "login.html", status=401, next=target, email=email,
                      error=tr.gettext("Email or password is wrong."))
    response = RedirectResponse(target, status_code=303)
    # Secure over HTTPS, as the security-header middleware decided it (behind a trusted proxy too)
    https = bool(getattr(request.state, "https", request.url.scheme == "https"))
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax", secure=https,
                        max_age=get_settings().session_days * 86400, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    raw = request.cookies.get(SESSION_COOKIE)
    if raw and csrf.check(request.cookies.get(csrf.COOKIE), str(form.get(csrf.FIELD, "")), raw):
        with get_db().transaction() as s:
            service.end_session(s, raw)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in SUPPORTED:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response
