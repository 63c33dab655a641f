"""The one entry point for task import: ``read_tasks(source, fmt)``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from crowdset.messages import msg

from .common import ParsedRow, PrefixedStream, read_exactly
from .csvfmt import read_csv
from .guess import guess_format
from .jsonl import read_jsonl
from .labelstudio import read_labelstudio

READ_FORMATS = ("jsonl", "csv", "tsv", "labelstudio")
_SNIFF = 4096


def read_tasks(source: str | os.PathLike[str] | IO[bytes], fmt: str | None = None, *,
               schema: dict[str, Any] | None = None, filename: str | None = None) -> Iterator[ParsedRow]:
    """Yield a ParsedRow per task of a file or binary stream, never reading it whole.

    ``fmt`` is one of READ_FORMATS or None to guess from ``filename`` (or the path) and the first
    bytes. ``schema`` (``{"controls": [...]}``) is used by the Label Studio reader to map regions to
    controls. Every bad row is reported and reading goes on, so a caller can reject a file listing
    all its problems; an unknown format is reported as a single row with ``line == 0``.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            yield from read_tasks(fh, fmt, schema=schema, filename=filename or Path(source).name)
        return
    stream: IO[bytes] = source
    if fmt is None:
        head = read_exactly(stream, _SNIFF)
        fmt = guess_format(filename, head)
        stream = PrefixedStream(head, stream)  # type: ignore[assignment]
    if fmt == "jsonl":
        yield from read_jsonl(stream)
    elif fmt in ("csv", "tsv"):
        yield from read_csv(stream, delimiter="\t" if fmt == "tsv" else ",")
    elif fmt == "labelstudio":
        yield from read_labelstudio(stream, schema)
    else:
        what = msg("format.unknown_format", format=fmt) if fmt else msg("format.cannot_tell")
        yield ParsedRow(0, errors=[("", what)])
