"""Time a full evaluation of a generated Chinese text dataset, and our near-duplicate path vs datasketch.

Run: ``.venv/bin/python benchmarks/bench_evaluate.py`` (defaults: 100k records, near-dup comparison on 20k).
Options: ``--records N``, ``--dedup-records N``, ``--seed S``. Figures go into docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from crowdset.datasets.evaluate import evaluate_path
from crowdset.datasets.evaluate.dedup import DatasketchNearDup, VectorisedNearDup, normalise_text

HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行"
         "学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政")
LABELS = {"体育": "比赛球队进球冠军教练", "财经": "股票市场银行利率基金", "科技": "芯片算法手机软件网络", "医疗": "医院药品治疗疫苗健康"}


def make_texts(n: int, seed: int) -> tuple[list[str], list[str]]:
    """~5% exact copies and ~5% near-copies (a few characters changed) among random 60–120 character texts."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for i in range(n):
        r = rng.random()
        if i > 100 and r < 0.05:
            j = rng.randrange(i)
            texts.append(texts[j])
            labels.append(labels[j])
        elif i > 100 and r < 0.10:
            j = rng.randrange(i)
            t = texts[j]
            texts.append(t[:-3] + "".join(rng.choice(HANZI) for _ in range(3)))
            labels.append(labels[j])
        else:
            lab = rng.choice(list(LABELS))
            body = [rng.choice(HANZI) for _ in range(rng.randint(60, 120))]
            for c in rng.sample(LABELS[lab], 3):
                body.insert(rng.randrange(len(body)), c)
            texts.append("".join(body))
            labels.append(lab)
    return texts, labels


def write_dataset(folder: Path, texts: list[str], labels: list[str]) -> Path:
    path = folder / "bench.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, (t, lab) in enumerate(zip(texts, labels, strict=True)):
            fh.write(json.dumps({"id": f"r{i}", "text": t, "label": lab, "last_modified_time": "2025-01-01",
                                 "source": "自采", "generated_data_indicator": 0}, ensure_ascii=False) + "\n")
    return path


def time_near_dup(impl: type, texts: list[str]) -> tuple[float, dict[int, tuple[int, float]]]:
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
    ap.add_argument("--dedup-records", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    print(f"python {platform.python_version()} · {platform.machine()} · {os.cpu_count()} CPUs")
    texts, labels = make_texts(args.records, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_dataset(Path(tmp), texts, labels)
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        report = evaluate_path(path, "general")
        elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c = report["indicators"]["0208"]
    print(f"full evaluation: {args.records} records ({size_mb:.1f} MB JSONL) in {elapsed:.1f} s "
          f"= {args.records / elapsed:,.0f} records/s; peak RSS {peak_mb:.0f} MB")
    print(f"  grade {report['grade']} · dims {report['dimensions']} · exact {c['exact_duplicates']} · "
          f"near {c['near_duplicates']} · 0305 x={report['indicators']['0305']['x']}")

    sub = texts[: args.dedup_records]
    t_ours, f_ours = time_near_dup(VectorisedNearDup, sub)
    t_ref, f_ref = time_near_dup(DatasketchNearDup, sub)
    both = set(f_ours) & set(f_ref)
    either = set(f_ours) | set(f_ref)
    print(f"near-duplicates on {len(sub)} texts (exact copies included): vectorised {t_ours:.2f} s "
          f"({len(f_ours)} found) · datasketch {t_ref:.2f} s ({len(f_ref)} found) · "
          f"speed-up ×{t_ref / t_ours:.1f} · agreement {len(both) / max(1, len(either)):.3f}")


if __name__ == "__main__":
    main()
