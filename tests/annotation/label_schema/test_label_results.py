"""Result validation for every kind: valid results pass, each contract rule fails at its path."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from crowdset.annotation.label_schema import LabelSchema, validate_result

TEXT = "马云于1999年在杭州创立了阿里巴巴集团。"  # 马云 0:2, 1999年 3:8, 杭州 9:11, 阿里巴巴集团 14:20

SCHEMA = LabelSchema.parse({"controls": [
    {"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"]},
    {"name": "topics", "kind": "choices", "to": "text", "options": ["a", "b", "c"], "multiple": True,
     "required": False},
    {"name": "entities", "kind": "spans", "to": "text", "labels": ["PER", "ORG", "LOC", "DATE"]},
    {"name": "rels", "kind": "relations", "labels": ["创立", "位于"], "spans": "entities", "required": False},
    {"name": "kg", "kind": "kg_triples", "to": "text", "relations": ["创立", "位于"], "required": False},
]})
DATA = {"text": TEXT}


def span(i: str, start: int, end: int, label: str) -> dict[str, Any]:
    return {"id": i, "start": start, "end": end, "label": label, "text": TEXT[start:end]}


GOOD = {
    "sentiment": {"choices": ["中性"]},
    "entities": {"spans": [span("s1", 0, 2, "PER"), span("s2", 3, 8, "DATE"), span("s3", 9, 11, "LOC"),
                           span("s4", 14, 20, "ORG")]},
    "rels": {"relations": [{"from": "s1", "to": "s4", "label": "创立"}]},
    "kg": {"triples": [{"subject": {"start": 0, "end": 2, "text": "马云"}, "relation": "创立",
                        "object": {"start": 14, "end": 20, "text": "阿里巴巴集团"}}]},
}


def broken(path: list[Any], value: Any, base: dict[str, Any] = GOOD) -> dict[str, Any]:
    result = copy.deepcopy(base)
    target = result
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result


def test_good_text_result() -> None:
    assert validate_result(SCHEMA, GOOD, DATA) == []
    assert validate_result(SCHEMA, GOOD) == []


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "fragment"),
    [
        (["sentiment", "choices"], ["正面", "负面"], "sentiment.choices", "exactly one"),
        (["sentiment", "choices"], [], "sentiment.choices", "at least one"),
        (["sentiment", "choices"], ["好"], "sentiment.choices[0]", "not one of the control's options"),
        (["sentiment", "choices"], "正面", "sentiment.choices", "must be a list"),
        (["sentiment"], KeyError, "sentiment", "required"),
        (["sentiment"], ["正面"], "sentiment", "must be an object"),
        (["bogus"], {"x": 1}, "bogus", "unknown control"),
        (["entities", "spans", 1, "text"], "1998年", "entities.spans[1].text", "does not match"),
        (["entities", "spans", 1, "end"], 99, "entities.spans[1].end", "past the end of the text"),
        (["entities", "spans", 1, "end"], 3, "entities.spans[1].end", "greater than start"),
        (["entities", "spans", 1, "start"], -1, "entities.spans[1].start", ">= 0"),
        (["entities", "spans", 1, "start"], 3.0, "entities.spans[1].start", "integer"),
        (["entities", "spans", 1, "label"], "TIME", "entities.spans[1].label", "not one of"),
        (["entities", "spans", 1, "label"], KeyError, "entities.spans[1].label", "required"),
        (["entities", "spans", 1, "id"], "s1", "entities.spans[1].id",
         "duplicate region id (also entities.spans[0].id)"),
        (["entities", "spans", 1, "id"], 7, "entities.spans[1].id", "non-empty string"),
        (["entities", "spans", 1, "text"], KeyError, "entities.spans[1].text", "required"),
        (["entities", "spans", 1], "1999年", "entities.spans[1]", "must be an object"),
        (["rels", "relations", 0, "to"], "s9", "rels.relations[0].to", "not a span id of 'entities'"),
        (["rels", "relations", 0, "to"], "s1", "rels.relations[0].to", "itself"),
        (["rels", "relations", 0, "from"], KeyError, "rels.relations[0].from", "required"),
        (["rels", "relations", 0, "label"], "属于", "rels.relations[0].label", "not one of"),
        (["kg", "triples", 0, "relation"], "属于", "kg.triples[0].relation", "not one of"),
        (["kg", "triples", 0, "object", "end"], 22, "kg.triples[0].object.end", "past the end"),
        (["kg", "triples", 0, "subject", "text"], "马", "kg.triples[0].subject.text", "does not match"),
        (["kg", "triples", 0, "subject"], KeyError, "kg.triples[0].subject", "required"),
    ],
)
def test_broken_text_result(path: list[Any], value: Any, expected_path: str, fragment: str) -> None:
    errors = validate_result(SCHEMA, broken(path, value), DATA)
    assert [p for p, _ in errors] == [expected_path], errors
    assert fragment in errors[0][1]


def test_relation_to_span_of_other_result_fails_even_without_data() -> None:
    result = broken(["entities", "spans"], [span("s1", 0, 2, "PER")])
    errors = validate_result(SCHEMA, result)
    assert errors == [("rels.relations[0].to", "is not a span id of 'entities' in this result")]


def test_optional_controls_may_be_absent_or_null() -> None:
    minimal = {"sentiment": {"choices": ["正面"]}, "entities": {"spans": []}, "topics": None}
    assert validate_result(SCHEMA, minimal, DATA) == []
    assert validate_result(SCHEMA, {}, DATA) == [("sentiment", "required"), ("entities", "required")]
    assert validate_result(SCHEMA, [], DATA) == [("", "result must be an object keyed by control name")]


def test_multi_choice() -> None:
    ok = {**GOOD, "topics": {"choices": ["a", "c"]}}
    assert validate_result(SCHEMA, ok, DATA) == []
    dup = {**GOOD, "topics": {"choices": ["a", "a"]}}
    assert validate_result(SCHEMA, dup, DATA) == [("topics.choices[1]", "chosen twice")]


def test_text_checks_need_the_text_field() -> None:
    errors = validate_result(SCHEMA, GOOD, {"body": TEXT})
    assert ("entities", "task data has no field 'text'") in errors
    errors = validate_result(SCHEMA, GOOD, {"text": 42})
    assert ("entities", "task data field 'text' has the wrong type") in errors


MEDIA = LabelSchema.parse({"controls": [
    {"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car", "person"]},
    {"name": "shapes", "kind": "polygon", "to": "image", "labels": ["road"], "required": False},
    {"name": "points", "kind": "keypoints", "to": "image", "labels": ["nose"], "required": False},
    {"name": "speakers", "kind": "audio_segments", "to": "audio", "labels": ["A", "B"], "transcribe": True,
     "required": False},
    {"name": "plain_audio", "kind": "audio_segments", "to": "audio", "labels": ["music"], "required": False},
    {"name": "scenes", "kind": "video_segments", "to": "video", "labels": ["goal"], "required": False},
]})
MEDIA_GOOD = {
    "boxes": {"boxes": [{"id": "b1", "x": 10, "y": 20, "width": 100.5, "height": 50, "label": "car"},
                        {"id": "b2", "x": 600, "y": 0, "width": 40, "height": 480, "label": "person",
                         "rotation": 0}],
              "image_width": 640, "image_height": 480},
    "shapes": {"polygons": [{"id": "p1", "points": [[0, 0], [100, 0], [100, 100]], "label": "road"}],
               "image_width": 640, "image_height": 480},
    "points": {"keypoints": [{"id": "k1", "x": 50.0, "y": 50.0, "label": "nose"}], "unit": "percent"},
    "speakers": {"segments": [{"id": "a1", "start": 0.0, "end": 2.5, "label": "A", "text": "你好"},
                              {"id": "a2", "start": 2.5, "end": 4, "label": "B"}]},
    "plain_audio": {"segments": [{"id": "m1", "start": 0, "end": 30.0, "label": "music"}]},
    "scenes": {"segments": [{"id": "v1", "start": 12.0, "end": 15.04, "label": "goal"}]},
}


def test_good_media_result() -> None:
    assert validate_result(MEDIA, MEDIA_GOOD, {"image": "x.jpg", "audio": "a.wav", "video": "v.mp4"}) == []


def test_boxes_tolerate_rounding_at_the_edge() -> None:
    result = broken(["boxes", "boxes", 1, "width"], 40.6, MEDIA_GOOD)  # 640.6: within 1 px
    assert validate_result(MEDIA, result) == []
    pct = {"boxes": {"boxes": [{"id": "b", "x": 50, "y": 50, "width": 50.05, "height": 50, "label": "car"}],
                     "unit": "percent"}}
    assert validate_result(MEDIA, pct) == []


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "fragment"),
    [
        (["boxes", "boxes", 1, "width"], 45, "boxes.boxes[1]", "outside the image (640 x 480)"),
        (["boxes", "boxes", 0, "x"], -5, "boxes.boxes[0]", "outside the image"),
        (["boxes", "boxes", 0, "width"], 0, "boxes.boxes[0].width", "positive"),
        (["boxes", "boxes", 0, "height"], -3, "boxes.boxes[0].height", "positive"),
        (["boxes", "boxes", 0, "y"], "20", "boxes.boxes[0].y", "number"),
        (["boxes", "boxes", 0, "x"], float("nan"), "boxes.boxes[0].x", "number"),
        (["boxes", "boxes", 0, "x"], True, "boxes.boxes[0].x", "number"),
        (["boxes", "boxes", 0, "label"], "truck", "boxes.boxes[0].label", "not one of"),
        (["boxes", "boxes", 0, "rotation"], "90", "boxes.boxes[0].rotation", "degrees"),
        (["boxes", "boxes", 0, "rotation"], 180, "boxes.boxes[0]", "outside the image"),
        (["boxes", "boxes", 1, "id"], "b1", "boxes.boxes[1].id", "duplicate region id"),
        (["boxes", "image_width"], KeyError, "boxes.image_width", "positive number"),
        (["boxes", "image_height"], 0, "boxes.image_height", "positive number"),
        (["boxes", "unit"], "px", "boxes.unit", "must be 'percent'"),
        (["boxes", "boxes"], KeyError, "boxes.boxes", "required list"),
        (["shapes", "polygons", 0, "points"], [[0, 0], [1, 1]], "shapes.polygons[0].points", "at least 3"),
        (["shapes", "polygons", 0, "points", 2], [700, 10], "shapes.polygons[0].points[2]", "outside"),
        (["shapes", "polygons", 0, "points", 1], [1, 2, 3], "shapes.polygons[0].points[1]", "[x, y]"),
        (["points", "keypoints", 0, "x"], 100.5, "points.keypoints[0]", "outside the image (100 x 100)"),
        (["points", "keypoints", 0, "y"], None, "points.keypoints[0]", "numbers"),
        (["points", "keypoints", 0, "id"], "b1", "points.keypoints[0].id", "duplicate region id (also"),
        (["speakers", "segments", 0, "end"], 0.0, "speakers.segments[0].end", "greater than start"),
        (["speakers", "segments", 0, "start"], -0.1, "speakers.segments[0].start", ">= 0"),
        (["speakers", "segments", 0, "text"], 3, "speakers.segments[0].text", "string"),
        (["speakers", "segments", 1, "label"], "C", "speakers.segments[1].label", "not one of"),
        (["plain_audio", "segments", 0, "text"], "歌词", "plain_audio.segments[0].text", "does not transcribe"),
        (["scenes", "segments", 0, "end"], "15", "scenes.segments[0].end", "number of seconds"),
    ],
)
def test_broken_media_result(path: list[Any], value: Any, expected_path: str, fragment: str) -> None:
    errors = validate_result(MEDIA, broken(path, value, MEDIA_GOOD))
    assert [p for p, _ in errors] == [expected_path], errors
    assert fragment in errors[0][1]


def test_image_value_needs_a_frame_only_when_it_has_regions() -> None:
    no_frame = {"boxes": {"boxes": [{"id": "b", "x": 1, "y": 1, "width": 2, "height": 2, "label": "car"}]}}
    assert validate_result(MEDIA, no_frame) == [
        ("boxes", "needs image_width and image_height (pixels) or unit 'percent'")]
    assert validate_result(MEDIA, {"boxes": {"boxes": []}}) == []


def test_rotated_box_inside_passes() -> None:
    box = {"id": "b", "x": 100, "y": 100, "width": 100, "height": 50, "label": "car", "rotation": 90}
    assert validate_result(MEDIA, {"boxes": {"boxes": [box], "image_width": 640, "image_height": 480}}) == []
    box["x"] = 30  # rotated 90 degrees clockwise around the top-left, it extends 50 px to the left
    assert [p for p, _ in validate_result(MEDIA, {"boxes": {"boxes": [box], "image_width": 640,
                                                            "image_height": 480}})] == ["boxes.boxes[0]"]


JUDGE = LabelSchema.parse({"controls": [
    {"name": "better", "kind": "pairwise", "to": ["answer_a", "answer_b"], "required": False},
    {"name": "strict_pair", "kind": "pairwise", "to": ["answer_a", "answer_b"], "allow_tie": False,
     "required": False},
    {"name": "order", "kind": "ranking", "to": "responses", "required": False},
    {"name": "quality", "kind": "rating", "min": 1, "max": 5, "required": False},
    {"name": "cot", "kind": "cot_review", "to": "steps", "final_scale": [1, 10], "required": False},
    {"name": "note", "kind": "transcription", "to": "text", "min_length": 2, "max_length": 10,
     "required": False},
    {"name": "align", "kind": "image_text_alignment", "image": "image", "text": "caption",
     "score_scale": [1, 5], "required": False},
]})
JUDGE_DATA = {
    "answer_a": "A", "answer_b": "B",
    "responses": [{"id": "r1", "text": "一"}, {"id": "r2", "text": "二"}, {"id": "r3", "text": "三"}],
    "steps": ["设 x = 2", "则 x² = 4", "所以答案是 4"],
    "caption": "一只猫坐在红色沙发上", "image": "cat.jpg", "text": "t",
}
JUDGE_GOOD = {
    "better": {"choice": "left", "reason": "更准确"},
    "order": {"order": ["r2", "r1", "r3"]},
    "quality": {"value": 5},
    "cot": {"steps": [{"index": 0, "verdict": "correct"}, {"index": 1, "verdict": "correct"},
                      {"index": 2, "verdict": "incorrect", "correction": "所以答案是 4。"}],
            "final_rating": 7, "final_verdict": "incorrect"},
    "note": {"text": "很好"},
    "align": {"score": 4, "links": [{"phrase": {"start": 2, "end": 3, "text": "猫"},
                                     "region": {"x": 10, "y": 10, "width": 30, "height": 30}}],
              "unit": "percent"},
}


def test_good_judgement_result() -> None:
    assert validate_result(JUDGE, JUDGE_GOOD, JUDGE_DATA) == []
    assert validate_result(JUDGE, JUDGE_GOOD) == []


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "fragment"),
    [
        (["better", "choice"], "tie", "better.choice", "tie is not allowed"),
        (["better", "choice"], "both", "better.choice", "must be 'left', 'right'"),
        (["better", "choice"], KeyError, "better.choice", "required"),
        (["better", "reason"], 1, "better.reason", "string"),
        (["order", "order"], ["r2", "r1"], "order.order", "missing 'r3'"),
        (["order", "order"], ["r2", "r1", "r3", "r4"], "order.order[3]", "not a response id"),
        (["order", "order"], ["r2", "r2", "r1", "r3"], "order.order[1]", "ranked twice"),
        (["order", "order"], ["r2", None, "r1", "r3"], "order.order[1]", "response id"),
        (["quality", "value"], 6, "quality.value", "between 1 and 5"),
        (["quality", "value"], 0, "quality.value", "between 1 and 5"),
        (["quality", "value"], 4.5, "quality.value", "integer"),
        (["quality", "value"], True, "quality.value", "integer"),
        (["cot", "steps"], [{"index": 0, "verdict": "correct"}, {"index": 1, "verdict": "correct"}],
         "cot.steps", "missing steps 2"),
        (["cot", "steps", 2, "index"], 3, ("cot.steps[2].index", "cot.steps"), "the task has 3 steps"),
        (["cot", "steps", 2, "index"], 1, ("cot.steps[2].index", "cot.steps"), "reviewed twice"),
        (["cot", "steps", 1, "verdict"], "maybe", "cot.steps[1].verdict", "'correct' or 'incorrect'"),
        (["cot", "steps", 2, "correction"], ["x"], "cot.steps[2].correction", "string"),
        (["cot", "final_rating"], 11, "cot.final_rating", "between 1 and 10"),
        (["cot", "final_rating"], KeyError, "cot.final_rating", "required integer"),
        (["cot", "final_verdict"], "ok", "cot.final_verdict", "'correct' or 'incorrect'"),
        (["note", "text"], " x ", "note.text", "at least 2"),
        (["note", "text"], "x" * 11, "note.text", "at most 10"),
        (["align", "score"], 9, "align.score", "between 1 and 5"),
        (["align", "links", 0, "phrase", "text"], "狗", "align.links[0].phrase.text", "does not match"),
        (["align", "links", 0, "region", "width"], 95, "align.links[0].region", "outside the image"),
        (["align", "links", 0, "region"], KeyError, "align.links[0].region", "required"),
        (["align", "unit"], KeyError, "align", "needs image_width"),
    ],
)
def test_broken_judgement_result(path: list[Any], value: Any, expected_path: Any, fragment: str) -> None:
    errors = validate_result(JUDGE, broken(path, value, JUDGE_GOOD), JUDGE_DATA)
    expected = list(expected_path) if isinstance(expected_path, tuple) else [expected_path]
    assert [p for p, _ in errors] == expected, errors
    assert fragment in errors[0][1]


def test_pairwise_tie_allowed_when_configured() -> None:
    schema = LabelSchema.parse({"controls": [{"name": "p", "kind": "pairwise", "to": ["a", "b"],
                                              "allow_tie": True}]})
    assert validate_result(schema, {"p": {"choice": "tie"}}) == []


def test_ranking_needs_the_response_list() -> None:
    result = {"order": {"order": ["r1"]}}
    assert validate_result(JUDGE, result, {"responses": "r1"}) == [
        ("order", "task data field 'responses' has the wrong type")]
    assert validate_result(JUDGE, {"order": {"order": [1, 2]}}, {"responses": [{"id": 2}, {"id": 1}]}) == []


def test_twenty_span_ner_result_validates_well_under_a_millisecond() -> None:
    text = "".join(f"张{i:02d}在北京工作。" for i in range(20))
    schema = LabelSchema.parse({"controls": [{"name": "ner", "kind": "spans", "to": "text",
                                              "labels": ["PER", "ORG", "LOC"]}]})
    spans = []
    for i in range(20):
        s = i * 9
        spans.append({"id": f"s{i}", "start": s, "end": s + 3, "label": "PER", "text": text[s:s + 3]})
    result, data = {"ner": {"spans": spans}}, {"text": text}
    assert validate_result(schema, result, data) == []
    runs = 2000
    t0 = time.perf_counter()
    for _ in range(runs):
        validate_result(schema, result, data)
    per_call = (time.perf_counter() - t0) / runs
    assert per_call < 0.5e-3, f"{per_call * 1e6:.0f} us per result"
