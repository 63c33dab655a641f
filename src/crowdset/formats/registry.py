"""Export writer registry, so the export service can list formats and new ones can plug in.

A writer is ``fn(records, out, schema, **options) -> stats``: it consumes an iterator of exported
task records, writes bytes to ``out`` without holding all records, and returns counts for the job log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from .coco import write_coco
from .conll import write_conll
from .csvfmt import write_classification_csv
from .jsonl import write_jsonl
from .labelstudio import write_labelstudio
from .yolo import write_yolo

Writer = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class WriterInfo:
    name: str
    fn: Writer
    media_type: str
    extension: str
    # Control kinds the format can express; a project whose schema has none of them would download an
    # empty file. Empty: the format carries whole records and fits every project.
    needs: frozenset[str] = frozenset()

    def fits(self, kinds: set[str] | frozenset[str]) -> bool:
        """Whether a project whose label schema has controls of ``kinds`` exports meaningfully in this format."""
        return not self.needs or bool(self.needs & kinds)

    def __call__(self, records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None,
                 **options: Any) -> dict[str, int]:
        return self.fn(records, out, schema, **options)


_WRITERS: dict[str, WriterInfo] = {}


def register_writer(name: str, fn: Writer, media_type: str, extension: str, *, replace: bool = False,
                    needs: Iterable[str] = ()) -> WriterInfo:
    """Register ``fn`` under ``name`` (``extension`` without the dot; ``needs``: the control kinds it can
    express, at least one of which a project must have, none meaning every project). Re-registering needs
    ``replace``."""
    if name in _WRITERS and not replace:
        raise ValueError(f"writer {name!r} is already registered")
    info = WriterInfo(name, fn, media_type, extension.lstrip("."), frozenset(needs))
    _WRITERS[name] = info
    return info


def get_writer(name: str) -> WriterInfo:
    try:
        return _WRITERS[name]
    except KeyError:
        raise KeyError(f"unknown export format {name!r}; known: {', '.join(writer_names())}") from None


def writer_names() -> list[str]:
    return sorted(_WRITERS)


register_writer("jsonl", write_jsonl, "application/x-ndjson", "jsonl")
register_writer("labelstudio", write_labelstudio, "application/json", "json")
register_writer("csv", write_classification_csv, "text/csv; charset=utf-8", "csv", needs=("choices", "rating"))
register_writer("coco", write_coco, "application/json", "json", needs=("bbox", "polygon"))
register_writer("yolo", write_yolo, "application/zip", "zip", needs=("bbox", "polygon"))
register_writer("conll", write_conll, "text/plain; charset=utf-8", "conll", needs=("spans",))
