"""Jinja2 rendering with per-request language, CSRF token and user in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from crowdset import __version__
from crowdset.http import csrf
from crowdset.http.deps import SESSION_COOKIE
from crowdset.i18n import SUPPORTED, translations

TEMPLATES = Path(__file__).parent / "templates"
env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    locale = getattr(request.state, "locale", "zh_CN")
    tr = translations(locale)

    def gettext(message: str, **values: Any) -> str:
        """Translate, then fill %(name)s placeholders (the result is escaped by autoescape)."""
        text = tr.gettext(message)
        return text % values if values else text
    token = csrf.token_for(csrf.ensure_cookie(request), request.cookies.get(SESSION_COOKIE))
    html = env.get_template(name).render(
        request=request,
        user=getattr(request.state, "user", None),
        locale=locale,
        html_lang="zh-CN" if locale == "zh_CN" else "en",
        locales=SUPPORTED,
        csrf_token=token,
        version=__version__,
        _=gettext,
        gettext=gettext,
        ngettext=tr.ngettext,
        **context,
    )
    return HTMLResponse(html, status_code=status)
