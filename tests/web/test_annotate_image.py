"""Boxes and polygons drawn with Annotorious on an image, keypoints on the same image, each checked
against the stored result (pixels of the original image, docs/label-schemas.md): drawing with the
mouse, labels, a prediction shown and edited, drawing while zoomed in and panned, undo and delete."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.web.test_annotate_support import open_loop, png_bytes, project, shot, submitted, upload

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

W, H = 400, 300
SHAPES = {"controls": [
    {"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car", "person"]},
    {"name": "regions", "kind": "polygon", "to": "image", "labels": ["road", "roof"]},
    {"name": "pose", "kind": "keypoints", "to": "image", "labels": ["nose", "eye"]},
]}
BOXES = {"controls": [SHAPES["controls"][0]]}


def watch(page) -> list[str]:  # noqa: ANN001
    """Script errors on the page (a broken vendored build shows here first)."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def ready(page) -> None:  # noqa: ANN001
    page.wait_for_function("""() => {
        const img = document.querySelector('.stage img');
        return img && img.naturalWidth > 0 && document.querySelector('.stage svg.a9s-annotationlayer');
    }""")
    page.wait_for_timeout(50)  # the stage fits the image on the next frame


def at(page, x: float, y: float) -> tuple[float, float]:  # noqa: ANN001
    """Original-image pixels -> screen point, through the image as shown now (zoomed or not)."""
    box = page.locator(".stage img").bounding_box()
    return box["x"] + x * box["width"] / W, box["y"] + y * box["height"] / H


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:  # noqa: ANN001
    page.mouse.move(*at(page, *start))
    page.mouse.down()
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.move(*at(page, *mid), steps=4)
    page.mouse.move(*at(page, *end), steps=4)
    page.mouse.up()


def rows(page, control: str):  # noqa: ANN201, ANN001
    return page.locator(f"section[data-control='{control}'] .regionlist li")


def near(got: float, want: float, tol: float = 2) -> bool:
    return abs(got - want) <= tol


def submit(page) -> None:  # noqa: ANN001
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#all-done:not([hidden])")


