"""Dataset pages without a browser: who sees what, search and filters, safe Markdown cards."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import make_project
from tests.datasets.helpers import create, inject_evaluation, jsonl, records, upload
from tests.web.test_manage_pages import sign_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def names(html: str) -> list[str]:
    import re

    return re.findall(r'<h2><a href="/datasets/\d+">([^<]+)</a></h2>', html)


def test_catalogue_is_for_everyone_signed_in_owner_pages_are_not(world):
    ds = create(world)
    assert world.client.get("/datasets", follow_redirects=False).status_code == 303
    sign_in(world, "annotator")
    page = world.client.get("/datasets")
    assert page.status_code == 200 and names(page.text) == ["医疗影像数据集"]
    assert "/datasets/new" not in page.text
    detail = world.client.get(f"/datasets/{ds['id']}")
    assert detail.status_code == 200 and "publish-form" not in detail.text and "evaluate-form" not in detail.text
    assert world.client.get("/datasets/new").status_code == 403
    assert world.client.get(f"/datasets/{ds['id']}/edit").status_code == 403


def test_other_organisations_dataset_is_not_found(world):
    ds = create(world)
    sign_in(world, "manager_b")
    assert world.client.get(f"/datasets/{ds['id']}").status_code == 404
    assert names(world.client.get("/datasets").text) == []


def test_search_by_chinese_substring_and_filters(world):
    create(world)
    create(world, bare=True, name="金融风控文本", domain="finance", kind="industry-general", modality="text")
    sign_in(world, "manager")
    assert names(world.client.get("/datasets", params={"q": "影像"}).text) == ["医疗影像数据集"]
    assert names(world.client.get("/datasets", params={"q": "风控"}).text) == ["金融风控文本"]
    assert names(world.client.get("/datasets", params={"domain": "finance"}).text) == ["金融风控文本"]
    assert names(world.client.get("/datasets", params={"kind": "industry-specific"}).text) == ["医疗影像数据集"]
    assert names(world.client.get("/datasets", params={"grade": "A"}).text) == []
    bad = world.client.get("/datasets", params={"tier": "gold"})
    assert bad.status_code == 200 and 'class="error"' in bad.text


def test_owner_sees_actions_rating_and_history(world):
    ds = create(world)
    assert upload(world, ds["id"], jsonl(records())).status_code == 201
    ev = inject_evaluation(ds["id"], "B")
    make_project(world)
    sign_in(world, "manager")
    page = world.client.get(f"/datasets/{ds['id']}").text
    for part in ("publish-form", "evaluate-form", f"/datasets/{ds['id']}/edit", 'grade-B', "/versions/1/file"):
        assert part in page, part
    assert world.client.get(f"/datasets/{ds['id']}/edit").status_code == 200
    assert world.client.get(f"/datasets/{ds['id']}/evaluations/{ev}").status_code == 200
    assert world.client.get(f"/datasets/{ds['id']}/evaluations/999999").status_code == 404


def test_card_markdown_is_rendered_safely(world):
    ds = create(world, description="**粗体** <script>alert(1)</script> [点我](javascript:alert(1))")
    sign_in(world, "manager")
    page = world.client.get(f"/datasets/{ds['id']}").text
    card = page.split('id="card"', 1)[1].split("</section>", 1)[0]
    assert "<script>alert(1)" not in card and 'href="javascript:' not in card
    assert "&lt;script&gt;" in card and "<strong>粗体</strong>" in card
