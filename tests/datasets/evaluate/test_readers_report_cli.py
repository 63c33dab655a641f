"""Readers (JSONL/CSV/Parquet/GBK/media folder), report JSON shape, Markdown/HTML rendering, the CLI."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crowdset.datasets.evaluate import ReadError, evaluate_path, evaluate_records, render
from crowdset.datasets.evaluate.readers import iter_batches, open_source
from tests.datasets.evaluate.builders import NOW, tc609, write_corrupt_png, write_jsonl, write_png, write_wav
from tests.support import run_cli

CODES = ["0101", "0102", "0103", "0104", "0201", "0202", "0203", "0204", "0205", "0206", "0207", "0208",
         "0301", "0302", "0303", "0304", "0305"]


def _records(n: int = 6):
    return [{"id": f"r{i}", "text": f"第{i}条评论，质量很好" if i % 2 else f"第{i}条评论，质量很差",
             "label": "好" if i % 2 else "差", "last_modified_time": "2025-05-01"} for i in range(n)]


def test_parquet_and_csv_read_the_same_records(tmp_path):
    recs = _records()
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "d.parquet")
    csv_lines = ["id,text,label,last_modified_time"] + [f"{r['id']},{r['text'].replace('，', ' ')},{r['label']},"
                                                        f"{r['last_modified_time']}" for r in recs]
    (tmp_path / "c.csv").write_text("\n".join(csv_lines) + "\n", encoding="utf-8")
    rp = evaluate_path(tmp_path / "d.parquet", now=NOW)
    rc = evaluate_path(tmp_path / "c.csv", now=NOW)
    assert rp["records"] == rc["records"] == 6
    assert rp["dataset"]["format"] == "parquet" and rc["dataset"]["format"] == "csv"
    assert rp["label_distribution"] == rc["label_distribution"] == {"好": 3, "差": 3}


def test_csv_gbk_bom_and_ragged_rows(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("id,text\n1,中文内容一\n2,中文内容二,多余列\n3,中文内容三\n".encode("gb18030"))
    r = evaluate_path(p, now=NOW)
    assert r["records"] == 3
    assert r["indicators"]["0201"]["a"] == 2  # the ragged row is a format failure, not a crash
    assert "columns" in r["indicators"]["0201"]["evidence"][0]["reason"]
    p2 = tmp_path / "bom.csv"
    p2.write_bytes(b"\xef\xbb\xbfid,text\n1,abc\n")
    assert evaluate_path(p2, now=NOW)["indicators"]["0204"]["required_fields"] == ["id", "text"]


def test_jsonl_batches_are_bounded(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": i, "text": "x"} for i in range(25)])
    sizes = [len(b) for b, _ in iter_batches(open_source(path), batch_size=10)]
    assert sizes == [10, 10, 5]
    assert evaluate_path(path, batch_size=7, now=NOW)["records"] == 25


def test_media_folder_is_a_dataset(tmp_path):
    write_png(tmp_path / "cat" / "1.png")
    write_png(tmp_path / "cat" / "2.png", color=(0, 0, 255))
    write_png(tmp_path / "dog" / "1.png", color=(0, 255, 0))
    write_corrupt_png(tmp_path / "dog" / "2.png")
    write_wav(tmp_path / "dog" / "bark.wav")
    r = evaluate_path(tmp_path, now=NOW)
    assert r["dataset"]["format"] == "media_dir" and r["records"] == 5
    assert r["label_distribution"] == {"dog": 3, "cat": 2}
    assert r["indicators"]["0208"]["dirty_records"] == 1
    assert r["indicators"]["0303"]["a"] == 0  # file mtimes are "now" (2026+) but evaluation date is 2025: future


def test_metadata_sidecar_discovered(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [tc609("a")])
    (tmp_path / "d.jsonl.meta.yaml").write_text("license: CC-BY-4.0\n应用场景: 情感分析\n", encoding="utf-8")
    r = evaluate_path(path, now=NOW)
    assert r["dataset"]["metadata_source"].endswith("d.jsonl.meta.yaml")
    assert r["indicators"]["0104"]["a"] == 2


def test_read_errors(tmp_path):
    with pytest.raises(ReadError):
        evaluate_path(tmp_path / "missing.jsonl")
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(ReadError):
        evaluate_path(tmp_path / "x.txt")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ReadError):
        evaluate_path(tmp_path / "bad.parquet")


# --- report shape ----------------------------------------------------------------------------------------


def test_report_json_shape():
    r = evaluate_records(_records(), now=NOW)
    assert r["grade"] in {"A", "B", "C", "D"}
    assert set(r["dimensions"]) == {"documentation", "data_quality", "model_application"}
    assert list(r["indicators"]) == CODES
    for code, ind in r["indicators"].items():
        assert {"name", "x", "a", "b", "method", "evidence"} <= set(ind), code
        assert isinstance(ind["evidence"], list) and len(ind["evidence"]) <= 20
        assert all(set(e) == {"id", "reason"} for e in ind["evidence"])
        if ind["x"] is None:
            assert ind["not_applicable_reason"], code
        else:
            assert 0 <= ind["x"] <= 100
            assert ind["x"] == pytest.approx(100 * ind["a"] / ind["b"], abs=0.01)
    json.dumps(r)  # serialisable as is


def test_evidence_is_capped_at_20():
    recs = [{"id": i, "text": "同一段重复文本内容"} for i in range(50)]
    ind = evaluate_records(recs, now=NOW)["indicators"]["0208"]
    assert (ind["a"], ind["b"], ind["exact_duplicates"]) == (1, 50, 49)
    assert len(ind["evidence"]) == 20


def test_html_escapes_dataset_content_and_is_self_contained():
    evil = "<script>alert(1)</script>"
    recs = [{"id": evil, "text": f"正文{evil}", "label": evil}, {"id": "b", "text": "x\x00y", "label": "ok"}]
    html = render(evaluate_records(recs, now=NOW), "html")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert html.count("<svg") == 3  # radar, indicator bars, label distribution
    md = render(evaluate_records(recs, now=NOW), "md")
    assert "<script>" not in md and "| 0208 |" in md


# --- CLI -------------------------------------------------------------------------------------------------


def test_cli_json_md_html(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", _records())
    res = run_cli("evaluate", data, "--profile", "finance", "--format", "json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["profile"]["name"] == "finance" and list(report["indicators"]) == CODES
    out_md = tmp_path / "r.md"
    res = run_cli("evaluate", data, "-f", "md", "-o", out_md)
    assert res.returncode == 0 and out_md.read_text(encoding="utf-8").startswith("# Dataset evaluation — grade")
    out_html = tmp_path / "r.html"
    meta = tmp_path / "meta.yaml"
    meta.write_text("license: MIT\n", encoding="utf-8")
    res = run_cli("evaluate", data, "-f", "html", "-o", out_html, "--metadata", meta)
    assert res.returncode == 0, res.stderr
    assert "<svg" in out_html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing.jsonl"], "no such file"),
        (["{tmp}/d.jsonl", "--profile", "nope"], "unknown profile"),
        (["{tmp}/d.jsonl", "--format", "pdf"], "unknown --format"),
        (["{tmp}/bad.parquet"], "Parquet"),
        (["{tmp}/d.jsonl", "--metadata", "{tmp}/nometa.yaml"], "metadata file not found"),
    ],
)
def test_cli_bad_input_exits_nonzero_without_traceback(tmp_path, args, message):
    write_jsonl(tmp_path / "d.jsonl", _records(2))
    (tmp_path / "bad.parquet").write_bytes(b"garbage")
    res = run_cli("evaluate", *[a.format(tmp=tmp_path) for a in args])
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stdout + res.stderr
