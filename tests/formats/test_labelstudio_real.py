"""Real Label Studio 1.23.2 exports (made by scripts/make_ls_fixtures.py) import, convert and re-export.

The fixtures in fixtures/labelstudio-1.23/ were produced by the real tool through its REST API, so
these tests catch what hand-written fixtures miss: prediction ids instead of predictions in the
plain JSON export, UTF-16 offsets after an emoji, LS's own field set on every task and annotation.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest

from crowdset.annotation.label_schema import validate_result
from crowdset.annotation.labelstudio_config import labelstudio_config_to_schema
from crowdset.formats import read_tasks, write_labelstudio
from crowdset.formats.registry import get_writer

LS = Path(__file__).parent / "fixtures" / "labelstudio-1.23"
PROJECTS = ["choices", "ner", "image", "textarea_rating", "pairwise", "ranker"]
EMOJI_TEXT = "😀马云于1999年在杭州创立了阿里巴巴集团。"


def schema_of(slug: str) -> dict[str, Any]:
    return labelstudio_config_to_schema((LS / f"{slug}.xml").read_text("utf-8")).model_dump(exclude_none=True)


def ls_tasks(name: str) -> list[dict[str, Any]]:
    return json.loads((LS / name).read_text("utf-8"))


def imported(name: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    rows = list(read_tasks(LS / name, schema=schema))
    assert [r.errors for r in rows] == [[] for _ in rows]
    return [r.task for r in rows]


def to_record(task: dict[str, Any]) -> dict[str, Any]:
    """The exported record the export service would yield for an imported task."""
    fields = [a.get("fields", {}) for a in task.get("meta", {}).get("labelstudio", {}).get("annotations", [])]
    anns = [{"id": fields[i].get("id"), "annotator": a.get("annotator"), "result": a["result"],
             "lead_time": a.get("lead_time"), "created_at": fields[i].get("created_at"), "reviews": []}
            for i, a in enumerate(task.get("annotations", []))]
    return {"id": task["meta"]["external_id"], "data": task["data"], "is_gold": task.get("is_gold", False),
            "annotations": anns, "predictions": task.get("predictions", []), "final": None, "meta": task["meta"]}


def results(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["result"] for a in task.get("annotations", [])]


# --- configs ---------------------------------------------------------------------------------------


def test_every_real_config_converts_to_our_schema():
    got = {slug: schema_of(slug)["controls"] for slug in PROJECTS}
    assert got["choices"] == [
        {"name": "sentiment", "kind": "choices", "required": False, "to": "text", "options": ["正面", "负面", "中性"],
         "multiple": False},
        {"name": "topics", "kind": "choices", "required": False, "to": "text", "options": ["餐饮", "服务", "价格"],
         "multiple": True}]
    assert got["ner"] == [
        {"name": "relations", "kind": "relations", "required": False, "labels": ["创立", "位于"], "spans": "label"},
        {"name": "label", "kind": "spans", "required": False, "to": "text", "labels": ["PER", "ORG", "LOC"]}]
    assert got["image"] == [
        {"name": "box", "kind": "bbox", "required": False, "to": "image", "labels": ["汽车", "行人"]},
        {"name": "outline", "kind": "polygon", "required": False, "to": "image", "labels": ["道路"]},
        {"name": "point", "kind": "keypoints", "required": False, "to": "image", "labels": ["车灯"]}]
    assert got["textarea_rating"] == [
        {"name": "summary", "kind": "transcription", "required": False, "to": "text"},
        {"name": "quality", "kind": "rating", "required": False, "to": "text", "min": 1, "max": 5}]
    assert got["pairwise"] == [
        {"name": "pw", "kind": "pairwise", "required": False, "to": ["answer1", "answer2"], "allow_tie": False}]
    assert got["ranker"] == [{"name": "rank", "kind": "ranking", "required": False, "to": "items"}]


# --- snapshot JSON export: every task, annotation, prediction and region --------------------------


def test_choices_export_imports_with_gold_cancelled_and_predictions():
    t0, t1, t2 = imported("choices.snapshot.json", schema_of("choices"))
    assert results(t0) == [{"sentiment": {"choices": ["正面"]}, "topics": {"choices": ["餐饮", "服务"]}}]
    assert t0["annotations"][0]["annotator"] == 1 and t0["annotations"][0]["lead_time"] == 8.5
    assert t0["predictions"] == [{"model": "bert-zh-v1", "score": 0.91, "result": {"sentiment": {"choices": ["正面"]}}}]
    assert results(t1) == [{"sentiment": {"choices": ["负面"]}, "topics": {"choices": ["价格"]}}]
    assert t1["is_gold"] is True and t1["gold"] == results(t1)[0]  # ground_truth: true in LS
    assert "is_gold" not in t0 and "is_gold" not in t2
    # the skipped task: LS keeps a was_cancelled annotation with an empty result
    assert t2.get("annotations", []) == [] and t2["meta"]["labelstudio"]["cancelled"][0]["was_cancelled"] is True
    assert t2["predictions"][0]["result"] == {"sentiment": {"choices": ["中性"]}}
    assert [t["meta"]["external_id"] for t in (t0, t1, t2)] == [t["id"] for t in ls_tasks("choices.snapshot.json")]


def test_ner_export_offsets_are_utf16_and_become_code_points():
    schema = schema_of("ner")
    src = ls_tasks("ner.snapshot.json")
    # what LS stored: JavaScript (UTF-16) indices, so the emoji counts two
    first = src[0]["annotations"][0]["result"][0]["value"]
    assert src[0]["data"]["text"] == EMOJI_TEXT and (first["start"], first["end"], first["text"]) == (2, 4, "马云")
    assert EMOJI_TEXT[2:4] != "马云"
    t0, t1 = imported("ner.snapshot.json", schema)
    assert results(t0) == [{
        "label": {"spans": [{"id": "n0a", "start": 1, "end": 3, "text": "马云", "label": "PER"},
                            {"id": "n0b", "start": 10, "end": 12, "text": "杭州", "label": "LOC"},
                            {"id": "n0c", "start": 15, "end": 21, "text": "阿里巴巴集团", "label": "ORG"}]},
        "relations": {"relations": [{"from": "n0a", "to": "n0c", "label": "创立"},
                                    {"from": "n0c", "to": "n0b", "label": "位于"}]}}]
    for s in results(t0)[0]["label"]["spans"]:
        assert EMOJI_TEXT[s["start"]:s["end"]] == s["text"]
    # no character outside the BMP: UTF-16 and code points agree, nothing is shifted
    assert results(t1)[0]["label"]["spans"] == [
        {"id": "n1a", "start": 0, "end": 3, "text": "李彦宏", "label": "PER"},
        {"id": "n1b", "start": 4, "end": 6, "text": "北京", "label": "LOC"},
        {"id": "n1c", "start": 9, "end": 13, "text": "百度公司", "label": "ORG"}]
    assert results(t1)[0]["relations"] == {"relations": [{"from": "n1a", "to": "n1c", "label": "创立"}]}
    (pred,) = t0["predictions"]
    assert pred["model"] == "crf-2024" and pred["score"] == 0.8
    assert pred["result"] == {"label": {"spans": [{"id": "q0a", "start": 1, "end": 3, "text": "马云", "label": "PER"}]}}
    # the region's own score is kept for the way back
    regions = t0["meta"]["labelstudio"]["predictions"][0]["regions"]
    assert regions["q0a"]["r"]["score"] == 0.97
    for t in (t0, t1):
        for r in results(t) + [p["result"] for p in t.get("predictions", [])]:
            assert validate_result(labelstudio_config_to_schema((LS / "ner.xml").read_text("utf-8")), r,
                                   t["data"]) == []


def test_image_export_geometry_becomes_pixels_of_the_original_size():
    t0, t1 = imported("image.snapshot.json", schema_of("image"))
    (r0,) = results(t0)
    assert r0["box"] == {"image_width": 640, "image_height": 480, "boxes": [
        {"id": "b0a", "x": 64, "y": 96, "width": 160, "height": 60, "label": "汽车"},
        {"id": "b0b", "x": 320, "y": 192, "width": 64, "height": 144, "rotation": 15, "label": "行人"}]}
    assert r0["outline"] == {"image_width": 640, "image_height": 480, "polygons": [
        {"id": "g0a", "points": [[0, 480], [256, 288], [384, 288], [640, 480]], "label": "道路"}]}
    assert r0["point"] == {"image_width": 640, "image_height": 480, "keypoints": [
        {"id": "k0a", "x": 80, "y": 120, "label": "车灯"}]}
    extras = t0["meta"]["labelstudio"]["annotations"][0]["regions"]
    assert extras["k0a"]["v"] == {"width": 0.75} and extras["g0a"]["v"] == {"closed": True}
    assert results(t1) == [{"box": {"image_width": 640, "image_height": 480, "boxes": [
        {"id": "b1a", "x": 32, "y": 24, "width": 320, "height": 240, "label": "汽车"}]}}]
    (pred,) = t1["predictions"]
    assert pred["model"] == "yolov8n" and pred["score"] == 0.66
    assert pred["result"]["box"]["boxes"] == [
        {"id": "y1a", "x": 38.4, "y": 19.2, "width": 307.2, "height": 249.6, "label": "汽车"}]


def test_textarea_rating_pairwise_and_ranker_exports():
    t0, t1 = imported("textarea_rating.snapshot.json", schema_of("textarea_rating"))
    assert results(t0) == [{"summary": {"text": "杭州阴转小雨\n12–18℃"}, "quality": {"value": 4}}]
    assert results(t1) == [{"summary": {"text": "会议改到周五下午三点"}, "quality": {"value": 5}}]
    assert t1["predictions"] == [{"model": "summ-small", "score": 0.4, "result": {"summary": {"text": "周五开会"}}}]
    p0, p1 = imported("pairwise.snapshot.json", schema_of("pairwise"))
    assert results(p0) == [{"pw": {"choice": "left"}}] and results(p1) == [{"pw": {"choice": "right"}}]
    assert p0["predictions"][0]["model"] == "reward-model-1" and p0["predictions"][0]["result"] == {
        "pw": {"choice": "left"}}
    (r0,) = imported("ranker.snapshot.json", schema_of("ranker"))
    assert results(r0) == [{"rank": {"order": ["a1", "a3", "a2"]}}]
    assert r0["predictions"][0]["result"] == {"rank": {"order": ["a3", "a1", "a2"]}}


# --- the plain JSON export lists prediction ids -----------------------------------------------------


@pytest.mark.parametrize("slug", PROJECTS)
def test_plain_json_export_prediction_ids_are_kept_aside_not_errors(slug):
    """GET /api/projects/{id}/export?exportType=JSON (the UI's Export button) gives `predictions: [7]`."""
    src = ls_tasks(f"{slug}.json")
    assert any(t["predictions"] and all(isinstance(p, int) for p in t["predictions"]) for t in src)
    plain = imported(f"{slug}.json", schema_of(slug))
    full = imported(f"{slug}.snapshot.json", schema_of(slug))
    assert [t.get("predictions", []) for t in plain] == [[] for _ in plain]
    assert [t["meta"]["labelstudio"].get("prediction_ids", []) for t in plain] == [t["predictions"] for t in src]
    # everything else is the same as in the snapshot export
    assert [results(t) for t in plain] == [results(t) for t in full]
    assert [t["data"] for t in plain] == [t["data"] for t in full]


# --- re-export with our writer ----------------------------------------------------------------------

_VOLATILE = {"created_at", "updated_at"}


def _norm(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _norm(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_norm(v) for v in x]
    return round(x, 6) if isinstance(x, float) else x


def _by_id(regions: list[dict[str, Any]]) -> dict[str, Any]:
    return {r.get("id") or f"{r['from_id']}>{r['to_id']}": _norm(r) for r in regions}


@pytest.mark.parametrize("slug", PROJECTS)
def test_reexport_gives_back_label_studios_regions(slug):
    schema = schema_of(slug)
    src = ls_tasks(f"{slug}.snapshot.json")
    out = io.BytesIO()
    write_labelstudio((to_record(t) for t in imported(f"{slug}.snapshot.json", schema)), out, schema)
    back = json.loads(out.getvalue())
    assert [t["id"] for t in back] == [t["id"] for t in src] and [t["data"] for t in back] == [t["data"] for t in src]
    for ours, theirs in zip(back, src, strict=True):
        assert len(ours["annotations"]) == len(theirs["annotations"])  # the cancelled one included
        for a, b in zip(ours["annotations"], theirs["annotations"], strict=True):
            assert _by_id(a["result"]) == _by_id(b["result"])
            assert {k: a[k] for k in ("id", "completed_by", "lead_time", "was_cancelled", "ground_truth")} == \
                   {k: b[k] for k in ("id", "completed_by", "lead_time", "was_cancelled", "ground_truth")}
        assert len(ours["predictions"]) == len(theirs["predictions"])
        for a, b in zip(ours["predictions"], theirs["predictions"], strict=True):
            assert _by_id(a["result"]) == _by_id(b["result"])
            assert (a["model_version"], a["score"]) == (b["model_version"], b["score"])


# --- JSON_MIN and CSV exports -----------------------------------------------------------------------


@pytest.mark.parametrize("slug", PROJECTS)
def test_json_min_export_imports_as_plain_tasks(slug):
    """JSON_MIN is an array of flat records (data fields + one key per control + annotation fields).

    The Label Studio reader takes a task without `data` as a flat object (as LS itself does), so each
    record becomes a task whose data is the record; `id` becomes the external id. The labels arrive
    as data fields, not as annotations: JSON_MIN has no region ids, relations or predictions, so it
    cannot be read back as annotations. Use the JSON export for those.
    """
    schema = schema_of(slug)
    src = ls_tasks(f"{slug}.min.json")
    tasks = imported(f"{slug}.min.json", schema)
    assert len(tasks) == len(src) > 0
    for task, rec in zip(tasks, src, strict=True):
        assert task["meta"]["external_id"] == rec["id"]
        assert task["data"] == {k: v for k, v in rec.items() if k != "id"}
        assert "annotations" not in task and "predictions" not in task
    full = {t["id"]: t["data"] for t in ls_tasks(f"{slug}.snapshot.json")}
    for task in tasks:  # the task's own data fields are all there
        assert full[task["meta"]["external_id"]].items() <= task["data"].items()


@pytest.mark.parametrize("slug", PROJECTS)
def test_csv_export_imports_as_plain_string_tasks(slug):
    schema = schema_of(slug)
    with (LS / f"{slug}.csv").open(encoding="utf-8", newline="") as fh:
        src = list(csv.DictReader(fh))
    tasks = imported(f"{slug}.csv", schema)
    assert len(tasks) == len(src) > 0
    full = {str(t["id"]): t["data"] for t in ls_tasks(f"{slug}.snapshot.json")}
    for task, rec in zip(tasks, src, strict=True):
        assert task["meta"]["external_id"] == rec["id"]
        assert task["data"] == {k: v for k, v in rec.items() if k != "id"}
        for k, v in full[rec["id"]].items():  # strings survive; a list (ranker items) arrives as JSON text
            assert task["data"][k] == (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False,
                                                                                separators=(",", ":")))


# --- CoNLL, COCO and YOLO next to Label Studio's own converters ------------------------------------


def test_conll_against_label_studios_conll2003():
    """LS (NLTK Treebank tokenizer) keeps a whole Chinese sentence as one token tagged with the first
    span's B- tag; we tokenise per character, so only the text and the first tag can be compared."""
    schema = schema_of("ner")
    lines = (LS / "ner.conll").read_text("utf-8").splitlines()
    assert lines[0] == "-DOCSTART- -X- O"
    ls_blocks = [b.splitlines() for b in "\n".join(lines[1:]).strip("\n").split("\n\n")]
    assert [[ln.rsplit(" ", 3)[0] for ln in b] for b in ls_blocks] == [[EMOJI_TEXT], ["李彦宏在北京创办了百度公司。"]]
    assert [[ln.split()[-1] for ln in b] for b in ls_blocks] == [["B-PER"], ["B-PER"]]
    out = io.BytesIO()
    get_writer("conll")((to_record(t) for t in imported("ner.snapshot.json", schema)), out, schema,
                        style="conll2003")
    ours = [b for b in out.getvalue().decode("utf-8").split("-DOCSTART- -X- -X- O\n") if b.strip()]
    rows = [[ln.split() for ln in b.splitlines() if ln.strip()] for b in ours]
    for block, ls_block in zip(rows, ls_blocks, strict=True):
        assert "".join(r[0] for r in block) == ls_block[0].rsplit(" ", 3)[0]  # same text, no char lost
    assert [(r[0], r[-1]) for r in rows[0][:4]] == [("😀", "O"), ("马", "B-PER"), ("云", "I-PER"), ("于", "O")]
    tags0 = {r[0]: r[-1] for r in rows[0] if r[-1] != "O"}
    assert tags0 == {"马": "B-PER", "云": "I-PER", "杭": "B-LOC", "州": "I-LOC", "阿": "B-ORG", "里": "I-ORG",
                     "巴": "I-ORG", "集": "I-ORG", "团": "I-ORG"}


def _zip_json(path: Path, name: str) -> Any:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read(name))


