"""Label Studio JSON: region <-> result conversion and a lossless in -> ours -> out round trip."""

from __future__ import annotations

import io
import json

import pytest

from crowdset.formats import (
    LSConversionError,
    ls_regions_to_result,
    read_tasks,
    result_to_ls_regions,
    write_labelstudio,
)
from tests.formats.helpers import FIXTURES, SCHEMA


def to_record(task: dict) -> dict:
    """What the export service yields for an imported task (its annotation ids are the LS ones here)."""
    fields = [a.get("fields", {}) for a in task.get("meta", {}).get("labelstudio", {}).get("annotations", [])]
    anns = [{"id": fields[i].get("id"), "annotator": a.get("annotator"), "result": a["result"],
             "lead_time": a.get("lead_time"), "created_at": fields[i].get("created_at"), "reviews": []}
            for i, a in enumerate(task.get("annotations", []))]
    return {"id": task["meta"]["external_id"], "data": task["data"], "is_gold": task.get("is_gold", False),
            "annotations": anns, "predictions": task.get("predictions", []), "final": None, "meta": task["meta"]}


def normalized(tasks: list) -> list:
    def norm(x):
        if isinstance(x, dict):
            d = {k: norm(v) for k, v in x.items()}
            if isinstance(d.get("result"), list):
                d["result"] = sorted(d["result"], key=lambda r: json.dumps(r, sort_keys=True))
            return d
        if isinstance(x, list):
            return [norm(v) for v in x]
        return round(x, 6) if isinstance(x, float) else x
    return norm(tasks)


def test_round_trip_keeps_every_task_annotation_and_region():
    src = json.loads((FIXTURES / "ls_export.json").read_text("utf-8"))
    parsed = list(read_tasks(FIXTURES / "ls_export.json", schema=SCHEMA))
    assert [r.errors for r in parsed] == [[], [], []]
    out = io.BytesIO()
    stats = write_labelstudio((to_record(r.task) for r in parsed), out, SCHEMA)
    assert stats == {"tasks": 3}
    back = json.loads(out.getvalue())
    assert normalized(back) == normalized(src)
    # and a second pass is a fixed point
    again = io.BytesIO()
    write_labelstudio((to_record(r.task) for r in read_tasks(io.BytesIO(out.getvalue()), "labelstudio",
                                                             schema=SCHEMA)), again, SCHEMA)
    assert json.loads(again.getvalue()) == back


def test_import_converts_to_contract_shapes():
    t1, t2, t3 = (r.task for r in read_tasks(FIXTURES / "ls_export.json", schema=SCHEMA))
    a = t1["annotations"][0]
    assert a["annotator"] == 3 and a["lead_time"] == 42.117
    assert a["result"]["entities"]["spans"][2] == {"id": "sp_org01", "start": 6, "end": 10, "text": "阿里巴巴",
                                                   "label": "ORG"}
    assert a["result"]["rels"] == {"relations": [{"from": "sp_per01", "to": "sp_org01", "label": "works_for"}]}
    assert a["result"]["sentiment"] == {"choices": ["正面"]}
    assert len(t1["annotations"]) == 2  # the cancelled one is kept in meta only
    assert t1["meta"]["labelstudio"]["cancelled"][0]["id"] == 9003
    assert t1["predictions"][0]["model"] == "ner-v2" and t1["predictions"][0]["score"] == 0.87
    boxes = t2["annotations"][0]["result"]["boxes"]
    assert boxes["image_width"] == 1920 and boxes["image_height"] == 1080
    assert boxes["boxes"][0] == {"id": "bx_car01", "x": 192, "y": 216, "width": 480, "height": 324, "label": "car"}
    assert t2["annotations"][0]["result"]["outline"]["polygons"][0]["points"][0] == [1152, 648]
    assert t2["is_gold"] is True and t2["gold"] == t2["annotations"][0]["result"]  # ground_truth annotation
    assert "mask" not in t2["annotations"][0]["result"]  # brush masks have no kind: kept verbatim in meta
    r3 = t3["annotations"][0]["result"]
    assert r3["segments"]["segments"] == [{"id": "au_seg1", "start": 1.25, "end": 3.5, "label": "speech",
                                           "text": "你好，请问有什么可以帮您？"}]
    assert r3["actions"]["segments"] == [{"id": "vd_run1", "start": 0.96, "end": 2.88, "label": "running"}]  # 25 fps
    assert r3["quality"] == {"value": 4} and r3["compare"] == {"choice": "left"}
    assert r3["notes"] == {"text": "第一行\n第二行"} and r3["rank"] == {"order": ["b", "a"]}


