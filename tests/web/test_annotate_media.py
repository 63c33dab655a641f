"""Labelling media in the browser: a box drawn on an image (pixels of the original image) and a
segment marked on an audio waveform. More on images (Annotorious): test_annotate_image.py."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import BOXES
from tests.conftest import login
from tests.web.test_annotate_support import open_loop, png_bytes, project, shot, submitted, upload, wav_bytes

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_draw_a_box_in_image_pixels(page, live_server, tmp_path):
    world = live_server.world
    url = upload(world, "street.png", png_bytes(400, 300))
    pid = project(world, BOXES, [{"data": {"image": url}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    page.wait_for_function("() => document.querySelector('.stage img').naturalWidth > 0")
    page.keyboard.press("2")  # person
    svg = page.locator(".stage svg.overlay").bounding_box()
    sx, sy = svg["width"] / 400, svg["height"] / 300  # screen pixels per image pixel
    page.mouse.move(svg["x"] + 100 * sx, svg["y"] + 80 * sy)
    page.mouse.down()
    page.mouse.move(svg["x"] + 160 * sx, svg["y"] + 140 * sy, steps=4)
    page.mouse.move(svg["x"] + 220 * sx, svg["y"] + 200 * sy, steps=4)
    page.mouse.up()
    page.wait_for_selector(".regions .regionlist li")  # Annotorious reports the new shape asynchronously
    assert page.locator(".regions .regionlist li").count() == 1
    # zooming changes the view, not the geometry
    page.get_by_role("button", name="放大").click()
    shot(page, "label-bbox")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    value = result["boxes"]
    assert (value["image_width"], value["image_height"]) == (400, 300)
    [box] = value["boxes"]
    assert box["label"] == "person" and box["rotation"] == 0
    for key, want in (("x", 100), ("y", 80), ("width", 120), ("height", 120)):
        assert abs(box[key] - want) <= 2, (key, box)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_mark_an_audio_segment(page, live_server, tmp_path):
    world = live_server.world
    url = upload(world, "talk.wav", wav_bytes(4.0))
    schema = {"controls": [{"name": "speakers", "kind": "audio_segments", "to": "audio", "labels": ["A", "B"],
                            "transcribe": True}]}
    pid = project(world, schema, [{"data": {"audio": url}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    page.wait_for_selector(".widget.audio[data-ready='1']")
    page.keyboard.press("2")  # speaker B
    wave = page.locator(".wave").bounding_box()
    y = wave["y"] + wave["height"] / 2
    page.mouse.move(wave["x"] + wave["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(wave["x"] + wave["width"] * 0.4, y, steps=5)
    page.mouse.move(wave["x"] + wave["width"] * 0.5, y, steps=5)
    page.mouse.up()
    page.wait_for_selector(".segments li")
    page.get_by_label("片段 1 的文本").fill("你好")
    page.get_by_label("播放速度").select_option("1.5")
    shot(page, "label-audio")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    [seg] = result["speakers"]["segments"]
    assert seg["label"] == "B" and seg["text"] == "你好"
    assert abs(seg["start"] - 1.0) < 0.25 and abs(seg["end"] - 2.0) < 0.25, seg