def test_coco_boxes_and_polygons_match_label_studios_coco():
    schema = schema_of("image")
    theirs = _zip_json(LS / "image.coco.zip", "result.json")
    out = io.BytesIO()
    get_writer("coco")((to_record(t) for t in imported("image.snapshot.json", schema)), out, schema)
    ours = json.loads(out.getvalue())
    assert [(i["width"], i["height"]) for i in ours["images"]] == [(i["width"], i["height"]) for i in theirs["images"]]

    def objects(coco):
        names = {c["id"]: c["name"] for c in coco["categories"]}
        files = {i["id"]: n for n, i in enumerate(coco["images"])}
        return sorted((files[a["image_id"]], names[a["category_id"]], tuple(round(v, 6) for v in a["bbox"]),
                       tuple(round(v, 6) for s in a["segmentation"] for v in s) if names[a["category_id"]] == "道路"
                       else (), round(a["area"], 3)) for a in coco["annotations"] if "area" in a)

    # LS also emits keypoints (with a "default" category); we do not export keypoints to COCO
    mine, ls = objects(ours), [o for o in objects(theirs) if o[1] != "default"]
    rotated = [i for i, o in enumerate(ls) if o[1] == "行人"]
    assert rotated == [1] and len(mine) == len(ls) == 4
    assert [o for i, o in enumerate(mine) if i != 1] == [o for i, o in enumerate(ls) if i != 1]
    # The box rotated by 15° (64 x 144 px at 320,192): the LS editor rotates in pixels around the
    # top-left corner, and so do we; LS's COCO converter rotates the *percent* box, which is wrong on
    # a non-square image, and gives the enclosing box's area instead of the box's.
    c, s = math.cos(math.radians(15)), math.sin(math.radians(15))
    xs = [320 + x * c - y * s for x, y in ((0, 0), (64, 0), (64, 144), (0, 144))]
    ys = [192 + x * s + y * c for x, y in ((0, 0), (64, 0), (64, 144), (0, 144))]
    expect = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    assert mine[1][:2] == ls[1][:2] == (0, "行人")
    assert mine[1][2] == pytest.approx(expect, abs=1e-4) and mine[1][4] == 64 * 144
    assert ls[1][2] == pytest.approx((270.306743, 192.0, 111.51251, 151.516633), abs=1e-4)
    assert ls[1][4] == pytest.approx(ls[1][2][2] * ls[1][2][3], abs=0.01)
    assert [c["name"] for c in ours["categories"]] == ["汽车", "行人", "道路"]


