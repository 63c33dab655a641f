"""Quality control inside a project: aggregate repeated labels into final results, measure
agreement, score annotators and flag likely label errors — each run stored so its history can be
plotted. The computation is the pure engine in ``crowdset.quality``; this module feeds it the
project's annotations and writes back what it decides."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.label_schema import LabelSchema, classification_value
from crowdset.annotation.models import Annotation, Prediction, Project, QualityRun, Task
from crowdset.annotation.validation import schema_of
from crowdset.auth.models import User
from crowdset.errors import invalid
from crowdset.gcpause import gc_paused
from crowdset.jobs.models import Job
from crowdset.jobs.service import submit_job
from crowdset.ledger.rows import RowDigests, task_final_value
from crowdset.ledger.service import actor_of, append_rows
from crowdset.quality.methods import CLASSIFICATION_METHODS

if TYPE_CHECKING:
    import pandas as pd

# The engine (pandas, SciPy, crowd-kit, cleanlab) is imported by the functions that compute, not
# here: the pages and the API import this module for quality reports and run requests, and loading
# the engine at start-up cost the server ~100 MiB and ~0.6 s for nothing.

CLASSIFIABLE = ("choices", "rating", "pairwise", "ranking")
KEEP_FINAL = ("expert", "review_fix")


def _pairwise_metric(kind: str) -> Callable[[dict[str, Any], dict[str, Any]], float] | None:
    """Agreement between two annotators' values of a structured control, in [0, 1] (tau in [-1, 1])."""
    from crowdset.quality.agreement import box_agreement, span_agreement, transcription_agreement

    if kind == "spans":
        return lambda a, b: span_agreement(a.get("spans", []), b.get("spans", []), mode="overlap")["f1"]
    if kind in ("audio_segments", "video_segments"):
        return lambda a, b: span_agreement(a.get("segments", []), b.get("segments", []), mode="overlap")["f1"]
    if kind == "bbox":
        return lambda a, b: box_agreement(a.get("boxes", []), b.get("boxes", []), iou_threshold=0.5)["f1"]
    if kind == "transcription":
        return lambda a, b: transcription_agreement(str(a.get("text", "")), str(b.get("text", "")))
    return None


def structured_agreement(s: Session, project: Project, control: str, kind: str) -> dict[str, Any] | None:
    """Mean pairwise agreement over tasks with two or more annotations, overall and per annotator pair
    (span/segment overlap F1, box F1 at IoU 0.5, 1 − character error rate)."""
    metric = _pairwise_metric(kind)
    if metric is None:
        return None
    by_task: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    q = (select(Annotation.task_id, Annotation.user_id, Annotation.imported_annotator, Annotation.result)
         .where(Annotation.project_id == project.id, Annotation.status == "submitted").order_by(Annotation.task_id))
    for task_id, user_id, imported, result in s.execute(q).yield_per(5000):
        if result and isinstance(result.get(control), dict):
            worker = f"user:{user_id}" if user_id is not None else f"import:{imported or 'unknown'}"
            by_task[task_id].append((worker, result[control]))
    scores: list[float] = []
    pairs: dict[tuple[str, str], list[float]] = defaultdict(list)
    for items in by_task.values():
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                value = float(metric(items[i][1], items[j][1]))
                scores.append(value)
                pairs[tuple(sorted((items[i][0], items[j][0])))].append(value)
    if not scores:
        return None
    return {"summary": {"kind": kind, "metric": "mean pairwise agreement", "mean": float(np.mean(scores)),
                        "n_pairs": len(scores), "n_tasks": sum(1 for v in by_task.values() if len(v) > 1)},
            "per_label": [],
            "per_pair": [{"worker_a": a, "worker_b": b, "agreement": float(np.mean(v)), "n_common": len(v)}
                         for (a, b), v in sorted(pairs.items())]}
  # decisions by people outrank any statistical consensus
MAX_ISSUES_TO_REVIEW = 50

ProgressFn = Callable[[float, str], None]


