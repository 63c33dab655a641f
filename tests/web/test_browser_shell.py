"""The web shell in a real browser (Debian chromium driven by Playwright)."""

from __future__ import annotations

import pytest

from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_login_and_language_switch(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    login(page, "manager@example.com")
    assert page.get_by_role("button", name="退出登录").is_visible()
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/")
    assert page.get_by_role("button", name="Log out").is_visible()
