"""YOLO (Ultralytics layout) label export: ``labels/<image stem>.txt`` + ``classes.txt`` + ``data.yaml``.

Images are not copied (the platform stores media elsewhere); ``images.csv`` maps each label file
to its task and image reference so a training script can fetch them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .coco import box_corners
from .common import controls, geometry_labels, image_size, pick_result

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _n(v: float) -> str:
    """Normalised coordinate clipped to [0, 1] with 6 decimals (YOLO's usual precision)."""
    return f"{min(1.0, max(0.0, v)):.6f}"


def _stem(ref: Any, task_id: Any, used: set[str]) -> str:
    name = PurePosixPath(str(ref).split("?", 1)[0].split("#", 1)[0]).stem if ref else ""
    stem = _UNSAFE.sub("_", name).strip("._") or f"task_{task_id}"
    if stem in used:
        stem = f"{stem}_{task_id}"
        k = 2
        while stem in used:
            stem, k = f"{stem}_{k}", k + 1
    used.add(stem)
    return stem


def yolo_lines(value: dict[str, Any], kind: str, data: dict[str, Any], class_id: dict[str, int]) -> list[str] | None:
    """Label lines of one bbox/polygon value; None when pixels cannot be normalised (no size)."""
    if value.get("unit") == "percent":
        fx = fy = 0.01
    else:
        size = image_size(value, data)
        if size is None:
            return None
        fx, fy = 1.0 / size[0], 1.0 / size[1]
    lines = []
    if kind == "bbox":
        for b in value.get("boxes") or []:
            if b.get("label") not in class_id:
                continue
            corners = box_corners(b["x"], b["y"], b["width"], b["height"], b.get("rotation") or 0)
            xs, ys = [p[0] * fx for p in corners], [p[1] * fy for p in corners]
            x0, x1 = max(0.0, min(xs)), min(1.0, max(xs))
            y0, y1 = max(0.0, min(ys)), min(1.0, max(ys))
            lines.append(f"{class_id[b['label']]} {_n((x0 + x1) / 2)} {_n((y0 + y1) / 2)} {_n(x1 - x0)} {_n(y1 - y0)}")
    else:
        for p in value.get("polygons") or []:
            if p.get("label") not in class_id:
                continue
            coords = " ".join(f"{_n(x * fx)} {_n(y * fy)}" for x, y in p["points"])
            lines.append(f"{class_id[p['label']]} {coords}")
    return lines


def yolo_files(records: Iterable[dict[str, Any]], schema: dict[str, Any] | None,
               stats: dict[str, int]) -> Iterator[tuple[str, bytes | IO[bytes]]]:
    """Yield ``(relative path, content)`` of every file of the export, one task at a time.

    The task index (images.csv) grows with the export, so it is spooled to disk and yielded last
    as a readable binary file rather than bytes.
    """
    names = geometry_labels(schema)
    class_id = {label: i for i, label in enumerate(names)}
    geo = [c for c in controls(schema) if c.get("kind") in ("bbox", "polygon")]
    fields = list(dict.fromkeys(c.get("to") for c in geo if isinstance(c.get("to"), str)))
    yield "classes.txt", "".join(f"{n}\n" for n in names).encode("utf-8")
    names_yaml = "".join(f"  {i}: {json.dumps(n, ensure_ascii=False)}\n" for i, n in enumerate(names))
    yield "data.yaml", f"path: .\ntrain: images\nval: images\nnc: {len(names)}\nnames:\n{names_yaml}".encode()
    index = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b")  # closed in the finally below
    text_index = io.TextIOWrapper(index, encoding="utf-8", newline="", write_through=True)
    iw = csv.writer(text_index, lineterminator="\n")
    iw.writerow(["label_file", "task_id", "image"])
    used: set[str] = set()
    for record in records:
        stats["tasks"] += 1
        result, _method = pick_result(record)
        if result is None:
            stats["skipped_no_result"] += 1
            continue
        data = record.get("data") or {}
        for fld in fields:
            lines: list[str] = []
            ok = True
            for c in geo:
                value = result.get(c["name"])
                if c.get("to") != fld or not isinstance(value, dict):
                    continue
                got = yolo_lines(value, c["kind"], data, class_id)
                if got is None:
                    ok = False
                    break
                lines.extend(got)
            if not ok:
                stats["skipped_no_size"] += 1
                continue
            stem = _stem(data.get(fld), record.get("id"), used)
            stats["label_files"] += 1
            stats["objects"] += len(lines)
            iw.writerow([f"labels/{stem}.txt", record.get("id"), data.get(fld, "")])
            yield f"labels/{stem}.txt", "".join(f"{line}\n" for line in lines).encode("utf-8")
    text_index.flush()
    index.seek(0)
    try:
        yield "images.csv", index
    finally:
        text_index.close()


def _new_stats() -> dict[str, int]:
    return {"tasks": 0, "label_files": 0, "objects": 0, "skipped_no_result": 0, "skipped_no_size": 0}


def write_yolo(records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None,
               **_: Any) -> dict[str, int]:
    """Write the YOLO export as a zip to a binary stream (need not be seekable)."""
    stats = _new_stats()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, content in yolo_files(records, schema, stats):
            if isinstance(content, bytes):
                zf.writestr(path, content)
            else:
                with zf.open(path, "w") as fh:
                    shutil.copyfileobj(content, fh)
    return stats


def write_yolo_dir(records: Iterable[dict[str, Any]], folder: str | Path,
                   schema: dict[str, Any] | None = None) -> dict[str, int]:
    """Write the YOLO export as files under ``folder`` (created if missing)."""
    stats = _new_stats()
    root = Path(folder)
    for path, content in yolo_files(records, schema, stats):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            with target.open("wb") as fh:
                shutil.copyfileobj(content, fh)
    return stats
