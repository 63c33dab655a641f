"""Task import readers and annotation export writers (pure: no database, no web).

See docs/formats.md. Readers yield ``ParsedRow``; writers take an iterator of exported records and
write to a binary stream; the registry names the writers for the export service.
"""

from .coco import write_coco
from .common import ParsedRow, pick_result
from .conll import ConllDoc, read_conll, tokenize, write_conll
from .csvfmt import read_csv, write_classification_csv
from .guess import guess_format
from .jsonl import read_jsonl, write_jsonl
from .labelstudio import (
    LSConversionError,
    convert_regions,
    ls_regions_to_result,
    read_labelstudio,
    result_to_ls_regions,
    write_labelstudio,
)
from .readers import READ_FORMATS, read_tasks
from .registry import WriterInfo, get_writer, register_writer, writer_names
from .yolo import write_yolo, write_yolo_dir

__all__ = [
    "READ_FORMATS", "ConllDoc", "LSConversionError", "ParsedRow", "WriterInfo", "convert_regions", "get_writer",
    "guess_format", "ls_regions_to_result", "pick_result", "read_conll", "read_csv", "read_jsonl",
    "read_labelstudio", "read_tasks", "register_writer", "result_to_ls_regions", "tokenize", "write_classification_csv",
    "write_coco", "write_conll", "write_jsonl", "write_labelstudio", "write_yolo", "write_yolo_dir", "writer_names",
]
