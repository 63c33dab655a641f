"""The FastAPI application: the JSON API under /api/v1 and the web pages at the root."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from crowdset import __version__
from crowdset.db import get_db
from crowdset.http import problems
from crowdset.http.context import RequestContextMiddleware
from crowdset.http.headers import SecurityHeadersMiddleware
from crowdset.http.inputs import check_input
from crowdset.http.limits import BodyLimitMiddleware
from crowdset.logs import configure_logging
from crowdset.settings import get_settings
from crowdset.web.guards import PageDenied
from crowdset.web.render import render

STATIC = Path(__file__).parent / "web" / "static"
UPLOAD_SUFFIXES = ("/imports", "/blobs", "/files", "/versions")


def create_api() -> FastAPI:
    from crowdset import wiring
    from crowdset.api.jobs import SUBJECT_CHECKS

    wiring.wire()
    api = FastAPI(
        title="Crowdset API",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url=None,  # the Swagger page loads its assets from a CDN; the machine is offline
        redoc_url=None,
        dependencies=[Depends(check_input)],  # every route's text checked (crowdset.http.inputs)
        description="Crowd annotation, quality control, dataset rating and circulation. "
        "Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem+json.",
    )
    problems.install(api)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, object]:
        db_ok = get_db().ping()
        return {"status": "ok" if db_ok else "degraded", "version": __version__, "database": db_ok}

    for router in wiring.api_routers():
        api.include_router(router)
    setattr(api.state, SUBJECT_CHECKS, wiring.job_subject_checks())  # jobs/ imports no domain: told here
    return api


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    settings.resolved_secret_key()
    from crowdset import wiring
    from crowdset.web.shell import LANG_COOKIE

    wiring.wire()

    app = FastAPI(title="Crowdset", version=__version__, openapi_url=None, docs_url=None, redoc_url=None,
                  dependencies=[Depends(check_input)])
    problems.install(app)

    @app.exception_handler(PageDenied)
    async def _page_denied(_req: Request, exc: PageDenied) -> Response:
        return exc.response

    as_problem = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def _not_a_page(req: Request, exc: StarletteHTTPException) -> Response:
        """A browser that follows a wrong link gets the not-found page, not a JSON body; the API's
        paths (and static files, fetched by scripts and styles) keep their problem+json."""
        if exc.status_code == 404 and not req.url.path.startswith(("/api/", "/static/")):
            return render(req, "manage/not_found.html", status=404)
        return await as_problem(req, exc)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """Browsers ask for /favicon.ico whatever the page links; the same icon as favicon.svg."""
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")

    for router in wiring.page_routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/api/v1", create_api())

    def limit_for(path: str) -> int | None:
        return settings.max_upload_bytes if path.rstrip("/").endswith(UPLOAD_SUFFIXES) else None

    app.add_middleware(RequestContextMiddleware, lang_cookie=LANG_COOKIE, default_locale=settings.default_locale)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes, limit_for=limit_for)
    # outermost (added last): its headers reach every response, the body limit's 413s included
    app.add_middleware(SecurityHeadersMiddleware, trust_proxy_headers=settings.trust_proxy_headers)
    return app
