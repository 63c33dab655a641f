"""Dataset pages in a real browser: Chinese substring search, an owner publishing a project's
export, running an evaluation and reading the report. Saves docs/screenshots/datasets-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.annotation.helpers import add_tasks, make_project, texts
from tests.conftest import login
from tests.datasets.helpers import create, jsonl, records, upload
from tests.web.test_manage_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_catalogue_finds_a_dataset_by_a_chinese_substring(page, live_server):
    world = live_server.world
    create(world)
    create(world, bare=True, name="金融风控文本语料", description="信贷审批文本", domain="finance",
           kind="industry-general", modality="text")
    create(world, bare=True, name="城市交通流量", description="路口车流统计", domain="transport", modality="tabular")
    login(page, "annotator@example.com")
    page.goto("/datasets")
    cards = page.locator(".ds-card h2")
    assert cards.count() == 3
    page.fill("#q", "风控")
    expect(page.locator(".ds-card")).to_have_count(1)
    assert cards.all_text_contents() == ["金融风控文本语料"]
    assert "q=" in page.url  # the search is in the address, so it can be shared
    page.fill("#q", "")
    expect(page.locator(".ds-card")).to_have_count(3)
    page.select_option("select[name=domain]", "transport")
    expect(page.locator(".ds-card")).to_have_count(1)
    assert cards.all_text_contents() == ["城市交通流量"]
    page.select_option("select[name=domain]", "")
    expect(page.locator(".ds-card")).to_have_count(3)
    shot(page, "datasets-catalogue")


def test_owner_publishes_evaluates_and_reads_the_report(page, live_server, tmp_path):
    world = live_server.world
    ds = create(world)
    assert upload(world, ds["id"], jsonl(records(60))).status_code == 201
    pid = make_project(world)
    add_tasks(pid, texts(4), tmp_path)
    login(page, "manager@example.com")
    page.goto(f"/datasets/{ds['id']}")
    assert page.locator("#ds-rating").text_content().strip() == "未评级"

    page.select_option("#publish-form select[name=project_id]", str(pid))
    with page.expect_navigation():
        page.get_by_role("button", name="发布").click()
    assert page.locator("#versions tbody tr").count() == 2

    page.select_option("#evaluate-form select[name=profile]", "general")
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="评测").click()
    row = page.locator("#evaluations tbody tr").first
    assert "成功" in row.text_content()
    grade = row.locator(".badge.grade").text_content().strip()
    assert grade in "ABCD"
    assert page.locator("#ds-rating").text_content().strip() == grade  # the newest version's grade is the rating
    shot(page, "datasets-detail")

    row.get_by_role("link", name="阅读报告").click()
    page.wait_for_url(re.compile(r"/evaluations/\d+$"))
    assert page.locator("#report-grade").text_content().strip() == grade
    page.locator("#radar-chart svg").wait_for()
    page.locator("#indicator-chart svg").wait_for()
    assert page.locator("#indicator-table tbody tr").count() >= 10
    frame = page.frame_locator("iframe.report")
    frame.locator("body").wait_for()
    assert frame.locator("svg").first.is_visible()  # the toolset's own report, sandboxed
    page.locator("iframe.report").scroll_into_view_if_needed()
    shot(page, "datasets-report")

    page.goto(f"/datasets/{ds['id']}/edit")
    page.fill("textarea[name=limitations]", "仅覆盖三家医院；不含儿科病例")
    shot(page, "datasets-edit")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/datasets/{ds['id']}$"))
    assert "不含儿科病例" in page.locator("#card").text_content()
