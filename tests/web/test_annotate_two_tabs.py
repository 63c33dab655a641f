"""The same task open in two tabs: the second submit does not overwrite the first silently; the
editor says so in the reader's language and lets the person keep the saved answer or replace it."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import SENTIMENT
from tests.conftest import login
from tests.web.test_annotate_support import open_loop, project, shot, submitted, wait_next

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_second_tab_submit_is_a_conflict_shown_in_the_editor(page, live_server, tmp_path):
    world = live_server.world
    pid = project(world, SENTIMENT, [{"data": {"text": "第一条"}, "priority": 2},
                                     {"data": {"text": "第二条"}, "priority": 1}], tmp_path)
    login(page, "annotator@example.com")
    first = open_loop(page, pid)
    other = page.context.new_page()  # a second tab of the same browser: same session
    other.set_default_timeout(10_000)
    assert open_loop(other, pid) == first  # next hands back the lease already held

    page.get_by_label("正面").check()
    page.get_by_role("button", name="提交").click()
    wait_next(page, first)

    other.get_by_label("负面").check()
    other.get_by_role("button", name="提交").click()
    notice = other.locator("#conflict")
    notice.wait_for(state="visible")
    assert "已提交" in notice.inner_text() and "另一个标签页" in notice.inner_text()
    shot(other, "two-tabs-conflict")
    assert submitted(pid, world.users["annotator"].id) == [{"sentiment": {"choices": ["正面"]}}]

    other.get_by_role("button", name="用我的答案替换").click()
    wait_next(other, first)
    assert other.locator("#conflict").is_hidden()
    assert submitted(pid, world.users["annotator"].id)[0] == {"sentiment": {"choices": ["负面"]}}
    other.close()
