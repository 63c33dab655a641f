"""Per-request context as plain ASGI middleware (no BaseHTTPMiddleware task group per request): for
pages the signed-in user, the language and the CSRF cookie a page minted. Security headers are
``crowdset.http.headers``' business (one middleware for every response)."""

from __future__ import annotations

from http.cookies import SimpleCookie

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crowdset.auth.service import session_user
from crowdset.db import get_db
from crowdset.http import csrf
from crowdset.http.deps import SESSION_COOKIE
from crowdset.i18n import API_DEFAULT, LANG_COOKIE, pick_locale


def api_locale(request: Request) -> str:
    """The language of the API's texts (problems, job messages) for ``request``: Chinese only when the
    request asks for it (the language cookie the pages set, or ``Accept-Language: zh...``), else
    English. Pages keep their own choice (``request.state.locale``, Chinese by default)."""
    chosen = request.scope.get("state", {}).get("locale")
    if chosen:
        return chosen
    return pick_locale(None, request.cookies.get(LANG_COOKIE), None, request.headers.get("accept-language"),
                       API_DEFAULT)


def _page_user(raw_session: str) -> object | None:
    with get_db().reading() as s:
        return session_user(s, raw_session)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, lang_cookie: str, default_locale: str) -> None:
        self.app = app
        self.lang_cookie = lang_cookie
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path.startswith("/api/")
        is_page = not is_api and not path.startswith("/static/")
        state = scope.setdefault("state", {})
        if is_page:
            request = Request(scope)
            user = None
            raw = request.cookies.get(SESSION_COOKIE)
            if raw:  # a database read: off the event loop, so other requests go on meanwhile
                user = await anyio.to_thread.run_sync(_page_user, raw)
            state["user"] = user
            state["locale"] = pick_locale(
                request.query_params.get("lang"), request.cookies.get(self.lang_cookie),
                getattr(user, "locale", None), request.headers.get("accept-language"), self.default_locale,
            )
        elif is_api:  # no database read: only what the request itself says
            state["locale"] = api_locale(Request(scope))
        # set by the security-headers middleware (which trusts X-Forwarded-Proto when configured)
        secure = bool(state.get("https", scope.get("scheme") == "https"))

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                minted = state.get("new_csrf_cookie")
                if minted:
                    cookie: SimpleCookie = SimpleCookie()
                    cookie[csrf.COOKIE] = minted
                    morsel = cookie[csrf.COOKIE]
                    morsel["httponly"], morsel["samesite"], morsel["path"] = True, "strict", "/"
                    if secure:
                        morsel["secure"] = True
                    headers.append("set-cookie", morsel.OutputString())
            await send(message)

        await self.app(scope, receive, send_with_context)