def test_yolo_boxes_match_label_studios_yolo_except_rotation():
    schema = schema_of("image")
    out = io.BytesIO()
    get_writer("yolo")((to_record(t) for t in imported("image.snapshot.json", schema)), out, schema)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        ours = {n.rsplit("/", 1)[-1]: z.read(n).decode().split("\n") for n in z.namelist() if n.startswith("labels/")}
        our_classes = z.read("classes.txt").decode().split()
    with zipfile.ZipFile(LS / "image.yolo.zip") as z:
        theirs = {n.rsplit("__", 1)[-1]: z.read(n).decode().split("\n") for n in z.namelist()
                  if n.startswith("labels/") and n.endswith(".txt")}
        their_classes = z.read("classes.txt").decode().split()
    assert their_classes == our_classes[:2] and our_classes == ["汽车", "行人", "道路"]  # LS drops the polygon class
    assert set(ours) == set(theirs) == {"street-1.txt", "street-2.txt"}

    def boxes(lines):  # class + cx cy w h, rounded; LS adds keypoint columns (pose format) after them
        return [tuple([ln.split()[0], *(round(float(v), 4) for v in ln.split()[1:5])])
                for ln in lines if ln.strip() and len(ln.split()) != 9]

    assert boxes(ours["street-2.txt"]) == boxes(theirs["street-2.txt"]) == [("0", 0.3, 0.3, 0.5, 0.5)]
    ours1, theirs1 = boxes(ours["street-1.txt"]), [b for b in boxes(theirs["street-1.txt"])]
    assert ours1[0] == theirs1[0] == ("0", 0.225, 0.2625, 0.25, 0.125)
    # the box rotated by 15°: LS writes the unrotated box, we write the enclosing axis-aligned box
    assert theirs1[1] == ("1", 0.55, 0.55, 0.1, 0.3)
    assert ours1[1][0] == "1" and ours1[1][3] > 0.1 and ours1[1][4] > 0.3


