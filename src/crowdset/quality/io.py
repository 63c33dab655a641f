"""Read LABELS files (CSV, JSONL or Parquet) with polars: only the needed columns are scanned, CSV values
are kept as strings so labels round-trip exactly (``"01"`` stays ``"01"``), and every problem becomes a
``ValueError`` naming the file, the column and, where possible, the line.

LABELS columns: ``task, worker, label`` required; ``gold`` (true label of the task, on any of its rows) and
``lead_time`` (seconds) optional. Pairwise files: ``worker, left, right, label`` (``task`` optional).
GOLD files: ``task`` plus ``label`` or ``gold``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

LABEL_COLUMNS = ("task", "worker", "label")
OPTIONAL_LABEL_COLUMNS = ("gold", "lead_time")
PAIRWISE_COLUMNS = ("worker", "left", "right", "label")
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def detect_format(path: str | Path) -> str:
    """``csv`` / ``jsonl`` / ``parquet`` from the file suffix (``.gz`` is not supported)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"{path}: unsupported file type {suffix or '(none)'!r}; use .csv, .jsonl or .parquet")
    return _FORMATS[suffix]


def _scan(path: Path, fmt: str) -> pl.LazyFrame:
    if fmt == "csv":
        return pl.scan_csv(path, infer_schema=False, encoding="utf8")
    if fmt == "jsonl":
        return pl.scan_ndjson(path, infer_schema_length=None)
    return pl.scan_parquet(path)


def _locate_csv_problem(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        for row in reader:
            if len(row) != len(header):
                return f"line {reader.line_num}: expected {len(header)} fields, got {len(row)}"
    return "malformed CSV"


def _locate_jsonl_problem(path: Path) -> str:
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"line {i}: invalid JSON ({exc.msg})"
            if not isinstance(obj, dict):
                return f"line {i}: expected a JSON object"
    return ""


def _read_jsonl_python(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                rows.append({c: obj.get(c) for c in columns})
    return pd.DataFrame(rows, columns=list(columns))


def read_table(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> pd.DataFrame:
    """Read ``required`` + present ``optional`` columns; nulls in required columns and non-numeric values in
    ``numeric`` columns raise ``ValueError`` with the line (CSV/JSONL, 1-based, header = line 1 for CSV)."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{path}: no such file")
    fmt = detect_format(p)
    try:
        lf = _scan(p, fmt)
        present = list(lf.collect_schema().names())
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        detail = _locate_jsonl_problem(p) if fmt == "jsonl" else ""
        raise ValueError(f"{path}: cannot read {fmt} file: {detail or str(exc).splitlines()[0]}") from None
    missing = [c for c in required if c not in present]
    if missing:
        raise ValueError(
            f"{path}: missing required column(s) {', '.join(repr(c) for c in missing)} "
            f"(found: {', '.join(present) or 'none'})"
        )
    cols = list(required) + [c for c in optional if c in present]
    try:
        df = lf.select(cols).collect().to_pandas()
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        if fmt == "csv":
            raise ValueError(f"{path}: {_locate_csv_problem(p)}") from None
        detail = _locate_jsonl_problem(p) if fmt == "jsonl" else ""
        if fmt == "jsonl" and not detail:  # valid JSON that polars cannot type (e.g. mixed nested values)
            df = _read_jsonl_python(p, cols)
        else:
            raise ValueError(f"{path}: cannot read {fmt} file: {detail or str(exc).splitlines()[0]}") from None
    offset = 2 if fmt == "csv" else 1
    where = "line" if fmt != "parquet" else "row"
    for c in required:
        isna = df[c].isna().to_numpy().copy()
        if fmt == "csv":
            isna |= (df[c].astype(str).str.strip() == "").to_numpy()
        if isna.any():
            i = int(isna.nonzero()[0][0])
            raise ValueError(f"{path}: {where} {i + offset}: empty value in required column {c!r}")
    for c in numeric:
        if c in df.columns:
            num = pd.to_numeric(df[c], errors="coerce")
            bad = (num.isna() & df[c].notna() & (df[c].astype(str).str.strip() != "")).to_numpy()
            if bad.any():
                i = int(bad.nonzero()[0][0])
                raise ValueError(f"{path}: {where} {i + offset}: {c} {df[c].iloc[i]!r} is not a number")
            df[c] = num.astype("float64")
    if fmt == "csv":
        for c in optional:
            if c in df.columns and c not in numeric:
                df[c] = df[c].where(df[c].astype(str).str.strip() != "", None)
    return df


def read_labels(path: str | Path) -> pd.DataFrame:
    """LABELS file -> DataFrame with ``task, worker, label`` (+ ``gold``, ``lead_time`` when present)."""
    return read_table(path, LABEL_COLUMNS, OPTIONAL_LABEL_COLUMNS, numeric=("lead_time",))


def read_pairwise(path: str | Path) -> pd.DataFrame:
    """Pairwise comparison file -> DataFrame ``worker, left, right, label`` (label = the winner)."""
    return read_table(path, PAIRWISE_COLUMNS, ("task",))


def gold_from_labels(df: pd.DataFrame) -> dict[Any, Any]:
    """Task -> gold label from a LABELS ``gold`` column (conflicting gold values for one task raise)."""
    if "gold" not in df.columns:
        return {}
    g = df.loc[df["gold"].notna(), ["task", "gold"]].drop_duplicates()
    dup = g["task"].duplicated()
    if dup.any():
        raise ValueError(f"task {g['task'][dup].iloc[0]!r} has conflicting gold labels")
    return dict(zip(g["task"], g["gold"], strict=True))


def read_gold(path: str | Path) -> dict[Any, Any]:
    """GOLD file (``task`` + ``label`` or ``gold`` column) -> dict task -> gold label."""
    p = Path(path)
    fmt = detect_format(p) if p.is_file() else None
    if fmt is None:
        raise ValueError(f"{path}: no such file")
    try:
        names = _scan(p, fmt).collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ValueError(f"{path}: cannot read {fmt} file: {str(exc).splitlines()[0]}") from None
    col = "gold" if "gold" in names else "label"
    df = read_table(p, ("task", col)).rename(columns={col: "gold"})
    return gold_from_labels(df)
