"""Task import readers: good and bad rows with exact line numbers, encodings, streaming, guessing."""

from __future__ import annotations

import io
import json

from crowdset.formats import guess_format, read_tasks
from crowdset.formats.jsonstream import JSONStreamError, iter_json_array
from tests.formats.helpers import SCHEMA


def rows(raw: bytes, fmt: str | None, **kw):
    return list(read_tasks(io.BytesIO(raw), fmt, **kw))


def errors(parsed):
    return [(r.line, f, why) for r in parsed for f, why in r.errors]


# --- jsonl -----------------------------------------------------------------------------------------


def test_jsonl_contract_and_flat_shapes():
    raw = "\n".join([
        json.dumps({"data": {"text": "好"}, "is_gold": True, "gold": {"s": {"choices": ["正面"]}}, "priority": 3}),
        "",
        json.dumps({"text": "平面", "id": "ext-7", "priority": "2", "is_gold": "否", "lang": "zh"}, ensure_ascii=False),
        "   ",
        json.dumps({"data": {"text": "x"}, "annotations": [{"result": {"s": {"choices": ["负面"]}}, "annotator": "a"}],
                    "meta": {"batch": 1}}),
    ]).encode()
    got = rows(raw, "jsonl")
    assert [r.line for r in got] == [1, 3, 5] and all(r.ok for r in got)
    assert got[0].task == {"data": {"text": "好"}, "is_gold": True, "gold": {"s": {"choices": ["正面"]}}, "priority": 3}
    assert got[1].task == {"data": {"text": "平面", "lang": "zh"}, "is_gold": False, "priority": 2,
                           "meta": {"external_id": "ext-7"}}
    assert got[2].task["annotations"][0]["annotator"] == "a" and got[2].task["meta"] == {"batch": 1}


def test_jsonl_bad_rows_are_all_reported_with_line_and_field():
    raw = b"\n".join([
        b'{"text": "ok"}',
        b'{"text": "broken"',
        b'[1, 2]',
        b'{"data": "not an object"}',
        b'{"data": {"t": 1}, "priority": "high", "is_gold": "maybe"}',
        b'{"data": {"t": 1}, "is_gold": true}',
        b'{"data": {"t": 1}, "annotations": [{"result": []}], "bogus": 1}',
        b'{"text": "\xff\xfe"}',
        b'{"text": "last ok"}',
    ])
    got = rows(raw, "jsonl")
    assert [r.line for r in got if r.ok] == [1, 9]
    errs = errors(got)
    assert errs[0][:2] == (2, "") and "invalid JSON" in errs[0][2]
    assert (3, "", "each line must be a JSON object") in errs
    assert (4, "data", "must be a JSON object") in errs
    assert {(e[0], e[1]) for e in errs if e[0] == 5} == {(5, "priority"), (5, "is_gold")}
    assert (6, "gold", "required when is_gold is true") in errs
    assert {(e[0], e[1]) for e in errs if e[0] == 7} == {(7, "bogus"), (7, "annotations[0].result")}
    assert errs[-1][:2] == (8, "") and "UTF-8" in errs[-1][2]


# --- csv -------------------------------------------------------------------------------------------


def test_csv_reserved_columns_quoted_newlines_and_line_numbers():
    raw = (
        'id,text,is_gold,priority,gold,lang\r\n'
        '1,你好,是,5,"{""s"": {""choices"": [""正面""]}}",zh\r\n'
        '\r\n'
        '2,"two\nlines",0,,,en\r\n'
        '3,x,TRUE,1,,\r\n'
    ).encode()
    got = rows(raw, "csv")
    assert [r.line for r in got] == [2, 4, 6]
    assert got[0].task == {"data": {"text": "你好", "lang": "zh"}, "is_gold": True, "priority": 5,
                           "gold": {"s": {"choices": ["正面"]}}, "meta": {"external_id": "1"}}
    assert got[1].task == {"data": {"text": "two\nlines", "lang": "en"}, "is_gold": False,
                           "meta": {"external_id": "2"}}
    assert got[2].ok is False and errors(got) == [(6, "gold", "required when is_gold is true")]


def test_csv_bad_rows_ragged_and_bad_values():
    raw = (
        b"text,priority,is_gold,gold\n"
        b"a,1,0,\n"
        b"b,2\n"
        b"c,1,0,,extra\n"
        b"d,1,0,,\n"
        b"e,high,perhaps,{bad json\n"
        b"f,3,1,{}\n"
    )
    got = rows(raw, "csv")
    assert [r.line for r in got if r.ok] == [2, 5, 7]
    errs = errors(got)
    assert (3, "", "expected 4 columns, found 2") in errs
    assert (4, "", "expected 4 columns, found 5") in errs
    assert {e[1] for e in errs if e[0] == 6} == {"priority", "is_gold", "gold"}


def test_csv_bom_and_gb18030_and_tsv():
    text = "文本,标签\n今天天气很好,正面\n𠀀生僻字,中性\n"
    bom = rows(b"\xef\xbb\xbf" + text.encode("utf-8"), "csv")
    assert bom[0].task["data"] == {"文本": "今天天气很好", "标签": "正面"}
    gb = rows(text.encode("gb18030"), "csv")
    assert [r.task["data"]["文本"] for r in gb] == ["今天天气很好", "𠀀生僻字"]
    tsv = rows(b"a\tb\n1\t2,3\n", "tsv")
    assert tsv[0].task["data"] == {"a": "1", "b": "2,3"}


