"""The import page lists a rejected file's rows in the page's language (the API's texts by code, in the
language the page asks for), and names a control by its title where the label schema gives one."""

from __future__ import annotations

import json

import pytest

from tests.annotation.helpers import make_project
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SCHEMA = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"],
                        "title": "情感倾向"}]}
BAD = "".join([
    json.dumps({"data": {"text": "很好"}}, ensure_ascii=False) + "\n",
    json.dumps({"data": {"text": "一般"}, "is_gold": True, "gold": {"sentiment": {"choices": ["不存在"]}}},
               ensure_ascii=False) + "\n",
    '{"data": {"text": "坏"} "x": 1}\n',
    json.dumps({"data": {"text": "还行"}, "bogus": 1}, ensure_ascii=False) + "\n",
    json.dumps({"comment": "没有 text 列"}, ensure_ascii=False) + "\n",
]).encode()


def _upload_bad_file(page, pid: int, lang: str) -> dict[str, list[str]]:
    page.goto(f"/projects/{pid}/import?lang={lang}")
    page.set_input_files("#import-file", {"name": "bad.jsonl", "mimeType": "application/jsonl", "buffer": BAD})
    page.locator("#import-form button[type=submit]").click()
    rows = page.locator("#import-error-rows tr")
    rows.first.wait_for()
    table: dict[str, list[str]] = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        table[rows.nth(i).get_attribute("data-code")] = [cells.nth(j).text_content() for j in range(3)]
    return table


def test_import_errors_in_chinese_with_control_titles(_browser, live_server):
    # an English browser: the page's language (chosen here by ?lang) decides, not the browser's
    context = _browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, "manager@example.com")
        pid = make_project(live_server.world, SCHEMA)
        table = _upload_bad_file(page, pid, "zh_CN")
        assert page.locator("#import-error-detail").text_content() == "5 行中有 4 行无效；未导入任何内容"
        row, field, message = table["result.not_an_option"]
        assert row == "2" and field.startswith("情感倾向") and "gold.sentiment.choices[0]" in field
        assert message == "不是该控件的选项之一"
        row, field, message = table["format.invalid_json_column"]
        assert (row == "3" and field == "（整行）"
                and message.startswith("无效的 JSON：Expecting ',' delimiter（第 ")), message
        assert table["format.unknown_task_key"][2].startswith("未知的任务键（允许："), table
        row, field, message = table["import.missing_data_field"]
        assert row == "5" and field == "data.text"
        assert message.startswith("缺失：控件“情感倾向”标注此字段"), message
        screenshot(page, "manage-import-errors-zh")

        table = _upload_bad_file(page, pid, "en")
        assert page.locator("#import-error-detail").text_content() == \
            "4 of 5 rows are not valid; nothing was imported"
        assert table["result.not_an_option"][2] == "is not one of the control's options"
        assert table["import.missing_data_field"][2].startswith("missing: control '情感倾向' labels this field")
    finally:
        context.close()
