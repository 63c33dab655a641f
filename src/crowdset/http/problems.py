"""RFC 9457 problem+json responses for every error the API can return.

Every client error names what is wrong in ``errors[].field`` (``body`` when the whole body is the
problem: not UTF-8, not JSON, too large, not multipart). Each text has a stable ``code`` and its
``params`` (crowdset.messages), top-level and per error; ``title``, ``detail`` and ``message`` are in
the request's language (crowdset.http.context.api_locale: English unless the request asks for
Chinese). Messages are cleaned before they go out: pydantic's "For further information visit <url>" is
dropped, and characters that cannot be encoded (a lone surrogate echoed from the input) are escaped, so
writing a problem can never fail itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crowdset.errors import CrowdsetError, Throttled
from crowdset.http.context import api_locale
from crowdset.messages import Message, from_pydantic, msg, params_json

PROBLEM_TYPE = "https://crowdset.dev/problems/"
MEDIA_TYPE = "application/problem+json"
_PYDANTIC_URL = re.compile(r"\s*\[?\s*For further information visit \S+\s*\]?", re.IGNORECASE)
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def clean(text: object) -> str:
    """``text`` fit to send: no pydantic documentation links, nothing UTF-8 cannot encode, no NUL."""
    out = _PYDANTIC_URL.sub("", str(text)).strip()
    return out.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _cleaned(value: Any) -> Any:
    """Parameters echo input (a field name, a decoder's reason): cleaned like the texts."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    return value


def problem(status: int, title: str, detail: str, slug: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None,
            locale: str | None = None) -> JSONResponse:
    """The problem response. ``title`` and ``detail`` may be messages (rendered in ``locale``, with the
    detail's ``code`` and ``params`` in the body); each error is a dict with ``field`` and a
    ``message`` that may be a message too (or already rendered, with its ``code`` and ``params``)."""
    body: dict[str, Any] = {"type": PROBLEM_TYPE + slug, "title": clean(_render(title, locale)), "status": status,
                            "detail": clean(_render(detail, locale))}
    if isinstance(detail, Message):
        body["code"], body["params"] = detail.code, _cleaned(params_json(detail.params))
    body |= {k: v for k, v in (extra or {}).items() if k not in body and k != "errors"}
    if errors:
        body["errors"] = [_error(e, locale) for e in errors]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _render(value: Any, locale: str | None) -> str:
    return value.render(locale) if isinstance(value, Message) else str(value)


def _error(e: dict[str, Any], locale: str | None) -> dict[str, Any]:
    message = e.get("message", "invalid")
    out = {**e, "field": clean(e.get("field", "body")) or "body", "message": clean(_render(message, locale))}
    if isinstance(message, Message):
        out["code"], out["params"] = message.code, params_json(message.params)
    if "params" in out:
        out["params"] = _cleaned(out["params"])
    return out


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in _LOCATIONS]
    return ".".join(parts) or str(loc[0] if loc else "body")


def _validation_error(e: dict[str, Any]) -> dict[str, Any]:
    loc = tuple(e.get("loc", ()))
    if e.get("type") == "json_invalid":  # loc is ("body", <character offset>): the body is the field
        reason = str((e.get("ctx") or {}).get("error", "malformed"))
        if len(loc) > 1:
            return {"field": "body", "message": msg("request.json_invalid_at", reason=reason, position=loc[1])}
        return {"field": "body", "message": msg("request.json_invalid_reason", reason=reason)}
    if e.get("type") == "missing" and loc == ("body",):
        return {"field": "body", "message": msg("request.json_required")}
    return {"field": _field_path(loc), "message": from_pydantic(e)}


def _body_unreadable(exc: StarletteHTTPException) -> Message:
    """Why a body could not be read, from the exception FastAPI or Starlette wrapped in their 400."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        byte = cause.object[cause.start:cause.start + 1].hex()
        return msg("request.not_utf8", byte=byte, position=cause.start)
    if isinstance(cause, RecursionError):
        return msg("json.nested_too_deeply")
    if isinstance(cause, ValueError):
        return msg("request.json_invalid_reason", reason=str(cause))
    return msg("request.http_error", text=str(exc.detail))


def _status_text(exc: StarletteHTTPException) -> Message:
    """Starlette's own texts for 404 and 405 by code; anything else as it is."""
    detail = str(exc.detail)
    for code in ("request.not_found", "request.method_not_allowed"):
        if detail == str(msg(code)):
            return msg(code)
    return msg("request.http_error", text=detail)


def install(app: FastAPI) -> None:
    @app.exception_handler(CrowdsetError)
    async def _domain(req: Request, exc: CrowdsetError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Throttled) else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        locale = api_locale(req)
        return problem(exc.status, exc.title_text(locale), exc.detail, exc.slug,
                       [e.as_dict(locale) for e in exc.errors], headers, exc.extra, locale)

    @app.exception_handler(RequestValidationError)
    async def _validation(req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_validation_error(e) for e in exc.errors()]
        return problem(422, msg("title.invalid"), msg("request.invalid"), "invalid", errors, locale=api_locale(req))

    @app.exception_handler(StarletteHTTPException)
    async def _http(req: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        locale = api_locale(req)
        if exc.status_code == 413:
            limit = getattr(exc, "limit", None)
            detail = msg("request.body_too_large", limit=limit) if limit else _status_text(exc)
            if str(detail) != str(exc.detail):  # a 413 of someone else's words: keep them
                detail = msg("request.http_error", text=str(exc.detail))
            message = msg("request.at_most_bytes", limit=limit) if limit else detail
            return problem(413, msg("title.too-large"), detail, "too-large",
                           [{"field": "body", "message": message}], headers, locale=locale)
        if exc.status_code == 400:  # FastAPI and Starlette raise 400 only when the body cannot be read
            message = _body_unreadable(exc)
            return problem(400, msg("title.bad-body"), message, "bad-body",
                           [{"field": "body", "message": message}], headers, locale=locale)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = _status_text(exc)
        return problem(exc.status_code, detail, detail, slug, headers=headers, locale=locale)

    document_problems(app)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "an RFC 9457 problem; `errors` names each field at fault",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"},
                           "code": {"type": "string"}, "params": {"type": "object"},
                           "row": {"type": "integer"}}}},
        "code": {"type": "string", "description": "the detail's stable code (docs/api.md, crowdset.messages)"},
        "params": {"type": "object", "description": "the detail's parameters"},
    },
}


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the API answers on error: any 4xx is a problem+json (FastAPI
    would otherwise document its own 422 shape, which this API never sends)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:  # built (and completed) by the first call
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"description": "a problem (RFC 9457)",
               "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for item in schema.get("paths", {}).values():
            for method, op in item.items():
                if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                    responses = op.setdefault("responses", {})
                    responses["422"] = {**ref, "description": "invalid input, each field at fault named"}
                    responses.setdefault("4XX", ref)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
