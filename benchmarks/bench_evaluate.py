"""Evaluate generated text records with planted defects, side by side with the peers a user would pick.

Run: ``.venv/bin/python benchmarks/bench_evaluate.py [--records 1000000]`` (default 100k). Steps:

1. generate N Chinese text records (4 classes, ~5 % exact and ~5 % near copies, planted defects: mojibake,
   U+FFFD, control characters, degenerate repetition, empty text, valid mobile numbers / resident IDs /
   e-mails, missing labels, type drift, stale timestamps, broken JSON lines) into one JSONL file;
2. our full report (all 17 indicators) on that file, in a child process so its peak RSS is its own;
3. dingo-python's TC609 rules that match ours (0202 safety, 0204 completeness, 0205 provenance, 0208
   cleanliness; 0207 needs torch + a transformer model and is left out) on the first ``--peer-records``
   records of the same file, and ydata-profiling in minimal mode on the same records as a pandas
   DataFrame — each in its own venv (``benchmarks/peers/setup_dingo.sh``, ``setup_ydata.sh``); a peer
   that is not installed or fails is reported and skipped;
4. our near-duplicate path vs datasketch MinHash + MinHashLSH on ``--dedup-records`` texts.

Ratios compare throughput (records/s): our full report (which computes far more than either peer), and our
checks for the same indicators on the same records as the peer (for ydata: missing values, types, exact
duplicates and label counts; neither near-duplicates nor the garbled/degenerate-text rules, which ydata
does not compute). Figures go into docs/benchmarks.md and docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
         "也能下过子说产种面而方后多定行"
         "学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政")
LABELS = {"体育": "比赛球队进球冠军教练", "财经": "股票市场银行利率基金", "科技": "芯片算法手机软件网络",
          "医疗": "医院药品治疗疫苗健康"}
DEFECTS = ("mojibake", "replacement_char", "control_char", "repetitive", "empty_text", "mobile", "resident_id",
           "email", "missing_label", "type_drift", "stale_time", "broken_json")
DEFECT_RATE = 0.002  # per defect kind

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(prefix17: str) -> str:
    """A resident ID with a correct ISO 7064 MOD 11-2 check character."""
    s = sum(int(c) * w for c, w in zip(prefix17, ID_WEIGHTS, strict=True))
    return prefix17 + "10X98765432"[s % 11]


def make_texts(n: int, seed: int) -> tuple[list[str], list[str]]:
    """n texts of 60–120 characters, 3 class keywords planted in each; ~5 % exact and ~5 % near copies."""
    rng = np.random.default_rng(seed)
    names = list(LABELS)
    lens = rng.integers(60, 121, n)
    starts = np.cumsum(lens) - lens
    cps = np.frombuffer(HANZI.encode("utf-32-le"), dtype=np.uint32)[rng.integers(0, len(HANZI), int(lens.sum()))]
    lab = rng.integers(0, len(names), n)
    kw = np.array([np.frombuffer(LABELS[k].encode("utf-32-le"), dtype=np.uint32) for k in names])
    pos = starts[:, None] + (rng.random((n, 3)) * lens[:, None]).astype(np.int64)
    cps[pos] = kw[lab[:, None], rng.integers(0, kw.shape[1], (n, 3))]
    big = cps.tobytes().decode("utf-32-le")
    texts = [big[s : s + ln] for s, ln in zip(starts.tolist(), lens.tolist(), strict=True)]
    labels = [names[i] for i in lab.tolist()]
    r = rng.random(n)
    r[:101] = 1.0
    for i in np.nonzero(r < 0.10)[0].tolist():
        j = int(rng.integers(0, i))
        labels[i] = labels[j]
        if r[i] < 0.05:
            texts[i] = texts[j]
        else:
            texts[i] = texts[j][:-3] + "".join(HANZI[k] for k in rng.integers(0, len(HANZI), 3).tolist())
    return texts, labels


def write_dataset(folder: Path, n: int, seed: int) -> tuple[Path, list[str], dict[str, int]]:
    """The JSONL file with planted defects; returns (path, texts, {defect: planted count})."""
    texts, labels = make_texts(n, seed)
    rng = np.random.default_rng(seed + 1)
    kinds = rng.integers(0, len(DEFECTS), n)
    hit = rng.random(n) < DEFECT_RATE * len(DEFECTS)
    hit[:200] = False  # keep the first batch's field inference representative
    planted = dict.fromkeys(DEFECTS, 0)
    path = folder / "bench.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            rec: dict[str, object] = {"id": f"r{i}", "text": texts[i], "label": labels[i],
                                      "last_modified_time": "2025-01-01", "source": "自采",
                                      "generated_data_indicator": 0}
            kind = DEFECTS[kinds[i]] if hit[i] else None
            t = texts[i]
            if kind == "mojibake":
                rec["text"] = t[:20] + "ä¸­æ–‡" + t[20:]
            elif kind == "replacement_char":
                rec["text"] = t[:30] + "\ufffd" + t[30:]
            elif kind == "control_char":
                rec["text"] = t[:10] + "\x07" + t[10:]
            elif kind == "repetitive":
                rec["text"] = (t[:4] * 25)[:100]
            elif kind == "empty_text":
                rec["text"] = ""
            elif kind == "mobile":
                rec["text"] = f"{t}，联系电话 1{3 + i % 7}{i % 10}{(i * 7919) % 100_000_000:08d}"
            elif kind == "resident_id":
                rec["text"] = f"{t}，身份证 {resident_id(f'110105198{i % 10}0{1 + i % 9}1{i % 10}{i % 1000:03d}')}"
            elif kind == "email":
                rec["text"] = f"{t} 邮箱 user{i}@example.com"
            elif kind == "missing_label":
                del rec["label"]
            elif kind == "type_drift":
                rec["generated_data_indicator"] = "0"
            elif kind == "stale_time":
                rec["last_modified_time"] = "2015-01-01"
            line = json.dumps(rec, ensure_ascii=False)
            if kind == "broken_json":
                line = line[: len(line) // 2]
            if kind:
                planted[kind] += 1
            fh.write(line + "\n")
    return path, texts, planted


PEAK = """
def peak_mb():
    # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak over fork + exec
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

