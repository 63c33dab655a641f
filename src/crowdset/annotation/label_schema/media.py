"""Image, audio and video kinds: bbox, polygon, keypoints, audio/video segments, image-text alignment.

Image geometry is in pixels when the value carries image_width/image_height, else in percent
(`"unit": "percent"`, 0-100) as Label Studio stores it. Bounds get a small tolerance because
percent <-> pixel conversions round.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from crowdset.annotation.label_schema._core import (
    Control,
    FieldName,
    LabelList,
    ResultContext,
    Scale,
    check_label,
    check_scale_value,
    check_text_range,
    get_list,
    is_num,
    register_kind,
)
from crowdset.messages import msg

TOLERANCE_PX = 1.0
"""How far (pixels) a region may poke outside the image before it is an error."""
TOLERANCE_PERCENT = 0.1
"""The same in percent units."""


class _Frame:
    """Bounds of one image value: width/height in the value's own unit and the tolerance."""

    __slots__ = ("w", "h", "tol", "px_per_unit")

    def __init__(self, w: float, h: float, tol: float, px_per_unit: tuple[float, float] | None) -> None:
        self.w, self.h, self.tol, self.px_per_unit = w, h, tol, px_per_unit

    def inside(self, x: float, y: float) -> bool:
        t = self.tol
        return -t <= x <= self.w + t and -t <= y <= self.h + t


def _frame(ctx: ResultContext, path: str, value: dict[str, Any], has_regions: bool) -> _Frame | None:
    """Work out the coordinate frame of an image value; report a missing or bad one."""
    unit = value.get("unit")
    iw, ih = value.get("image_width"), value.get("image_height")
    sized = iw is not None or ih is not None
    ok_size = True
    if sized:
        for key, v in (("image_width", iw), ("image_height", ih)):
            if not is_num(v) or v <= 0:
                ctx.error(f"{path}.{key}", msg("result.positive_pixels"))
                ok_size = False
    if unit is not None and unit != "percent":
        ctx.error(f"{path}.unit", msg("result.unit_percent"))
        return None
    if unit == "percent":
        scale = (iw / 100.0, ih / 100.0) if sized and ok_size else None
        return _Frame(100.0, 100.0, TOLERANCE_PERCENT, scale)
    if sized:
        return _Frame(float(iw), float(ih), TOLERANCE_PX, (1.0, 1.0)) if ok_size else None
    if has_regions:
        ctx.error(path, msg("result.image_size_needed"))
    return None


def _check_box(ctx: ResultContext, p: str, box: dict[str, Any], frame: _Frame | None) -> None:
    x, y, w, h = box.get("x"), box.get("y"), box.get("width"), box.get("height")
    ok = True
    for key, v in (("x", x), ("y", y)):
        if not is_num(v):
            ctx.error(f"{p}.{key}", msg("field.required_number") if v is None else msg("field.must_be_number"))
            ok = False
    for key, v in (("width", w), ("height", h)):
        if not is_num(v) or v <= 0:
            ctx.error(f"{p}.{key}", msg("field.positive_number"))
            ok = False
    rotation = box.get("rotation", 0) or 0
    if not is_num(rotation):
        ctx.error(f"{p}.rotation", msg("result.rotation_degrees"))
        ok = False
    if not ok or frame is None:
        return
    if rotation == 0:
        corners = [(x, y), (x + w, y + h)]
    elif frame.px_per_unit is not None:
        # Label Studio rotates clockwise around the top-left corner; rotate in pixels, compare in units.
        sx, sy = frame.px_per_unit
        a = math.radians(rotation)
        cos, sin = math.cos(a), math.sin(a)
        corners = []
        for dx, dy in ((0.0, 0.0), (w * sx, 0.0), (w * sx, h * sy), (0.0, h * sy)):
            corners.append((x + (dx * cos - dy * sin) / sx, y + (dx * sin + dy * cos) / sy))
    else:
        corners = [(x, y)]  # percent without a known size: the rotated extent is unknown
    if not all(frame.inside(cx, cy) for cx, cy in corners):
        ctx.error(p, msg("result.box_outside", width=frame.w, height=frame.h))


class _ImageControl(Control):
    to: FieldName
    labels: LabelList


class BboxControl(_ImageControl):
    """Axis-aligned (optionally rotated) rectangles with a label each."""

    kind: Literal["bbox"] = "bbox"


class PolygonControl(_ImageControl):
    """Closed polygons (>= 3 points) with a label each."""

    kind: Literal["polygon"] = "polygon"


class KeypointsControl(_ImageControl):
    """Labelled points."""

    kind: Literal["keypoints"] = "keypoints"


def _regions(ctx: ResultContext, path: str, value: dict[str, Any], key: str) -> tuple[list[Any], _Frame | None]:
    items = get_list(ctx, path, value, key)
    if items is None:
        return [], None
    return items, _frame(ctx, path, value, bool(items))


