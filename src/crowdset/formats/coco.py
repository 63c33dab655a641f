"""COCO detection/segmentation JSON export of bbox and polygon results.

COCO puts ``images`` and ``annotations`` in two arrays; to stream, images are written as tasks
arrive while annotations go to a temporary file that is appended at the end. Categories come from
the schema (labels of every bbox/polygon control, in schema order, ids from 1) so ids are stable
across exports of the same project.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from .common import controls, dumps, geometry_labels, image_size, pick_result, pixel_scale


def shoelace_area(points: list[tuple[float, float]]) -> float:
    """Area of a simple polygon (absolute value, so winding order does not matter)."""
    n = len(points)
    s = 0.0
    for i in range(n):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def box_corners(x: float, y: float, w: float, h: float, rotation: float = 0.0) -> list[tuple[float, float]]:
    """Corners of a box rotated clockwise (image y axis points down) around its top-left corner."""
    if not rotation:
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    t = math.radians(rotation)
    c, s = math.cos(t), math.sin(t)
    return [(x + dx * c - dy * s, y + dx * s + dy * c) for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))]


def _r(v: float) -> float:
    return round(v, 4)


def _bbox_of(points: list[tuple[float, float]]) -> list[float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [_r(min(xs)), _r(min(ys)), _r(max(xs) - min(xs)), _r(max(ys) - min(ys))]


def coco_objects(value: dict[str, Any], kind: str, data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Pixel COCO objects (label, bbox, segmentation, area) of one bbox/polygon value; None: no size."""
    scale = pixel_scale(value, data)
    if scale is None:
        return None
    sx, sy = scale
    objs = []
    if kind == "bbox":
        for b in value.get("boxes") or []:
            x, y, w, h = b["x"] * sx, b["y"] * sy, b["width"] * sx, b["height"] * sy
            if b.get("rotation"):
                corners = box_corners(x, y, w, h, b["rotation"])
                seg = [[_r(c) for p in corners for c in p]]
                objs.append({"label": b.get("label"), "bbox": _bbox_of(corners), "segmentation": seg,
                             "area": _r(w * h), "id": b.get("id")})
            else:
                objs.append({"label": b.get("label"), "bbox": [_r(x), _r(y), _r(w), _r(h)], "segmentation": [],
                             "area": _r(w * h), "id": b.get("id")})
    else:
        for p in value.get("polygons") or []:
            pts = [(pt[0] * sx, pt[1] * sy) for pt in p["points"]]
            objs.append({"label": p.get("label"), "bbox": _bbox_of(pts),
                         "segmentation": [[_r(c) for pt in pts for c in pt]],
                         "area": _r(shoelace_area(pts)), "id": p.get("id")})
    return objs


def write_coco(records: Iterable[dict[str, Any]], out: IO[bytes], schema: dict[str, Any] | None = None,
               *, tmp_dir: str | None = None, **_: Any) -> dict[str, int]:
    """Write a COCO JSON file: one image per task and image field, objects from the chosen result.

    The result is the task's final one, else its only annotation (tasks with several annotations and
    no final result are skipped: they are not labelled yet). Tasks whose image size is unknown are
    skipped too (COCO needs pixels). Image ids count from 1 in export order; ``crowdset_task_id``
    and each object's ``crowdset_region_id`` link back.
    """
    geo = [c for c in controls(schema) if c.get("kind") in ("bbox", "polygon")]
    labels = geometry_labels(schema)
    cat_id = {label: i + 1 for i, label in enumerate(labels)}
    owner: dict[str, str] = {}
    for c in geo:
        for label in c.get("labels") or []:
            owner.setdefault(label, c["name"])
    categories = [{"id": cat_id[label], "name": label, "supercategory": owner[label]} for label in labels]
    fields = list(dict.fromkeys(c.get("to") for c in geo if isinstance(c.get("to"), str)))
    stats = {"tasks": 0, "images": 0, "annotations": 0, "skipped_no_result": 0, "skipped_no_size": 0,
             "skipped_unknown_label": 0}
    out.write(b'{"info":{"description":"Crowdset export","version":"1.0"},"licenses":[],"categories":')
    out.write(dumps(categories).encode("utf-8"))
    out.write(b',"images":[')
    with tempfile.TemporaryFile(dir=tmp_dir) as tmp:
        for record in records:
            stats["tasks"] += 1
            result, _method = pick_result(record)
            if result is None:
                stats["skipped_no_result"] += 1
                continue
            data = record.get("data") or {}
            for fld in fields:
                values = [(c["kind"], result.get(c["name"])) for c in geo if c.get("to") == fld]
                values = [(k, v) for k, v in values if isinstance(v, dict)]
                size = next((s for _, v in values if (s := image_size(v, data))), None) or image_size(None, data)
                if size is None:
                    stats["skipped_no_size"] += 1
                    continue
                stats["images"] += 1
                image = {"id": stats["images"], "file_name": str(data.get(fld, "")), "width": int(size[0]),
                         "height": int(size[1]), "crowdset_task_id": record.get("id")}
                out.write((b"," if stats["images"] > 1 else b"") + dumps(image).encode("utf-8"))
                for kind, value in values:
                    if "image_width" not in value:  # percent values get the size found for this image
                        value = {**value, "image_width": size[0], "image_height": size[1]}
                    for obj in coco_objects(value, kind, data) or []:
                        if obj["label"] not in cat_id:
                            stats["skipped_unknown_label"] += 1
                            continue
                        stats["annotations"] += 1
                        ann = {"id": stats["annotations"], "image_id": stats["images"],
                               "category_id": cat_id[obj["label"]], "bbox": obj["bbox"],
                               "segmentation": obj["segmentation"], "area": obj["area"], "iscrowd": 0,
                               "crowdset_region_id": obj["id"]}
                        tmp.write((b"," if stats["annotations"] > 1 else b"") + dumps(ann).encode("utf-8"))
        out.write(b'],"annotations":[')
        tmp.seek(0)
        shutil.copyfileobj(tmp, out)
    out.write(b"]}\n")
    return stats
