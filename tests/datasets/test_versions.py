"""Versions: upload with content hash, immutability, publishing a project's export, TC609 records."""

from __future__ import annotations

import hashlib
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

from crowdset.db import get_db
from tests.annotation.helpers import add_tasks, choice, make_project, texts
from tests.datasets.helpers import create, jsonl, ledger_kinds, records, upload


def test_upload_jsonl_csv_parquet_with_content_hash(world):
    d = create(world)
    content = jsonl(records(12))
    r = upload(world, d["id"], content)
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["version"] == "1" and v["format"] == "jsonl" and v["record_count"] == 12
    assert v["content_hash"] == hashlib.sha256(content).hexdigest() == v["files"][0]["sha256"]
    assert v["files"][0] == {"name": "data.jsonl", "sha256": v["content_hash"], "size": len(content),
                             "media_type": "application/jsonlines"}
    dl = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/file", headers=world.h("manager"))
    assert dl.status_code == 200 and dl.content == content
    # the same bytes again: refused, versions are immutable and named once
    assert upload(world, d["id"], content).status_code == 409
    assert upload(world, d["id"], jsonl(records(3)), version="1").status_code == 409
    csv = "id,text,label\n1,很好,正面\n2,太差,负面\n".encode()
    r = upload(world, d["id"], csv, "reviews.csv", version="2024.06")
    assert r.status_code == 201 and r.json()["record_count"] == 2 and r.json()["format"] == "csv"
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["一", "二", "三"], "label": ["a", "b", "a"]}), buf)
    r = upload(world, d["id"], buf.getvalue(), "t.parquet")
    assert r.status_code == 201 and r.json()["record_count"] == 3 and r.json()["version"] == "3"
    listed = world.client.get(f"/api/v1/datasets/{d['id']}/versions", headers=world.h("manager")).json()
    assert [x["version"] for x in listed] == ["1", "2024.06", "3"]
    assert ledger_kinds(f"dataset:{d['id']}").count("dataset.version_added") == 3
    _bad_uploads_are_refused(world)


def _bad_uploads_are_refused(world):
    d = create(world)
    assert upload(world, d["id"], b"\x00\x01binary", "x.bin").status_code == 422
    r = upload(world, d["id"], jsonl(records(2)), "x.jsonl", format="tc609")
    assert r.status_code == 422 and "TC609" in r.json()["detail"]
    assert upload(world, d["id"], jsonl(records(2)), version="../x").status_code == 422
    assert upload(world, d["id"], jsonl(records(2)), who="annotator").status_code == 403
    assert upload(world, d["id"], jsonl(records(2)), who="manager_b").status_code == 404


def _project_with_finals(world, tmp_path) -> int:
    from sqlalchemy import select

    from crowdset.annotation.models import Prediction, Task

    pid = make_project(world)
    add_tasks(pid, texts(3), tmp_path)
    with get_db().transaction() as s:
        tasks = list(s.scalars(select(Task).where(Task.project_id == pid).order_by(Task.id)))
        for t, (label, method) in zip(tasks, [("正面", "majority"), ("负面", "review_fix"), ("中性", "expert")],
                                      strict=True):
            t.state, t.final, t.final_method = "done", choice(label), method
        s.add(Prediction(task_id=tasks[0].id, model="m", result=choice("正面")))
    return pid


def test_publish_project_as_tc609_version(world, tmp_path):
    pid = _project_with_finals(world, tmp_path)
    d = create(world)
    r = world.client.post(f"/api/v1/datasets/{d['id']}/versions/from-project",
                          json={"project_id": pid, "format": "tc609"}, headers=world.h("manager"))
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["source_project_id"] == pid and v["record_count"] == 3 and v["format"] == "tc609"
    body = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/file", headers=world.h("manager")).content
    assert hashlib.sha256(body).hexdigest() == v["content_hash"]
    recs = [json.loads(line) for line in body.decode().splitlines()]
    assert [r["annotation"]["label"] for r in recs] == [["正面"], ["负面"], ["中性"]]
    assert [r["annotation"]["annotator"] for r in recs] == ["普通标注员", "专业标注员", "行业领域专家"]
    assert [r["annotation"]["annotation_method"] for r in recs] == ["半自动标注", "人工标注", "人工标注"]
    first = recs[0]
    assert first["data_content"] == [{"media_type": "text", "content": "第0条评论：服务很好"}]
    assert (first["version"], first["license"], first["source"], first["generated_data_indicator"]) == (
        "1", "CC-BY-4.0", "合作医院", 0)
    # the evaluator's own TC609 check accepts every record
    from crowdset.datasets.evaluate.record_checks import tc609_problems

    assert all(tc609_problems(r, True) == [] for r in recs)
    # records endpoint passes TC609 through
    out = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/records?format=tc609", headers=world.h("manager"))
    assert out.status_code == 200 and [json.loads(x) for x in out.text.splitlines()] == recs
    # another organisation's project cannot be published here
    r = world.client.post(f"/api/v1/datasets/{d['id']}/versions/from-project", json={"project_id": pid + 999},
                          headers=world.h("manager"))
    assert r.status_code == 404
    _projects_export_tc609_too(world, tmp_path)


def _projects_export_tc609_too(world, tmp_path):
    pid = _project_with_finals(world, tmp_path)
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=tc609", headers=world.h("manager"))
    assert r.status_code == 200
    assert [json.loads(x)["annotation"]["annotator"] for x in r.text.splitlines()] == ["普通标注员", "专业标注员",
                                                                                        "行业领域专家"]


def test_flat_records_convert_to_tc609_with_masking(world):
    d = create(world)
    rows = [{"id": "a1", "text": "患者电话 13812345678", "label": "阳性", "last_modified_time": "2025-05-01"}]
    assert upload(world, d["id"], jsonl(rows)).status_code == 201
    r = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/records", params={"format": "tc609", "mask": "true"},
                         headers=world.h("manager"))
    rec = json.loads(r.text)
    assert rec["id"] == "a1" and rec["annotation"]["label"] == ["阳性"]
    assert rec["annotation"]["annotation_method"] == "人工标注" and rec["annotation"]["annotator"] == "其他"
    assert "13812345678" not in rec["data_content"][0]["content"] and rec["last_modified_time"] == "2025-05-01"
    assert rec["license"] == "CC-BY-4.0" and rec["version"] == "1"
    assert world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/records?format=csv",
                            headers=world.h("manager")).status_code == 422
    _core_data_is_never_exported(world)


def _core_data_is_never_exported(world):
    d = create(world, security_level="core")
    assert upload(world, d["id"], jsonl(records(3))).status_code == 201
    for path in ("file", "records?format=tc609"):
        r = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/{path}", headers=world.h("manager"))
        assert r.status_code == 403 and "核心数据" in r.json()["detail"]
