"""Label Studio labelling configs: each template converts, round-trips, and bad XML is refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from crowdset.annotation.label_schema import LabelSchema, SchemaError
from crowdset.annotation.labelstudio_config import labelstudio_config_to_schema, schema_to_labelstudio_config

TEMPLATES = Path(__file__).parent / "ls_templates"


def load(name: str) -> str:
    return (TEMPLATES / f"{name}.xml").read_text(encoding="utf-8")


EXPECTED: dict[str, list[dict[str, Any]]] = {
    "text_classification": [{"name": "sentiment", "kind": "choices", "required": False, "to": "text",
                             "options": ["Positive", "Negative", "Neutral"], "multiple": False}],
    "multi_classification": [{"name": "topics", "kind": "choices", "required": True, "to": "text",
                              "options": ["体育", "财经", "科技"], "multiple": True}],
    "image_classification": [{"name": "choice", "kind": "choices", "required": False, "to": "image",
                              "options": ["Airbus", "Boeing"], "multiple": False}],
    "ner": [{"name": "label", "kind": "spans", "required": False, "to": "text",
             "labels": ["PER", "ORG", "LOC", "MISC"]}],
    "ner_relations": [
        {"name": "relations", "kind": "relations", "required": False, "labels": ["org:founded_by", "org:founded"],
         "spans": "label"},
        {"name": "label", "kind": "spans", "required": False, "to": "text",
         "labels": ["Organization", "Person", "Datetime"]},
    ],
    "image_bbox": [{"name": "label", "kind": "bbox", "required": False, "to": "image",
                    "labels": ["Airplane", "Car"]}],
    "image_rectangle_tool": [{"name": "objects", "kind": "bbox", "required": False, "to": "image_url",
                              "labels": ["Person", "Dog"]}],
    "image_polygon": [{"name": "label", "kind": "polygon", "required": False, "to": "image",
                       "labels": ["Airplane", "Car"]}],
    "image_keypoints": [{"name": "kp-1", "kind": "keypoints", "required": False, "to": "img",
                         "labels": ["Face", "Nose"]}],
    "audio_transcription": [{"name": "transcription", "kind": "transcription", "required": False,
                             "to": "audio"}],
    "audio_segments_transcription": [{"name": "labels", "kind": "audio_segments", "required": False,
                                      "to": "audio", "labels": ["Speaker 1", "Speaker 2"], "transcribe": True,
                                      "transcription_name": "transcription"}],
    "video_timeline": [{"name": "videoLabels", "kind": "video_segments", "required": False, "to": "video",
                        "labels": ["Nothing", "Movement"], "fps": 25.0}],
    "pairwise": [{"name": "pw", "kind": "pairwise", "required": False, "to": ["text1", "text2"],
                  "allow_tie": False}],
    "rating": [{"name": "rating", "kind": "rating", "required": False, "to": "text", "min": 1, "max": 10}],
    "llm_ranker": [{"name": "rank", "kind": "ranking", "required": False, "to": "items"}],
}


def test_every_template_fixture_is_covered() -> None:
    assert {p.stem for p in TEMPLATES.glob("*.xml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_template_converts(name: str) -> None:
    schema = labelstudio_config_to_schema(load(name))
    assert schema.model_dump(mode="json", exclude_none=True)["controls"] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_template_round_trip(name: str) -> None:
    schema = labelstudio_config_to_schema(load(name))
    xml = schema_to_labelstudio_config(schema)
    original_objects = {el.tag for el in ET.fromstring(load(name)).iter() if el.get("value", "").startswith("$")}
    exported_objects = {el.tag for el in ET.fromstring(xml).iter() if el.get("value", "").startswith("$")}
    assert exported_objects <= original_objects | {"Audio"}  # AudioPlus is written as Audio
    assert labelstudio_config_to_schema(xml) == schema
    assert schema_to_labelstudio_config(labelstudio_config_to_schema(xml)) == xml


def test_schema_round_trip_through_config() -> None:
    schema = LabelSchema.parse({"controls": [
        {"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面"]},
        {"name": "ner", "kind": "spans", "to": "text", "labels": ["PER", "ORG"], "required": False},
        {"name": "rel", "kind": "relations", "labels": ["雇佣"], "spans": "ner", "required": False},
        {"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car"]},
        {"name": "pts", "kind": "keypoints", "to": "image", "labels": ["nose"], "required": False},
        {"name": "asr", "kind": "audio_segments", "to": "audio", "labels": ["A"], "transcribe": True},
        {"name": "note", "kind": "transcription", "to": "audio"},
        {"name": "clips", "kind": "video_segments", "to": "clip", "labels": ["goal"], "fps": 29.97},
        {"name": "pair", "kind": "pairwise", "to": ["a", "b"]},
        {"name": "rank", "kind": "ranking", "to": "responses"},
        {"name": "stars", "kind": "rating", "to": "text", "min": 1, "max": 5},
    ]})
    xml = schema_to_labelstudio_config(schema)
    assert '<Image name="image" value="$image" />' in xml
    assert '<Video name="clip" value="$clip" frameRate="29.97" />' in xml
    assert '<TextArea name="asr_transcription" toName="audio" perRegion="true" editable="true" />' in xml
    assert '<Relations name="rel" required="true">' not in xml and '<Relations name="rel">' in xml
    assert '<Pairwise name="pair" toName="a,b" required="true" />' in xml
    assert labelstudio_config_to_schema(xml) == schema


def test_object_names_avoid_control_names() -> None:
    schema = LabelSchema.parse({"controls": [
        {"name": "text", "kind": "spans", "to": "text", "labels": ["X"]}]})
    xml = schema_to_labelstudio_config(schema)
    assert '<Text name="text_text" value="$text" />' in xml
    assert labelstudio_config_to_schema(xml) == schema


def test_unsupported_kinds_raise_or_are_skipped() -> None:
    schema = LabelSchema.parse({"controls": [
        {"name": "ok", "kind": "choices", "to": "text", "options": ["a"]},
        {"name": "cot", "kind": "cot_review", "to": "steps", "final_scale": [1, 5]},
        {"name": "likert0", "kind": "rating", "min": 0, "max": 4, "to": "text"},
        {"name": "tie", "kind": "pairwise", "to": ["a", "b"], "allow_tie": True},
        {"name": "kg", "kind": "kg_triples", "to": "text", "relations": ["r"]},
    ]})
    with pytest.raises(SchemaError) as info:
        schema_to_labelstudio_config(schema)
    assert [p for p, _ in info.value.errors] == ["controls[1]", "controls[2]", "controls[3]", "controls[4]"]
    assert "no Label Studio equivalent" in info.value.errors[0][1]
    xml = schema_to_labelstudio_config(schema, skip_unsupported=True)
    assert [c.name for c in labelstudio_config_to_schema(xml).controls] == ["ok"]


def test_relations_on_a_second_spans_control_are_unsupported() -> None:
    schema = LabelSchema.parse({"controls": [
        {"name": "a", "kind": "spans", "to": "text", "labels": ["X"]},
        {"name": "b", "kind": "spans", "to": "text", "labels": ["Y"]},
        {"name": "r", "kind": "relations", "labels": ["R"], "spans": "b"},
    ]})
    with pytest.raises(SchemaError, match="first spans control"):
        schema_to_labelstudio_config(schema)


@pytest.mark.parametrize(
    ("xml", "path", "fragment"),
    [
        ('<View><Text name="t" value="$t"/><BrushLabels name="b" toName="t"/></View>', "BrushLabels[b]",
         "unsupported Label Studio tag <BrushLabels>"),
        ('<View><Image name="i" value="$i"/><Rectangle name="r" toName="i"/></View>', "Rectangle[r]",
         "needs a <Labels> control"),
        ('<View><Choices name="c" toName="nowhere"><Choice value="a"/></Choices></View>', "Choices[c]",
         "names no object tag"),
        ('<View><Text name="t" value="plain"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>',
         "Text[t]", "must reference a task field"),
        ('<View><Text name="t" value="$t"/><Choices name="c"><Choice value="a"/></Choices></View>', "Choices[c]",
         "toName is required"),
        ('<View><Text name="t" value="$t"/><Choices toName="t"><Choice value="a"/></Choices></View>', "Choices",
         "name is required"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t"></Choices></View>', "Choices[c].options",
         "must not be empty"),
        ('<View><Text name="t" value="$t"/><Choices name="c" toName="t" perRegion="true">'
         '<Choice value="a"/></Choices></View>', "Choices[c]", "perRegion"),
        ('<View><Text name="t" value="$t"/><Rating name="r" toName="t" maxRating="many"/></View>', "Rating[r]",
         "maxRating"),
        ('<View><Text name="t" value="$t"/><Relations><Relation value="r"/></Relations></View>', "Relations",
         "needs a <Labels> control"),
        ('<View><Text name="t" value="$t"/><TextArea name="x" toName="t" perRegion="true"/></View>',
         "TextArea[x]", "only with <Labels> on an Audio"),
        ('<View><List name="l" value="$items"/><Ranker name="r" toName="l"><Bucket name="b" title="B"/>'
         '</Ranker></View>', "Ranker[r]", "Bucket"),
        ('<View><Text name="t" value="$t"/><Ranker name="r" toName="t"/></View>', "Ranker[r]", "List object"),
        ('<View><Text name="t" value="$t"/><Pairwise name="p" toName="t"/></View>', "Pairwise[p]",
         "two objects"),
        ('<View><Paragraphs name="p" value="$dialogue"/><Labels name="l" toName="p"><Label value="a"/>'
         '</Labels></View>', "Labels[l]", "<Labels> on <Paragraphs> is not supported"),
        ('<Root><Text name="t" value="$t"/></Root>', "Root", "root tag"),
        ('<View><Text name="t" value="$t"/>', "", "not well-formed"),
    ],
)
def test_bad_config_names_the_tag(xml: str, path: str, fragment: str) -> None:
    with pytest.raises(SchemaError) as info:
        labelstudio_config_to_schema(xml)
    assert info.value.errors[0][0] == path, info.value.errors
    assert fragment in info.value.errors[0][1]


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<View><Header value="&lol2;"/></View>',
        '<?xml version="1.0"?><!DOCTYPE v [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<View><Header value="&xxe;"/></View>',
        '<!DOCTYPE View SYSTEM "http://example.com/x.dtd"><View/>',
        b'<!DOCTYPE View><View/>',
    ],
)
def test_doctype_is_rejected(xml: str | bytes) -> None:
    with pytest.raises(SchemaError, match="DOCTYPE"):
        labelstudio_config_to_schema(xml)


def test_layout_is_ignored_and_case_insensitive_tags_work() -> None:
    xml = """<?xml version="1.0" encoding="UTF-8"?>
    <View>
      <Style>.x { color: red }</Style>
      <Header value="标题"/>
      <Hypertext name="page" value="$html"/>
      <View style="display: flex"><Labels name="ents" toName="page"><Label value="人名" alias="PER"/></Labels></View>
    </View>"""
    schema = labelstudio_config_to_schema(xml)
    assert schema.model_dump(exclude_none=True)["controls"] == [
        {"name": "ents", "kind": "spans", "required": False, "to": "html", "labels": ["PER"]}]


def test_oversized_config_is_refused() -> None:
    with pytest.raises(SchemaError, match="larger than"):
        labelstudio_config_to_schema("<View>" + " " * 1_000_001 + "</View>")
