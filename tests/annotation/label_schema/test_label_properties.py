"""Property tests: spans cut from any text validate; moved offsets or edited texts do not."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crowdset.annotation.label_schema import LabelSchema, validate_result
from crowdset.annotation.labelstudio_config import labelstudio_config_to_schema, schema_to_labelstudio_config

LABELS = ["人名", "地名", "ORG"]
SCHEMA = LabelSchema.parse({"controls": [{"name": "ner", "kind": "spans", "to": "text", "labels": LABELS}]})
TEXTS = st.text(alphabet=st.sampled_from(list("北京上海张三李四的了在。，abc XYZ😀")), min_size=1, max_size=60)


@st.composite
def text_and_spans(draw: Any) -> tuple[str, list[dict[str, Any]]]:
    text = draw(TEXTS)
    n = draw(st.integers(0, 12))
    spans = []
    for i in range(n):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append({"id": f"s{i}", "start": start, "end": end, "label": draw(st.sampled_from(LABELS)),
                      "text": text[start:end]})
    return text, spans


@settings(max_examples=150, deadline=None)
@given(text_and_spans())
def test_random_valid_spans_validate(case: tuple[str, list[dict[str, Any]]]) -> None:
    text, spans = case
    assert validate_result(SCHEMA, {"ner": {"spans": spans}}, {"text": text}) == []


@settings(max_examples=150, deadline=None)
@given(text_and_spans(), st.integers(-5, 5), st.data())
def test_shifted_offsets_fail(case: tuple[str, list[dict[str, Any]]], shift: int, data: Any) -> None:
    text, spans = case
    assume(spans and shift != 0)
    k = data.draw(st.integers(0, len(spans) - 1))
    moved = dict(spans[k], start=spans[k]["start"] + shift, end=spans[k]["end"] + shift)
    assume(moved["start"] < 0 or moved["end"] > len(text) or text[moved["start"]:moved["end"]] != moved["text"])
    spans = [*spans[:k], moved, *spans[k + 1:]]
    errors = validate_result(SCHEMA, {"ner": {"spans": spans}}, {"text": text})
    assert errors and all(p.startswith(f"ner.spans[{k}].") for p, _ in errors), errors


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("正负中性abcXYZ _-")), min_size=1, max_size=8)
                .filter(str.strip), min_size=1, max_size=6, unique=True),
       st.booleans(), st.booleans())
def test_choices_round_trip_through_labelstudio(options: list[str], multiple: bool, required: bool) -> None:
    schema = LabelSchema.parse({"controls": [{"name": "c", "kind": "choices", "to": "text", "options": options,
                                              "multiple": multiple, "required": required}]})
    assert labelstudio_config_to_schema(schema_to_labelstudio_config(schema)) == schema
