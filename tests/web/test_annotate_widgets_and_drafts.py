"""The editor's remaining widgets in the browser, each checked against the stored result: video
segments marked at the playhead, transcription, knowledge-graph triples, image–text alignment (and
its pre-annotation kept when the image does not load); the reviewer's fix; a draft restored after a
reload (debounced save, and the save on leaving the page)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crowdset.annotation.models import Annotation, Task
from crowdset.db import get_db
from tests.annotation.helpers import SENTIMENT
from tests.conftest import login
from tests.web.test_annotate_support import (
    open_loop,
    png_bytes,
    project,
    reviews_of,
    shot,
    submitted,
    upload,
    wav_bytes,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

KG_TEXT = "马云于1999年在杭州创立了阿里巴巴集团。"

# Select `phrase` inside the first .textview under `scope` as a mouse would, then release the mouse.
SELECT = """([scope, phrase]) => {
    const view = document.querySelector(scope + ' .textview');
    const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const at = node.data.indexOf(phrase);
      if (at >= 0) {
        const r = document.createRange();
        r.setStart(node, at); r.setEnd(node, at + phrase.length);
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
        view.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        return;
      }
    }
    throw new Error('not found: ' + phrase);
}"""


def image_point(page, control: str, nw: int, nh: int):  # noqa: ANN001, ANN201
    """A function (x, y) in original-image pixels -> screen point, for the stage of `control`."""
    page.locator(f"section[data-control='{control}'] .stage").scroll_into_view_if_needed()
    box = page.locator(f"section[data-control='{control}'] svg.overlay").bounding_box()
    return lambda x, y: (box["x"] + x * box["width"] / nw, box["y"] + y * box["height"] / nh)


def wait_image(page, control: str) -> None:  # noqa: ANN001
    page.wait_for_function(f"""() => {{
        const img = document.querySelector("section[data-control='{control}'] .stage img");
        const svg = document.querySelector("section[data-control='{control}'] svg.overlay");
        return img && img.naturalWidth > 0 && svg.getAttribute('viewBox');
    }}""")
    page.wait_for_timeout(50)  # the stage fits the image on the next frame


# Polygons and keypoints on an image (Annotorious, one stage per image): test_annotate_image.py.


def test_video_segments_marked_at_the_playhead(page, live_server, tmp_path):
    # No video encoder here: the <video> points at a file it cannot decode, and the test moves the
    # playhead through currentTime (a media element keeps it as the default start position).
    world = live_server.world
    schema = {"controls": [{"name": "events", "kind": "video_segments", "to": "video", "labels": ["goal", "foul"],
                            "fps": 25}]}
    pid = project(world, schema, [{"data": {"video": "/static/missing-clip.webm"}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    video = page.locator(".widget.video video")
    assert video.count() == 1

    def seek(seconds: float) -> None:
        page.evaluate("t => { document.querySelector('.widget.video video').currentTime = t; }", seconds)
        page.locator("#editor").click(position={"x": 2, "y": 2})  # keys go to the page, not a control

    seek(1.2)
    page.keyboard.press("2")  # foul
    page.keyboard.press("[")
    seek(2.5)
    page.keyboard.press("]")
    seek(3.0)
    page.keyboard.press("1")  # goal
    page.get_by_role("button", name="标记起点").click()
    for _ in range(5):
        page.keyboard.press(".")  # five frames at 25 fps
    page.keyboard.press(",")
    page.get_by_role("button", name="标记终点").click()
    assert page.locator(".segments li").count() == 2
    # the end of the first one corrected by keyboard in the list
    end = page.get_by_label("结束 1")
    end.fill("2.75")
    end.press("Tab")
    shot(page, "label-video")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    segs = [(s["label"], s["start"], s["end"]) for s in result["events"]["segments"]]
    assert segs == [("foul", 1.2, 2.75), ("goal", 3.0, 3.16)], segs


def test_transcription_is_checked_before_submit(page, live_server, tmp_path):
    world = live_server.world
    url = upload(world, "say.wav", wav_bytes(1.0))
    schema = {"controls": [{"name": "transcript", "kind": "transcription", "to": "audio", "min_length": 2,
                            "max_length": 20, "title": "转写"}]}
    pid = project(world, schema, [{"data": {"audio": url}}], tmp_path)
    login(page, "annotator@example.com")
    first = open_loop(page, pid)
    assert page.locator("section.field[data-field='audio'] audio").count() == 1
    area = page.get_by_role("textbox", name="转写")
    area.fill("  好 ")  # one character after stripping: not enough
    area.press("Control+Enter")
    page.wait_for_function("() => document.getElementById('annotate-status').textContent.startsWith('尚未完成：转写')")
    assert page.get_attribute("#editor", "data-annotation-id") == first
    assert submitted(pid, world.users["annotator"].id) == []
    area.fill("今天天气很好123")  # digits typed in the box are text, not hotkeys
    area.press("Control+Enter")
    page.wait_for_selector("#all-done:not([hidden])")
    assert submitted(pid, world.users["annotator"].id) == [{"transcript": {"text": "今天天气很好123"}}]


def test_kg_triples_by_selection_and_by_search(page, live_server, tmp_path):
    world = live_server.world
    schema = {"controls": [{"name": "kg", "kind": "kg_triples", "to": "text", "relations": ["创立", "位于"]}]}
    pid = project(world, schema, [{"data": {"text": "😀" + KG_TEXT}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    kg = page.locator(".widget.kg")
    page.evaluate(SELECT, [".widget.kg", "马云"])
    kg.get_by_role("button", name="设为主语").click()
    find = page.get_by_placeholder("查找要标注的文本（回车）")
    find.fill("阿里巴巴集团")
    find.press("Enter")
    kg.get_by_role("button", name="设为宾语").click()
    kg.get_by_label("关系").select_option("创立")
    kg.get_by_role("button", name="添加三元组").click()
    # second triple: (阿里巴巴集团, 位于, 杭州)
    page.evaluate(SELECT, [".widget.kg", "阿里巴巴集团"])
    kg.get_by_role("button", name="设为主语").click()
    page.evaluate(SELECT, [".widget.kg", "杭州"])
    kg.get_by_role("button", name="设为宾语").click()
    kg.get_by_label("关系").select_option("位于")
    kg.get_by_role("button", name="添加三元组").click()
    # a wrong third one, deleted again
    find.fill("1999")
    find.press("Enter")
    kg.get_by_role("button", name="设为主语").click()
    kg.get_by_role("button", name="设为宾语").click()
    kg.get_by_role("button", name="添加三元组").click()
    assert kg.locator(".regionlist li").count() == 3
    kg.locator(".regionlist li").nth(2).get_by_role("button", name="删除").click()
    triples = [x.split("\n")[0].strip() for x in kg.locator(".regionlist li").all_inner_texts()]
    assert triples == ["(马云, 创立, 阿里巴巴集团)", "(阿里巴巴集团, 位于, 杭州)"]
    shot(page, "label-kg")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    text = "😀" + KG_TEXT
    got = [((t["subject"]["start"], t["subject"]["end"], t["subject"]["text"]), t["relation"],
            (t["object"]["start"], t["object"]["end"], t["object"]["text"])) for t in result["kg"]["triples"]]
    assert got == [((1, 3, "马云"), "创立", (15, 21, "阿里巴巴集团")),
                   ((15, 21, "阿里巴巴集团"), "位于", (10, 12, "杭州"))]
    for t in result["kg"]["triples"]:
        for part in (t["subject"], t["object"]):
            assert text[part["start"]:part["end"]] == part["text"]


def test_image_text_alignment_links_a_phrase_to_a_region(page, live_server, tmp_path):
    world = live_server.world
    url = upload(world, "cat.png", png_bytes(400, 300))
    schema = {"controls": [{"name": "align", "kind": "image_text_alignment", "image": "image", "text": "caption",
                            "score_scale": [1, 5]}]}
    pid = project(world, schema, [{"data": {"image": url, "caption": "一只猫坐在红色沙发上"}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    wait_image(page, "align")
    page.get_by_role("button", name="提交").click()  # no score yet: refused in the page
    page.wait_for_function("() => document.getElementById('annotate-status').dataset.kind === 'error'")
    page.evaluate(SELECT, [".widget.alignment", "猫"])
    at = image_point(page, "align", 400, 300)
    page.mouse.move(*at(100, 80))
    page.mouse.down()
    page.mouse.move(*at(160, 140), steps=4)
    page.mouse.move(*at(220, 200), steps=4)
    page.mouse.up()
    page.get_by_role("button", name="关联短语与区域").click()
    page.locator("#editor").click(position={"x": 2, "y": 2})
    page.keyboard.press("4")
    assert page.locator(".widget.alignment .scalebtn[aria-checked='true']").inner_text() == "4"
    shot(page, "label-alignment")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    value = result["align"]
    assert value["score"] == 4 and (value["image_width"], value["image_height"]) == (400, 300)
    [link] = value["links"]
    assert link["phrase"] == {"start": 2, "end": 3, "text": "猫"}
    for key, want in (("x", 100), ("y", 80), ("width", 120), ("height", 120)):
        assert abs(link["region"][key] - want) <= 2, (key, link)


def test_reviewer_fixes_an_annotation(page, live_server, tmp_path):
    world = live_server.world
    pid = project(world, SENTIMENT, [{"data": {"text": "菜很咸，服务慢"}}], tmp_path, review_policy="all")
    c = world.client
    lease = c.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator")).json()
    r = c.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", headers=world.h("annotator"),
               json={"result": {"sentiment": {"choices": ["正面"]}}})
    assert r.status_code == 200, r.text
    login(page, "reviewer@example.com")
    page.goto(f"/review/{pid}")
    assert page.locator(".choices input[value='正面']").is_checked()
    assert page.locator(".choices input[value='负面']").is_disabled()
    page.keyboard.press("2")  # read-only until the reviewer chooses to fix
    assert page.locator(".choices input[value='正面']").is_checked()
    page.keyboard.press("f")
    page.get_by_role("button", name="保存修正").wait_for()
    page.keyboard.press("a")  # while fixing, "a" does not accept
    page.keyboard.press("2")
    assert page.locator(".choices input[value='负面']").is_checked()
    page.get_by_label("意见").fill("咸、慢：负面")
    shot(page, "review-fix")
    page.get_by_role("button", name="保存修正").click()
    page.wait_for_selector("#queue-empty:not([hidden])")
    [review] = reviews_of(lease["annotation_id"])
    assert (review.verdict, review.comment, review.fixed_result) == (
        "fix", "咸、慢：负面", {"sentiment": {"choices": ["负面"]}})
    with get_db().reading() as s:
        ann = s.get(Annotation, lease["annotation_id"])
        task = s.get(Task, ann.task_id)
        assert ann.review_state == "fixed"
        assert (task.final, task.final_method) == ({"sentiment": {"choices": ["负面"]}}, "review_fix")


def test_draft_is_restored_after_reload(page, live_server, tmp_path):
    world = live_server.world
    pid = project(world, SENTIMENT,
                  [{"data": {"text": "还行吧"}, "priority": 2}, {"data": {"text": "很好"}, "priority": 1}], tmp_path)
    login(page, "annotator@example.com")
    first = open_loop(page, pid)
    page.keyboard.press("3")
    page.wait_for_function("() => document.getElementById('draft-state').textContent === '草稿已保存'")
    page.reload()
    assert open_loop(page, pid) == first
    assert page.locator("input[value='中性']").is_checked()
    assert page.locator("#prediction-note").is_hidden()

    # a change left before the debounced save: the page's last save on the way out keeps it
    page.keyboard.press("2")
    assert page.locator("#draft-state").inner_text() == "有未保存的修改"
    page.reload()
    assert open_loop(page, pid) == first
    assert page.locator("input[value='负面']").is_checked()
    with get_db().reading() as s:
        ann = s.scalars(select(Annotation).where(Annotation.id == int(first))).one()
        assert ann.draft == {"sentiment": {"choices": ["负面"]}} and ann.status != "submitted"
    page.keyboard.press("Control+Enter")
    page.wait_for_function("p => document.getElementById('editor').dataset.annotationId !== p", arg=first)
    assert submitted(pid, world.users["annotator"].id) == [{"sentiment": {"choices": ["负面"]}}]


def test_alignment_keeps_pre_annotated_links_when_the_image_does_not_load(page, live_server, tmp_path):
    world = live_server.world
    url = upload(world, "sofa.png", png_bytes(400, 300))
    schema = {"controls": [{"name": "align", "kind": "image_text_alignment", "image": "image", "text": "caption"}]}
    link = {"phrase": {"start": 2, "end": 3, "text": "猫"}, "region": {"x": 25, "y": 25, "width": 30, "height": 40}}
    pid = project(world, schema, [{"data": {"image": url, "caption": "一只猫坐在红色沙发上"},
                                   "predictions": [{"model": "clip-v1", "result": {"align": {
                                       "score": 2, "links": [link], "unit": "percent"}}}]}], tmp_path)
    page.route(f"**{url}*", lambda route: route.abort())
    login(page, "annotator@example.com")
    open_loop(page, pid)
    page.locator("#editor").click(position={"x": 2, "y": 2})
    page.keyboard.press("4")  # the annotator changes the score; the image never arrives
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#all-done:not([hidden])")
    assert submitted(pid, world.users["annotator"].id) == [{"align": {"score": 4, "links": [link], "unit": "percent"}}]
