"""Imports are all-or-nothing with every bad row listed; exports stream in every format."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select, text

from crowdset.annotation.models import Task
from crowdset.db import get_db
from tests.annotation.helpers import BOXES, NER, add_tasks, choice, make_project, texts
from tests.support import run_cli


def _count(pid):
    with get_db().reading() as s:
        return s.scalar(select(func.count()).where(Task.project_id == pid))


def _upload(world, pid, name, content: bytes, fmt=None):
    files = {"file": (name, content, "application/octet-stream")}
    data = {"format": fmt} if fmt else {}
    r = world.client.post(f"/api/v1/projects/{pid}/imports", files=files, data=data, headers=world.h("manager"))
    assert r.status_code == 202, r.text
    return world.client.get(r.json()["url"], headers=world.h("manager")).json()


def test_jsonl_upload_runs_as_a_job(world):
    pid = make_project(world)
    content = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts(25)).encode()
    job = _upload(world, pid, "tasks.jsonl", content)
    assert job["state"] == "succeeded" and job["result"]["tasks"] == 25 and job["percent"] == 100
    assert _count(pid) == 25


def test_one_bad_row_stores_nothing_and_lists_every_error(world):
    pid = make_project(world)
    rows = [json.dumps(t, ensure_ascii=False) for t in texts(5)]
    rows[1] = '{"data": {"text": "金标"}, "is_gold": true}'  # gold without an answer
    rows[3] = '{"data": {"text": "x"}, "is_gold": true, "gold": {"sentiment": {"choices": ["很好"]}}}'
    rows.append("{not json")
    job = _upload(world, pid, "tasks.jsonl", ("\n".join(rows) + "\n").encode())
    assert job["state"] == "failed"
    errors = job["result"]["errors"]
    assert {(e["row"], e["field"].split(".")[0]) for e in errors} >= {(2, "gold"), (4, "gold")}
    assert any(e["row"] == 6 for e in errors)
    assert _count(pid) == 0


def test_csv_and_format_guessing(world):
    pid = make_project(world)
    csv = "text,is_gold,gold\n服务很好,0,\n太差了,1,\"{\"\"sentiment\"\": {\"\"choices\"\": [\"\"负面\"\"]}}\"\n"
    job = _upload(world, pid, "tasks.csv", csv.encode("utf-8"))
    assert job["state"] == "succeeded", job
    assert job["result"]["tasks"] == 2 and job["result"]["gold"] == 1


def test_import_from_the_organisations_import_folder_and_traversal_refused(world, backend, tmp_path, monkeypatch):
    from crowdset.settings import reset_settings

    monkeypatch.setenv("CROWDSET_IMPORT_DIR", str(tmp_path / "imports"))
    reset_settings()
    pid = make_project(world)
    folder = tmp_path / "imports" / str(world.org_a) / "incoming"
    folder.mkdir(parents=True)
    (folder / "t.jsonl").write_text(json.dumps(texts(1)[0], ensure_ascii=False) + "\n")
    r = world.client.post(f"/api/v1/projects/{pid}/imports", json={"path": "incoming/t.jsonl"},
                          headers=world.h("manager"))
    assert (r.status_code == 202
            and world.client.get(r.json()["url"], headers=world.h("manager")).json()["state"] == "succeeded")
    assert (folder / "t.jsonl").exists()  # the operator's file stays
    for bad in ("../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "https://example.com/x.jsonl",
                f"../{world.org_b}/x.jsonl", "incoming/../../x", "C:\\x.jsonl", "a\x00b", "x" * 5000, 5, None, ""):
        r = world.client.post(f"/api/v1/projects/{pid}/imports", json={"path": bad}, headers=world.h("manager"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path", (bad, r.text)
        assert "http" not in r.json()["errors"][0]["message"]
    r = world.client.post(f"/api/v1/projects/{pid}/imports", json={"path": "incoming/t.jsonl"},
                          headers=world.h("annotator"))
    assert r.status_code in (403, 404)


def test_cli_import_and_export(world, tmp_path):
    pid = make_project(world)
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts(3)), encoding="utf-8")
    r = run_cli("import", good, "--project", str(pid))
    assert r.returncode == 0 and "imported 3 tasks" in r.stdout, r.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"data": {"text": "a"}}\n{"data": 5}\n', encoding="utf-8")
    r = run_cli("import", bad, "--project", str(pid))
    assert r.returncode == 1 and "line 2" in r.stderr
    assert _count(pid) == 3
    out = tmp_path / "export.jsonl"
    r = run_cli("export", "--project", str(pid), "--format", "jsonl", "-o", out)
    assert r.returncode == 0, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["data"]["text"].startswith("第0条")


def _annotate_all(world, pid, result_for):
    while True:
        r = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator"))
        if r.status_code == 204:
            return
        lease = r.json()
        rr = world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                               json={"result": result_for(lease["data"])}, headers=world.h("annotator"))
        assert rr.status_code == 200, rr.text


def test_export_jsonl_with_filters_and_csv(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(4), tmp_path)
    for _ in range(2):
        lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator")).json()
        world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": choice("负面")},
                          headers=world.h("annotator"))
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=jsonl&status=done", headers=world.h("manager"))
    assert r.status_code == 200
    recs = [json.loads(x) for x in r.text.splitlines()]
    assert len(recs) == 2 and all(rec["final"]["result"] == choice("负面") for rec in recs)
    assert recs[0]["annotations"][0]["annotator"] == "annotator@example.com"
    uid = world.users["annotator"].id
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=jsonl&annotator={uid}", headers=world.h("manager"))
    assert len(r.text.splitlines()) == 2
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=csv", headers=world.h("manager"))
    assert r.status_code == 200 and "负面" in r.text
    assert world.client.get(f"/api/v1/projects/{pid}/export?format=docx", headers=world.h("manager")).status_code == 422
    assert world.client.get(f"/api/v1/projects/{pid}/export", headers=world.h("manager_b")).status_code == 404


def test_coco_export_loads_in_pycocotools(world, tmp_path):
    from pycocotools.coco import COCO

    pid = make_project(world, schema=BOXES)
    add_tasks(pid, [{"data": {"image": f"https://example.com/{i}.jpg", "width": 640, "height": 480}} for i in range(3)],
              tmp_path)
    _annotate_all(world, pid, lambda d: {"boxes": {"boxes": [
        {"id": "b1", "x": 10, "y": 20, "width": 100, "height": 50, "label": "car"},
        {"id": "b2", "x": 300, "y": 200, "width": 40, "height": 80, "label": "person"}],
        "image_width": 640, "image_height": 480}})
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=coco", headers=world.h("manager"))
    assert r.status_code == 200
    path = tmp_path / "coco.json"
    path.write_bytes(r.content)
    coco = COCO(str(path))
    assert len(coco.getImgIds()) == 3 and len(coco.getAnnIds()) == 6
    cats = {c["name"]: c["id"] for c in coco.loadCats(coco.getCatIds())}
    car = coco.loadAnns(coco.getAnnIds(catIds=[cats["car"]]))[0]
    assert car["bbox"] == [10, 20, 100, 50] and car["area"] == 5000


def test_yolo_export_is_a_zip_of_normalised_boxes(world, tmp_path):
    pid = make_project(world, schema=BOXES)
    add_tasks(pid, [{"data": {"image": "https://example.com/a.jpg", "width": 200, "height": 100}}], tmp_path)
    _annotate_all(world, pid, lambda d: {"boxes": {"boxes": [
        {"id": "b1", "x": 50, "y": 25, "width": 100, "height": 50, "label": "person"}],
        "image_width": 200, "image_height": 100}})
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=yolo", headers=world.h("manager"))
    z = zipfile.ZipFile(io.BytesIO(r.content))
    label_files = [n for n in z.namelist() if n.endswith(".txt") and "labels" in n]
    line = z.read(label_files[0]).decode().split()
    assert int(line[0]) == 1 and [round(float(v), 4) for v in line[1:]] == [0.5, 0.5, 0.5, 0.5]


def test_conll_export_is_one_token_per_chinese_character(world, tmp_path):
    pid = make_project(world, schema=NER)
    add_tasks(pid, [{"data": {"text": "张三在北京"}}], tmp_path)
    _annotate_all(world, pid, lambda d: {"entities": {"spans": [
        {"id": "a", "start": 0, "end": 2, "label": "PER", "text": "张三"},
        {"id": "b", "start": 3, "end": 5, "label": "LOC", "text": "北京"}]}})
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=conll", headers=world.h("manager"))
    rows = [ln.split() for ln in r.text.splitlines() if ln.strip() and not ln.startswith("-DOCSTART-")]
    assert [(x[0], x[-1]) for x in rows] == [("张", "B-PER"), ("三", "I-PER"), ("在", "O"), ("北", "B-LOC"),
                                             ("京", "I-LOC")]


def test_labelstudio_round_trip_keeps_tasks_annotations_and_regions(world, tmp_path):
    ls = [{"id": 101, "data": {"text": "张三在北京"},
           "annotations": [{"id": 1, "completed_by": 7, "lead_time": 3.2, "result": [
               {"id": "r1", "from_name": "entities", "to_name": "text", "type": "labels",
                "value": {"start": 0, "end": 2, "text": "张三", "labels": ["PER"]}},
               {"id": "r2", "from_name": "entities", "to_name": "text", "type": "labels",
                "value": {"start": 3, "end": 5, "text": "北京", "labels": ["LOC"]}}]}],
           "predictions": [{"model_version": "crf", "score": 0.5, "result": [
               {"id": "p1", "from_name": "entities", "to_name": "text", "type": "labels",
                "value": {"start": 0, "end": 2, "text": "张三", "labels": ["PER"]}}]}]}]
    pid = make_project(world, schema=NER)
    job = _upload(world, pid, "export.json", json.dumps(ls, ensure_ascii=False).encode(), "labelstudio")
    assert job["state"] == "succeeded", job
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=labelstudio", headers=world.h("manager"))
    out = r.json()
    assert len(out) == 1 and out[0]["data"] == ls[0]["data"]
    regions = sorted((x["value"]["start"], x["value"]["end"], x["value"]["labels"][0])
                     for x in out[0]["annotations"][0]["result"])
    assert regions == [(0, 2, "PER"), (3, 5, "LOC")]
    assert len(out[0]["predictions"]) == 1


def test_predictions_and_annotations_attach_to_their_own_tasks(world, tmp_path, monkeypatch):
    from crowdset.annotation import importing
    from crowdset.annotation.models import Annotation, Prediction

    monkeypatch.setattr(importing, "BATCH", 3)  # several batches, ids computed per batch
    pid = make_project(world)
    labels = ["正面", "负面", "中性"]
    tasks = [{"data": {"text": f"t{i}"}, "predictions": [{"model": "m", "score": 0.5, "result": choice(labels[i % 3])}],
              "annotations": [{"result": choice(labels[(i + 1) % 3]), "annotator": "old-tool"}]} for i in range(8)]
    add_tasks(pid, tasks, tmp_path)
    with get_db().reading() as s:
        rows = s.execute(select(Task.data, Prediction.result).join(Prediction, Prediction.task_id == Task.id)
                         .where(Task.project_id == pid)).all()
        anns = s.execute(select(Task.data, Annotation.result).join(Annotation, Annotation.task_id == Task.id)
                         .where(Task.project_id == pid)).all()
    assert len(rows) == 8 and len(anns) == 8
    for data, result in rows:
        assert result == choice(labels[int(data["text"][1:]) % 3])
    for data, result in anns:
        assert result == choice(labels[(int(data["text"][1:]) + 1) % 3])


def test_bulk_insert_stores_each_value_as_written_and_in_file_order(world, tmp_path):
    """The SQLite bulk path hands SQLite one JSON array per batch; every column must come out as the
    ORM would have written it (JSON text, NULLs, booleans, ints) and ids must follow the file."""
    from crowdset.db import json_text

    pid = make_project(world)
    tricky = [
        {"data": {"text": "引号\"与反斜杠\\、换行\n和制表\t", "n": 1.5, "big": 2**53, "neg": -0.0, "e": 1e-7,
                  "huge": 2**70, "order_no": 12345678901234567890123}},  # beyond 64 bits: kept exactly
        {"data": {"text": "控制符\u0001 与表情😀", "nested": {"a": [1, None, True, {"b": "中"}]}},
         "meta": {"external_id": "ext-2", "source": "爬虫"}, "priority": 7},
        {"data": {"text": "金标"}, "is_gold": True, "gold": choice("正面")},
        {"text": "平铺记录", "id": 42},
    ]
    add_tasks(pid, tricky * 3, tmp_path)  # more than one task per statement, same order kept
    with get_db().reading() as s:
        raw = s.execute(text(
            "SELECT CAST(data AS TEXT), CAST(meta AS TEXT), is_gold, CAST(gold AS TEXT), priority, external_id,"
            " n_taken, state FROM tasks WHERE project_id = :pid ORDER BY id"), {"pid": pid}).all()
        stored = s.scalars(select(Task).where(Task.project_id == pid).order_by(Task.id)).all()
    assert len(raw) == 12
    expected_data = [t["data"] if "data" in t else {"text": "平铺记录"} for t in tricky] * 3
    for row, task, data in zip(raw, stored, expected_data, strict=True):
        assert row[0] == json_text(data) and task.data == data
    assert [r[5] for r in raw[:4]] == [None, "ext-2", None, "42"]
    assert raw[1][1] == json_text({"external_id": "ext-2", "source": "爬虫"}) and raw[0][1] in (None, "null")
    assert ([bool(r[2]) for r in raw[:4]] == [False, False, True, False]
            and raw[2][3] == json_text(choice("正面")) and raw[0][3] in (None, "null"))
    assert [r[4] for r in raw[:4]] == [0, 7, 0, 0] and {r[6] for r in raw} == {0} and {r[7] for r in raw} == {"open"}
    # a file of tasks with nothing but data takes the shortest path; same stored form
    pid2 = make_project(world)
    plain = [{"data": t["data"]} for t in tricky[:2]] * 3
    add_tasks(pid2, plain, tmp_path)
    with get_db().reading() as s:
        raw = s.execute(text(
            "SELECT CAST(data AS TEXT), meta, is_gold, gold, priority, external_id, n_taken FROM tasks"
            " WHERE project_id = :pid ORDER BY id"), {"pid": pid2}).all()
    assert [r[0] for r in raw] == [json_text(t["data"]) for t in plain]
    assert {(r[1], bool(r[2]), r[3], r[4], r[5], r[6]) for r in raw} <= {(None, False, None, 0, None, 0),
                                                                         ("null", False, "null", 0, None, 0)}


def test_file_as_request_body(world):
    """The fastest upload: the file is the body, its content type (or ?format=) names the format."""
    pid = make_project(world)
    body = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts(30)).encode()
    h = {**world.h("manager"), "Content-Type": "application/x-ndjson"}
    r = world.client.post(f"/api/v1/projects/{pid}/imports", content=body, headers=h)
    assert r.status_code == 202, r.text
    job = world.client.get(r.json()["url"], params={"wait": 20}, headers=world.h("manager")).json()
    assert job["state"] == "succeeded" and job["result"]["tasks"] == 30 and _count(pid) == 30
    csv = "text\n好\n坏\n".encode()
    h = {**world.h("manager"), "Content-Type": "application/octet-stream"}
    r = world.client.post(f"/api/v1/projects/{pid}/imports", params={"format": "csv"}, content=csv, headers=h)
    job = world.client.get(r.json()["url"], params={"wait": 20}, headers=world.h("manager")).json()
    assert job["state"] == "succeeded" and _count(pid) == 32
    assert not list((world_data_dir() / "uploads").glob("*")), "uploaded files are removed after the import"


def test_import_request_errors_name_the_field(world):
    pid = make_project(world)
    h = {**world.h("manager"), "Content-Type": "application/x-ndjson"}
    r = world.client.post(f"/api/v1/projects/{pid}/imports", params={"format": "xlsx"}, content=b"{}", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
    r = world.client.post(f"/api/v1/projects/{pid}/imports", content=b"<x/>",
                          headers={**world.h("manager"), "Content-Type": "application/xml"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "content-type"
    r = world.client.post(f"/api/v1/projects/{pid}/imports", content=b"{}",
                          headers={**world.h("annotator"), "Content-Type": "application/x-ndjson"})
    assert r.status_code in (403, 404)


def world_data_dir():
    from crowdset.settings import get_settings

    return get_settings().data_dir


def test_rows_without_the_field_a_control_labels_are_rejected(world, tmp_path):
    """A control labels data[to]; a row without it would show the annotator nothing to label (a CSV
    whose column is named differently, say), so the file is refused, naming the field and the columns."""
    pid = make_project(world)  # choices on data.text
    csv = "文本,备注\n服务很好,无\n".encode("gbk")
    job = _upload(world, pid, "tasks.csv", csv, "csv")
    assert job["state"] == "failed"
    [err] = job["result"]["errors"]
    assert err["field"] == "data.text" and err["row"] == 2
    assert "sentiment" in err["message"] and "'text'" in err["message"]
    assert "文本" not in err["message"]  # the file's own header is never echoed back
    assert _count(pid) == 0
    ok = json.dumps({"data": {"text": "有字段", "extra": None}}, ensure_ascii=False) + "\n"
    assert _upload(world, pid, "t.jsonl", ok.encode())["state"] == "succeeded"  # other null fields are fine


def test_a_refused_import_writes_no_file(world):
    """The policy is asked before the body is read: a caller who may not import leaves nothing on
    disk, and an upload refused for its form's format is not kept either."""
    pid = make_project(world)
    uploads = world_data_dir() / "uploads"
    body = (json.dumps({"data": {"text": "好"}}, ensure_ascii=False) + "\n").encode()
    for who in ("annotator", "manager_b"):
        r = world.client.post(f"/api/v1/projects/{pid}/imports", content=body,
                              headers={**world.h(who), "Content-Type": "application/x-ndjson"})
        assert r.status_code in (403, 404)
    r = world.client.post(f"/api/v1/projects/{pid}/imports", files={"file": ("t.jsonl", body)}, data={"format": "xlsx"},
                          headers=world.h("manager"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
    assert not uploads.exists() or not list(uploads.glob("*"))
