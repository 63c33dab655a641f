"""The job resource that imports, exports and evaluations report progress through."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from crowdset.api.shapes.jobs import JobOut
from crowdset.http.context import api_locale
from crowdset.http.deps import DB, CurrentUser
from crowdset.jobs import service
from crowdset.jobs.policy import SubjectCheck

router = APIRouter(tags=["jobs"])

# ``app.state`` key under which the app factory puts {subject kind: check} (see crowdset.app.create_api)
SUBJECT_CHECKS = "job_subject_checks"


FINISHED = ("succeeded", "failed")
MAX_WAIT_S = 30.0
POLL_S = 0.05


def _read_job(s: Session, job_id: str, user: Any, checks: Mapping[str, SubjectCheck], locale: str) -> JobOut:
    s.rollback()  # end the previous read, so each look sees the job's latest state
    return JobOut.of(service.get_job(s, user, job_id, checks), locale)


@router.get("/jobs/{job_id}", response_model=JobOut)
async def get_job(job_id: str, request: Request, s: DB, user: CurrentUser,
                  wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description=(
                      "long poll: answer as soon as the job has finished, or after this many seconds"))] = 0,
                  ) -> JobOut:
    """The job's state, percent and result. With ``wait`` the answer comes when the job finishes (or
    the wait is over), so a client learns of the end at once instead of polling on a timer. Readable by
    its creator, administrators and the managers of the project or dataset it concerns; 404 for others."""
    checks = getattr(request.app.state, SUBJECT_CHECKS, {})
    deadline = time.monotonic() + wait
    while True:
        out = await run_in_threadpool(_read_job, s, job_id, user, checks, api_locale(request))
        if out.state in FINISHED or time.monotonic() >= deadline:
            return out
        await anyio.sleep(POLL_S)
