"""Benchmark: verifying a ledger of 1M entries, against a floor of a plain hashlib pass over the same bytes.

Usage::

    .venv/bin/python benchmarks/bench_ledger.py [--entries 1000000] [--database-url postgresql+psycopg://...]

Builds a fresh database (temporary SQLite file by default, or an empty database at ``--database-url``)
whose ledger holds ``--entries`` ``annotation.submitted`` entries as the platform writes them (payload
with the result and the row digests of the annotation and its task), signed and chained, plus the
annotations (one per entry) and tasks (one per three entries) they record, and the signed checkpoint.
Then, side by side:

1. floor: ``hashlib.sha256`` over each entry's payload and its canonical entry body, already in memory
   (the hashing a verification cannot avoid, with nothing else);
2. read only: the ten columns of every entry through the driver's cursor, nothing checked;
3. ``audit()``: chain, checkpoint, signatures after the checkpoint (``crowdset ledger verify``);
4. ``audit(tables=True)``: the same plus every annotation and task compared with the ledger
   (``crowdset ledger verify --tables``);
5. every signature (``--all-signatures``): Ed25519 verification timed on ``--signature-sample`` entries
   and scaled to all of them (the full run takes minutes).

Peak RSS is printed after each step. Not a test: figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

BATCH = 20_000


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(n: int) -> dict[str, float]:
    """The ledger, the rows it records and the checkpoint; returns what building took."""
    from sqlalchemy import insert, select

    from crowdset.annotation.models import Annotation, Task
    from crowdset.annotation.projects import create_project
    from crowdset.auth.service import create_org
    from crowdset.db import get_db
    from crowdset.ledger import checkpoint
    from crowdset.ledger.chain import canonical_json, entry_hash_iso, iso, sha256_hex
    from crowdset.ledger.keys import signing_key
    from crowdset.ledger.models import LedgerEntry
    from crowdset.ledger.rows import annotation_digest, rows_of, task_digest
    from crowdset.ledger.service import keys_dir

    schema = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"]}]}
    with get_db().transaction() as s:
        org = create_org(s, None, "账本基准机构", "enterprise")
        pid = create_project(s, None, org.id, "账本基准", schema, overlap=3, status="active").id
    db = get_db()
    with db.reading() as s:
        head = s.execute(select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)).one()
    key = signing_key(keys_dir())
    labels = ["正面", "负面", "中性"]
    n_tasks = (n + 2) // 3
    t0 = time.perf_counter()
    with db.transaction() as s:
        for start in range(0, n_tasks, BATCH):
            s.execute(insert(Task), [{"project_id": pid, "data": {"text": f"第{i}条评论"}, "state": "done",
                                      "n_taken": 3, "n_done": 3, "final": {"sentiment": {"choices": [labels[i % 3]]}},
                                      "final_method": "majority"} for i in range(start, min(start + BATCH, n_tasks))])
        first_task = s.scalar(select(Task.id).where(Task.project_id == pid).order_by(Task.id).limit(1))
    seq, prev = head
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with db.transaction() as s:
        for start in range(0, n, BATCH):
            entries, anns = [], []
            for i in range(start, min(start + BATCH, n)):
                seq += 1
                task_id = first_task + i // 3
                result = {"sentiment": {"choices": [labels[(i // 3) % 3]]}}
                final = {"sentiment": {"choices": [labels[(i // 3) % 3]]}}
                ann_id = i + 1
                payload = canonical_json({"task_id": task_id, "result": result, "lead_time": 4.2,
                                          "rows": {**rows_of(annotations={ann_id: annotation_digest(result)}),
                                                   **rows_of(tasks={task_id: task_digest(final, "majority")})}})
                created = base + timedelta(microseconds=37 * i)
                ph = sha256_hex(payload)
                h = entry_hash_iso(seq, "annotation.submitted", f"annotation:{ann_id}", "user:7", ph, prev,
                                   iso(created))
                entries.append({"seq": seq, "kind": "annotation.submitted", "subject": f"annotation:{ann_id}",
                                "actor": "user:7", "payload": payload, "payload_hash": ph, "prev_hash": prev,
                                "hash": h, "signature": key.sign(h.encode()).hex(), "created_at": created})
                anns.append({"id": ann_id, "project_id": pid, "task_id": task_id, "user_id": None,
                             "status": "submitted", "result": result, "source": "crowd", "review_state": "none"})
                prev = h
            s.execute(insert(LedgerEntry), entries)
            s.execute(insert(Annotation), anns)
            print(f"  built {min(start + BATCH, n):,} / {n:,} entries", end="\r", flush=True)
    checkpoint.advance(keys_dir(), seq, prev, datetime.now(UTC))
    print(" " * 60, end="\r")
    return {"build_s": time.perf_counter() - t0, "head": seq}


def floor_hashlib(session) -> float:  # noqa: ANN001
    """sha256 over each payload and each canonical entry body, the bytes prepared beforehand."""
    from crowdset.ledger.service import iter_entry_rows

    blobs: list[bytes] = []
    for seq, kind, subject, actor, payload, ph, prev, _h, _sig, created in iter_entry_rows(session):
        blobs.append(payload.encode())
        blobs.append((f'{{"actor":"{actor}","created_at":"{created}","kind":"{kind}","payload_hash":"{ph}",'
                      f'"prev_hash":"{prev}","seq":{seq},"subject":"{subject}"}}').encode())
    sha = hashlib.sha256
    t0 = time.perf_counter()
    for b in blobs:
        sha(b).hexdigest()
    took = time.perf_counter() - t0
    del blobs
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    ap.add_argument("--signature-sample", type=int, default=20_000)
    ap.add_argument("--reuse", type=Path, default=None,
                    help="the data folder of an earlier SQLite run (its last line names it): skip building")
    args = ap.parse_args()

    work = args.reuse or Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    os.environ["CROWDSET_DATA_DIR"] = str(work)
    if args.database_url:
        os.environ["CROWDSET_DATABASE_URL"] = args.database_url
    from crowdset.db import get_db
    from crowdset.ledger.keys import keyring, verify_hex
    from crowdset.ledger.service import audit, iter_entry_rows, keys_dir
    from crowdset.migrate import upgrade
    from crowdset.settings import get_settings

    settings = get_settings()
    upgrade(settings.sqlalchemy_url)
    db_name = "PostgreSQL" if settings.sqlalchemy_url.startswith("postgresql") else "SQLite"
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{db_name}; load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.reuse is None:
        built = build(args.entries)
        print(f"built {built['head']:,} entries, {args.entries:,} annotations, {(args.entries + 2) // 3:,} tasks "
              f"in {built['build_s']:.0f} s", flush=True)
    db = get_db()

    # Peak RSS is cumulative: the steps run in order of growing memory, the floor (which holds every
    # entry's bytes at once) last but one.
    results: list[tuple[str, float, float]] = []
    with db.reading() as s:
        t0 = time.perf_counter()
        read_rows = sum(1 for _ in iter_entry_rows(s))
        results.append(("read the entries only (driver cursor)", time.perf_counter() - t0, _rss_mib()))
    with db.reading() as s:
        t0 = time.perf_counter()
        report = audit(s)
        t_verify = time.perf_counter() - t0
    assert report.ok, report.problems[:3]
    results.append((f"verify: chain + checkpoint ({report.signatures_checked} signatures)", t_verify, _rss_mib()))
    with db.reading() as s:
        t0 = time.perf_counter()
        report = audit(s, tables=True)
        took = time.perf_counter() - t0
    assert report.ok, report.problems[:3]
    results.append((f"verify --tables ({', '.join(f'{t.rows:,} {t.table}' for t in report.tables if t.rows)})",
                    took, _rss_mib()))
    with db.reading() as s:
        floor = floor_hashlib(s)
    results.insert(0, ("floor: hashlib over the same bytes (in memory)", floor, _rss_mib()))

    key = keyring(keys_dir())[-1].public_key
    with db.reading() as s:
        sample = []
        for row in iter_entry_rows(s):
            sample.append((row[7], row[8]))
            if len(sample) >= args.signature_sample:
                break
    t0 = time.perf_counter()
    assert all(verify_hex(key, h, sig) for h, sig in sample)
    per = (time.perf_counter() - t0) / len(sample)
    results.append((f"verify --all-signatures ({len(sample):,} timed, scaled)", t_verify + per * read_rows,
                    _rss_mib()))
    print(f"{read_rows:,} entries")
    print(f"{'step':<58} {'time':>8} {'per entry':>10} {'vs floor':>9} {'peak RSS':>9}")
    for name, took, rss in results:
        print(f"{name:<58} {took:>7.2f}s {took / read_rows * 1e6:>8.2f}µs {took / floor:>8.1f}x {rss:>7.0f}MiB")
    print(f"data in {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