def _key(value: Hashable) -> Hashable:
    """Aggregators need sortable scalars; multi-choice and rankings are tuples, so encode them."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, tuple) else value


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, np.generic):
        return _clean(x.item())
    return x


def _frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _load(s: Session, project: Project, schema: LabelSchema, control: str) -> tuple[pd.DataFrame, dict, dict]:
    """Labels (task, worker, label, lead_time), gold answers, and each task's control values by label."""
    import pandas as pd

    rows: list[tuple[int, str, Hashable, float | None]] = []
    values: dict[int, dict[Hashable, Any]] = defaultdict(dict)
    q = (select(Annotation.task_id, Annotation.user_id, Annotation.imported_annotator, Annotation.result,
                Annotation.lead_time)
         .where(Annotation.project_id == project.id, Annotation.status == "submitted")
         .order_by(Annotation.id))
    for task_id, user_id, imported, result, lead in s.execute(q).yield_per(5000):
        if not result or control not in result:
            continue
        try:
            value = classification_value(schema, {control: result[control]}).get(control)
        except ValueError:
            continue
        if value is None:
            continue
        key = _key(value)
        worker = f"user:{user_id}" if user_id is not None else f"import:{imported or 'unknown'}"
        rows.append((task_id, worker, key, lead))
        values[task_id].setdefault(key, result[control])
    gold: dict[int, Hashable] = {}
    for task_id, answer in s.execute(select(Task.id, Task.gold).where(Task.project_id == project.id,
                                                                      Task.is_gold.is_(True))):
        if answer and control in answer:
            try:
                gold[task_id] = _key(classification_value(schema, {control: answer[control]})[control])
            except (ValueError, KeyError):
                continue
    df = pd.DataFrame(rows, columns=["task", "worker", "label", "lead_time"])
    return df, gold, values


def _pred_probs(s: Session, project: Project, schema: LabelSchema, control: str, tasks: list[int],
                classes: list[Hashable]) -> tuple[list[int], np.ndarray] | None:
    """Model probabilities per task from stored predictions: the predicted class gets the prediction's
    score and the rest share what is left (a prediction is one label plus a confidence)."""
    index = {c: i for i, c in enumerate(classes)}
    found: dict[int, np.ndarray] = {}
    wanted = set(tasks)
    for task_id, result, score in s.execute(select(Prediction.task_id, Prediction.result, Prediction.score)
                                            .join(Task, Task.id == Prediction.task_id)
                                            .where(Task.project_id == project.id).order_by(Prediction.id)):
        if task_id not in wanted or not result or control not in result:
            continue
        try:
            key = _key(classification_value(schema, {control: result[control]})[control])
        except (ValueError, KeyError):
            continue
        if key not in index:
            continue
        p = min(max(float(score) if score is not None else 0.9, 1e-3), 1 - 1e-3)
        row = np.full(len(classes), (1 - p) / max(len(classes) - 1, 1))
        row[index[key]] = p
        found[task_id] = row
    if len(found) < 2 or len(classes) < 2:
        return None
    ids = [t for t in tasks if t in found]
    return ids, np.vstack([found[t] for t in ids])


def run_quality(s: Session, actor: User | None, project: Project, method: str = "ds", control: str | None = None,
                progress: ProgressFn | None = None) -> QualityRun:
    """Aggregate, score and flag; write final results for settled tasks; store the run."""
    with gc_paused():  # a dict per label read back: the cycle collector would re-walk them all
        return _run_quality(s, actor, project, method, control, progress)


def quality_controls(project: Project, method: str, control: str | None) -> tuple[list[str], list[Any]]:
    """The controls a run of ``method`` measures: (classification names, structured controls).

    Checked when the run is asked for, so a bad method or control is a 422 then, not a failed job."""
    if method not in CLASSIFICATION_METHODS:
        raise invalid("method", "field.one_of", choices=CLASSIFICATION_METHODS)
    schema = schema_of(project)
    names = [c.name for c in schema.controls if c.kind in CLASSIFIABLE]
    structured = [c for c in schema.controls if _pairwise_metric(c.kind) is not None]
    if control is not None:
        if control not in names and control not in {c.name for c in structured}:
            raise invalid("control", "quality.control_choices",
                          choices=names + [c.name for c in structured] or ["none"])
        names = [n for n in names if n == control]
        structured = [c for c in structured if c.name == control]
    if not names and not structured:
        raise invalid("control", "quality.no_measurable_control")
    return names, structured


