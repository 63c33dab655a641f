"""Labelling text in the browser: classification with hotkeys, NER spans (emoji offsets), and
task text that looks like HTML shown as text."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import NER, SENTIMENT
from tests.conftest import login
from tests.web.test_annotate_spans import drag_select
from tests.web.test_annotate_support import open_loop, project, shot, submitted, wait_next

pytestmark = pytest.mark.browser

XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">差评'


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_classify_with_keys_and_script_text_stays_text(page, live_server, tmp_path):
    world = live_server.world
    pid = project(world, SENTIMENT, [{"data": {"text": "这家餐厅很好吃"}, "priority": 3},
                                     {"data": {"text": XSS}, "priority": 2},
                                     {"data": {"text": "一般般"}, "priority": 1}], tmp_path,
                  instructions="按情感分类。**正面**：称赞。")
    login(page, "annotator@example.com")
    first = open_loop(page, pid)
    assert page.locator(".plaintext").inner_text() == "这家餐厅很好吃"
    page.keyboard.press("?")
    assert page.locator("#instructions").is_visible()
    assert page.locator("#instructions strong").inner_text() == "正面"
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    assert page.locator("input[value='正面']").is_checked()
    page.keyboard.press("2")  # single choice: the second key replaces the first
    page.keyboard.press("Control+z")
    assert page.locator("input[value='正面']").is_checked()
    page.keyboard.press("Control+Shift+Z")
    assert page.locator("input[value='负面']").is_checked()
    page.keyboard.press("1")
    shot(page, "label-choices")
    page.keyboard.press("Control+Enter")
    second = wait_next(page, first)
    assert page.locator("#today-count").inner_text() == "1"

    # The HTML-looking task is text: no element was created from it and nothing ran.
    assert page.locator(".plaintext").inner_text() == XSS
    assert page.locator(".plaintext script, .plaintext img").count() == 0
    assert page.evaluate("window.__xss") is None
    page.get_by_label("负面").check()
    page.get_by_role("button", name="提交").click()
    third = wait_next(page, second)
    page.get_by_role("button", name="跳过").click()
    page.wait_for_selector("#all-done:not([hidden])")
    assert third
    results = submitted(pid, world.users["annotator"].id)
    assert results == [{"sentiment": {"choices": ["正面"]}}, {"sentiment": {"choices": ["负面"]}}]
    assert page.evaluate("window.__xss") is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_ner_spans_by_selection_with_emoji_offsets(page, live_server, tmp_path):
    world = live_server.world
    schema = {"controls": [*NER["controls"],
                           {"name": "rels", "kind": "relations", "spans": "entities", "labels": ["创立"],
                            "required": False}]}
    text = "😀马云于1999年在杭州创立了阿里巴巴集团。"
    pid = project(world, schema, [{"data": {"text": text},
                                   "predictions": [{"model": "ner-v1", "score": 0.8, "result": {"entities": {"spans": [
                                       {"id": "p1", "start": 10, "end": 12, "label": "ORG", "text": "杭州"}]}}}]}],
                  tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    # The prediction is a pre-annotation: shown, and editable (relabel it LOC).
    assert "ner-v1" in page.locator("#prediction-note").inner_text()
    page.get_by_label("杭州 的标签").select_option("LOC")

    page.keyboard.press("1")  # PER
    drag_select(page, "马云")
    page.locator(".labelbar button[data-label='ORG']").click()
    drag_select(page, "阿里巴巴集团")
    # keyboard route: type a phrase, Enter labels it
    page.keyboard.press("3")
    page.get_by_placeholder("查找要标注的文本（回车）").fill("1999")
    page.get_by_placeholder("查找要标注的文本（回车）").press("Enter")
    page.get_by_role("button", name="删除 1999").click()
    page.locator(".relations select").nth(0).select_option(label="马云 [PER]")
    page.locator(".relations select").nth(1).select_option(label="阿里巴巴集团 [ORG]")
    page.get_by_role("button", name="添加关系").click()
    page.wait_for_function("() => document.querySelectorAll('.spantext .r6o-annotation').length === 3")
    shot(page, "label-ner")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    spans = {(s["start"], s["end"], s["label"], s["text"]) for s in result["entities"]["spans"]}
    assert spans == {(1, 3, "PER", "马云"), (10, 12, "LOC", "杭州"), (15, 21, "ORG", "阿里巴巴集团")}
    assert all(text[s["start"]:s["end"]] == s["text"] for s in result["entities"]["spans"])
    by_id = {s["id"]: s["text"] for s in result["entities"]["spans"]}
    [rel] = result["rels"]["relations"]
    assert (by_id[rel["from"]], rel["label"], by_id[rel["to"]]) == ("马云", "创立", "阿里巴巴集团")
