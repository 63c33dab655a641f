"""The workbench (the home page) in a real browser, in Chinese: what an annotator, a manager and a
dataset owner each see after logging in, and the visitor's short statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crowdset.auth.service import create_user
from crowdset.db import get_db, utcnow
from crowdset.jobs.service import create_job
from tests.annotation.helpers import add_tasks, choice, make_project, texts
from tests.conftest import login, screenshot
from tests.datasets.helpers import create, inject_evaluation, jsonl, records, upload
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


def _label(world, who: str, pid: int, *labels: str) -> None:
    for value in labels:
        lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who)).json()
        r = world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", headers=world.h(who),
                              json={"result": choice(value)})
        assert r.status_code == 200, r.text


def _dead_import(pid: int) -> None:
    """An import whose worker died an hour ago (its row still says running)."""
    with get_db().transaction() as s:
        job = create_job(s, "tasks.import", {"project_id": pid}, None)
        job.state = "running"
        job.started_at = job.heartbeat_at = utcnow() - timedelta(hours=1)
        job.worker_host, job.worker_pid, job.worker_id = "gpu-node-7", 4242, "f" * 32


def _text(page, selector: str) -> str:  # noqa: ANN001
    return " ".join(page.locator(selector).inner_text().split())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_each_role_sees_its_own_workbench(page, live_server, tmp_path):
    world = live_server.world
    pid = make_project(world, status="active", overlap=2)
    add_tasks(pid, texts(6), tmp_path)
    _label(world, "annotator", pid, "正面", "负面")
    _dead_import(pid)
    overdue = create(world, name="门诊病历数据集")
    upload(world, overdue["id"], jsonl(records(4)))
    inject_evaluation(overdue["id"], "C", datetime(2023, 1, 1, tzinfo=UTC))
    with get_db().transaction() as s:
        create_user(s, None, "owner@example.com", PASSWORD, "数据负责人", world.org_a, ["owner"])

    page.goto("/")  # a visitor: what the platform has, and the way in
    assert "众包标注与高质量数据集平台" in _text(page, "main")
    assert page.get_by_role("link", name="登录").first.is_visible()

    login(page, "annotator@example.com")
    assert page.get_by_role("heading", name="工作台").is_visible()
    row = page.locator(f"#annotator tr[data-project='{pid}']")
    assert _text(page, "#annotator .counter").startswith("今日提交 2")
    assert row.locator("td.waiting").inner_text() == "4"  # six tasks, two done by them
    assert page.locator("#manager, #datasets, #queues").count() == 0
    row.get_by_role("link", name="开始标注").click()
    page.wait_for_url(f"**/work/{pid}")

    page.context.clear_cookies()
    login(page, "manager@example.com")
    manager = _text(page, f"#manager tr[data-project='{pid}']")
    assert "已完成 0 / 6 个任务" in manager
    assert "任务导入 自" in manager and "起没有心跳，将被标记为失败或重新排队" in manager
    assert "门诊病历数据集" in _text(page, "#datasets .due")  # the manager manages the datasets too
    shot = screenshot(page, "workbench-manager")
    assert shot.stat().st_size > 10_000
    page.get_by_role("link", name="情感分类").click()
    page.wait_for_url(f"**/projects/{pid}")

    page.context.clear_cookies()
    login(page, "owner@example.com")
    assert page.locator("#manager, #annotator, #queues").count() == 0
    due = _text(page, f"#datasets .due li[data-dataset='{overdue['id']}']")
    assert due.startswith("门诊病历数据集 C 自 2025-01-01 起逾期"), due  # basic tier: valid 24 months
    assert _text(page, f"#datasets tr[data-dataset='{overdue['id']}']") == "门诊病历数据集 草稿 C 基础储备 2025-01-01"
    page.locator("#datasets .due").get_by_role("link", name="门诊病历数据集").click()
    page.wait_for_url(f"**/datasets/{overdue['id']}")
