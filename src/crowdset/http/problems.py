"""RFC 9457 problem+json responses for every error the API can return."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crowdset.errors import CrowdsetError, Throttled

PROBLEM_TYPE = "https://crowdset.dev/problems/"
MEDIA_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, slug: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "body")


def install(app: FastAPI) -> None:
    @app.exception_handler(CrowdsetError)
    async def _domain(_req: Request, exc: CrowdsetError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Throttled) else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(exc.status, exc.title, exc.detail, exc.slug, [e.as_dict() for e in exc.errors], headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_path(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
                  for e in exc.errors()]
        return problem(422, "Invalid input", "the request is not valid; see errors", "invalid", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(exc.status_code, "http-error")
        return problem(exc.status_code, str(exc.detail), str(exc.detail), slug, headers=getattr(exc, "headers", None))
