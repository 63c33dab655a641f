"""Judging LLM outputs in the browser: rank two answers (drag, then keyboard) with a rating and a
pairwise preference, and review a chain of thought step by step."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.web.test_annotate_support import open_loop, project, shot, submitted

pytestmark = pytest.mark.browser

ANSWERS = [{"id": "r1", "text": "答案一：**2 + 2 = 5**"},
           {"id": "r2", "text": "答案二：\n\n- 2 + 2 = 4\n- 见 `math`\n\n<img src=x onerror=\"window.__xss=1\">"}]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_rank_two_answers_and_prefer_one(page, live_server, tmp_path):
    world = live_server.world
    schema = {"controls": [
        {"name": "order", "kind": "ranking", "to": "responses", "title": "排序"},
        {"name": "better", "kind": "pairwise", "to": ["a", "b"], "allow_tie": True, "title": "哪个更好"},
        {"name": "fluency", "kind": "rating", "min": 1, "max": 5, "title": "流畅度"},
    ]}
    data = {"prompt": "2 + 2 等于几？", "responses": ANSWERS, "a": ANSWERS[0]["text"], "b": ANSWERS[1]["text"]}
    pid = project(world, schema, [{"data": data}], tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    # Markdown is rendered, HTML in it is text
    assert page.locator(".rankitem strong").first.inner_text() == "2 + 2 = 5"
    assert page.locator(".rankitem li").count() == 2
    assert page.locator(".rankitem img, .response img").count() == 0
    page.get_by_role("button", name="提交").click()
    assert "排序" in page.locator("#annotate-status").inner_text()  # unranked: not submitted yet
    page.locator(".rankitem[data-id='r2']").drag_to(page.locator(".rankitem[data-id='r1']"))
    assert page.locator(".rankitem").first.get_attribute("data-id") == "r2"
    # keyboard: move r2 down and back up
    page.locator(".rankitem[data-id='r2']").focus()
    page.keyboard.press("Alt+ArrowDown")
    assert page.locator(".rankitem").first.get_attribute("data-id") == "r1"
    page.locator(".rankitem[data-id='r2']").focus()
    page.keyboard.press("Alt+ArrowUp")
    page.locator(".pairwise button[data-choice='right']").click()
    page.get_by_label("理由（可选）").fill("答案二正确")
    page.locator(".rating button[data-value='4']").click()
    shot(page, "label-ranking")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    assert page.evaluate("window.__xss") is None
    [result] = submitted(pid, world.users["annotator"].id)
    assert result == {"order": {"order": ["r2", "r1"]}, "better": {"choice": "right", "reason": "答案二正确"},
                      "fluency": {"value": 4}}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_review_a_chain_of_thought(page, live_server, tmp_path):
    world = live_server.world
    schema = {"controls": [{"name": "cot", "kind": "cot_review", "to": "steps", "final_scale": [1, 5]}]}
    pid = project(world, schema,
                  [{"data": {"question": "x = 2，求 x²", "steps": ["设 x = 2", "则 x² = 4", "所以答案是 5"]}}],
                  tmp_path)
    login(page, "annotator@example.com")
    open_loop(page, pid)
    steps = page.locator(".step")
    steps.nth(0).get_by_role("button", name="正确").click()
    steps.nth(1).get_by_role("button", name="正确").click()
    steps.nth(2).get_by_role("button", name="错误").click()
    page.get_by_label("第 3 步的更正").fill("所以答案是 4")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("2")  # final rating by key
    page.get_by_label("最终答案").select_option("incorrect")
    shot(page, "label-cot")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#all-done:not([hidden])")
    [result] = submitted(pid, world.users["annotator"].id)
    assert result == {"cot": {"steps": [{"index": 0, "verdict": "correct"}, {"index": 1, "verdict": "correct"},
                                        {"index": 2, "verdict": "incorrect", "correction": "所以答案是 4"}],
                              "final_rating": 2, "final_verdict": "incorrect"}}