def test_percent_kept_without_original_size_and_no_schema_inference():
    regions = [
        {"id": "a", "from_name": "bb", "to_name": "img", "type": "rectanglelabels",
         "value": {"x": 1.5, "y": 2, "width": 3, "height": 4, "rotation": 0, "rectanglelabels": ["car", "van"]}},
        {"id": "s", "from_name": "ner", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 2, "text": "ab", "labels": ["X"]}},
        {"id": "t", "from_name": "seg", "to_name": "audio", "type": "labels",
         "value": {"start": 0, "end": 2.5, "labels": ["noise"]}},
    ]
    result = ls_regions_to_result(regions)
    assert result["bb"] == {"boxes": [
        {"id": "a", "x": 1.5, "y": 2, "width": 3, "height": 4, "label": "car"},
        {"id": "a#2", "x": 1.5, "y": 2, "width": 3, "height": 4, "label": "van"}], "unit": "percent"}
    assert result["ner"]["spans"][0]["label"] == "X"
    assert result["seg"]["segments"][0] == {"id": "t", "start": 0.0, "end": 2.5, "label": "noise"}
    back = result_to_ls_regions(result)
    assert back[0]["value"]["rectanglelabels"] == ["car", "van"] and len(back) == 3  # multi-label re-merged
    assert "original_width" not in back[0]


def test_utf16_offsets_from_label_studio_are_converted():
    data = {"text": "😀 张三来了"}
    control = {"controls": [{"name": "ner", "kind": "spans", "to": "text", "labels": ["PER"]}]}
    # Label Studio (JavaScript) counts the emoji as two units: 张三 is at 3..5, not 2..4
    regions = [{"id": "p", "from_name": "ner", "to_name": "text", "type": "labels",
                "value": {"start": 3, "end": 5, "text": "张三", "labels": ["PER"]}}]
    result = ls_regions_to_result(regions, control, data)
    assert result["ner"]["spans"][0]["start"] == 2 and result["ner"]["spans"][0]["end"] == 4
    assert result_to_ls_regions(result, control, data)[0]["value"]["start"] == 3


def test_pixel_result_exports_percent_with_original_size():
    schema = {"controls": [{"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car"]}]}
    result = {"boxes": {"boxes": [{"id": "b1", "x": 100, "y": 50, "width": 200, "height": 100, "label": "car"}],
                        "image_width": 400, "image_height": 200}}
    (region,) = result_to_ls_regions(result, schema, {"image": "a.jpg"})
    assert region["original_width"] == 400 and region["original_height"] == 200
    assert region["value"] == {"x": 25, "y": 25, "width": 50, "height": 50, "rotation": 0, "rectanglelabels": ["car"]}
    assert region["id"] == "b1" and region["to_name"] == "image"
    # ids of per-control values are stable across exports
    ch = {"controls": [{"name": "s", "kind": "choices", "to": "text", "options": ["a"]}]}
    assert result_to_ls_regions({"s": {"choices": ["a"]}}, ch) == result_to_ls_regions({"s": {"choices": ["a"]}}, ch)


def test_kinds_without_label_studio_type_survive_as_custom_regions():
    schema = {"controls": [{"name": "cot", "kind": "cot_review", "to": "steps", "final_scale": [1, 5]}]}
    value = {"steps": [{"index": 0, "verdict": "correct"}], "final_rating": 4}
    regions = result_to_ls_regions({"cot": value}, schema)
    assert regions[0]["type"] == "crowdset:cot_review"
    assert ls_regions_to_result(regions, schema) == {"cot": value}


def test_conversion_errors_are_collected():
    with pytest.raises(LSConversionError) as exc:
        ls_regions_to_result([{"id": "x", "from_name": "boxes", "type": "rectanglelabels", "value": {"x": 1}},
                              {"from_id": "nope", "type": "relation"}], SCHEMA)
    fields = [f for f, _ in exc.value.errors]
    assert fields == ["result[0].value", "result[1]"]


def test_unsupported_type_on_a_known_control_is_an_error():
    conv_errors = []
    try:
        ls_regions_to_result([{"id": "e", "from_name": "boxes", "to_name": "image", "type": "ellipselabels",
                               "value": {"x": 1, "y": 1, "radiusX": 2, "radiusY": 2, "ellipselabels": ["car"]}}],
                             SCHEMA)
    except LSConversionError as exc:
        conv_errors = exc.errors
    assert conv_errors == [("result[0].type", "the region type does not fit control 'boxes' of kind 'bbox'")]
