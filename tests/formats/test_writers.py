"""Export writers: COCO (loaded by pycocotools), YOLO numbers, CoNLL (Chinese, round trip), CSV, registry."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from pycocotools.coco import COCO

from crowdset.formats import (
    get_writer,
    read_conll,
    read_tasks,
    register_writer,
    tokenize,
    write_coco,
    write_conll,
    write_yolo,
    write_yolo_dir,
    writer_names,
)
from crowdset.formats.conll import join_tokens
from tests.formats.helpers import SCHEMA, record

IMG = {"image": "https://cdn.example.com/imgs/street_01.jpg?sig=abc", "width": 400, "height": 200}
PIXEL = {
    "boxes": {"boxes": [{"id": "b1", "x": 40, "y": 20, "width": 100, "height": 50, "label": "car"},
                        {"id": "b2", "x": 200, "y": 100, "width": 20, "height": 80, "label": "person"}],
              "image_width": 400, "image_height": 200},
    "outline": {"polygons": [{"id": "p1", "points": [[0, 0], [40, 0], [40, 30]], "label": "road"}],
                "image_width": 400, "image_height": 200},
}
PERCENT = {"boxes": {"boxes": [{"id": "c1", "x": 10, "y": 10, "width": 50, "height": 50, "label": "car"}],
                     "unit": "percent"}}


def image_records():
    yield record(1, IMG, [PIXEL])                                      # single annotation
    yield record(2, {"image": "b.png", "width": 1000, "height": 500}, [PERCENT, PERCENT],
                 final={"result": PERCENT, "method": "majority", "confidence": 0.9})
    yield record(3, {"image": "c.png"}, [PERCENT])                     # percent, size unknown
    yield record(4, {"image": "d.png", "width": 10, "height": 10}, [PERCENT, PIXEL])  # no final: skipped


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools' mask decoding under numpy 2
def test_coco_loads_in_pycocotools_with_matching_geometry(tmp_path):
    path = tmp_path / "coco.json"
    with path.open("wb") as fh:
        stats = write_coco(image_records(), fh, SCHEMA)
    assert stats == {"tasks": 4, "images": 2, "annotations": 4, "skipped_no_result": 1, "skipped_no_size": 1,
                     "skipped_unknown_label": 0}
    coco = COCO(str(path))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["car", "person", "road"]
    assert coco.getCatIds() == [1, 2, 3]
    img1, img2 = coco.loadImgs([1, 2])
    assert (img1["width"], img1["height"], img1["crowdset_task_id"]) == (400, 200, 1)
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[1]))
    by_region = {a["crowdset_region_id"]: a for a in anns}
    assert by_region["b1"]["bbox"] == [40, 20, 100, 50] and by_region["b1"]["area"] == 5000
    assert by_region["b2"]["category_id"] == 2
    poly = by_region["p1"]
    assert poly["category_id"] == 3 and poly["bbox"] == [0, 0, 40, 30] and poly["area"] == 600
    assert poly["segmentation"] == [[0, 0, 40, 0, 40, 30]]
    assert int(coco.annToMask(poly).sum()) == pytest.approx(600, rel=0.1)
    (pct,) = coco.loadAnns(coco.getAnnIds(imgIds=[2]))
    assert pct["bbox"] == [100, 50, 500, 250] and pct["area"] == 125000


def test_coco_rotated_box_gets_enclosing_bbox_and_polygon(tmp_path):
    rot = {"boxes": {"boxes": [{"id": "r", "x": 10, "y": 10, "width": 20, "height": 10, "label": "car",
                                "rotation": 90}], "image_width": 100, "image_height": 100}}
    out = io.BytesIO()
    write_coco([record(1, {"image": "r.png"}, [rot])], out, SCHEMA)
    (ann,) = json.loads(out.getvalue())["annotations"]
    assert ann["bbox"] == [0, 10, 10, 20] and ann["area"] == 200
    assert len(ann["segmentation"][0]) == 8


def test_yolo_zip_numbers_and_layout(tmp_path):
    out = io.BytesIO()
    stats = write_yolo(image_records(), out, SCHEMA)
    assert stats == {"tasks": 4, "label_files": 3, "objects": 5, "skipped_no_result": 1, "skipped_no_size": 0}
    z = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert z.read("classes.txt").decode() == "car\nperson\nroad\n"
    assert "nc: 3" in z.read("data.yaml").decode()
    lines = z.read("labels/street_01.txt").decode().splitlines()
    assert lines[0] == "0 0.225000 0.225000 0.250000 0.250000"   # (40+50)/400, (20+25)/200, 100/400, 50/200
    assert lines[1] == "1 0.525000 0.700000 0.050000 0.400000"
    assert lines[2] == "2 0.000000 0.000000 0.100000 0.000000 0.100000 0.150000"
    assert z.read("labels/b.txt").decode() == "0 0.350000 0.350000 0.500000 0.500000\n"
    assert z.read("labels/c.txt").decode() == "0 0.350000 0.350000 0.500000 0.500000\n"  # percent needs no size
    index = list(csv.reader(io.StringIO(z.read("images.csv").decode())))
    assert index[1] == ["labels/street_01.txt", "1", IMG["image"]]
    folder = tmp_path / "yolo"
    write_yolo_dir(image_records(), folder, SCHEMA)
    assert (folder / "labels" / "street_01.txt").read_text().splitlines() == lines


def test_yolo_duplicate_stems_get_task_ids():
    recs = [record(i, {"image": f"dir{i}/same.jpg", "width": 10, "height": 10}, [PIXEL]) for i in (1, 2)]
    names = zipfile.ZipFile(io.BytesIO(_bytes(write_yolo, recs))).namelist()
    assert "labels/same.txt" in names and "labels/same_2.txt" in names


def _bytes(fn, recs, schema=SCHEMA, **kw) -> bytes:
    out = io.BytesIO()
    fn(recs, out, schema, **kw)
    return out.getvalue()


NER = {"controls": [{"name": "ner", "kind": "spans", "to": "text", "labels": ["PER", "ORG", "PRODUCT"]}]}


def test_tokenize_rule_chinese_chars_latin_words_no_whitespace():
    text = "张三 在iPhone15发布会, 见了OpenAI。"
    toks = [text[s:e] for s, e in tokenize(text)]
    assert toks == ["张", "三", "在", "iPhone15", "发", "布", "会", ",", "见", "了", "OpenAI", "。"]


def test_conll_chinese_export_and_round_trip():
    text = "张三在阿里巴巴工作，用iPhone15拍照。"
    spans = [{"id": "a", "start": 0, "end": 2, "label": "PER", "text": "张三"},
             {"id": "b", "start": 3, "end": 7, "label": "ORG", "text": "阿里巴巴"},
             {"id": "c", "start": 11, "end": 19, "label": "PRODUCT", "text": "iPhone15"}]
    recs = [record(1, {"text": text}, [{"ner": {"spans": spans}}]),
            record(2, {"text": "没有实体"}, [{"ner": {"spans": []}}]),
            record(3, {"text": "未标注"}, [{}, {}])]
    raw = _bytes(write_conll, recs, NER).decode()
    blocks = raw.strip("\n").split("\n\n")
    assert len(blocks) == 2
    first = blocks[0].splitlines()
    assert first[:4] == ["张 B-PER", "三 I-PER", "在 O", "阿 B-ORG"]
    assert "iPhone15 B-PRODUCT" in first and len(first) == 15
    docs = list(read_conll(io.BytesIO(raw.encode())))
    assert docs[0].text == text
    assert [(s["start"], s["end"], s["label"], s["text"]) for s in docs[0].spans] == \
        [(s["start"], s["end"], s["label"], s["text"]) for s in spans]
    assert docs[1].spans == []


def test_conll2003_style_and_exact_offsets_with_texts():
    text = "Mr. Smith  joined\tGoogle."
    spans = [{"id": "a", "start": 4, "end": 9, "label": "PER"}, {"id": "b", "start": 18, "end": 24, "label": "ORG"}]
    raw = _bytes(write_conll, [record(1, {"text": text}, [{"ner": {"spans": spans}}])], NER, style="conll2003")
    assert raw.decode().splitlines()[:4] == ["-DOCSTART- -X- -X- O", "", "Mr -X- _ O", ". -X- _ O"]
    (doc,) = read_conll(io.BytesIO(raw), texts=[text])
    assert [(s["start"], s["end"], s["text"]) for s in doc.spans] == [(4, 9, "Smith"), (18, 24, "Google")]
    rebuilt, _ = join_tokens(doc.tokens)
    assert rebuilt == "Mr.Smith joined Google."  # without the texts, whitespace is only guessed


def test_conll_custom_tokenizer_and_overlaps():
    text = "北京大学"
    spans = [{"id": "a", "start": 0, "end": 4, "label": "ORG"}, {"id": "b", "start": 0, "end": 2, "label": "LOC"}]
    stats = write_conll([record(1, {"text": text}, [{"ner": {"spans": spans}}])], io.BytesIO(), NER,
                        tokenizer=lambda t: ["北京", "大学"])
    assert stats["overlapping_spans_dropped"] == 1


def test_classification_csv_export():
    schema = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面"]},
                           {"name": "quality", "kind": "rating", "min": 1, "max": 5}]}
    recs = [
        record(1, {"text": "很好", "meta": {"src": "weibo"}}, [{"sentiment": {"choices": ["正面"]}}] * 3,
               final={"result": {"sentiment": {"choices": ["正面"]}, "quality": {"value": 4}},
                      "method": "dawid_skene", "confidence": 0.97}),
        record(2, {"text": "=cmd()", "meta": {"src": "x"}}, [{"sentiment": {"choices": ["负面"]}}]),
        record(3, {"text": "未定", "extra": "dropped"}, [{}, {}], is_gold=True),
    ]
    raw = _bytes(get_writer("csv"), recs, schema)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["id", "text", "meta.src", "is_gold", "sentiment", "quality", "final_method",
                        "final_confidence", "annotator_count"]
    assert table[1] == ["1", "很好", "weibo", "false", "正面", "4", "dawid_skene", "0.97", "3"]
    assert table[2] == ["2", "'=cmd()", "x", "false", "负面", "", "single_annotation", "", "1"]
    assert table[3] == ["3", "未定", "", "true", "", "", "", "", "2"]
    # the export re-imports as tasks
    back = list(read_tasks(io.BytesIO(raw), "csv"))
    assert back[0].task["data"]["text"] == "很好" and back[0].task["meta"]["external_id"] == "1"


def test_jsonl_writer_is_lossless_and_registry():
    recs = [record(1, {"text": "中"}, [{"s": {"choices": ["a"]}}])]
    raw = _bytes(get_writer("jsonl"), recs)
    assert [json.loads(line) for line in raw.splitlines()] == recs
    assert {"jsonl", "labelstudio", "csv", "coco", "yolo", "conll"} <= set(writer_names())
    info = get_writer("yolo")
    assert (info.media_type, info.extension) == ("application/zip", "zip")
    with pytest.raises(ValueError):
        register_writer("jsonl", lambda *a, **k: {}, "x/y", "z")
    register_writer("test-null", lambda recs, out, schema, **kw: {"tasks": sum(1 for _ in recs)}, "text/plain", ".txt")
    assert get_writer("test-null")(iter(recs), io.BytesIO()) == {"tasks": 1}
    with pytest.raises(KeyError):
        get_writer("nope")
