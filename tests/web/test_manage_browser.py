"""Manager workspace in a real browser: schema builder, import with an error report, progress,
language switch, quality charts. Saves docs/screenshots/manage-*.png."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.annotation.helpers import add_tasks, choice, make_project
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
TRUTH = ["正面", "负面", "中性"]


def shot(page, name: str) -> None:
    screenshot(page, name)


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def test_create_project_import_and_progress(page, live_server):
    login(page, "manager@example.com")
    page.goto("/projects/new")
    page.fill("#title", "商品评论情感")
    page.select_option("#new-kind", "choices")
    page.click("#add-control")
    card = page.locator(".control-card").first
    card.locator("[data-field=name]").fill("sentiment")
    card.locator("textarea").fill("正面\n负面\n中性")
    page.select_option("#new-kind", "spans")
    page.click("#add-control")
    # the live previews follow the builder
    schema = json.loads(page.locator("#json-preview").text_content())
    assert schema["controls"][0] == {"name": "sentiment", "kind": "choices", "to": "text",
                                     "options": ["正面", "负面", "中性"], "multiple": False}
    assert schema["controls"][1]["kind"] == "spans"
    assert page.locator("#task-preview input[type=radio]").count() == 3
    shot(page, "manage-new-project")
    page.locator(".control-card").nth(1).get_by_role("button", name=re.compile("^移除")).click()
    page.get_by_role("button", name="创建项目").click()
    page.wait_for_url(re.compile(r"/projects/\d+/import$"))

    # a file with one bad row: rejected whole, the row is reported
    bad = jsonl([{"data": {"text": "很好"}}, {"data": {"text": "一般"}, "gold": {"sentiment": {"choices": ["不存在"]}},
                 "is_gold": True}, {"data": {"text": "很差"}}])
    page.set_input_files("#import-file", {"name": "bad.jsonl", "mimeType": "application/jsonl", "buffer": bad})
    page.get_by_role("button", name="上传").click()
    rows = page.locator("#import-error-rows tr")
    rows.first.wait_for()
    assert rows.count() >= 1
    assert rows.first.locator("td").first.text_content() == "2"
    assert "sentiment" in rows.first.text_content()
    shot(page, "manage-import-errors")

    good = jsonl([{"data": {"text": f"第{i}条评论"}} for i in range(5)])
    page.set_input_files("#import-file", {"name": "good.jsonl", "mimeType": "application/jsonl", "buffer": good})
    page.get_by_role("button", name="上传").click()
    page.locator("#import-done").wait_for()
    assert "5" in page.locator("#import-done").text_content()
    assert page.locator("#import-progress").get_attribute("value") == "100"
    assert page.locator("#import-errors").is_hidden()

    page.get_by_role("link", name="进度").click()
    assert page.locator("#kpi-total").text_content() == "5"
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    assert page.get_by_role("heading", name="Tasks by state").is_visible()
    assert page.get_by_role("link", name="Members").is_visible()
    page.get_by_role("link", name="简体中文").click()


def _crowd_project(world, tmp_path: Path) -> int:
    """18 tasks and 3 gold, three annotators; annotator3 always answers 中性 (a spammer)."""
    pid = make_project(world, overlap=3, gold_ratio=0.2)
    tasks = [{"data": {"text": f"评论{i}"}} for i in range(18)]
    tasks += [{"data": {"text": f"金标{i}"}, "is_gold": True, "gold": choice(TRUTH[i % 3])} for i in range(3)]
    add_tasks(pid, tasks, tmp_path)
    for who in ("annotator", "annotator2", "annotator3"):
        while (r := world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who))).status_code != 204:
            lease = r.json()
            label = "中性" if who == "annotator3" else TRUTH[int(lease["data"]["text"][2:]) % 3]
            world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                              json={"result": choice(label), "lead_time": 5}, headers=world.h(who))
    return pid


def test_quality_members_and_export(page, live_server, tmp_path):
    pid = _crowd_project(live_server.world, tmp_path)
    login(page, "manager@example.com")
    page.goto(f"/projects/{pid}")
    page.locator("#throughput-chart svg").wait_for()
    shot(page, "manage-overview")

    page.goto(f"/projects/{pid}/quality")
    for method in ("mv", "ds"):  # two runs: two points of agreement history
        page.select_option("select[name=method]", method)
        with page.expect_navigation():  # the page reloads when the job has finished
            page.get_by_role("button", name="运行").click()
    assert page.locator("#worker-table tbody tr").count() == 3
    flagged = page.locator("#worker-table tr.flagged")
    assert flagged.count() == 1 and "annotator3" in flagged.text_content()
    page.locator("#workers-chart svg").wait_for()
    shot(page, "manage-quality")

    page.goto(f"/projects/{pid}/members")
    page.select_option("select[name=user_id]", label="manager (manager@example.com)")
    page.select_option("select[name=role]", "reviewer")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_load_state()
    row = page.locator("#member-table tr[data-role=reviewer]", has_text="manager")
    row.wait_for()
    shot(page, "manage-members")
    row.get_by_role("button").click()
    row.wait_for(state="detached")

    page.goto(f"/projects/{pid}/export")
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载 jsonl").click()
    name = dl.value.suggested_filename  # project-<id>-<format>-<YYYYMMDD>.<ext>
    assert name.startswith(f"project-{pid}-jsonl-") and name.endswith(".jsonl")
    shot(page, "manage-export")
    page.goto("/projects")
    shot(page, "manage-projects")
