"""Small breakages seen in a real browser (issue 12, point 8): the dataset version field's ``pattern``
must compile in Chromium (which compiles it with the ``v`` flag) so its check runs, and an unknown
address shows the not-found page rather than a JSON body."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import make_project
from tests.conftest import login
from tests.datasets.helpers import create

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
