"""Only the export formats that can express a project's labels are offered or accepted, and every
format downloads under its own file name (issue 12 point 5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from crowdset.annotation import exporting
from crowdset.annotation.models import Project
from crowdset.db import get_db
from tests.annotation.helpers import BOXES, NER, make_project
from tests.support import run_cli
from tests.web.test_manage_pages import sign_in


def _offered(world, pid: int) -> set[str]:
    sign_in(world, "manager")
    r = world.client.get(f"/projects/{pid}/export")
    assert r.status_code == 200
    return set(re.findall(rf"/api/v1/projects/{pid}/export\?format=(\w+)", r.text))


def test_text_choices_project_is_not_offered_image_or_span_formats(world):
    pid = make_project(world)
    offered = _offered(world, pid)
    assert {"jsonl", "labelstudio", "csv", "tc609"} <= offered
    assert not offered & {"coco", "yolo", "conll"}
    with get_db().reading() as s:
        assert set(exporting.formats_for(s.get(Project, pid))) == offered


def test_unfitting_format_is_refused_on_format(world):
    pid = make_project(world)
    r = world.client.get(f"/api/v1/projects/{pid}/export?format=coco", headers=world.h("manager"))
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"] == "format" and "coco" in error["message"]
    # an unknown format is still "one of ...", and outsiders still get 404 before any format check
    assert world.client.get(f"/api/v1/projects/{pid}/export?format=docx", headers=world.h("manager")).status_code == 422
    assert world.client.get(f"/api/v1/projects/{pid}/export?format=coco",
                            headers=world.h("manager_b")).status_code == 404


def test_cli_refuses_an_unfitting_format(world, tmp_path):
    pid = make_project(world)
    out = tmp_path / "x.zip"
    r = run_cli("export", "--project", str(pid), "--format", "yolo", "-o", str(out))
    assert r.returncode != 0 and "yolo" in (r.stdout + r.stderr)
    assert not out.exists()


def test_bbox_image_project_offers_coco_and_yolo(world):
    pid = make_project(world, schema=BOXES)
    offered = _offered(world, pid)
    assert {"jsonl", "labelstudio", "coco", "yolo", "tc609"} <= offered
    assert not offered & {"csv", "conll"}
    assert world.client.get(f"/api/v1/projects/{pid}/export?format=coco", headers=world.h("manager")).status_code == 200


def test_spans_project_offers_conll(world):
    pid = make_project(world, schema=NER)
    assert "conll" in _offered(world, pid)


def test_formats_sharing_an_extension_download_under_different_names(world):
    pid = make_project(world)
    day = datetime.now(UTC).strftime("%Y%m%d")
    names = {}
    for fmt in ("jsonl", "tc609", "labelstudio"):
        r = world.client.get(f"/api/v1/projects/{pid}/export?format={fmt}", headers=world.h("manager"))
        assert r.status_code == 200, r.text
        names[fmt] = re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)
    assert names["jsonl"] in (f"project-{pid}-jsonl-{day}.jsonl",)
    assert names["tc609"].startswith(f"project-{pid}-tc609-") and names["tc609"].endswith(".jsonl")
    assert names["labelstudio"].startswith(f"project-{pid}-labelstudio-") and names["labelstudio"].endswith(".json")
    assert len(set(names.values())) == 3
