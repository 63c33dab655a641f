"""RFC 9457 problem+json responses for every error the API can return.

Every client error names what is wrong in ``errors[].field`` (``body`` when the whole body is the
problem: not UTF-8, not JSON, too large, not multipart). Messages are cleaned before they go out:
pydantic's "For further information visit <url>" is dropped, and characters that cannot be encoded
(a lone surrogate echoed from the input) are escaped, so writing a problem can never fail itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crowdset.errors import CrowdsetError, Throttled

PROBLEM_TYPE = "https://crowdset.dev/problems/"
MEDIA_TYPE = "application/problem+json"
_PYDANTIC_URL = re.compile(r"\s*\[?\s*For further information visit \S+\s*\]?", re.IGNORECASE)
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def clean(text: object) -> str:
    """``text`` fit to send: no pydantic documentation links, nothing UTF-8 cannot encode, no NUL."""
    out = _PYDANTIC_URL.sub("", str(text)).strip()
    return out.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def problem(status: int, title: str, detail: str, slug: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + slug, "title": clean(title), "status": status,
                            "detail": clean(detail)}
    body |= {k: v for k, v in (extra or {}).items() if k not in body and k != "errors"}
    if errors:
        body["errors"] = [{**e, "field": clean(e.get("field", "body")) or "body",
                           "message": clean(e.get("message", "invalid"))} for e in errors]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in _LOCATIONS]
    return ".".join(parts) or str(loc[0] if loc else "body")


def _validation_error(e: dict[str, Any]) -> dict[str, str]:
    loc = tuple(e.get("loc", ()))
    if e.get("type") == "json_invalid":  # loc is ("body", <character offset>): the body is the field
        reason = (e.get("ctx") or {}).get("error", "malformed")
        position = f" at character {loc[1]}" if len(loc) > 1 else ""
        return {"field": "body", "message": f"not valid JSON: {reason}{position}"}
    message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
    if e.get("type") == "missing" and loc == ("body",):
        message = "a JSON body is required"
    return {"field": _field_path(loc), "message": message}


def _body_unreadable(exc: StarletteHTTPException) -> str:
    """Why a body could not be read, from the exception FastAPI or Starlette wrapped in their 400."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        byte = cause.object[cause.start:cause.start + 1].hex()
        return f"not valid UTF-8 (byte 0x{byte} at position {cause.start}); JSON must be UTF-8"
    if isinstance(cause, RecursionError):
        return "nested too deeply"
    if isinstance(cause, ValueError):
        return f"not valid JSON: {cause}"
    return str(exc.detail)


def install(app: FastAPI) -> None:
    @app.exception_handler(CrowdsetError)
    async def _domain(_req: Request, exc: CrowdsetError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Throttled) else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(exc.status, exc.title, exc.detail, exc.slug, [e.as_dict() for e in exc.errors], headers,
                       exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_validation_error(e) for e in exc.errors()]
        return problem(422, "Invalid input", "the request is not valid; see errors", "invalid", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 413:
            limit = getattr(exc, "limit", None)
            message = f"at most {limit} bytes" if limit else str(exc.detail)
            return problem(413, "Request body too large", str(exc.detail), "too-large",
                           [{"field": "body", "message": message}], headers)
        if exc.status_code == 400:  # FastAPI and Starlette raise 400 only when the body cannot be read
            message = _body_unreadable(exc)
            return problem(400, "Unreadable request body", message, "bad-body",
                           [{"field": "body", "message": message}], headers)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem(exc.status_code, str(exc.detail), str(exc.detail), slug, headers=headers)

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
                           "row": {"type": "integer"}}}},
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
