"""Stream raw records from JSONL, CSV/TSV, Parquet or a folder of media files, in bounded batches.

JSONL is parsed line by line (not with polars/pyarrow's JSON readers) on purpose: one broken line must
become one failing record with evidence, not abort the whole read. CSV and Parquet go through pyarrow's
streaming readers; CSV columns are read as strings so that a type drift in row 90,000 is reported by
0207 instead of crashing type inference.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from crowdset import jsoncodec
from crowdset.datasets.evaluate.media import MediaRefused, contained

DATA_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
                 ".parquet": "parquet", ".pq": "parquet"}
MEDIA_SUFFIXES = {
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"), "image"),
    **dict.fromkeys((".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac"), "audio"),
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"), "video"),
    ".txt": "text",
}


class ReadError(ValueError):
    """The input cannot be read as a dataset at all (missing, unknown format, unreadable)."""


@dataclass(slots=True)
class RawRecord:
    row: int  # 1-based line / row number, stable evidence id when a record has no id
    data: dict[str, Any] | None
    error: str | None = None


@dataclass
class Source:
    path: Path
    kind: str  # jsonl | json | csv | tsv | parquet | media_dir
    media_root: Path
    encoding: str = "utf-8"
    total_units: int = 0  # bytes (text formats) or rows (parquet) or files (media_dir)


def open_source(path: str | Path, media_root: str | Path | None = None) -> Source:
    """Resolve the data file (a folder may hold one data file, or only media) and sniff its encoding."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"no such file or folder: {p}")
    if p.is_dir():
        data_files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in DATA_SUFFIXES)
        if len(data_files) > 1:
            names = ", ".join(f.name for f in data_files[:5])
            raise ReadError(f"folder {p} holds several data files ({names}); pass one of them")
        if not data_files:
            files = _media_files(p)
            if not files:
                raise ReadError(f"folder {p} holds no data file (.jsonl/.csv/.parquet) and no media files")
            return Source(p, "media_dir", Path(media_root) if media_root else p, total_units=len(files))
        root = Path(media_root) if media_root else p
        p = data_files[0]
    else:
        root = Path(media_root) if media_root else p.parent
    kind = DATA_SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ReadError(f"unsupported format {p.suffix or '(no extension)'!r}: use .jsonl, .csv, .tsv, .parquet")
    src = Source(p, kind, root)
    if kind == "parquet":
        try:
            src.total_units = pq.ParquetFile(p).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise ReadError(f"{p.name} is not a readable Parquet file: {exc}") from None
    else:
        src.total_units = p.stat().st_size
        src.encoding = _sniff_encoding(p)
    return src