# --- into a Crowdset project and out through the export API -----------------------------------------


@pytest.mark.parametrize("export", ["snapshot.json", "json"])
def test_real_exports_import_into_projects_and_export_back(world, export):
    from sqlalchemy import select

    from crowdset.annotation.importing import import_file
    from crowdset.annotation.models import Annotation, Prediction, Project, Task
    from crowdset.db import get_db
    from tests.annotation.helpers import make_project

    for slug in PROJECTS:
        schema = schema_of(slug)
        name = f"{slug}.{export}"
        src = ls_tasks(name)
        pid = make_project(world, schema=schema)
        with get_db().transaction() as s:
            report = import_file(s, None, s.get(Project, pid), LS / name, "labelstudio")
        n_ann = sum(1 for t in src for a in t["annotations"] if not a["was_cancelled"])
        n_pred = sum(1 for t in src for p in t["predictions"] if isinstance(p, dict))
        assert (report["tasks"], report["annotations"], report["predictions"]) == (len(src), n_ann, n_pred), slug
        assert report["gold"] == sum(1 for t in src if any(a["ground_truth"] for a in t["annotations"]))
        by_id = sum(1 for t in src for p in t["predictions"] if isinstance(p, int))
        # the quick export's predictions: said, not lost silently
        assert report.get("prediction_ids_only", 0) == by_id, slug
        assert bool(report.get("warnings")) == bool(by_id), slug
        expected = {str(t["meta"]["external_id"]): t for t in imported(name, schema)}
        with get_db().reading() as s:
            tasks = s.scalars(select(Task).where(Task.project_id == pid).order_by(Task.id)).all()
            assert [t.external_id for t in tasks] == [str(t["id"]) for t in src]
            for t in tasks:
                want = expected[t.external_id]
                assert t.data == want["data"] and t.is_gold == want.get("is_gold", False)
                anns = s.scalars(select(Annotation).where(Annotation.task_id == t.id).order_by(Annotation.id)).all()
                assert [a.result for a in anns] == results(want)
                assert [a.lead_time for a in anns] == [a.get("lead_time") for a in want.get("annotations", [])]
                preds = s.scalars(select(Prediction).where(Prediction.task_id == t.id).order_by(Prediction.id)).all()
                assert [(p.model, p.score, p.result) for p in preds] == [
                    (p["model"], p["score"], p["result"]) for p in want.get("predictions", [])]
        r = world.client.get(f"/api/v1/projects/{pid}/export?format=labelstudio", headers=world.h("manager"))
        assert r.status_code == 200, r.text
        out = r.json()
        assert len(out) == len(src), slug
        for ours, theirs in zip(out, src, strict=True):
            assert ours["data"] == theirs["data"]
            done = [a for a in ours["annotations"] if not a.get("was_cancelled")]
            kept = [a for a in theirs["annotations"] if not a["was_cancelled"]]
            assert [_by_id(a["result"]) for a in done] == [_by_id(a["result"]) for a in kept], slug
            full = [p for p in theirs["predictions"] if isinstance(p, dict)]
            assert [(_by_id(p["result"]), p["model_version"]) for p in ours["predictions"]] == [
                (_by_id(p["result"]), p["model_version"]) for p in full], slug


def test_cli_warns_when_predictions_come_by_id_only(world):
    """The quick JSON export's predictions cannot be imported; the CLI says so instead of staying silent."""
    from tests.annotation.helpers import make_project
    from tests.support import run_cli

    pid = make_project(world, schema=schema_of("choices"))
    r = run_cli("import", LS / "choices.json", "--project", str(pid), "--format", "labelstudio")
    assert r.returncode == 0, r.stderr
    assert "warning: 2 predictions are listed by id only" in r.stderr, r.stderr
    r = run_cli("import", LS / "choices.snapshot.json", "--project", str(pid), "--format", "labelstudio")
    assert r.returncode == 0 and "warning" not in r.stdout + r.stderr, r.stderr