def test_csv_header_problems_and_empty_file():
    assert errors(rows(b"text,text\n1,2\n", "csv")) == [(1, "text", "duplicate column name in the header")]
    assert errors(rows(b"", "csv"))[0][0] == 0
    assert "UTF-16" in errors(rows("a,b\n".encode("utf-16"), "csv"))[0][2]


def test_csv_late_invalid_utf8_is_a_row_error(monkeypatch):
    from crowdset.formats import csvfmt

    monkeypatch.setattr(csvfmt, "SNIFF_BYTES", 16)
    raw = "text\n正常的一行文本\n".encode() + b"bad \xff\xfe\n" + b"fine\n"
    got = rows(raw, "csv")
    assert [r.line for r in got if r.ok] == [2, 4]
    assert errors(got)[0][:2] == (3, "")


# --- label studio JSON streaming -------------------------------------------------------------------


def test_json_array_streaming_handles_brackets_inside_strings_at_any_chunk_size():
    tasks = [{"id": i, "data": {"text": 'a]}[{"x' * (i % 4) + "\\ 中文 ]", "n": 12345678901234567890}}
             for i in range(40)]
    raw = json.dumps(tasks, ensure_ascii=False, indent=1).encode()
    for size in (1, 2, 7, 64, 1 << 16):
        assert list(iter_json_array(io.BytesIO(raw), size)) == tasks


def test_json_array_stream_errors_name_the_element():
    got = []
    try:
        for x in iter_json_array(io.BytesIO(b'[{"a":1},{"a":tru},{"b":2}]'), 3):
            got.append(x)
    except JSONStreamError as exc:
        assert exc.index == 2
    assert got == [{"a": 1}]
    bad = rows(b'[{"data": {"t": 1}}, {"data": {"t": ]', "labelstudio")
    assert bad[0].ok and bad[1].line == 2 and "invalid JSON" in bad[1].errors[0][1]
    assert rows(b'"just a string"', "labelstudio")[0].line == 0


def test_labelstudio_reader_single_object_bare_data_and_unknown_control():
    single = rows(json.dumps({"id": 5, "data": {"text": "hi"}}).encode(), "labelstudio")
    assert single[0].task == {"data": {"text": "hi"}, "meta": {"external_id": 5}}
    bare = rows(b'[{"text": "no data wrapper"}]', "labelstudio")
    assert bare[0].task == {"data": {"text": "no data wrapper"}}
    region = {"id": "r1", "from_name": "nope", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}}
    wrong = {"id": "r2", "from_name": "boxes", "to_name": "image", "type": "choices", "value": {"choices": ["a"]}}
    got = rows(json.dumps([{"data": {"text": "x"}, "annotations": [{"result": [region, wrong]}]}]).encode(),
               "labelstudio", schema=SCHEMA)
    assert errors(got) == [
        (1, "annotations[0].result[0].from_name", "unknown control 'nope' (not in the project schema)"),
        (1, "annotations[0].result[1].type", "the region type does not fit control 'boxes' of kind 'bbox'"),
    ]


# --- guessing --------------------------------------------------------------------------------------


def test_guess_format():
    assert guess_format("tasks.JSONL") == "jsonl"
    assert guess_format("x.ndjson") == "jsonl"
    assert guess_format("x.csv") == "csv" and guess_format("x.tsv") == "tsv"
    assert guess_format("export.json", b' [{"id": 1') == "labelstudio"
    assert guess_format("one.json", b'{"data": {"text": "x"}}\n') == "labelstudio"
    assert guess_format("one.json", b'{\n  "data": {}') == "labelstudio"
    assert guess_format("lines.json", b'{"a": 1}\n{"a": 2}\n') == "jsonl"
    assert guess_format(None, b'{"a": 1}\n') == "jsonl"
    assert guess_format(None, b"text,label\n") == "csv"
    assert guess_format("notes.txt", b"hello") is None


def test_read_tasks_guesses_from_path_and_content(tmp_path):
    p = tmp_path / "upload.bin"
    p.write_bytes(b'[{"data": {"text": "x"}}]')
    assert [r.task for r in read_tasks(p)] == [{"data": {"text": "x"}}]
    assert [r.task for r in read_tasks(io.BytesIO(b"text\nhello\n"), filename="a.csv")] == [{"data": {"text": "hello"}}]
    assert read_tasks(io.BytesIO(b"???"), None).__next__().line == 0


class CountingStream(io.RawIOBase):
    """A stream that records how many bytes were handed out, to prove readers do not slurp."""

    def __init__(self, data: bytes) -> None:
        self.inner, self.consumed = io.BytesIO(data), 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk = self.inner.read(n)
        self.consumed += len(chunk)
        return chunk


def test_readers_stream_instead_of_loading_the_file():
    tasks = [{"id": i, "data": {"text": f"任务 {i} " * 20}} for i in range(12000)]
    ls = json.dumps(tasks, ensure_ascii=False).encode()
    jl = "\n".join(json.dumps(t, ensure_ascii=False) for t in tasks).encode()
    cs = ("id,text\n" + "".join(f"{t['id']},{t['data']['text']}\n" for t in tasks)).encode()
    for raw, fmt in ((ls, "labelstudio"), (jl, "jsonl"), (cs, "csv")):
        stream = CountingStream(raw)
        it = read_tasks(stream, fmt)
        first = next(it)
        assert len(raw) > 2 << 20
        assert first.ok and stream.consumed <= (1 << 20) + (1 << 17), fmt  # csv sniffs 1 MiB; others a chunk
        assert sum(1 for _ in it) == 11999