def _run_quality(s: Session, actor: User | None, project: Project, method: str, control: str | None,
                 progress: ProgressFn | None) -> QualityRun:
    from crowdset.quality.aggregation import aggregate
    from crowdset.quality.agreement import agreement_report
    from crowdset.quality.label_issues import find_label_issues
    from crowdset.quality.workers import score_workers

    names, structured = quality_controls(project, method, control)
    schema = schema_of(project)
    say = progress or (lambda pct, msg: None)
    agreement: dict[str, Any] = {}
    workers: dict[str, dict[str, Any]] = {}
    issues: list[dict[str, Any]] = []
    decided: dict[int, dict[str, tuple[Any, float]]] = defaultdict(dict)
    n_labels = 0
    for i, name in enumerate(names):
        say(100 * i / len(names), f"aggregating {name}")
        df, gold, values = _load(s, project, schema, name)
        if df.empty:
            continue
        n_labels += len(df)
        if method == "wmv" and not gold:
            raise invalid("method", "quality.wmv_needs_gold")
        result = aggregate(df[["task", "worker", "label"]], method, gold=gold or None)
        for task_id, label, conf in zip(result.tasks, result.labels, result.confidence, strict=True):
            decided[int(task_id)][name] = (values[int(task_id)].get(label), float(conf))
        report = agreement_report(df[["task", "worker", "label"]])
        agreement[name] = {"summary": {k: _clean(v) for k, v in report.summary.items()},
                           "per_label": _frame_records(report.per_label),
                           "per_pair": _frame_records(report.per_pair)}
        scores = score_workers(df, gold=gold or None)
        for row in _frame_records(scores):
            workers.setdefault(str(row.get("worker")), {})[name] = row
        task_ids = [int(t) for t in result.tasks]
        classes = sorted(set(result.labels.tolist()), key=str)
        probs = _pred_probs(s, project, schema, name, task_ids, classes)
        if probs is not None:
            ids, matrix = probs
            position = {t: j for j, t in enumerate(task_ids)}
            given = [result.labels[position[t]] for t in ids]
            found = find_label_issues(given, matrix, classes=classes, task_ids=ids)
            issues += [{"control": name, **row} for row in _frame_records(found.head(MAX_ISSUES_TO_REVIEW))]
    for c in structured:
        measured = structured_agreement(s, project, c.name, c.kind)
        if measured is not None:
            agreement[c.name] = measured
    say(80, "writing final results")
    digests = RowDigests()
    n_final = _write_finals(s, project, method, decided, digests)
    flagged = _send_issues_to_review(s, project, {int(i["task"]) for i in issues})
    run = QualityRun(project_id=project.id, method=method, n_tasks=len(decided), n_labels=n_labels,
                     n_finalised=n_final, agreement=agreement,
                     workers=[{"worker": w, **v} for w, v in sorted(workers.items())],
                     label_issues=[{**i, "sent_to_review": int(i["task"]) in flagged} for i in issues],
                     created_by=getattr(actor, "id", None))
    s.add(run)
    s.flush()
    append_rows(s, "quality.run", f"project:{project.id}", actor_of(actor),
                {"run_id": run.id, "method": method, "tasks": run.n_tasks, "finalised": n_final,
                 "label_issues": len(issues)}, digests)
    digests.close()
    say(100, "done")
    return run


def _write_finals(s: Session, project: Project, method: str, decided: dict[int, dict[str, tuple[Any, float]]],
                  digests: RowDigests) -> int:
    """Final result per settled task (enough annotations, no pending review or arbitration): the three
    columns it needs read per 1,000 tasks, the finals written as one bulk UPDATE per chunk, and each
    final's digest kept for the ledger."""
    n = 0
    ids = list(decided)
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        rows = s.execute(select(Task.id, Task.state, Task.final_method, Task.final)
                         .where(Task.id.in_(chunk), Task.is_gold.is_(False)))
        changes = []
        for task_id, state, final_method, current in rows:
            if state != "done" or final_method in KEEP_FINAL:
                continue
            final = dict(current or {})
            confs = []
            for control, (value, conf) in decided[task_id].items():
                if value is not None:
                    final[control] = value
                    confs.append(conf)
            if confs:
                changes.append({"id": task_id, "final": final, "final_method": method,
                                "final_confidence": float(sum(confs) / len(confs))})
        if changes:
            s.execute(update(Task), changes)
            digests.add_many("tasks", [c["id"] for c in changes],
                             [task_final_value(c["final"], method) for c in changes])
            n += len(changes)
    return n


def _send_issues_to_review(s: Session, project: Project, task_ids: set[int]) -> set[int]:
    """Likely label errors go to the reviewers: their annotations become pending review."""
    sent: set[int] = set()
    if not task_ids:
        return sent
    for ann in s.scalars(select(Annotation).where(Annotation.task_id.in_(task_ids), Annotation.status == "submitted",
                                                  Annotation.review_state == "none")):
        ann.review_state = "pending"
        sent.add(ann.task_id)
    for task in s.scalars(select(Task).where(Task.id.in_(sent))):
        if task.final_method not in KEEP_FINAL:
            task.state = "review"
    return sent


