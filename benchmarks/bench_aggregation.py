"""Benchmark: our vectorised MV / Dawid-Skene / GLAD / MACE vs crowd-kit 1.4 on the same synthetic crowd.

Usage::

    .venv/bin/python benchmarks/bench_aggregation.py [--sizes 50000,500000,5000000] [--budget 1800]
        [--slow-max-labels 500000] [--methods mv,ds,glad,mace] [--workers 50] [--classes 3]

For every size the crowd (``size / 5`` tasks x 5 answers, ``--workers`` workers, ``--classes`` classes, 20%
spammers) is generated once and saved; then every (implementation, method) pair runs in its own child
process, which loads the data, builds the same pandas DataFrame with int columns (so crowd-kit is not
penalised by strings; our time includes encoding) and reports

* wall time of the fit,
* peak memory: the child's ``ru_maxrss`` after the fit minus before it (data already loaded), so each
  method's peak is measured separately,
* accuracy against the simulated truth, and the labels (the parent computes agreement between the two).

crowd-kit's GLAD and MACE run only at sizes up to ``--slow-max-labels`` (default 500,000; larger sizes are
printed as "skipped (budget)", never extrapolated); any crowd-kit run is killed after ``--budget`` seconds and
printed as "> budget", which makes the speed-up a lower bound. crowd-kit's MACE runs with ``n_restarts=1``:
it passes the same ``random_state`` to every restart, so its default 10 restarts repeat the first one 10
times (same result, 10x the time); ours runs its default single restart, which is that same computation.
Every child runs with ``OPENBLAS_NUM_THREADS=1`` (scipy's CG in both GLADs is slower with BLAS threads on a
busy machine). Not a test; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

METHODS = ("mv", "ds", "glad", "mace")
SLOW = ("glad", "mace")  # crowd-kit takes minutes on these


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _run_ours(method: str, df: Any) -> tuple[np.ndarray, dict[str, Any]]:
    from crowdset.quality.aggregation import dawid_skene, glad, mace, majority_vote

    fn = {"mv": majority_vote, "ds": dawid_skene, "glad": glad, "mace": mace}[method]
    res = fn(df)
    labels = np.asarray(res.labels, dtype=np.int64)  # int label values, task order = first appearance
    order = np.argsort(np.asarray(res.tasks, dtype=np.int64))
    return labels[order], {"iters": res.extras.get("n_iter")}


def _run_crowdkit(method: str, df: Any) -> tuple[np.ndarray, dict[str, Any]]:
    from crowdset.quality.aggregation import compat_class

    model = {
        "mv": lambda: compat_class("MajorityVote")(),
        "ds": lambda: compat_class("DawidSkene")(n_iter=100, tol=1e-5),
        "glad": lambda: compat_class("GLAD")(n_iter=100, tol=1e-5),
        "mace": lambda: compat_class("MACE")(n_restarts=1, n_iter=50, random_state=0),
    }[method]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = model.fit_predict(df)
    hist = getattr(model, "loss_history_", None)
    return labels.sort_index().to_numpy(dtype=np.int64), {"iters": len(hist) if hist else None}


def child(impl: str, method: str, data_dir: str) -> None:
    """Run one fit on the saved crowd and print one JSON line."""
    import pandas as pd

    if impl == "crowdkit":
        import crowdkit.aggregation  # noqa: F401  (import cost is not part of the fit)
    import crowdset.quality.aggregation  # noqa: F401

    data = np.load(Path(data_dir) / "crowd.npz")
    df = pd.DataFrame({"task": data["task"], "worker": data["worker"], "label": data["label"]})
    truth = data["truth"]
    before = _rss_mib()
    t0 = time.perf_counter()
    labels, info = (_run_crowdkit if impl == "crowdkit" else _run_ours)(method, df)
    seconds = time.perf_counter() - t0
    peak = _rss_mib() - before
    np.save(Path(data_dir) / f"{impl}_{method}.npy", labels)
    acc = float((labels == truth).mean()) if len(labels) == len(truth) else float("nan")
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "acc": acc, **info}))


def _spawn(impl: str, method: str, data_dir: str, budget: float) -> dict[str, Any]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--child", impl, method, data_dir]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, env=env, check=True)
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    except subprocess.CalledProcessError as exc:
        return {"status": "error", "error": exc.stderr.strip().splitlines()[-1:]}
    return {"status": "ok", **json.loads(out.stdout.strip().splitlines()[-1])}


def _fmt_time(r: dict[str, Any] | None, budget: float) -> str:
    if r is None:
        return "skipped (budget)"
    if r["status"] == "timeout":
        return f"> {budget:.0f} s"
    if r["status"] != "ok":
        return "error"
    return f"{r['seconds']:.2f} s"


def run_size(n_labels: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    from crowdset.quality.synthetic import generate_crowd

    per_task = 5
    crowd = generate_crowd(
        n_labels // per_task, args.workers, per_task, args.classes, spammer_frac=0.2, seed=args.seed
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_agg_") as tmp:
        np.savez(Path(tmp) / "crowd.npz", task=crowd.task, worker=crowd.worker, label=crowd.label, truth=crowd.truth)
        print(f"\n== {len(crowd.task):,} labels ({crowd.n_tasks:,} tasks x {per_task}, {args.workers} workers, "
              f"{args.classes} classes, 20% spammers)", flush=True)
        for method in args.methods.split(","):
            ours = _spawn("ours", method, tmp, args.budget)
            ck = None
            if method not in SLOW or n_labels <= args.slow_max_labels:
                ck = _spawn("crowdkit", method, tmp, args.budget)
            same = None
            if ours["status"] == "ok" and ck is not None and ck["status"] == "ok":
                a = np.load(Path(tmp) / f"ours_{method}.npy")
                b = np.load(Path(tmp) / f"crowdkit_{method}.npy")
                same = float((a == b).mean()) if len(a) == len(b) else None
            row = {"labels": len(crowd.task), "method": method, "ours": ours, "crowdkit": ck, "same": same}
            rows.append(row)
            _print_row(row, args.budget)
    return rows


HEADER = (f"{'labels':>10} {'method':<5} {'crowd-kit':>17} {'ours':>9} {'speed-up':>9} {'ck peak':>9} "
          f"{'our peak':>9} {'mem':>6} {'ck acc':>7} {'our acc':>8} {'same':>7} {'iters ck/ours':>13}")


def _cell(r: dict[str, Any] | None, key: str, fmt: str) -> str:
    return fmt.format(r[key]) if r is not None and r["status"] == "ok" and r.get(key) is not None else "-"


def _print_row(row: dict[str, Any], budget: float) -> None:
    ours, ck = row["ours"], row["crowdkit"]
    ok = ours["status"] == "ok"
    speed = mem = "-"
    if ok and ck is not None and ck["status"] == "ok":
        speed = f"{ck['seconds'] / ours['seconds']:.0f}x"
        mem = f"{ck['peak_mib'] / max(ours['peak_mib'], 1.0):.1f}x"
    elif ok and ck is not None and ck["status"] == "timeout":
        speed = f">{budget / ours['seconds']:.0f}x"
    same = f"{row['same']:.4f}" if row["same"] is not None else "-"
    iters = f"{_cell(ck, 'iters', '{}')} / {_cell(ours, 'iters', '{}')}"
    print(
        f"{row['labels']:>10,} {row['method']:<5} {_fmt_time(ck, budget):>17} {_fmt_time(ours, budget):>9} "
        f"{speed:>9} {_cell(ck, 'peak_mib', '{:.0f} MiB'):>9} {_cell(ours, 'peak_mib', '{:.0f} MiB'):>9} {mem:>6} "
        f"{_cell(ck, 'acc', '{:.4f}'):>7} {_cell(ours, 'acc', '{:.4f}'):>8} {same:>7} {iters:>13}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="50000,500000,5000000", help="comma-separated label counts")
    ap.add_argument("--budget", type=float, default=1800.0, help="seconds before a child run is killed")
    ap.add_argument("--slow-max-labels", type=int, default=500_000,
                    help="largest size at which crowd-kit's GLAD and MACE run (larger: skipped (budget))")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of mv,ds,glad,mace")
    ap.add_argument("--workers", type=int, default=50)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write all results here")
    ap.add_argument("--child", nargs=3, metavar=("IMPL", "METHOD", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    import crowdkit
    import pandas as pd

    print(f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"crowd-kit {crowdkit.__version__}, {platform.machine()}, cpus={len(os.sched_getaffinity(0))}")
    print("time = fit wall time; peak = child's max RSS growth during the fit; acc = vs simulated truth; "
          "same = share of tasks where ours and crowd-kit pick the same label")
    print(HEADER)
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        results += run_size(size, args)
    print("\nSummary\n" + HEADER)
    for row in results:
        _print_row(row, args.budget)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
