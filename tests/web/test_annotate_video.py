"""Video segments on a real, decodable video: the browser itself encodes a short WebM (canvas →
MediaRecorder, VP8), the test stores it as a blob, and the editor plays it, steps frames and marks
segments at the playhead of the decoded video."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import login
from tests.web.test_annotate_support import open_loop, project, submitted, upload

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

# Two seconds of a moving square at 25 fps, recorded as WebM; resolves to base64 bytes.
RECORD = """async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160; canvas.height = 120;
    const g = canvas.getContext('2d');
    const stream = canvas.captureStream(25);
    const type = ['video/webm;codecs=vp8', 'video/webm'].find(t => MediaRecorder.isTypeSupported(t));
    const rec = new MediaRecorder(stream, {mimeType: type});
    const parts = [];
    rec.ondataavailable = e => parts.push(e.data);
    const done = new Promise(r => { rec.onstop = r; });
    rec.start(100);
    const t0 = performance.now();
    await new Promise(resolve => {
        (function draw() {
            const t = performance.now() - t0;
            g.fillStyle = '#123'; g.fillRect(0, 0, 160, 120);
            g.fillStyle = '#fc0'; g.fillRect((t / 20) % 140, 50, 20, 20);
            if (t < 2000) requestAnimationFrame(draw); else resolve();
        })();
    });
    rec.stop();
    await done;
    const buf = new Uint8Array(await new Blob(parts, {type}).arrayBuffer());
    let s = ''; for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
    return btoa(s);
}"""


def test_real_video_plays_and_segments_follow_the_playhead(page, live_server, tmp_path):
    world = live_server.world
    page.goto(live_server.url + "/")
    webm = base64.b64decode(page.evaluate(RECORD))
    assert webm[:4] == b"\x1aE\xdf\xa3" and len(webm) > 1000  # an EBML (WebM) file with frames in it
    url = upload(world, "clip.webm", webm)
    schema = {"controls": [{"name": "events", "kind": "video_segments", "to": "video", "labels": ["goal", "foul"],
                            "fps": 25}]}
    pid = project(world, schema, [{"data": {"video": url}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    # the editor's <video> really decodes it: metadata and a first frame arrive
    page.wait_for_function("""() => { const v = document.querySelector('.widget.video video');
        return v && v.readyState >= 2 && v.videoWidth === 160; }""")
    # play for a moment, pause, and mark the start where playback actually stopped
    page.evaluate("() => document.querySelector('.widget.video video').play()")
    page.wait_for_function("() => document.querySelector('.widget.video video').currentTime > 0.3")
    page.evaluate("() => document.querySelector('.widget.video video').pause()")
    start = page.evaluate("() => document.querySelector('.widget.video video').currentTime")
    page.locator("#editor").click(position={"x": 2, "y": 2})  # keys go to the page, not a control
    page.keyboard.press("1")  # goal
    page.keyboard.press("[")
    for _ in range(10):
        page.keyboard.press(".")  # ten frames forward at 25 fps
    page.wait_for_function("""s => Math.abs(document.querySelector('.widget.video video').currentTime - (s + 0.4))
        < 0.01""", arg=start)
    page.keyboard.press("]")
    assert page.locator(".segments li").count() == 1
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    [seg] = result["events"]["segments"]
    assert seg["label"] == "goal"
    assert seg["start"] == pytest.approx(start, abs=0.011)
    assert seg["end"] == pytest.approx(start + 0.4, abs=0.011)
