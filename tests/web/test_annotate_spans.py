"""NER spans with @recogito/text-annotator: real mouse selections on Chinese text, labels by button
and hotkey, predictions as editable pre-annotations, offsets in code points after an emoji."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import NER
from tests.conftest import login
from tests.web.test_annotate_support import open_loop, project, shot, submitted

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

# Screen rectangles of the first occurrence of `phrase` in the span text under `scope` (first and last
# character), so the mouse can drag over it as a person would.
PHRASE_BOX = """([scope, phrase]) => {
    const view = document.querySelector(scope + ' .spantext');
    const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const at = node.data.indexOf(phrase);
      if (at < 0) continue;
      const rect = (a, b) => { const r = document.createRange(); r.setStart(node, a); r.setEnd(node, b);
                               const x = r.getBoundingClientRect(); return [x.left, x.right, x.top + x.height / 2]; };
      const first = node.data.codePointAt(at) > 0xffff ? 2 : 1;
      const lastAt = at + phrase.length - (node.data.codePointAt(at + phrase.length - 2) > 0xffff ? 2 : 1);
      return [rect(at, at + first), rect(lastAt, at + phrase.length)];
    }
    throw new Error('not found: ' + phrase);
}"""


def drag_select(page, phrase: str, scope: str = ".widget.spans") -> None:  # noqa: ANN001
    """Select `phrase` with the mouse: press on its first character, drag to its last, release."""
    page.locator(f"{scope} .spantext").scroll_into_view_if_needed()
    (l0, _r0, y0), (_l1, r1, y1) = page.evaluate(PHRASE_BOX, [scope, phrase])
    page.mouse.move(l0 + 1, y0)
    page.mouse.down()
    page.mouse.move((l0 + r1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(r1 - 1, y1, steps=4)
    page.mouse.up()
    # the annotator reports the new annotation asynchronously; the span list shows it
    page.wait_for_function("""([scope, phrase]) => [...document.querySelectorAll(scope + ' .regionlist .chiptext')]
        .some((e) => e.textContent === phrase)""", arg=[scope, phrase])


def click_span(page, phrase: str, scope: str = ".widget.spans") -> None:  # noqa: ANN001
    """Click the middle of an existing highlighted span."""
    (l0, _r0, y0), (_l1, r1, y1) = page.evaluate(PHRASE_BOX, [scope, phrase])
    page.mouse.click((l0 + r1) / 2, y0)


def spans_of(result: dict, name: str = "entities") -> set[tuple[int, int, str, str]]:
    return {(s["start"], s["end"], s["label"], s["text"]) for s in result[name]["spans"]}


def test_chinese_ner_by_mouse_with_button_and_hotkey_labels(page, live_server, tmp_path):
    world = live_server.world
    text = "马云于1999年在杭州创立了阿里巴巴集团。"
    pid = project(world, NER, [{"data": {"text": text}}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    spans = page.locator(".widget.spans")
    spans.locator(".labelbar button[data-label='ORG']").click()
    drag_select(page, "阿里巴巴集团")
    page.keyboard.press("1")  # PER by hotkey, for the next selection
    assert spans.locator(".labelbar button[data-label='PER']").get_attribute("aria-checked") == "true"
    drag_select(page, "马云")
    page.keyboard.press("3")
    drag_select(page, "杭州")
    # drawn by the annotator's own highlight layer (one box per span here: each fits on one line)
    page.wait_for_function(
        "() => document.querySelectorAll('.spantext .r6o-span-highlight-layer .r6o-annotation').length === 3")
    shot(page, "label-ner-text-annotator")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    assert spans_of(result) == {(0, 2, "PER", "马云"), (9, 11, "LOC", "杭州"), (14, 20, "ORG", "阿里巴巴集团")}
    assert all(text[s["start"]:s["end"]] == s["text"] for s in result["entities"]["spans"])
    assert len({s["id"] for s in result["entities"]["spans"]}) == 3


def test_prediction_is_an_editable_pre_annotation(page, live_server, tmp_path):
    world = live_server.world
    text = "马云于1999年在杭州创立了阿里巴巴集团。"
    pid = project(world, NER, [{"data": {"text": text}, "predictions": [{"model": "ner-v1", "score": 0.9, "result": {
        "entities": {"spans": [{"id": "p1", "start": 0, "end": 2, "label": "ORG", "text": "马云"},
                               {"id": "p2", "start": 3, "end": 7, "label": "PER", "text": "1999"},
                               {"id": "p3", "start": 14, "end": 20, "label": "ORG", "text": "阿里巴巴集团"}]}}}]}],
                  tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    assert "ner-v1" in page.locator("#prediction-note").inner_text()
    spans = page.locator(".widget.spans")
    page.wait_for_function("() => document.querySelectorAll('.spantext .r6o-annotation').length >= 3")
    # Click the predicted 马云 in the text: it is selected; the PER button relabels it.
    click_span(page, "马云")
    page.wait_for_selector(".widget.spans .regionlist li.focus")
    assert spans.locator(".regionlist li.focus .chiptext").inner_text() == "马云"
    spans.locator(".labelbar button[data-label='PER']").click()
    assert spans.get_by_label("马云 的标签").input_value() == "PER"
    # Click the wrong 1999 span and delete it with the Delete key.
    click_span(page, "1999")
    page.wait_for_function(
        "() => document.querySelector('.widget.spans .regionlist li.focus .chiptext')?.textContent === '1999'")
    page.keyboard.press("Delete")
    assert spans.locator(".regionlist li").count() == 2
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    assert spans_of(result) == {(0, 2, "PER", "马云"), (14, 20, "ORG", "阿里巴巴集团")}


def test_emoji_before_the_span_gives_code_point_offsets(page, live_server, tmp_path):
    world = live_server.world
    text = "今天😀见到🇨🇳马云和𠮷野家老板。"
    pid = project(world, NER, [{"data": {"text": text},
                                "predictions": [{"model": "m", "result": {"entities": {"spans": [
                                    {"id": "p1", "start": 10, "end": 14, "label": "ORG", "text": "𠮷野家老"}]}}}]}],
                  tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    # The pre-annotation after three astral characters sits on its own text: clicking there selects it,
    # and a hotkey relabels the selected span.
    page.wait_for_function("() => document.querySelectorAll('.spantext .r6o-annotation').length >= 1")
    click_span(page, "𠮷野家老")
    page.wait_for_selector(".widget.spans .regionlist li.focus")
    page.keyboard.press("3")
    assert page.get_by_label("𠮷野家老 的标签").input_value() == "LOC"
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    drag_select(page, "马云")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    # 今天 (2) + 😀 (1) + 见到 (2) + 🇨🇳 (2 regional indicators) = 7: Python indices, not UTF-16 (10)
    assert text.index("马云") == 7
    assert spans_of(result) == {(7, 9, "PER", "马云"), (10, 14, "LOC", "𠮷野家老")}
