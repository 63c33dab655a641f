"""Benchmark: our vectorised majority vote / Dawid-Skene vs crowd-kit on the same synthetic crowd.

Usage::

    .venv/bin/python benchmarks/bench_aggregation.py [--labels 500000] [--big-labels 5000000]

Part 1 runs crowd-kit's ``MajorityVote`` and ``DawidSkene`` and ours on the same ``--labels`` labels
(pandas DataFrame with int columns, so crowd-kit is not penalised by strings; our time includes encoding)
and prints times, speed-up ratios, accuracy against the simulated truth and label agreement between the two.
Part 2 times ours alone on ``--big-labels`` labels (default 1,000,000 tasks x 5 labels) and reports peak RSS.
Not a test; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from crowdset.quality.aggregation import dawid_skene, majority_vote  # noqa: E402
from crowdset.quality.synthetic import generate_crowd  # noqa: E402


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def compare_with_crowdkit(n_labels: int, per_task: int, n_workers: int, n_classes: int, seed: int) -> None:
    import pandas as pd
    from crowdkit.aggregation import DawidSkene, MajorityVote

    crowd = generate_crowd(n_labels // per_task, n_workers, per_task, n_classes, spammer_frac=0.2, seed=seed)
    df = pd.DataFrame({"task": crowd.task, "worker": crowd.worker, "label": crowd.label})
    truth = pd.Series(crowd.truth)
    print(f"\n== Part 1: crowd-kit vs ours, {len(df):,} labels ({crowd.n_tasks:,} tasks x {per_task}, "
          f"{n_workers} workers, {n_classes} classes, 20% spammers)")
    print(f"{'method':<6} {'crowd-kit s':>12} {'ours s':>9} {'speed-up':>9} {'ck acc':>7} {'our acc':>8} "
          f"{'same label':>10} {'ck iters':>8} {'our iters':>9}")
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ck_mv, t_ck_mv = _timed(lambda: MajorityVote().fit_predict(df))
        ck_ds_model = DawidSkene(n_iter=100, tol=1e-5)
        ck_ds, t_ck_ds = _timed(lambda: ck_ds_model.fit_predict(df))
    our_mv, t_mv = _timed(lambda: majority_vote(df))
    our_ds, t_ds = _timed(lambda: dawid_skene(df, n_iter=100, tol=1e-5))
    for name, ck, t_ck, ours, t_ours, ck_it in (
        ("MV", ck_mv, t_ck_mv, our_mv, t_mv, "-"),
        ("DS", ck_ds, t_ck_ds, our_ds, t_ds, str(len(ck_ds_model.loss_history_))),
    ):
        ours_s = pd.Series(ours.labels, index=ours.tasks)
        ck = ck.reindex(ours_s.index)
        same = float((ours_s == ck).mean())
        acc_ck = float((ck.to_numpy() == truth.reindex(ours_s.index).to_numpy()).mean())
        acc_ours = float((ours_s.to_numpy() == truth.reindex(ours_s.index).to_numpy()).mean())
        our_it = str(ours.extras.get("n_iter", "-"))
        rows.append((name, t_ck, t_ours))
        print(f"{name:<6} {t_ck:>12.2f} {t_ours:>9.3f} {t_ck / t_ours:>8.0f}x {acc_ck:>7.4f} {acc_ours:>8.4f} "
              f"{same:>10.4f} {ck_it:>8} {our_it:>9}")
    if len(ck_ds_model.loss_history_) and our_ds.extras["n_iter"]:
        per_ck = t_ck_ds / len(ck_ds_model.loss_history_)
        per_ours = t_ds / our_ds.extras["n_iter"]
        print(f"DS time per EM iteration: crowd-kit {per_ck:.3f} s, ours {per_ours:.4f} s ({per_ck / per_ours:.0f}x)")
    print("(MV label differences are ties: crowd-kit breaks them by column order, we pick the smallest label)")


def ours_at_scale(n_labels: int, per_task: int, n_workers: int, n_classes: int, seed: int) -> None:
    base = _rss_mib()
    crowd, t_gen = _timed(
        lambda: generate_crowd(n_labels // per_task, n_workers, per_task, n_classes, spammer_frac=0.2, seed=seed)
    )
    enc = crowd.encoded()
    after_gen = _rss_mib()
    print(f"\n== Part 2: ours only, {len(enc):,} labels ({enc.n_tasks:,} tasks x {per_task}, {n_workers} workers, "
          f"{n_classes} classes); generated in {t_gen:.1f} s")
    mv, t_mv = _timed(lambda: majority_vote(enc))
    ds, t_ds = _timed(lambda: dawid_skene(enc, n_iter=100, tol=1e-5))
    peak = _rss_mib()
    acc = lambda r: float((r.label_codes == crowd.truth).mean())  # noqa: E731
    print(f"MV: {t_mv:.2f} s, accuracy {acc(mv):.4f}")
    print(f"DS: {t_ds:.2f} s for {ds.extras['n_iter']} EM iterations ({t_ds / max(ds.extras['n_iter'], 1):.3f} s each), "
          f"accuracy {acc(ds):.4f}")
    print(f"peak RSS: {peak:.0f} MiB (before data {base:.0f} MiB, after generating data {after_gen:.0f} MiB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=int, default=500_000, help="labels for the crowd-kit comparison")
    ap.add_argument("--big-labels", type=int, default=5_000_000, help="labels for our own figures (0 = skip)")
    ap.add_argument("--per-task", type=int, default=5)
    ap.add_argument("--workers", type=int, default=50, help="worker pool for part 1")
    ap.add_argument("--big-workers", type=int, default=5, help="worker pool for part 2 (5 = every worker labels all)")
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"cpus={len(__import__('os').sched_getaffinity(0))}")
    if args.big_labels:
        ours_at_scale(args.big_labels, args.per_task, args.big_workers, args.classes, args.seed)
    if args.labels:
        compare_with_crowdkit(args.labels, args.per_task, args.workers, args.classes, args.seed)


if __name__ == "__main__":
    main()