def _sniff_encoding(p: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, the two encodings Chinese data files actually come in."""
    with p.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # undecodable lines become dirty records


def _media_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            if Path(f).suffix.lower() in MEDIA_SUFFIXES and not f.startswith("."):
                out.append(Path(dirpath) / f)
    return out


def iter_batches(src: Source, batch_size: int = 5000) -> Iterator[tuple[list[RawRecord], int]]:
    """Yield (records, units consumed so far); memory stays at one batch."""
    reader = {"jsonl": _jsonl, "json": _json_array, "csv": _csv, "tsv": _csv, "parquet": _parquet,
              "media_dir": _media_dir}[src.kind]
    yield from reader(src, batch_size)


def _jsonl(src: Source, batch_size: int) -> Iterator[tuple[list[RawRecord], int]]:
    enc = "utf-8" if src.encoding == "utf-8-sig" else src.encoding
    utf8 = codecs.lookup(enc).name == "utf-8"
    batch: list[RawRecord] = []
    consumed = 0
    with src.path.open("rb") as fh:
        for row, raw in enumerate(fh, start=1):
            consumed += len(raw)
            if row == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:  # UTF-8 lines go to the parser as bytes (it checks the encoding itself)
                line = raw if utf8 else raw.decode(enc)
                obj = jsoncodec.loads(line)
            except UnicodeDecodeError as exc:
                batch.append(RawRecord(row, None, f"line is not valid {enc}: {exc.reason} at byte {exc.start}"))
            except json.JSONDecodeError as exc:
                batch.append(RawRecord(row, None, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            else:
                if isinstance(obj, dict):
                    batch.append(RawRecord(row, obj))
                else:
                    batch.append(RawRecord(row, None, f"line is a JSON {type(obj).__name__}, not an object"))
            if len(batch) >= batch_size:
                yield batch, consumed
                batch = []
    if batch:
        yield batch, consumed


def _json_array(src: Source, batch_size: int) -> Iterator[tuple[list[RawRecord], int]]:
    try:
        data = json.loads(src.path.read_text(encoding=src.encoding))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReadError(f"{src.path.name} is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("records") or data.get("data") or [data]
    if not isinstance(data, list):
        raise ReadError(f"{src.path.name}: expected a JSON array of records")
    for i in range(0, len(data), batch_size):
        chunk = data[i : i + batch_size]
        recs = [RawRecord(i + j + 1, d if isinstance(d, dict) else None,
                          None if isinstance(d, dict) else "element is not an object")
                for j, d in enumerate(chunk)]
        yield recs, int(src.total_units * min(1.0, (i + len(chunk)) / max(1, len(data))))


def _csv(src: Source, batch_size: int) -> Iterator[tuple[list[RawRecord], int]]:
    delim = "\t" if src.kind == "tsv" else ","
    with src.path.open(encoding=src.encoding, newline="") as fh:
        try:
            header = next(csv.reader(io.StringIO(fh.readline()), delimiter=delim))
        except StopIteration:
            return
    header = [h.strip() for h in header]
    bad_rows: list[RawRecord] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(RawRecord(int(row.number or 0), None,
                                  f"CSV row has {row.actual_columns} columns, header has {row.expected_columns}"))
        return "skip"

    try:
        reader = pacsv.open_csv(
            src.path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 22,
                                           encoding="utf8" if src.encoding.startswith("utf-8") else src.encoding),
            parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=on_invalid,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False),
        )
    except (pa.ArrowException, OSError) as exc:
        raise ReadError(f"{src.path.name} is not a readable CSV file: {exc}") from None
    row = 1
    total = max(1, src.total_units)
    with src.path.open("rb") as fh:  # bytes per row from a sample, to turn rows read into progress
        sample = fh.read(1 << 16)
    bytes_per_row = len(sample) / max(1, sample.count(b"\n"))
    seen = 0
    try:
        for rb in reader:
            out = bad_rows[:]
            bad_rows.clear()
            for d in rb.to_pylist():
                row += 1
                out.append(RawRecord(row, d))
            seen += rb.num_rows
            for i in range(0, len(out), batch_size):
                yield out[i : i + batch_size], min(total - 1, int(seen * bytes_per_row))
    except pa.ArrowException as exc:
        raise ReadError(f"{src.path.name}: CSV parse failed near row {row}: {exc}") from None
    if bad_rows:
        yield bad_rows[:], total
    yield [], total


def _parquet(src: Source, batch_size: int) -> Iterator[tuple[list[RawRecord], int]]:
    pf = pq.ParquetFile(src.path)
    row = 0
    try:
        for rb in pf.iter_batches(batch_size=batch_size):
            recs = []
            for d in rb.to_pylist():
                row += 1
                recs.append(RawRecord(row, d))
            yield recs, row
    except (pa.ArrowException, OSError) as exc:
        raise ReadError(f"{src.path.name}: Parquet read failed after row {row}: {exc}") from None


def _media_dir(src: Source, batch_size: int) -> Iterator[tuple[list[RawRecord], int]]:
    """One record per media file; the parent folder name is the label (ImageNet-style layout)."""
    files = _media_files(src.path)
    batch: list[RawRecord] = []
    for i, f in enumerate(files, start=1):
        rel = f.relative_to(src.path).as_posix()
        mtype = MEDIA_SUFFIXES[f.suffix.lower()]
        rec: dict[str, Any] = {"id": rel}
        try:  # a symlink out of the folder is neither read nor stat'ed (the media check refuses it too)
            real: Path | None = contained(src.path, rel)
        except MediaRefused as exc:
            if mtype == "text":
                batch.append(RawRecord(i, None, f"{rel}: {exc}"))
                continue
            real = None
        if mtype == "text":
            try:
                rec["text"] = real.read_text(encoding="utf-8") if real else ""
            except (UnicodeDecodeError, OSError) as exc:
                batch.append(RawRecord(i, None, f"{rel}: unreadable text file: {exc}"))
                continue
        else:
            rec[mtype] = rel
        if f.parent != src.path:
            rec["label"] = f.parent.name
        try:
            mtime = real.stat().st_mtime if real else f.lstat().st_mtime
        except OSError:
            mtime = f.lstat().st_mtime
        rec["last_modified_time"] = datetime.fromtimestamp(mtime, UTC).isoformat()
        batch.append(RawRecord(i, rec))
        if len(batch) >= batch_size:
            yield batch, i
            batch = []
    if batch:
        yield batch, len(files)
