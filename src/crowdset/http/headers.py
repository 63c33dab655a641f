"""Security headers on every response of the application, from one outermost ASGI middleware.

It wraps everything else (the body-size limit's 413, the pages, the API, static files, every error),
so no response leaves without them, and it sets rather than defaults them, so no handler can weaken
them by accident. What differs by response is only the Content-Security-Policy:

- pages and static files: the pages' policy (own scripts only; inline styles; data:/blob: images and
  blob: media for the annotation editors);
- the API: nothing may load from a JSON/Markdown/CSV answer (``default-src 'none'``);
- the evaluation report as HTML (``/api/v1/datasets/{id}/evaluations/{id}/report``): a document of
  inline styles and inline SVG that the report page shows in a sandboxed ``<iframe>``. It is the one
  response that may be framed, and only by this origin (``frame-ancestors 'self'`` and
  ``X-Frame-Options: SAMEORIGIN``); its policy carries ``sandbox``, so even opened on its own it runs no
  script and has no same-origin access.

Strict-Transport-Security is sent only on a request that came over HTTPS: the ASGI scheme, or the
``X-Forwarded-Proto`` header when ``trust_proxy_headers`` says a trusted proxy sets it (otherwise a
client could ask for it over plain HTTP).
"""

from __future__ import annotations

import json
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'; object-src 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
              "base-uri 'none'; form-action 'none'; sandbox")
HSTS = "max-age=31536000"
REFERRER_POLICY = "same-origin"
FRAMED_BY_SELF = re.compile(r"^/api/v1/datasets/\d+/evaluations/\d+/report/?$")


def request_is_https(scope: Scope, trust_proxy_headers: bool) -> bool:
    """Whether the client reached us over HTTPS (through a trusted proxy's word when configured)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    if not trust_proxy_headers:
        return False
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":  # "https" or a proxy chain "https, http": the client's hop is first
            return value.split(b",")[0].strip().lower() == b"https"
    return False


def policy_for(path: str, content_type: str) -> tuple[str, str]:
    """(Content-Security-Policy, X-Frame-Options) for a response."""
    if not path.startswith("/api/"):
        return PAGE_CSP, "DENY"
    if FRAMED_BY_SELF.match(path) and content_type.startswith("text/html"):
        return REPORT_CSP, "SAMEORIGIN"
    return API_CSP, "DENY"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, trust_proxy_headers: bool = False) -> None:
        self.app = app
        self.trust_proxy_headers = trust_proxy_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = request_is_https(scope, self.trust_proxy_headers)
        scope.setdefault("state", {})["https"] = https  # the CSRF cookie's Secure flag follows it
        path: str = scope["path"]  # outermost: the full path, before any mount
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                csp, frame = policy_for(path, headers.get("content-type", ""))
                headers["Content-Security-Policy"] = csp
                headers["X-Frame-Options"] = frame
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = REFERRER_POLICY
                if https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's error middleware sits outside this one and would answer 500 without our
            # headers: answer first (it then only logs and re-raises)
            if not started:
                body = json.dumps({"type": "https://crowdset.dev/problems/internal", "title": "Internal error",
                                   "status": 500, "detail": "the server failed; the error is logged"}).encode()
                await send_with_headers({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
                await send_with_headers({"type": "http.response.body", "body": body})
            raise
