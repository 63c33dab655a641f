"""LABELS file reading and the ``crowdset quality`` Typer app."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from crowdset.quality.io import gold_from_labels, read_gold, read_labels
from tests.support import run_cli

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

ROWS = [
    ("任务1", "张三", "猫", 3.5), ("任务1", "李四", "猫", 4.0), ("任务1", "王五", "狗", 2.0),
    ("任务2", "张三", "狗", 5.0), ("任务2", "李四", "狗", 6.0), ("任务2", "王五", "狗", 1.0),
    ("任务3", "张三", "01", 2.0), ("任务3", "李四", "01", 3.0), ("任务3", "王五", "1", 2.5),
]


@pytest.fixture
def labels_csv(tmp_path: Path) -> Path:
    p = tmp_path / "labels.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["task", "worker", "label", "lead_time"])
        w.writerows(ROWS)
    return p


def _parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -------------------------------------------------------------------- io
def test_read_labels_csv_keeps_labels_as_strings(labels_csv: Path) -> None:
    df = read_labels(labels_csv)
    assert list(df.columns) == ["task", "worker", "label", "lead_time"]
    assert df["label"].tolist()[-3:] == ["01", "01", "1"]
    assert df["lead_time"].dtype == "float64"


def test_read_labels_jsonl_and_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame(ROWS, columns=["task", "worker", "label", "lead_time"])
    jl = tmp_path / "l.jsonl"
    jl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in df.to_dict(orient="records")) + "\n",
                  encoding="utf-8")
    pq = tmp_path / "l.parquet"
    df.to_parquet(pq)
    for path in (jl, pq):
        got = read_labels(path)
        assert got["label"].tolist() == df["label"].tolist()
        assert got["task"].tolist() == df["task"].tolist()


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("task,label\n1,a\n", ".csv", "missing required column(s) 'worker'"),
        ("task,worker,label\n1,a,x\n2,b,y,z\n", ".csv", "line 3: expected 3 fields, got 4"),
        ("task,worker,label\n1,a,x\n2,,y\n", ".csv", "line 3: empty value in required column 'worker'"),
        ("task,worker,label,lead_time\n1,a,x,fast\n", ".csv", "line 2: lead_time 'fast' is not a number"),
        ('{"task": 1, "worker": "a", "label": "x"}\n{"task": 2, "worker": "b" "label": "y"}\n', ".jsonl",
         "line 2: invalid JSON"),
        ("task,worker,label\n", ".txt", "unsupported file type"),
    ],
)
def test_read_labels_errors_name_the_problem(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    p = tmp_path / f"bad{suffix}"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as exc:
        read_labels(p)
    assert message in str(exc.value)


def test_gold_sources(tmp_path: Path) -> None:
    df = pd.DataFrame({"task": ["a", "a", "b"], "worker": ["x", "y", "x"], "label": ["1", "2", "1"],
                       "gold": ["2", "2", None]})
    assert gold_from_labels(df) == {"a": "2"}
    with pytest.raises(ValueError, match="conflicting gold"):
        gold_from_labels(df.assign(gold=["1", "2", None]))
    g = tmp_path / "gold.csv"
    g.write_text("task,gold\na,2\nb,1\n", encoding="utf-8")
    assert read_gold(g) == {"a": "2", "b": "1"}


# -------------------------------------------------------------------- CLI
def quality(*args: str) -> subprocess.CompletedProcess[str]:
    """``crowdset quality *args`` in a fresh process."""
    return run_cli("quality", *args)


def test_cli_aggregate_csv_chinese_labels_exact(labels_csv: Path) -> None:
    res = quality("aggregate", str(labels_csv), "--method", "mv")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "task,label,confidence"
    rows = _parse_csv(res.stdout)
    assert [(r["task"], r["label"]) for r in rows] == [("任务1", "猫"), ("任务2", "狗"), ("任务3", "01")]
    assert float(rows[0]["confidence"]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("method", ["ds", "onecoin", "glad", "mace"])
def test_cli_aggregate_methods(labels_csv: Path, method: str) -> None:
    res = quality("aggregate", str(labels_csv), "-m", method)
    assert res.returncode == 0, res.stderr
    rows = _parse_csv(res.stdout)
    assert len(rows) == 3 and {r["label"] for r in rows} <= {"猫", "狗", "01", "1"}
    assert all(0.0 < float(r["confidence"]) <= 1.0 for r in rows)


def test_cli_aggregate_json_and_out_file(labels_csv: Path, tmp_path: Path) -> None:
    res = quality("aggregate", str(labels_csv), "-m", "ds", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data[0]["task"] == "任务1" and data[0]["label"] == "猫"
    out = tmp_path / "out.csv"
    res = quality("aggregate", str(labels_csv), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.read_text(encoding="utf-8").startswith("task,label,confidence\n任务1,猫,")
    res = quality("aggregate", str(labels_csv), "--format", "table")
    assert res.returncode == 0 and "任务2" in res.stdout


def test_cli_wmv_with_gold_file(labels_csv: Path, tmp_path: Path) -> None:
    res = quality("aggregate", str(labels_csv), "-m", "wmv")
    assert res.returncode == 2 and "gold" in res.stderr
    gold = tmp_path / "gold.csv"
    gold.write_text("task,label\n任务2,狗\n", encoding="utf-8")
    res = quality("aggregate", str(labels_csv), "-m", "wmv", "--gold", str(gold))
    assert res.returncode == 0, res.stderr
    assert len(_parse_csv(res.stdout)) == 3


def test_cli_bradley_terry(tmp_path: Path) -> None:
    p = tmp_path / "pairs.csv"
    p.write_text("worker,left,right,label\nw1,甲,乙,甲\nw2,甲,乙,甲\nw1,乙,丙,乙\nw3,甲,丙,甲\nw2,丙,乙,乙\n",
                 encoding="utf-8")
    res = quality("aggregate", str(p), "--method", "bt")
    assert res.returncode == 0, res.stderr
    rows = _parse_csv(res.stdout)
    assert list(rows[0]) == ["item", "score"]
    assert [r["item"] for r in rows] == ["甲", "乙", "丙"]


def test_cli_bad_input_exits_2_without_traceback(tmp_path: Path, labels_csv: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("task,label\n1,x\n", encoding="utf-8")
    for args in (["aggregate", str(bad)], ["agreement", str(bad)], ["workers", str(bad)],
                 ["aggregate", str(tmp_path / "nope.csv")]):
        res = quality(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert "Traceback" not in res.stdout + res.stderr
        assert "error:" in res.stderr and res.stdout == ""
    assert "'worker'" in quality("aggregate", str(bad)).stderr
    res = quality("aggregate", str(labels_csv), "--method", "magic")
    assert res.returncode == 2


def test_cli_agreement_formats(labels_csv: Path) -> None:
    res = quality("agreement", str(labels_csv), "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["summary"]["n_tasks"] == 3 and data["summary"]["n_workers"] == 3
    assert {r["label"] for r in data["per_label"]} == {"猫", "狗", "01", "1"}
    assert len(data["per_pair"]) == 3
    res = quality("agreement", str(labels_csv), "--format", "csv")
    rows = _parse_csv(res.stdout)
    assert {r["scope"] for r in rows} == {"overall", "label", "pair"}
    res = quality("agreement", str(labels_csv))
    assert res.returncode == 0 and "fleiss_kappa" in res.stdout


def test_cli_workers(labels_csv: Path) -> None:
    res = quality("workers", str(labels_csv), "--format", "csv")
    assert res.returncode == 0, res.stderr
    rows = _parse_csv(res.stdout)
    assert [r["worker"] for r in rows] == ["张三", "李四", "王五"]
    assert float(rows[0]["median_lead_time"]) == 3.5
    assert "spam_reason" in rows[0]
