"""Dataset card, Croissant JSON-LD (structure always; mlcroissant when installed) and the CLI."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.datasets.helpers import create, jsonl, records, upload
from tests.support import run_cli

SECTIONS_ZH = ("动机", "构成", "采集过程", "预处理", "用途", "分发", "维护")
SECTIONS_EN = ("Motivation", "Composition", "Collection process", "Preprocessing", "Uses", "Distribution",
               "Maintenance")


def _evaluated(world) -> dict:
    d = create(world)
    assert upload(world, d["id"], jsonl(records(30))).status_code == 201
    r = world.client.post(f"/api/v1/datasets/{d['id']}/versions/1/evaluations", json={}, headers=world.h("manager"))
    assert world.client.get(r.json()["url"], headers=world.h("manager")).json()["state"] == "succeeded"
    return world.client.get(f"/api/v1/datasets/{d['id']}", headers=world.h("manager")).json()


def test_card_and_croissant(world):
    d = _evaluated(world)
    text = world.client.get(f"/api/v1/datasets/{d['id']}/card", headers=world.h("manager")).text
    assert text.startswith("# 医疗影像数据集")
    assert all(f"### {s}" in text for s in SECTIONS_EN) and all(s in text for s in SECTIONS_ZH)
    assert "行业专识数据集" in text and "合作医院" in text and f"{d['rating']} 级" in text
    assert f"grade {d['rating']}" in text and "一般数据" in text and "30" in text
    zh = world.client.get(f"/api/v1/datasets/{d['id']}/card?lang=zh", headers=world.h("manager")).text
    assert "## 中文" in zh and "## English" not in zh
    bare = create(world, bare=True, name="空白")
    en = world.client.get(f"/api/v1/datasets/{bare['id']}/card?lang=en", headers=world.h("manager")).text
    assert "not documented" in en and "not rated yet" in en
    assert world.client.get(f"/api/v1/datasets/{bare['id']}/card?lang=fr",
                            headers=world.h("manager")).status_code == 422
    _croissant_structure(world, d)


def _check_structure(doc: dict, sha: str) -> None:
    assert doc["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert doc["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert doc["@type"] == "sc:Dataset" and doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    for key in ("name", "description", "license", "url", "version", "datePublished", "creator"):
        assert doc[key], key
    (fo,) = doc["distribution"]
    assert fo["@type"] == "cr:FileObject" and fo["sha256"] == sha and fo["encodingFormat"] == "application/jsonlines"
    assert fo["contentUrl"].endswith(f"/versions/{doc['version']}/file")
    (rs,) = doc["recordSet"]
    fields = {f["name"]: f for f in rs["field"]}
    assert set(fields) == {"id", "text", "label", "last_modified_time"}
    assert all(f["dataType"] == "sc:Text" and f["source"]["fileObject"]["@id"] == fo["@id"] for f in fields.values())
    assert fields["text"]["source"]["extract"] == {"column": "text"}
    for rai in ("rai:dataCollection", "rai:dataLimitations", "rai:personalSensitiveInformation", "rai:dataUseCases",
                "rai:dataAnnotationProtocol", "rai:dataPreprocessingProtocol", "rai:dataReleaseMaintenancePlan"):
        assert doc[rai], rai


def _croissant_structure(world, d):
    r = world.client.get(f"/api/v1/datasets/{d['id']}/croissant", headers=world.h("manager"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    sha = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1", headers=world.h("manager")).json()["content_hash"]
    _check_structure(doc, sha)
    assert doc["distribution"][0]["contentUrl"].startswith("http://testserver/api/v1/")
    assert "records with personal information" in doc["rai:personalSensitiveInformation"]


@pytest.mark.skipif(importlib.util.find_spec("mlcroissant") is None, reason="mlcroissant is not installed")
def test_croissant_validates_with_mlcroissant(world):
    import mlcroissant as mlc
    d = _evaluated(world)
    doc = world.client.get(f"/api/v1/datasets/{d['id']}/croissant", headers=world.h("manager")).json()
    mlc.Dataset(jsonld=doc)  # raises ValidationError on a non-conforming document


def test_cli_round_trip(world, tmp_path):
    meta = tmp_path / "meta.yaml"
    meta.write_text("description: 交通流量\nuse_cases: 信号配时\nprocessing: 去重\n", encoding="utf-8")
    r = run_cli("datasets", "create", "--org", str(world.org_a), "--name", "交通数据", "--kind", "industry-general",
                "--domain", "transport", "--metadata", meta)
    assert r.returncode == 0, r.stderr
    dataset_id = int(r.stdout.strip())
    data = tmp_path / "flow.jsonl"
    data.write_bytes(jsonl(records(25)))
    r = run_cli("datasets", "upload", str(dataset_id), data)
    assert r.returncode == 0 and "25 records" in r.stdout, r.stderr
    r = run_cli("datasets", "evaluate", str(dataset_id))
    assert r.returncode == 0 and "grade" in r.stdout, r.stderr
    r = run_cli("datasets", "list", "-q", "交通")
    assert r.returncode == 0 and "交通数据" in r.stdout, r.stderr
    r = run_cli("datasets", "card", str(dataset_id), "--lang", "zh")
    assert r.returncode == 0 and "信号配时" in r.stdout and "去重" in r.stdout, r.stderr
    out = tmp_path / "c.json"
    r = run_cli("datasets", "croissant", str(dataset_id), "-o", out)
    assert r.returncode == 0 and json.loads(out.read_text(encoding="utf-8"))["name"] == "交通数据", r.stderr
    r = run_cli("datasets", "upload", "99999", data)
    assert r.returncode == 1 and "not found" in r.stderr
    r = run_cli("datasets", "publish-project", str(dataset_id), "--project", "99999")
    assert r.returncode == 1 and "not found" in r.stderr
