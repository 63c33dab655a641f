"""Guess an upload's format from its name and first bytes (the name wins when it is conclusive)."""

from __future__ import annotations

import json

_BY_EXT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}


def guess_format(filename: str | None, first_bytes: bytes = b"") -> str | None:
    """'jsonl', 'csv', 'tsv' or 'labelstudio'; None when neither name nor content tells.

    ``.json`` (or no useful extension) is sniffed: a leading ``[`` or a ``{`` whose first line is not
    a complete object means one JSON document (Label Studio); several complete objects, one a line,
    mean JSON Lines; otherwise a first line with commas/tabs means CSV/TSV.
    """
    name = (filename or "").lower()
    for ext, fmt in _BY_EXT.items():
        if name.endswith(ext):
            return fmt
    head = first_bytes.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"["):
        return "labelstudio"
    if head.startswith(b"{"):
        line = head.split(b"\n", 1)[0]
        try:
            json.loads(line)
        except ValueError:
            return "labelstudio"  # a pretty-printed single object spans lines
        more = head[len(line):].lstrip().startswith(b"{")
        return "labelstudio" if name.endswith(".json") and not more else "jsonl"
    if name.endswith(".json"):
        return "labelstudio"
    first = head.split(b"\n", 1)[0]
    if b"\t" in first:
        return "tsv"
    if b"," in first:
        return "csv"
    return None
