"""CSV/TSV: task import (one row per task) and the classification export (one row per task).

Spreadsheets are the usual source, so decoding is forgiving: UTF-8 with or without BOM, and GB18030
(a superset of GBK/GB2312, what Chinese Excel writes with "CSV (逗号分隔)") when the first MiB is not
valid UTF-8. The file is never read whole: lines are decoded one at a time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from crowdset.messages import Message, msg
from crowdset.safetext import text_problem

from .common import ParsedRow, build_task, byte_lines, control_map, pick_result, read_exactly

SNIFF_BYTES = 1 << 20
_RESERVED = {"is_gold", "priority", "gold", "id", "external_id"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_UNSUPPORTED_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                     (b"\xfe\xff", "UTF-16"))


def unsupported_encoding(head: bytes) -> Message | None:
    """Why the file that starts with ``head`` cannot be read as CSV text, or None. UTF-16 and UTF-32 are
    named by their byte-order mark; without one they still betray themselves by NUL bytes, which neither
    UTF-8 nor GB18030 text contains (decoded anyway, they would import as garbage full of NULs)."""
    for bom, name in _UNSUPPORTED_BOMS:
        if head.startswith(bom):
            return msg("format.encoding_unsupported", encoding=name)
    if b"\x00" in head:
        return msg("format.nul_bytes")
    return None


def detect_encoding(head: bytes, complete: bool) -> str | None:
    """'utf-8-sig', 'utf-8' or 'gb18030' for the first bytes of a file; None for UTF-16 or UTF-32
    (unsupported, see ``unsupported_encoding``)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if unsupported_encoding(head):
        return None
    try:
        import codecs

        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_csv(stream: IO[bytes], delimiter: str = ",") -> Iterator[ParsedRow]:
    """Yield one ParsedRow per data row; ``line`` is the physical line the record starts on."""
    head = read_exactly(stream, SNIFF_BYTES)
    enc = detect_encoding(head, complete=len(head) < SNIFF_BYTES)
    if enc is None:
        yield ParsedRow(0, errors=[("", unsupported_encoding(head) or msg("format.not_text"))])
        return
    if enc == "utf-8-sig":
        head, enc = head[3:], "utf-8"
    bad_lines: set[int] = set()

    def text_lines() -> Iterator[str]:
        for n, raw in enumerate(byte_lines(stream, head), start=1):
            try:
                yield raw.decode(enc)
            except UnicodeDecodeError:
                bad_lines.add(n)
                yield raw.decode(enc, errors="replace")

    reader = csv.reader(text_lines(), delimiter=delimiter)
    header: list[str] | None = None
    last = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [h.strip() for h in row]
                problems = _header_problems(header)
                if problems:
                    yield ParsedRow(start, errors=problems)
                    return
                continue
            errors: list[tuple[str, str]] = []
            if any(n in bad_lines for n in range(start, last + 1)):
                errors.append(("", msg("format.bad_text", encoding=enc.upper())))
            yield _row_to_parsed(start, header, row, errors)
    except csv.Error as exc:
        yield ParsedRow(reader.line_num or 1, errors=[("", msg("format.csv_malformed", reason=str(exc)))])
        return
    if header is None:
        yield ParsedRow(0, errors=[("", msg("format.csv_no_header"))])


def _header_problems(header: list[str]) -> list[tuple[str, str]]:
    problems = []
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append((f"column {i}", msg("format.csv_empty_column")))
        elif text_problem(name):
            problems.append((f"column {i}", msg("format.csv_column_name", problem=text_problem(name))))
        elif name.lower() in seen:
            problems.append((name, msg("format.csv_duplicate_column")))
        seen.add(name.lower())
    return problems


def _row_to_parsed(line: int, header: list[str], row: list[str], errors: list[tuple[str, str]]) -> ParsedRow:
    n = len(header)
    if len(row) < n or any(cell.strip() for cell in row[n:]):
        errors.append(("", msg("format.csv_column_count", expected=n, found=len(row))))
        return ParsedRow(line, errors=errors)
    data: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=False):
        if "\x00" in cell:  # PostgreSQL text refuses NUL (decoded text holds no lone surrogates)
            errors.append((name, msg("text.nul")))
        key = name.lower()
        if key not in _RESERVED:
            data[name] = cell
            continue
        if not cell.strip():
            continue
        if key == "gold":
            try:
                extra["gold"] = json.loads(cell)
            except json.JSONDecodeError as exc:
                errors.append((name, msg("format.invalid_json", reason=exc.msg)))
        else:
            extra[key] = cell.strip()
    task = build_task(data, extra, errors)
    return ParsedRow(line, task=task, errors=errors)


# --- classification export ------------------------------------------------------------------------


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return out


def _safe(cell: str, escape: bool) -> str:
    return "'" + cell if escape and cell.startswith(_FORMULA_START) else cell


def write_classification_csv(records: Iterable[dict[str, Any]], out: IO[bytes],
                             schema: dict[str, Any] | None = None, *, data_fields: list[str] | None = None,
                             bom: bool = True, escape_formulas: bool = True, **_: Any) -> dict[str, int]:
    """One row per task: id, data fields, is_gold, one column per choices/rating control, method info.

    Columns come from ``data_fields`` or else the first record's (flattened) data; later records'
    extra fields are dropped and missing ones left empty, so the file streams. ``bom`` helps Excel
    open UTF-8; ``escape_formulas`` prefixes a quote to data cells Excel would run as formulas.
    """
    label_controls = [c for c in control_map(schema).values() if c.get("kind") in ("choices", "rating")]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    columns: list[str] | None = data_fields
    stats = {"tasks": 0, "labelled": 0}
    if bom:
        out.write(b"\xef\xbb\xbf")

    def flush() -> None:
        out.write(buf.getvalue().encode("utf-8"))
        buf.seek(0)
        buf.truncate()

    for record in records:
        flat = _flatten(record.get("data") or {})
        if columns is None:
            columns = list(flat)
        if stats["tasks"] == 0:
            writer.writerow(["id", *columns, "is_gold", *[c["name"] for c in label_controls],
                             "final_method", "final_confidence", "annotator_count"])
        result, method = pick_result(record)
        labels = []
        for c in label_controls:
            value = (result or {}).get(c["name"]) or {}
            if c["kind"] == "choices":
                labels.append("|".join(str(x) for x in value.get("choices") or []))
            else:
                labels.append("" if value.get("value") is None else str(value["value"]))
        if any(labels):
            stats["labelled"] += 1
        final = record.get("final") or {}
        conf = final.get("confidence") if method != "single_annotation" else None
        anns = record.get("annotations") or []
        annotators = len({a["annotator"] for a in anns if a.get("annotator") is not None})
        annotators += sum(1 for a in anns if a.get("annotator") is None)
        writer.writerow([record.get("id", ""), *[_safe(str(flat.get(c, "")), escape_formulas) for c in columns],
                         "true" if record.get("is_gold") else "false", *labels, method,
                         "" if conf is None else conf, annotators])
        stats["tasks"] += 1
        flush()
    if stats["tasks"] == 0:
        writer.writerow(["id", *(columns or []), "is_gold", *[c["name"] for c in label_controls],
                         "final_method", "final_confidence", "annotator_count"])
        flush()
    return stats
