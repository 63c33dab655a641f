"""Small breakages seen in a real browser (issue 12, point 8): the dataset version field's ``pattern``
must compile in Chromium (which compiles it with the ``v`` flag) so its check runs, an unknown
address shows the not-found page rather than a JSON body, and dates and status badges stay on one
line when a long title squeezes a table at 1366 px."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import make_project
from tests.conftest import login
from tests.datasets.helpers import create, jsonl, records, upload

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_version_label_pattern_runs_and_agrees_with_the_server(page, live_server):
    world = live_server.world
    ds = create(world)
    make_project(world)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    login(page, "manager@example.com")
    page.goto(f"/datasets/{ds['id']}")
    field = page.locator("#publish-form input[name=version]")

    def mismatch(value: str) -> bool:
        field.fill(value)
        return field.evaluate("el => el.validity.patternMismatch")

    for bad in ("-v1", ".v1", "v 1", "v/1", "版本1", "v1!"):
        assert mismatch(bad), bad
        assert field.evaluate("el => el.matches(':invalid')"), bad
    for good in ("v1", "1.0.0", "2026-12-04", "rc_1", "A-b.c_9", "x" * 50):
        assert not mismatch(good), good
        assert field.evaluate("el => el.matches(':valid')"), good
    field.fill("")
    assert field.evaluate("el => el.matches(':valid')")  # the label is optional
    assert not [m for m in console if "pattern" in m.lower()], console  # Chromium logs a pattern it cannot compile


def test_an_unknown_address_shows_the_not_found_page(page, live_server):
    login(page, "annotator@example.com")
    response = page.goto("/no/such/page")
    assert response.status == 404
    assert page.locator("h1").text_content().strip() == "未找到"
    assert page.locator("pre").count() == 0  # not Chromium's view of a JSON body
    assert page.get_by_role("button", name="退出登录").is_visible()  # still signed in, the page's header intact


def _lines(locator) -> float:  # noqa: ANN001
    """How many lines an element's text takes: the height of its text (not of the cell, which a table
    stretches to the row) over the line height."""
    return locator.evaluate("""el => {
        const s = getComputedStyle(el);
        const line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2;
        const range = document.createRange();
        range.selectNodeContents(el);
        return range.getBoundingClientRect().height / line;
    }""")


def test_dates_and_status_badges_stay_on_one_line_beside_a_long_title(page, live_server):
    from crowdset.annotation.models import Project
    from crowdset.db import get_db

    world = live_server.world
    long_title = ("2026年度城市交通事件多模态标注与质量复核项目（第三期：视频、图像与文本联合标注及专家仲裁）"
                  " — a deliberately long title that takes most of the row " * 3)
    pid = make_project(world)
    with get_db().transaction() as s:
        s.get(Project, pid).title = long_title
    ds = create(world, name=long_title[:200])
    assert upload(world, ds["id"], jsonl(records(10))).status_code == 201
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "manager@example.com")

    page.goto("/projects")
    row = page.locator("table.list tbody tr").first
    assert _lines(row.locator("td").first) > 2  # the title does wrap: the row is under pressure
    date = row.locator("td.date")
    assert date.text_content().strip().count("-") == 2
    assert _lines(date) < 1.5, date.bounding_box()
    assert _lines(row.locator(".badge")) < 1.5, row.locator(".badge").bounding_box()

    page.goto(f"/datasets/{ds['id']}")
    assert page.locator("#versions .date").count() == 1
    for cell in page.locator(".date").all():
        assert _lines(cell) < 1.5, (cell.text_content(), cell.bounding_box())
