"""Evaluations and re-reviews run as jobs so the API answers at once and clients can poll progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crowdset.datasets.evaluations import run_evaluation
from crowdset.datasets.rereview import rereview
from crowdset.jobs.queue import Progress


def evaluate_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    return run_evaluation(params["evaluation_id"], progress, actor_id=params.get("user_id"))


def rereview_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    now = datetime.fromisoformat(params["now"]) if params.get("now") else None
    return rereview(now, params.get("user_id"),
                    lambda i, n, msg: progress(100.0 * i / n if n else 0.0, msg))
