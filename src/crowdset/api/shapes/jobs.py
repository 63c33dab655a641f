"""The job resource's shape: what imports, evaluations and other long work report through.

A failed job's result holds its error as code and parameters (jobs run outside any request); the texts
(``result.detail``, each ``result.errors[].message``, ``message`` and ``error``) are rendered here, in
the language of whoever reads the job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from crowdset.jobs import queue
from crowdset.jobs.models import Job
from crowdset.messages import ENGLISH, from_json


class JobOut(BaseModel):
    id: str
    kind: str
    state: str
    percent: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    result_url: str | None
    url: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, j: Job, locale: str | None = None) -> JobOut:
        """The job as the API shows it, its error texts in ``locale`` (English by default)."""
        result = j.result or None
        link = result.get("url") if isinstance(result, dict) else None
        percent, message = j.percent, j.message or ""
        error = (j.error or "").split("\n", 1)[0] or None
        if j.state == "running":
            live = queue.read_progress(j.id)
            if live:
                percent, message = live
        if isinstance(result, dict) and (locale or ENGLISH) != ENGLISH:
            if j.state == "failed" and result.get("code"):
                result = localized_result(result, locale)
                message, error = result["detail"][:500], result["detail"]
            elif isinstance(result.get("warning_codes"), list):  # a finished import's warnings
                result = {**result, "warnings": [from_json(w.get("code"), w.get("params"), str(w)).render(locale)
                                                 for w in result["warning_codes"] if isinstance(w, dict)]}
        return cls(id=j.id, kind=j.kind, state=j.state, percent=percent, message=message,
                   result=result, error=error, result_url=link,
                   url=f"/api/v1/jobs/{j.id}", created_at=j.created_at, started_at=j.started_at,
                   finished_at=j.finished_at)


def localized_result(result: dict[str, Any], locale: str | None) -> dict[str, Any]:
    """A failed job's stored result with its detail and row messages rendered in ``locale``."""
    out = dict(result)
    out["detail"] = from_json(result.get("code"), result.get("params"), str(result.get("detail", ""))).render(locale)
    if isinstance(result.get("errors"), list):
        out["errors"] = [{**e, "message": from_json(e.get("code"), e.get("params"), str(e.get("message", "")))
                          .render(locale)} if isinstance(e, dict) else e for e in result["errors"]]
    return out
