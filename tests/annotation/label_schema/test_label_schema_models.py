"""Label schemas: every kind parses, and each kind of mistake is reported at its exact path."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import ValidationError

from crowdset.annotation.label_schema import (
    ChoicesControl,
    Control,
    LabelSchema,
    RelationsControl,
    SchemaError,
    classification_value,
    control_labels,
    get_kind,
    register_kind,
    registered_kinds,
    unregister_kind,
    validate_result,
)

ALL_KINDS: list[dict[str, Any]] = [
    {"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"]},
    {"name": "topics", "kind": "choices", "to": "text", "options": ["a", "b"], "multiple": True},
    {"name": "entities", "kind": "spans", "to": "text", "labels": ["PER", "ORG", "LOC"]},
    {"name": "rels", "kind": "relations", "labels": ["works_for"], "spans": "entities"},
    {"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car", "person"]},
    {"name": "shapes", "kind": "polygon", "to": "image", "labels": ["road"]},
    {"name": "points", "kind": "keypoints", "to": "image", "labels": ["nose", "eye"]},
    {"name": "transcript", "kind": "transcription", "to": "audio", "min_length": 1},
    {"name": "speakers", "kind": "audio_segments", "to": "audio", "labels": ["A", "B"], "transcribe": True},
    {"name": "scenes", "kind": "video_segments", "to": "video", "labels": ["goal"], "fps": 25.0},
    {"name": "better", "kind": "pairwise", "to": ["left", "right"], "allow_tie": True},
    {"name": "order", "kind": "ranking", "to": "responses"},
    {"name": "quality", "kind": "rating", "min": 1, "max": 5},
    {"name": "cot", "kind": "cot_review", "to": "steps", "final_scale": [1, 5]},
    {"name": "align", "kind": "image_text_alignment", "image": "image", "text": "caption",
     "score_scale": [1, 5]},
    {"name": "kg", "kind": "kg_triples", "to": "text", "relations": ["位于", "创立"]},
]


def errors_of(obj: Any) -> list[tuple[str, str]]:
    with pytest.raises(SchemaError) as info:
        LabelSchema.parse(obj)
    return info.value.errors


def paths_of(obj: Any) -> list[str]:
    return [p for p, _ in errors_of(obj)]


def test_every_builtin_kind_is_registered_and_parses() -> None:
    kinds = {c["kind"] for c in ALL_KINDS}
    assert kinds <= set(registered_kinds())
    assert len(kinds) == 15
    schema = LabelSchema.parse({"controls": ALL_KINDS})
    assert schema.names == [c["name"] for c in ALL_KINDS]
    assert isinstance(schema.control("sentiment"), ChoicesControl)
    assert isinstance(schema.control("rels"), RelationsControl)
    assert schema.control("quality").required is True


def test_dump_and_reparse_is_identity() -> None:
    schema = LabelSchema.parse({"controls": ALL_KINDS})
    dumped = schema.model_dump(mode="json", exclude_none=True)
    assert dumped["controls"][0] == {"name": "sentiment", "kind": "choices", "required": True, "to": "text",
                                     "options": ["正面", "负面", "中性"], "multiple": False}
    assert LabelSchema.parse(dumped) == schema
    assert LabelSchema.model_validate(dumped) == schema


def test_model_validate_reports_through_pydantic() -> None:
    with pytest.raises(ValidationError) as info:
        LabelSchema.model_validate({"controls": [{"name": "x", "kind": "spans", "to": "t", "labels": []}]})
    assert "controls[0].labels: must not be empty" in str(info.value)


@pytest.mark.parametrize(
    ("control", "path", "fragment"),
    [
        ({"name": "c", "kind": "choices", "to": "t", "options": []}, "controls[1].options", "must not be empty"),
        ({"name": "c", "kind": "choices", "to": "t", "options": ["a", "a"]}, "controls[1].options", "duplicate"),
        ({"name": "c", "kind": "choices", "to": "t", "options": ["a", " "]}, "controls[1].options", "blank"),
        ({"name": "c", "kind": "choices", "options": ["a"]}, "controls[1].to", "required"),
        ({"name": "c", "kind": "choices", "to": "t", "options": ["a"], "multiple": "yes"},
         "controls[1].multiple", "boolean"),
        ({"name": "c", "kind": "spans", "to": "t", "labels": ["A"], "colour": "red"}, "controls[1].colour",
         "unknown field"),
        ({"name": "c", "kind": "spans", "to": "t", "labels": ["A", 3]}, "controls[1].labels[1]", "string"),
        ({"name": "c", "kind": "rating", "min": 5, "max": 5}, "controls[1].max", "greater than min"),
        ({"name": "c", "kind": "rating", "min": 1, "max": 500}, "controls[1].max", "at most 101"),
        ({"name": "c", "kind": "pairwise", "to": ["a"]}, "controls[1].to", "at least 2"),
        ({"name": "c", "kind": "pairwise", "to": ["a", "a"]}, "controls[1].to", "different"),
        ({"name": "c", "kind": "cot_review", "to": "s", "final_scale": [5, 1]}, "controls[1].final_scale",
         "min must be less than max"),
        ({"name": "c", "kind": "cot_review", "to": "s", "final_scale": [1, 2, 3]}, "controls[1].final_scale",
         "[min, max]"),
        ({"name": "c", "kind": "image_text_alignment", "image": "i", "text": "t", "score_scale": [3, 3]},
         "controls[1].score_scale", "min must be less than max"),
        ({"name": "c", "kind": "kg_triples", "to": "t", "relations": []}, "controls[1].relations", "empty"),
        ({"name": "c", "kind": "video_segments", "to": "v", "labels": ["a"], "fps": 0.0}, "controls[1].fps",
         "greater than 0"),
        ({"name": "c", "kind": "transcription", "to": "a", "min_length": 5, "max_length": 2},
         "controls[1].max_length", "at least min_length"),
        ({"name": "has space", "kind": "rating"}, "controls[1].name", "pattern"),
        ({"name": "", "kind": "rating"}, "controls[1].name", "at least 1"),
        ({"name": "c", "kind": "nope"}, "controls[1].kind", "unknown kind 'nope'"),
        ({"name": "c"}, "controls[1].kind", "required"),
        ("choices", "controls[1]", "must be an object"),
        ({"name": "c", "kind": "relations", "labels": ["r"], "spans": "missing"}, "controls[1].spans",
         "no control named 'missing'"),
        ({"name": "c", "kind": "relations", "labels": ["r"], "spans": "ok"}, "controls[1].spans",
         "is a rating control, not spans"),
        ({"name": "ok", "kind": "rating"}, "controls[1].name", "duplicate control name 'ok' (also controls[0])"),
    ],
)
def test_invalid_control_is_reported_at_its_path(control: Any, path: str, fragment: str) -> None:
    errors = errors_of({"controls": [{"name": "ok", "kind": "rating"}, control]})
    assert [p for p, _ in errors] == [path], errors
    assert fragment in errors[0][1]


def test_top_level_errors() -> None:
    assert errors_of([]) == [("", "must be an object with a 'controls' list")]
    assert errors_of({}) == [("controls", "required list")]
    assert errors_of({"controls": []}) == [("controls", "must have at least one control")]
    assert errors_of({"controls": [{"name": "a", "kind": "rating"}], "x": 1}) == [("x", "unknown field")]


def test_all_errors_reported_at_once() -> None:
    paths = paths_of({"controls": [
        {"name": "a", "kind": "spans", "to": "t", "labels": []},
        {"name": "b", "kind": "bbox", "labels": ["x"]},
        {"name": "c", "kind": "rating", "min": 3, "max": 1},
    ]})
    assert paths == ["controls[0].labels", "controls[1].to", "controls[2].max"]


def test_schema_error_is_value_error_with_readable_message() -> None:
    with pytest.raises(ValueError, match=r"controls\[0\]\.options: must not be empty"):
        LabelSchema.parse({"controls": [{"name": "a", "kind": "choices", "to": "t", "options": []}]})


def test_controls_are_frozen() -> None:
    schema = LabelSchema.parse({"controls": ALL_KINDS[:1]})
    with pytest.raises(ValidationError):
        schema.controls[0].options = ["x"]  # type: ignore[misc]


def test_control_labels() -> None:
    schema = LabelSchema.parse({"controls": ALL_KINDS})
    labels = {c.name: control_labels(c) for c in schema.controls}
    assert labels["sentiment"] == ["正面", "负面", "中性"]
    assert labels["entities"] == ["PER", "ORG", "LOC"]
    assert labels["rels"] == ["works_for"]
    assert labels["kg"] == ["位于", "创立"]
    assert labels["better"] == ["left", "right", "tie"]
    assert labels["quality"] == ["1", "2", "3", "4", "5"]
    assert labels["cot"] == ["correct", "incorrect"]
    assert labels["align"] == ["1", "2", "3", "4", "5"]
    assert labels["order"] == [] and labels["transcript"] == []


def test_classification_value() -> None:
    schema = LabelSchema.parse({"controls": ALL_KINDS})
    result = {
        "sentiment": {"choices": ["负面"]},
        "topics": {"choices": ["b", "a"]},
        "better": {"choice": "tie"},
        "order": {"order": ["r2", "r1", "r3"]},
        "quality": {"value": 4},
        "entities": {"spans": []},
    }
    values = classification_value(schema, result)
    assert values == {"sentiment": "负面", "topics": ("a", "b"), "better": "tie",
                      "order": ("r2", "r1", "r3"), "quality": 4}
    assert all(hash(v) is not None for v in values.values())
    assert classification_value(schema, {"topics": {"choices": ["a", "b"]}})["topics"] == values["topics"]
    with pytest.raises(ValueError, match="quality.value"):
        classification_value(schema, {"quality": {"value": "4"}})
    with pytest.raises(ValueError, match="exactly one"):
        classification_value(schema, {"sentiment": {"choices": ["正面", "负面"]}})


class EmotionControl(Control):
    kind: Literal["emotion_wheel"] = "emotion_wheel"
    to: str
    petals: int = 8


def _validate_emotion(control: EmotionControl, value: dict[str, Any], path: str, ctx: Any) -> None:
    petal = value.get("petal")
    if not isinstance(petal, int) or not 0 <= petal < control.petals:
        ctx.error(f"{path}.petal", f"must be 0..{control.petals - 1}")


def test_register_a_new_kind_without_touching_the_core() -> None:
    register_kind("emotion_wheel", EmotionControl, _validate_emotion, classify=lambda c, v: v["petal"],
                  labels=lambda c: [f"petal{i}" for i in range(c.petals)])
    try:
        with pytest.raises(ValueError, match="already registered"):
            register_kind("emotion_wheel", EmotionControl, _validate_emotion)
        assert get_kind("emotion_wheel").control_model is EmotionControl
        schema = LabelSchema.parse({"controls": [{"name": "feel", "kind": "emotion_wheel", "to": "text",
                                                  "petals": 4}]})
        assert validate_result(schema, {"feel": {"petal": 3}}) == []
        assert validate_result(schema, {"feel": {"petal": 4}}) == [("feel.petal", "must be 0..3")]
        assert classification_value(schema, {"feel": {"petal": 2}}) == {"feel": 2}
        assert control_labels(schema.control("feel")) == ["petal0", "petal1", "petal2", "petal3"]
        assert schema.model_dump()["controls"][0]["petals"] == 4
    finally:
        unregister_kind("emotion_wheel")
    assert "emotion_wheel" not in registered_kinds()
    with pytest.raises(TypeError):
        register_kind("bad", dict, _validate_emotion)  # type: ignore[arg-type]
