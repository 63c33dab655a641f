"""The job resource's shape: what imports, evaluations and other long work report through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from crowdset.jobs import queue
from crowdset.jobs.models import Job


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
    def of(cls, j: Job) -> JobOut:
        result = j.result or None
        link = result.get("url") if isinstance(result, dict) else None
        percent, message = j.percent, j.message or ""
        if j.state == "running":
            live = queue.read_progress(j.id)
            if live:
                percent, message = live
        return cls(id=j.id, kind=j.kind, state=j.state, percent=percent, message=message,
                   result=result, error=(j.error or "").split("\n", 1)[0] or None, result_url=link,
                   url=f"/api/v1/jobs/{j.id}", created_at=j.created_at, started_at=j.started_at,
                   finished_at=j.finished_at)