def open_image_task(page, live_server, tmp_path, schema: dict, name: str = "street.png"):  # noqa: ANN001, ANN201
    """One task on a generated W×H image, opened in the editor as the annotator; (world, project id)."""
    world = live_server.world
    url = upload(world, name, png_bytes(W, H))
    pid = project(world, schema, [{"data": {"image": url}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    ready(page)
    return world, pid


def test_box_polygon_and_keypoints_on_one_image(page, live_server, tmp_path):
    errors = watch(page)
    world, pid = open_image_task(page, live_server, tmp_path, SHAPES, "scene.png")
    assert page.locator(".stage img").count() == 1  # three controls, one image

    page.keyboard.press("2")  # boxes is the active control: its label "person"
    drag(page, (100, 80), (220, 200))
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 1")

    page.locator("section[data-control='regions'] .labelbar button[data-label='roof']").click()
    assert page.get_attribute(".stage", "data-mode") == "polygon"
    # (the lower half of the image: the page's sticky toolbar may cover the top after the scroll)
    for x, y in ((250, 130), (380, 130), (380, 250), (250, 250)):
        page.mouse.click(*at(page, x, y))
    page.mouse.click(*at(page, 250, 130))  # a click on the first point closes the polygon
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='regions'] .regionlist li\").length === 1")
    # Escape abandons a polygon in progress
    page.mouse.click(*at(page, 20, 270))
    page.mouse.click(*at(page, 60, 270))
    page.keyboard.press("Escape")

    page.locator("section[data-control='pose'] .labelbar button[data-label='eye']").click()
    assert page.get_attribute(".stage", "data-mode") == "keypoints"
    page.mouse.click(*at(page, 160, 140))  # inside the box: a point, not a box selection
    assert rows(page, "pose").count() == 1
    assert rows(page, "boxes").count() == 1 and rows(page, "regions").count() == 1
    shot(page, "label-polygon-keypoints")
    submit(page)

    [result] = submitted(pid, world.users["annotator"].id)
    boxes = result["boxes"]
    assert (boxes["image_width"], boxes["image_height"]) == (W, H) and "unit" not in boxes
    [box] = boxes["boxes"]
    assert box["label"] == "person" and box["rotation"] == 0, box
    for key, want in (("x", 100), ("y", 80), ("width", 120), ("height", 120)):
        assert near(box[key], want), (key, box)
    [poly] = result["regions"]["polygons"]
    assert poly["label"] == "roof" and len(poly["points"]) == 4, poly
    for (gx, gy), (wx, wy) in zip(poly["points"], [(250, 130), (380, 130), (380, 250), (250, 250)], strict=True):
        assert near(gx, wx) and near(gy, wy), poly
    [eye] = result["pose"]["keypoints"]
    assert eye["label"] == "eye" and near(eye["x"], 160) and near(eye["y"], 140), eye
    assert len({box["id"], poly["id"], eye["id"]}) == 3
    assert not errors, errors


def test_a_prediction_is_the_starting_region_and_can_be_edited(page, live_server, tmp_path):
    errors = watch(page)
    world = live_server.world
    url = upload(world, "street.png", png_bytes(W, H))
    pred = {"boxes": {"boxes": [{"id": "b1", "x": 10, "y": 20, "width": 30, "height": 40, "label": "car"}],
                      "unit": "percent"}}  # = 40,60 120x120 pixels
    pid = project(world, BOXES, [{"data": {"image": url}, "predictions": [{"model": "det-v1", "result": pred}]}],
                  tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    ready(page)
    page.wait_for_selector(".stage .a9s-annotationlayer g.a9s-annotation[data-id]")  # drawn by Annotorious
    assert rows(page, "boxes").count() == 1
    assert "40,60 120×120" in rows(page, "boxes").first.inner_text()

    page.mouse.click(*at(page, 100, 120))  # select it
    page.wait_for_selector("section[data-control='boxes'] .regionlist li.focus")
    page.keyboard.press("2")  # relabel the chosen box: person
    drag(page, (100, 120), (120, 130))  # move it by (20, 10)
    page.wait_for_function("() => document.querySelector(\"section[data-control='boxes'] .regionlist li\")"
                           ".textContent.includes('60,70 120×120')")
    submit(page)

    [result] = submitted(pid, world.users["annotator"].id)
    value = result["boxes"]
    assert (value["image_width"], value["image_height"]) == (W, H) and "unit" not in value
    [box] = value["boxes"]
    assert box["id"] == "b1" and box["label"] == "person", box
    for key, want in (("x", 60), ("y", 70), ("width", 120), ("height", 120)):
        assert near(box[key], want), (key, box)
    assert not errors, errors


def test_draw_while_zoomed_in_and_panned(page, live_server, tmp_path):
    errors = watch(page)
    world, pid = open_image_task(page, live_server, tmp_path, BOXES, "big.png")
    before = page.locator(".stage img").bounding_box()
    stage = page.locator(".stage").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    for _ in range(4):
        page.mouse.wheel(0, -100)  # zoom in at the cursor
    page.wait_for_timeout(100)
    # pan with Shift+drag: Annotorious must not draw meanwhile
    page.keyboard.down("Shift")
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] / 2 + 60, stage["y"] + stage["height"] / 2 + 40, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")
    zoomed = page.locator(".stage img").bounding_box()
    assert zoomed["width"] > before["width"] * 1.5  # really zoomed
    assert rows(page, "boxes").count() == 0  # the pan drew nothing

    drag(page, (150, 100), (200, 160))  # a region in view after the zoom
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 1")
    submit(page)
    [result] = submitted(pid, world.users["annotator"].id)
    [box] = result["boxes"]["boxes"]
    for key, want in (("x", 150), ("y", 100), ("width", 50), ("height", 60)):
        assert near(box[key], want, 1), (key, box)
    assert not errors, errors


def test_undo_and_delete_remove_shapes(page, live_server, tmp_path):
    errors = watch(page)
    world, pid = open_image_task(page, live_server, tmp_path, BOXES, "street.png")
    drag(page, (20, 20), (80, 80))
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 1")
    drag(page, (200, 150), (300, 250))
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 2")
    page.keyboard.press("Control+z")  # the editor's undo: the second box goes, once
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 1")
    assert page.locator(".stage .a9s-annotationlayer g.a9s-annotation[data-id]").count() == 1
    page.keyboard.press("Control+Shift+z")  # and comes back
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 2")
    page.mouse.click(*at(page, 50, 50))  # select the first box
    page.wait_for_selector("section[data-control='boxes'] .regionlist li.focus")
    page.keyboard.press("Delete")
    page.wait_for_function(
        "() => document.querySelectorAll(\"section[data-control='boxes'] .regionlist li\").length === 1")
    submit(page)
    [result] = submitted(pid, world.users["annotator"].id)
    [box] = result["boxes"]["boxes"]
    assert near(box["x"], 200) and near(box["y"], 150) and near(box["width"], 100), box
    assert not errors, errors