OURS = """
import json, os, resource, sys, time
from crowdset.datasets.evaluate import evaluate_path
t0, c0 = time.perf_counter(), time.process_time()
report = evaluate_path(sys.argv[1], "general")
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
ind = report["indicators"]
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "load_avg": os.getloadavg(), "peak_mb": peak_mb(),
                  "records": report["records"], "grade": report["grade"], "dimensions": report["dimensions"],
                  "x": {c: v["x"] for c, v in ind.items()}, "bad": {c: (v["b"] - v["a"]) if v["b"] is not None
                  and v["a"] is not None else None for c, v in ind.items()},
                  "exact": ind["0208"]["exact_duplicates"], "near": ind["0208"]["near_duplicates"],
                  "dirty": ind["0208"]["dirty_reasons"], "pii": ind["0202"]["pii_hits"]}))
"""

OURS_SUBSET = """
import json, resource, sys, time
from datetime import UTC, datetime
from crowdset.datasets.evaluate.cleanliness import CleanlinessCheck
from crowdset.datasets.evaluate.conformance import CompletenessCheck, ProvenanceCheck, TypeCheck
from crowdset.datasets.evaluate.context import Ctx
from crowdset.datasets.evaluate.flat import FlatBatch
from crowdset.datasets.evaluate.media import MediaInspector
from crowdset.datasets.evaluate.profiles import load_profile
from crowdset.datasets.evaluate.readers import iter_batches, open_source
from crowdset.datasets.evaluate.records import Normaliser
from crowdset.datasets.evaluate.security_check import SecurityCheck
t0 = time.perf_counter()
prof = load_profile("general")
src = open_source(sys.argv[1])
ctx = Ctx(profile=prof, meta={}, media=MediaInspector(src.media_root, prof.media), now=datetime.now(UTC))
clean = CleanlinessCheck(ctx)
if sys.argv[2] == "ydata":  # ydata-profiling finds duplicate rows, not near-duplicates: leave MinHash out
    class NoNearDup:
        def add_batch(self, keys, texts):
            pass

        def finish(self):
            return {}

    clean.near = NoNearDup()
    # nor garbled or degenerate text: our dirt rules stay off too (empty records are still counted)
    import crowdset.datasets.evaluate.cleanliness as cleanliness_module
    cleanliness_module.garbled_suspects = lambda texts: set()
    cleanliness_module.repetition_ratios = lambda texts: [0.0] * len(texts)
checks = {"dingo": [SecurityCheck(ctx), CompletenessCheck(), ProvenanceCheck(), clean],
          "ydata": [CompletenessCheck(), TypeCheck(), clean]}[sys.argv[2]]
norm = Normaliser(None)
from crowdset.gcpause import gc_paused
paused = gc_paused()  # as the engine does
paused.__enter__()
for raw, _ in iter_batches(src, 5000):  # as the engine does: first batch per record, then flat batches as columns
    if not raw:
        continue
    fb = None if ctx.first_batch else FlatBatch.build(raw, norm)
    if fb is not None:
        ctx.records += fb.n
        ctx.count_labels_flat(fb)
        for c in checks:
            c.update_flat(fb, ctx)
        continue
    batch = [norm(r) for r in raw]
    if ctx.first_batch:
        ctx.labelled = any(r.labels is not None for r in batch)
    ctx.records += len(batch)
    ctx.count_labels(batch)
    for c in checks:
        c.update(batch, ctx)
    ctx.first_batch = False
paused.__exit__(None, None, None)
bad = {}
for c in checks:
    for r in c.finish(ctx):
        bad[r.code] = None if r.b is None else r.b - r.a
print(json.dumps({"seconds": time.perf_counter() - t0, "records": ctx.records, "bad": bad,
                  "peak_mb": peak_mb()}))
"""

