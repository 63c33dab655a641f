"""ASGI middleware that caps request bodies, by Content-Length up front and by counting streamed
bytes, so a client cannot exhaust memory or disk. Upload routes get their own, larger cap."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crowdset.http.context import api_locale
from crowdset.messages import msg

LIMIT_KEY = "crowdset.body_limit"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed (chunked, so unannounced) body passes the cap. An HTTP
    exception, so whoever reads the body when it happens (FastAPI's JSON reader, a form parser) lets it
    through to the problem handler, which answers 413 naming the body; were it caught as any error there,
    it would become a vague 400 instead."""

    def __init__(self, limit: int = 0) -> None:
        super().__init__(413, str(msg("request.body_too_large", limit=limit)))
        self.limit = limit


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, default_limit: int, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", "")) or self.default_limit
        scope[LIMIT_KEY] = limit  # for readers deciding whether a body is small enough to parse whole
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        await _reject(scope, send, limit)
                        return
                except ValueError:
                    pass
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reject(scope, send, limit)


async def _reject(scope: Scope, send: Send, limit: int) -> None:
    """The 413 problem, written here (outside the app and its handlers), in the request's language."""
    locale = api_locale(Request(scope))
    detail, message = msg("request.body_too_large", limit=limit), msg("request.at_most_bytes", limit=limit)
    body = json.dumps({
        "type": "https://crowdset.dev/problems/too-large",
        "title": msg("title.too-large").render(locale),
        "status": 413,
        "detail": detail.render(locale), "code": detail.code, "params": detail.params,
        "errors": [{"field": "body", "message": message.render(locale), "code": message.code,
                    "params": message.params}],
    }, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
