"""The FastAPI application: the JSON API under /api/v1 and the web pages at the root."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from crowdset import __version__
from crowdset.db import get_db
from crowdset.http import problems
from crowdset.http.context import RequestContextMiddleware
from crowdset.http.headers import SecurityHeadersMiddleware
from crowdset.http.inputs import check_input
from crowdset.http.limits import BodyLimitMiddleware
from crowdset.jobs.service import SubjectCheck
from crowdset.logs import configure_logging
from crowdset.settings import get_settings
from crowdset.web.guards import PageDenied

STATIC = Path(__file__).parent / "web" / "static"
UPLOAD_SUFFIXES = ("/imports", "/blobs", "/files", "/versions")


def create_api() -> FastAPI:
    from crowdset.annotation.api import router as annotation_router
    from crowdset.auth.api import router as auth_router
    from crowdset.blobs.api import router as blobs_router
    from crowdset.datasets.api import router as datasets_router
    from crowdset.jobs.api import SUBJECT_CHECKS
    from crowdset.jobs.api import router as jobs_router
    from crowdset.ledger.api import router as ledger_router

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

    for router in (auth_router, annotation_router, blobs_router, ledger_router, jobs_router, datasets_router):
        api.include_router(router)
    setattr(api.state, SUBJECT_CHECKS, _job_subject_checks())  # jobs/ imports no domain: told here, explicitly
    return api


def _job_subject_checks() -> dict[str, SubjectCheck]:
    """For the job resource: whether a user manages the project or dataset a job concerns."""
    from crowdset.annotation.models import Project
    from crowdset.annotation.policy import allowed
    from crowdset.datasets.catalogue import can_manage
    from crowdset.datasets.models import Dataset

    def project(s, user, project_id: int) -> bool:  # noqa: ANN001
        p = s.get(Project, project_id)
        return p is not None and allowed(s, user, p, "manage")

    def dataset(s, user, dataset_id: int) -> bool:  # noqa: ANN001
        d = s.get(Dataset, dataset_id)
        return d is not None and user is not None and can_manage(user, d)

    return {"project": project, "dataset": dataset}


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    settings.resolved_secret_key()
    from crowdset.annotation.pages.manage import router as manage_router
    from crowdset.annotation.pages.work import router as annotate_router
    from crowdset.datasets.pages import router as datasets_pages
    from crowdset.web.pages import LANG_COOKIE
    from crowdset.web.pages import router as pages_router

    app = FastAPI(title="Crowdset", version=__version__, openapi_url=None, docs_url=None, redoc_url=None,
                  dependencies=[Depends(check_input)])
    problems.install(app)


    @app.exception_handler(PageDenied)
    async def _page_denied(_req: Request, exc: PageDenied) -> Response:
        return exc.response

    app.include_router(pages_router)
    app.include_router(manage_router)
    app.include_router(datasets_pages)
    app.include_router(annotate_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/api/v1", create_api())

    def limit_for(path: str) -> int | None:
        return settings.max_upload_bytes if path.rstrip("/").endswith(UPLOAD_SUFFIXES) else None

    app.add_middleware(RequestContextMiddleware, lang_cookie=LANG_COOKIE, default_locale=settings.default_locale)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes, limit_for=limit_for)
    # outermost (added last): its headers reach every response, the body limit's 413s included
    app.add_middleware(SecurityHeadersMiddleware, trust_proxy_headers=settings.trust_proxy_headers)
    return app