DINGO = """
import json, resource, sys, time
t_start = time.perf_counter()
from dingo.io.input import Data
from dingo.model.rule.guobiao.rule_tc609_quality import (
    Rule_TC609_0202_SafetyCompliance, Rule_TC609_0204_StructuralCompleteness,
    Rule_TC609_0205_ContentAuthenticity, Rule_TC609_0208_ContentCleanliness)
rules = [Rule_TC609_0202_SafetyCompliance, Rule_TC609_0204_StructuralCompleteness,
         Rule_TC609_0205_ContentAuthenticity, Rule_TC609_0208_ContentCleanliness]
limit = int(sys.argv[2])
bad = {r.__name__: 0 for r in rules}
n = 0
t0 = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        if n >= limit:
            break
        n += 1
        try:
            d = json.loads(line)
        except ValueError:
            for r in rules:
                bad[r.__name__] += 1
            continue
        lab = d.get("label")
        data = Data(id=d["id"], data_content=[{"media_type": "text", "content": d.get("text", "")}],
                    annotation={"label": [lab] if lab else [], "annotation_method": "人工标注",
                                "annotator": "普通标注员"},
                    original_time=d.get("last_modified_time"), last_modified_time=d.get("last_modified_time"),
                    version="1.0", license="CC-BY-4.0", source=d.get("source"),
                    source_details="https://example.com/data", rid=[],
                    generated_data_indicator=d.get("generated_data_indicator"))
        for r in rules:
            if r.eval(data).status:
                bad[r.__name__] += 1
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "import_s": t0 - t_start, "records": n, "bad": bad,
                  "peak_mb": peak_mb()}))
"""

YDATA = """
import json, resource, sys, time, warnings
warnings.filterwarnings("ignore")
t_start = time.perf_counter()
import pandas as pd
from ydata_profiling import ProfileReport
limit = int(sys.argv[2])
t0 = time.perf_counter()
rows = []
with open(sys.argv[1], encoding="utf-8") as fh:
    for i, line in enumerate(fh):
        if i >= limit:
            break
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
df = pd.DataFrame.from_records(rows)
del rows
t1 = time.perf_counter()
desc = ProfileReport(df, minimal=True, progress_bar=False).get_description()
t2 = time.perf_counter()
print(json.dumps({"seconds": t2 - t0, "read_s": t1 - t0, "profile_s": t2 - t1, "import_s": t0 - t_start,
                  "records": len(df), "duplicate_rows": int(desc.table.get("n_duplicates", 0) or 0),
                  "missing_cells": int(desc.table.get("n_cells_missing", 0) or 0),
                  "peak_mb": peak_mb()}))
"""


