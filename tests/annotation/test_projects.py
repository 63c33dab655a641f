"""Projects over the API and CLI: schemas checked on save, Label Studio configs, permissions."""

from __future__ import annotations

import pytest

from tests.annotation.helpers import NER, SENTIMENT
from tests.support import run_cli

LS_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="正面"/><Choice value="负面"/>
  </Choices>
</View>"""


def test_create_and_read_project(world):
    c = world.client
    r = c.post("/api/v1/projects", json={"title": "情感", "schema": SENTIMENT, "overlap": 3,
                                         "review_policy": "sample", "review_sample": 0.2}, headers=world.h("manager"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["org_id"] == world.org_a and body["overlap"] == 3
            and body["schema"]["controls"][0]["name"] == "sentiment")
    pid = body["id"]
    assert c.get(f"/api/v1/projects/{pid}", headers=world.h("manager")).status_code == 200
    assert c.get(f"/api/v1/projects/{pid}", headers=world.h("manager_b")).status_code == 404
    # not a member yet
    assert c.get(f"/api/v1/projects/{pid}", headers=world.h("annotator")).status_code == 404
    r = c.post(f"/api/v1/projects/{pid}/members", json={"user_id": world.users["annotator"].id, "role": "annotator"},
               headers=world.h("manager"))
    assert r.status_code == 201
    assert c.get(f"/api/v1/projects/{pid}", headers=world.h("annotator")).status_code == 200
    r = c.patch(f"/api/v1/projects/{pid}", json={"status": "paused"}, headers=world.h("annotator"))
    assert r.status_code == 403
    r = c.patch(f"/api/v1/projects/{pid}", json={"status": "paused", "overlap": 2}, headers=world.h("manager"))
    assert r.status_code == 200 and r.json()["status"] == "paused" and r.json()["overlap"] == 2


def test_invalid_settings_and_schema_name_the_field(world):
    c = world.client
    r = c.post("/api/v1/projects", json={"title": "x", "schema": {"controls": [{"name": "a", "kind": "choices",
                                                                                 "to": "text", "options": []}]}},
               headers=world.h("manager"))
    assert r.status_code == 422
    assert any(e["field"].startswith("schema.controls[0]") for e in r.json()["errors"]), r.json()
    r = c.post("/api/v1/projects", json={"title": "x", "schema": NER, "overlap": 0, "review_policy": "most"},
               headers=world.h("manager"))
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"overlap", "review_policy"}
    r = c.post("/api/v1/projects", json={"title": "x", "schema": NER}, headers=world.h("annotator"))
    assert r.status_code == 403


def test_project_from_labelstudio_config(world):
    r = world.client.post("/api/v1/projects", json={"title": "LS", "labelstudio_config": LS_CONFIG},
                          headers=world.h("manager"))
    assert r.status_code == 201, r.text
    control = r.json()["schema"]["controls"][0]
    assert control["kind"] == "choices" and control["options"] == ["正面", "负面"] and control["to"] == "text"
    bad = world.client.post("/api/v1/projects", json={"title": "LS", "labelstudio_config": "<View><Nope/>"},
                            headers=world.h("manager"))
    assert bad.status_code == 422
    assert all(e["field"].startswith("labelstudio_config") for e in bad.json()["errors"])


def test_labelstudio_config_errors_name_the_same_fields_everywhere():
    """The API and the CLI both convert through ``label_schema_from_config``: one set of field names."""
    from crowdset.annotation.labelstudio_config import label_schema_from_config
    from crowdset.errors import Invalid

    config = '<View><Text name="text" value="$text"/><Choices name="c" toName="nowhere"><Choice value="a"/>' \
             "</Choices></View>"
    with pytest.raises(Invalid) as caught:
        label_schema_from_config(config)
    fields = [e.field for e in caught.value.errors]
    assert fields and all(f.startswith("labelstudio_config.") for f in fields), fields


def test_cli_project_create(world, tmp_path):
    import json

    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SENTIMENT, ensure_ascii=False), encoding="utf-8")
    r = run_cli("project", "create", "--org", str(world.org_a), "--title", "情感", "--schema", schema, "--overlap", "3")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) > 0
    config = tmp_path / "config.xml"
    config.write_text(LS_CONFIG, encoding="utf-8")
    r = run_cli("project", "create", "--org", str(world.org_a), "--title", "LS", "--labelstudio-config", config)
    assert r.returncode == 0, r.stderr
    schema.write_text('{"controls": [{"name": "x", "kind": "teleport"}]}')
    r = run_cli("project", "create", "--org", str(world.org_a), "--title", "bad", "--schema", schema)
    assert r.returncode == 1 and "controls[0]" in r.stderr
