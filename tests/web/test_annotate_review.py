"""Reviewer and expert pages in the browser: a rejection's comment reaches the annotator's
workspace; an expert resolves a disputed task from the side-by-side view."""

from __future__ import annotations

import pytest

from crowdset.annotation.models import Task
from crowdset.db import get_db
from tests.annotation.helpers import SENTIMENT
from tests.conftest import login
from tests.web.test_annotate_support import project, reviews_of, shot

pytestmark = pytest.mark.browser


def label(world, who: str, pid: int, option: str) -> int:
    c = world.client
    lease = c.post(f"/api/v1/projects/{pid}/next", headers=world.h(who)).json()
    r = c.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", headers=world.h(who),
               json={"result": {"sentiment": {"choices": [option]}}})
    assert r.status_code == 200, r.text
    return lease["annotation_id"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_reviewer_rejects_and_annotator_sees_why(page, live_server, tmp_path):
    world = live_server.world
    pid = project(world, SENTIMENT, [{"data": {"text": "菜很咸，服务慢"}, "priority": 2},
                                     {"data": {"text": "环境不错"}, "priority": 1}], tmp_path, review_policy="all")
    wrong = label(world, "annotator", pid, "正面")
    right = label(world, "annotator", pid, "正面")
    login(page, "reviewer@example.com")
    page.goto("/review")
    assert page.locator(f"tr[data-project='{pid}'] td").nth(1).inner_text() == "2"
    page.goto(f"/review/{pid}")
    assert page.locator(".plaintext").inner_text() == "菜很咸，服务慢"
    assert page.locator("table.compare").inner_text().count("正面") == 1
    assert page.locator(".choices input:checked").get_attribute("value") == "正面"  # read-only view of the result
    page.keyboard.press("r")
    page.keyboard.type("“菜很咸，服务慢”是负面评价")
    shot(page, "review")
    page.get_by_role("button", name="驳回（附意见）").click()
    page.wait_for_function("() => document.querySelector('.plaintext')?.textContent === '环境不错'")
    page.keyboard.press("a")
    page.wait_for_selector("#queue-empty:not([hidden])")
    assert [r.verdict for r in reviews_of(wrong)] == ["reject"]
    assert [r.verdict for r in reviews_of(right)] == ["accept"]

    page.context.clear_cookies()
    login(page, "annotator@example.com")
    page.goto("/work")
    feedback = page.locator(".feedback .verdict-reject")
    assert "“菜很咸，服务慢”是负面评价" in feedback.locator("blockquote").inner_text()
    assert page.locator(".feedback .verdict-accept").count() == 1
    shot(page, "work")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_expert_resolves_a_disputed_task(page, live_server, tmp_path):
    world = live_server.world
    pid = project(world, SENTIMENT, [{"data": {"text": "还行吧"}}], tmp_path, overlap=2, agreement_threshold=0.9)
    label(world, "annotator", pid, "正面")
    label(world, "annotator2", pid, "中性")
    login(page, "expert@example.com")
    page.goto(f"/arbitrate/{pid}")
    assert page.locator("table.compare thead th").count() == 4  # control, consensus, two annotators
    assert page.locator("table.compare td.diff").count() >= 1
    page.locator("#compare").get_by_role("button", name="标注员 2").click()
    assert page.locator(".choices input[value='中性']").is_checked()
    page.get_by_label("意见").fill("语气平淡，中性")
    shot(page, "arbitrate")
    page.get_by_role("button", name="裁定").click()
    page.wait_for_selector("#queue-empty:not([hidden])")
    with get_db().reading() as s:
        task = s.query(Task).filter(Task.project_id == pid).one()
        assert (task.state, task.final, task.final_method) == ("done", {"sentiment": {"choices": ["中性"]}}, "expert")
