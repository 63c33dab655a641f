"""Who may see a page: every page route calls ``page_user`` first.

Anonymous visitors are sent to the log-in page (and back afterwards); a signed-in user without
the role gets a 403 page, never the content."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from crowdset.auth.models import User
from crowdset.web.render import render


class PageDenied(Exception):
    def __init__(self, response: HTMLResponse | RedirectResponse) -> None:
        self.response = response


def page_user(request: Request, *roles: str) -> User:
    """The signed-in user, holding one of ``roles`` when given (admins always pass)."""
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise PageDenied(RedirectResponse(f"/login?next={quote(target)}", status_code=303))
    if roles and not (user.is_admin or user.has_role(*roles)):
        raise PageDenied(render(request, "forbidden.html", status=403))
    return user
