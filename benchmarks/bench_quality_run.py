"""Benchmark: a project's quality run (the consensus job) against crowd-kit on the same labels.

Usage::

    .venv/bin/python benchmarks/bench_quality_run.py [--tasks 10000,100000] [--per-task 3] [--workers 30]

For each size, a synthetic crowd (``--per-task`` answers per task from ``--workers`` annotators, 20 %
spammers, three classes) is imported as Label Studio-style tasks with their annotations into a fresh
SQLite project (choices control, overlap = answers per task), then ``run_quality(method="ds")`` runs in
process, as the job does: it reads the labels from the database, aggregates them (Dawid–Skene), computes
agreement (Fleiss, Krippendorff, per label, per pair) and annotator scores, writes each task's final
label and confidence, and stores the run. The peer, crowd-kit 1.4's ``DawidSkene``, is timed on the same
(task, worker, label) table alone, already in memory: it does a fraction of the work, so the ratio
understates ours. Accuracy is against the simulated truth. Not a test; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LABELS = ["正面", "负面", "中性"]
SCHEMA = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": LABELS}]}


def write_tasks(path: Path, crowd, per_task: int) -> None:  # noqa: ANN001
    """One JSONL task per simulated task, its answers as imported annotations."""
    with path.open("w", encoding="utf-8") as out:
        for t in range(crowd.n_tasks):
            rows = range(t * per_task, (t + 1) * per_task)
            anns = [{"result": {"sentiment": {"choices": [LABELS[int(crowd.label[i])]]}},
                     "annotator": f"w{int(crowd.worker[i])}"} for i in rows]
            out.write(json.dumps({"data": {"text": f"第{t}条评论"}, "meta": {"external_id": str(t)},
                                  "annotations": anns}, ensure_ascii=False) + "\n")


def run(n_tasks: int, per_task: int, n_workers: int) -> dict[str, float]:
    import pandas as pd
    from crowdkit.aggregation import DawidSkene
    from sqlalchemy import select

    from crowdset.annotation.importing import import_file
    from crowdset.annotation.models import Project, Task
    from crowdset.annotation.projects import create_project
    from crowdset.annotation.quality_runs import run_quality
    from crowdset.auth.service import create_org
    from crowdset.db import get_db, reset_db
    from crowdset.migrate import upgrade
    from crowdset.quality.synthetic import generate_crowd
    from crowdset.settings import get_settings

    work = Path(tempfile.mkdtemp(prefix="bench-qrun-"))
    os.environ["CROWDSET_DATA_DIR"] = str(work)
    get_settings.cache_clear()
    reset_db()
    upgrade(get_settings().sqlalchemy_url)
    crowd = generate_crowd(n_tasks, n_workers, per_task, 3, spammer_frac=0.2, seed=7)
    path = work / "tasks.jsonl"
    write_tasks(path, crowd, per_task)
    with get_db().transaction() as s:
        org = create_org(s, None, "基准测试机构", "enterprise")
        pid = create_project(s, None, org.id, "一致性基准", SCHEMA, overlap=per_task, status="active").id
    t0 = time.perf_counter()
    with get_db().transaction() as s:
        import_file(s, None, s.get(Project, pid), path, "jsonl")
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    with get_db().transaction() as s:
        qrun = run_quality(s, None, s.get(Project, pid), "ds")
        finalised = qrun.n_finalised
    t_ours = time.perf_counter() - t0
    with get_db().reading() as s:
        finals = dict(s.execute(select(Task.external_id, Task.final).where(Task.project_id == pid)).all())
    ours_acc = sum(1 for t in range(n_tasks)
                   if (finals.get(str(t)) or {}).get("sentiment", {}).get("choices") == [LABELS[int(crowd.truth[t])]]
                   ) / n_tasks

    df = pd.DataFrame({"task": crowd.task, "worker": crowd.worker, "label": crowd.label})
    t0 = time.perf_counter()
    ck = DawidSkene(n_iter=100).fit_predict(df)
    t_ck = time.perf_counter() - t0
    ck_acc = float((ck.sort_index().to_numpy() == crowd.truth).mean())
    return {"tasks": n_tasks, "labels": len(df), "import_s": t_import, "ours_s": t_ours, "crowdkit_s": t_ck,
            "finalised": finalised, "ours_acc": ours_acc, "crowdkit_acc": ck_acc}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default="10000,100000", help="comma-separated task counts")
    ap.add_argument("--per-task", type=int, default=3)
    ap.add_argument("--workers", type=int, default=30)
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}", flush=True)
    print(f"{'tasks':>9} {'labels':>9} {'import':>8} {'ours: quality run':>18} {'crowd-kit DS only':>18} "
          f"{'ratio':>7} {'finalised':>10} {'acc ours / ck':>15}")
    for n in (int(x) for x in args.tasks.split(",")):
        r = run(n, args.per_task, args.workers)
        print(f"{r['tasks']:>9,} {r['labels']:>9,} {r['import_s']:>7.1f}s {r['ours_s']:>17.2f}s "
              f"{r['crowdkit_s']:>17.2f}s {r['crowdkit_s'] / r['ours_s']:>6.1f}x {r['finalised']:>10,} "
              f"{r['ours_acc']:>7.4f} / {r['crowdkit_acc']:.4f}", flush=True)
    print("ratio = crowd-kit time / ours (>1x: ours faster although it also reads, scores and writes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