def quality_history(s: Session, project: Project, limit: int = 50) -> list[QualityRun]:
    """The project's runs, newest first."""
    return list(s.scalars(select(QualityRun).where(QualityRun.project_id == project.id)
                          .order_by(QualityRun.id.desc()).limit(limit)))


def request_quality_run(s: Session, user: User, project_id: int, method: str = "ds",
                        control: str | None = None) -> Job:
    """Ask for a run as a job, by a manager of the project; the method and control are checked now
    (a 422 naming them), not left to fail in the job."""
    project = policy.get_project(s, user, project_id, "manage")
    quality_controls(project, method, control)
    return submit_job(s, "quality.run", {"project_id": project.id, "method": method, "control": control,
                                         "user_id": user.id}, user)


def run_project_quality(s: Session, actor: User | None, project_id: int, method: str = "ds",
                        control: str | None = None, progress: ProgressFn | None = None) -> QualityRun:
    """``run_quality`` now, in the caller's transaction, by a manager of the project (``actor`` None:
    the operator at the command line)."""
    project = policy.get_project(s, actor, project_id, "manage")
    return run_quality(s, actor, project, method, control, progress)


@dataclass
class QualityPoint:
    """One control of one run, for the agreement history plot. ``percent_agreement`` is the mean
    pairwise agreement for structured controls (spans, boxes...), which have no percent agreement."""

    run_id: int
    created_at: datetime
    method: str
    control: str
    percent_agreement: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None


@dataclass
class WorkerScore:
    """One annotator in a run, over its controls (the worst control wins): gold accuracy, agreement
    with the consensus and the spam flag. ``name``: the display name of a user of ours (None for
    annotators named in imported files)."""

    worker: str
    name: str | None
    labels: int
    gold_accuracy: float | None
    consensus_agreement: float | None
    is_spam: bool
    spam_reason: str


@dataclass
class QualityReport:
    project: Project
    latest: QualityRun | None
    history: list[QualityPoint]  # oldest first
    workers: list[WorkerScore]  # of the latest run


def quality_report(s: Session, user: User, project_id: int) -> QualityReport:
    """The latest run in full, the agreement history of every run and the latest run's annotator
    scores, for those who may review the project (the API's quality, the quality page)."""
    project = policy.get_project(s, user, project_id, "review")
    runs = quality_history(s, project)
    history = [QualityPoint(run_id=r.id, created_at=r.created_at, method=r.method, control=control,
                            percent_agreement=a["summary"].get("percent_agreement", a["summary"].get("mean")),
                            fleiss_kappa=a["summary"].get("fleiss_kappa"),
                            krippendorff_alpha=a["summary"].get("krippendorff_alpha"))
               for r in reversed(runs) for control, a in (r.agreement or {}).items()]
    latest = runs[0] if runs else None
    return QualityReport(project, latest, history, worker_scores(s, latest))


def _user_id(worker: Any) -> int | None:
    """Runs name our users "user:<id>" (and imported annotators "import:<name>")."""
    tail = str(worker).removeprefix("user:")
    return int(tail) if tail.isdigit() else None


def worker_scores(s: Session, run: QualityRun | None) -> list[WorkerScore]:
    """One row per annotator of ``run``, with our users' display names."""
    workers = run.workers if run is not None else []
    ids = {uid for w in workers if (uid := _user_id(w.get("worker"))) is not None}
    names = dict(s.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    rows = []
    for w in workers:
        wid = str(w.get("worker"))
        per = [v for k, v in w.items() if k != "worker" and isinstance(v, dict)]
        acc = [v["gold_accuracy"] for v in per if isinstance(v.get("gold_accuracy"), int | float)]
        agree = [v["consensus_agreement"] for v in per if isinstance(v.get("consensus_agreement"), int | float)]
        reasons = [v["spam_reason"] for v in per if v.get("is_spam") and v.get("spam_reason")]
        rows.append(WorkerScore(worker=wid, name=names.get(_user_id(wid)),
                                labels=sum(int(v.get("n_labels") or 0) for v in per),
                                gold_accuracy=min(acc) if acc else None,
                                consensus_agreement=min(agree) if agree else None,
                                is_spam=any(v.get("is_spam") for v in per), spam_reason="; ".join(reasons)))
    return rows