def run_child(python: str, code: str, args: list[str], timeout: float) -> dict[str, object]:
    """Run ``code`` under ``python``; its last stdout line is a JSON summary (or we return the error)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(textwrap.dedent(PEAK) + textwrap.dedent(code))
    try:
        t0 = time.perf_counter()
        proc = subprocess.run([python, fh.name, *args], capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    finally:
        os.unlink(fh.name)
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:300]}"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


def peer_python(name: str, env_var: str) -> str | None:
    venv = Path(os.environ.get(env_var) or Path.home() / ".cache" / "crowdset-bench" / name)
    py = venv / "bin" / "python"
    return str(py) if py.exists() else None


def time_near_dup(impl: type, texts: list[str]) -> tuple[float, dict[int, tuple[int, float]]]:
    from crowdset.datasets.evaluate.dedup import normalise_text

    norm = [normalise_text(t) for t in texts]
    nd = impl(0.8, 128, 3)
    t0 = time.perf_counter()
    for s in range(0, len(norm), 5000):
        nd.add_batch(np.arange(s, min(len(norm), s + 5000)), norm[s : s + 5000])
    found = nd.finish()
    return time.perf_counter() - t0, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--peer-records", type=int, default=100_000,
                    help="records the peers evaluate (first N of the same file; capped at --records)")
    ap.add_argument("--dedup-records", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--peer-timeout", type=float, default=1800)
    args = ap.parse_args()
    peer_n = min(args.peer_records, args.records)

    print(f"python {platform.python_version()} · {platform.machine()} · {os.cpu_count()} CPUs · "
          f"{time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path, texts, planted = write_dataset(Path(tmp), args.records, args.seed)
        print(f"generated {args.records:,} records ({path.stat().st_size / 1e6:.1f} MB JSONL) in "
              f"{time.perf_counter() - t0:.1f} s; planted defects {planted}")

        ours = run_child(sys.executable, OURS, [str(path)], args.peer_timeout)
        if "error" in ours:
            print(f"ours FAILED: {ours['error']}")
            return
        ours_rate = float(ours["records"]) / float(ours["seconds"])
        print(f"ours   full report, {ours['records']:,} records: {ours['seconds']:.1f} s = {ours_rate:,.0f} records/s; "
              f"peak RSS {ours['peak_mb']:.0f} MB; CPU {ours['cpu_seconds']:.1f} s (both threads); "
              f"load average during the run {ours['load_avg']}; grade {ours['grade']} · dims {ours['dimensions']}")
        print(f"       failing items per indicator {ours['bad']}")
        print(f"       exact {ours['exact']} · near {ours['near']} · dirty {ours['dirty']} · PII {ours['pii']}")

        rows = [("ours: full report, 17 indicators", int(ours["records"]), float(ours["seconds"]),
                 float(ours["peak_mb"]), "")]
        head = path
        if peer_n < args.records:  # peers and our matching subset read the same first peer_n records
            head = Path(tmp) / "head.jsonl"
            with path.open("rb") as src, head.open("wb") as dst:
                for _, line in zip(range(peer_n), src, strict=False):
                    dst.write(line)
        if not args.skip_peers:
            for name, env, code, label, ours_label in (
                ("dingo", "CROWDSET_BENCH_DINGO_VENV", DINGO, "dingo-python: TC609 rules 0202/0204/0205/0208",
                 "ours: same indicators 0202/0204/0205/0208"),
                ("ydata", "CROWDSET_BENCH_YDATA_VENV", YDATA, "ydata-profiling: minimal ProfileReport",
                 "ours: 0204 missing values + 0207 types + 0208 exact duplicates + label counts"),
            ):
                py = peer_python(name, env)
                if py is None:
                    print(f"{name}: not installed — run benchmarks/peers/setup_{name}.sh (skipped)")
                    continue
                res = run_child(py, code, [str(head), str(peer_n)], args.peer_timeout)
                if "error" in res:
                    print(f"{name}: could not run here: {res['error']} (skipped)")
                    continue
                mine = run_child(sys.executable, OURS_SUBSET, [str(head), name], args.peer_timeout)
                rate = float(res["records"]) / float(res["seconds"])
                extra = {k: v for k, v in res.items() if k not in ("seconds", "records", "peak_mb")}
                print(f"{name:6s} {res['records']:,} records: {res['seconds']:.1f} s = {rate:,.0f} records/s; "
                      f"peak RSS {res['peak_mb']:.0f} MB; {extra}")
                print(f"       ours full report is x{ours_rate / rate:.1f} the peer's records/s")
                rows.append((label, int(res["records"]), float(res["seconds"]), float(res["peak_mb"]),
                             f"x{ours_rate / rate:.1f} (full report)"))
                if "error" not in mine:
                    mrate = float(mine["records"]) / float(mine["seconds"])
                    print(f"       {ours_label}: {mine['seconds']:.1f} s = {mrate:,.0f} records/s, peak RSS "
                          f"{mine['peak_mb']:.0f} MB, failing {mine['bad']} -> x{mrate / rate:.1f} the peer")
                    rows.append((ours_label, int(mine["records"]), float(mine["seconds"]), float(mine["peak_mb"]),
                                 f"x{mrate / rate:.1f}"))

        print("\n| run | records | time | records/s | peak RSS | ours faster |")
        print("|---|---|---|---|---|---|")
        for label, n, secs, mb, ratio in rows:
            print(f"| {label} | {n:,} | {secs:.1f} s | {n / secs:,.0f} | {mb:,.0f} MB | {ratio or '–'} |")

    if args.dedup_records:
        from crowdset.datasets.evaluate.dedup import DatasketchNearDup, VectorisedNearDup

        sub = texts[: args.dedup_records]
        t_ours, f_ours = time_near_dup(VectorisedNearDup, sub)
        t_ref, f_ref = time_near_dup(DatasketchNearDup, sub)
        both = set(f_ours) & set(f_ref)
        either = set(f_ours) | set(f_ref)
        print(f"\nnear-duplicates on {len(sub)} texts (exact copies included): vectorised {t_ours:.2f} s "
              f"({len(f_ours)} found) · datasketch {t_ref:.2f} s ({len(f_ref)} found) · "
              f"speed-up x{t_ref / t_ours:.1f} · agreement {len(both) / max(1, len(either)):.3f}")


if __name__ == "__main__":
    main()