def _each_region(ctx: ResultContext, path: str, regions: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, region) for each region that is an object, its id claimed; the others are reported."""
    for i, region in enumerate(regions):
        p = f"{path}[{i}]"
        if not isinstance(region, dict):
            ctx.error(p, msg("field.must_be_object"))
            continue
        ctx.claim_id(f"{p}.id", region.get("id"))
        yield p, region


def _validate_bbox(control: BboxControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    boxes, frame = _regions(ctx, path, value, "boxes")
    allowed = control._label_set
    for p, box in _each_region(ctx, f"{path}.boxes", boxes):
        _check_box(ctx, p, box, frame)
        check_label(ctx, f"{p}.label", box.get("label"), allowed)


def _validate_polygon(control: PolygonControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    polygons, frame = _regions(ctx, path, value, "polygons")
    allowed = control._label_set
    for p, poly in _each_region(ctx, f"{path}.polygons", polygons):
        points = poly.get("points")
        if not isinstance(points, list):
            ctx.error(f"{p}.points", msg("result.points_required"))
        elif len(points) < 3:
            ctx.error(f"{p}.points", msg("result.polygon_points"))
        else:
            outside = False
            for j, pt in enumerate(points):
                if not (isinstance(pt, list | tuple) and len(pt) == 2 and is_num(pt[0]) and is_num(pt[1])):
                    ctx.error(f"{p}.points[{j}]", msg("result.point_xy"))
                elif frame is not None and not outside and not frame.inside(pt[0], pt[1]):
                    ctx.error(f"{p}.points[{j}]", msg("result.point_outside", width=frame.w, height=frame.h))
                    outside = True
        check_label(ctx, f"{p}.label", poly.get("label"), allowed)


def _validate_keypoints(control: KeypointsControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    points, frame = _regions(ctx, path, value, "keypoints")
    allowed = control._label_set
    for p, kp in _each_region(ctx, f"{path}.keypoints", points):
        x, y = kp.get("x"), kp.get("y")
        if not (is_num(x) and is_num(y)):
            ctx.error(p, msg("result.xy_numbers"))
        elif frame is not None and not frame.inside(x, y):
            ctx.error(p, msg("result.point_outside", width=frame.w, height=frame.h))
        check_label(ctx, f"{p}.label", kp.get("label"), allowed)


class AudioSegmentsControl(Control):
    """Labelled time ranges of an audio field; with `transcribe`, each may carry its text.

    `transcription_name` keeps the Label Studio per-region TextArea name for round trips
    (default `<name>_transcription`)."""

    kind: Literal["audio_segments"] = "audio_segments"
    to: FieldName
    labels: LabelList
    transcribe: bool = False
    transcription_name: str | None = Field(default=None, min_length=1)


class VideoSegmentsControl(Control):
    """Labelled time ranges of a video field; `fps` lets exporters convert to frames."""

    kind: Literal["video_segments"] = "video_segments"
    to: FieldName
    labels: LabelList
    fps: float | None = Field(default=None, gt=0)


def _check_segments(
    control: AudioSegmentsControl | VideoSegmentsControl,
    value: dict[str, Any],
    path: str,
    ctx: ResultContext,
    transcribe: bool,
) -> None:
    segments = get_list(ctx, path, value, "segments")
    if segments is None:
        return
    allowed = control._label_set
    for i, seg in enumerate(segments):
        p = f"{path}.segments[{i}]"
        if not isinstance(seg, dict):
            ctx.error(p, msg("field.must_be_object"))
            continue
        ctx.claim_id(f"{p}.id", seg.get("id"))
        start, end = seg.get("start"), seg.get("end")
        if not is_num(start) or start < 0:
            ctx.error(f"{p}.start", msg("result.seconds_non_negative"))
        elif not is_num(end):
            ctx.error(f"{p}.end", msg("result.seconds"))
        elif end <= start:
            ctx.error(f"{p}.end", msg("result.end_after_start"))
        check_label(ctx, f"{p}.label", seg.get("label"), allowed)
        text = seg.get("text")
        if text is not None:
            if not transcribe:
                ctx.error(f"{p}.text", msg("result.no_transcription"))
            elif not isinstance(text, str):
                ctx.error(f"{p}.text", msg("field.must_be_string"))


def _validate_audio(control: AudioSegmentsControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    _check_segments(control, value, path, ctx, control.transcribe)


def _validate_video(control: VideoSegmentsControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    _check_segments(control, value, path, ctx, False)


class ImageTextAlignmentControl(Control):
    """Score how well the text in data[text] describes the image in data[image], and link phrases
    of the text to image regions."""

    kind: Literal["image_text_alignment"] = "image_text_alignment"
    image: FieldName
    text: FieldName
    score_scale: Scale = Field(default_factory=lambda: [1, 5])

    def data_fields(self) -> list[str]:
        return [self.image, self.text]


def _validate_alignment(
    control: ImageTextAlignmentControl, value: dict[str, Any], path: str, ctx: ResultContext
) -> None:
    check_scale_value(ctx, f"{path}.score", value.get("score"), *control.score_scale)
    links = value.get("links", [])
    if not isinstance(links, list):
        ctx.error(f"{path}.links", msg("field.must_be_list"))
        return
    frame = _frame(ctx, path, value, bool(links))
    text = ctx.data_field(path, control.text, str) if links else None
    for i, link in enumerate(links):
        p = f"{path}.links[{i}]"
        if not isinstance(link, dict):
            ctx.error(p, msg("field.must_be_object"))
            continue
        if link.get("phrase") is None:
            ctx.error(f"{p}.phrase", msg("field.required"))
        else:
            check_text_range(ctx, f"{p}.phrase", link["phrase"], text)
        region = link.get("region")
        if not isinstance(region, dict):
            ctx.error(f"{p}.region", msg("field.required_object") if region is None else msg("field.must_be_object"))
        else:
            _check_box(ctx, f"{p}.region", region, frame)


register_kind("bbox", BboxControl, _validate_bbox)
register_kind("polygon", PolygonControl, _validate_polygon)
register_kind("keypoints", KeypointsControl, _validate_keypoints)
register_kind("audio_segments", AudioSegmentsControl, _validate_audio)
register_kind("video_segments", VideoSegmentsControl, _validate_video)
register_kind("image_text_alignment", ImageTextAlignmentControl, _validate_alignment,
              labels=lambda c: [str(i) for i in range(c.score_scale[0], c.score_scale[1] + 1)])
