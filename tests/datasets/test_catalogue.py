"""Catalogue: create, search (Chinese substrings on both databases), permissions, publishing rules."""

from __future__ import annotations

from tests.datasets.helpers import create, ledger_kinds


def _search(world, who="manager", **params) -> list[str]:
    r = world.client.get("/api/v1/datasets", params=params, headers=world.h(who))
    assert r.status_code == 200, r.text
    return [d["name"] for d in r.json()["items"]]


def test_create_and_search_chinese_substrings(world):
    create(world)
    create(world, bare=True, name="金融交易流水", description="银行卡交易记录", domain="finance",
           kind="industry-general")
    create(world, bare=True, name="Street scenes", description="Autonomous driving camera frames", domain="transport",
           kind="general", modality="image")
    assert _search(world, q="医疗") == ["医疗影像数据集"]
    assert _search(world, q="影像数据") == ["医疗影像数据集"]
    assert _search(world, q="结节") == ["医疗影像数据集"]  # from the description
    assert _search(world, q="医") == ["医疗影像数据集"]  # one character
    assert _search(world, q="交易") == ["金融交易流水"]
    assert _search(world, q="疗影 医疗") == ["医疗影像数据集"]  # every term must match
    assert _search(world, q="医疗 金融") == []
    assert _search(world, q="AUTONOM") == ["Street scenes"]  # case-insensitive, prefix of a word
    assert _search(world, q="driving camera") == ["Street scenes"]
    assert _search(world, q="100%_") == []  # LIKE wildcards are literal
    assert _search(world, kind="industry-general") == ["金融交易流水"]
    assert _search(world, domain="transport", modality="image") == ["Street scenes"]
    assert _search(world, tier="none", q="医疗") == ["医疗影像数据集"]
    r = world.client.get("/api/v1/datasets", params={"tier": "gold"}, headers=world.h("manager"))
    assert r.status_code == 422


def test_update_reindexes_and_is_ledgered(world):
    d = create(world)
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"description": "眼底照片"}, headers=world.h("manager"))
    assert r.status_code == 200
    assert _search(world, q="眼底") == ["医疗影像数据集"] and _search(world, q="CT") == []
    assert ledger_kinds(f"dataset:{d['id']}") == ["dataset.created", "dataset.updated"]


def test_org_isolation_and_roles(world):
    d = create(world)
    for path in ("", "/versions", "/card", "/croissant", "/evaluations"):
        r = world.client.get(f"/api/v1/datasets/{d['id']}{path}", headers=world.h("manager_b"))
        assert r.status_code == 404, path
    assert world.client.patch(f"/api/v1/datasets/{d['id']}", json={"name": "x"},
                              headers=world.h("manager_b")).status_code == 404
    assert _search(world, who="manager_b") == []
    assert _search(world, who="admin") == ["医疗影像数据集"]
    # same organisation, but not an owner or manager: may look, not change
    assert world.client.get(f"/api/v1/datasets/{d['id']}", headers=world.h("annotator")).status_code == 200
    assert world.client.patch(f"/api/v1/datasets/{d['id']}", json={"name": "x"},
                              headers=world.h("annotator")).status_code == 403
    r = world.client.post("/api/v1/datasets", json={"name": "x"}, headers=world.h("annotator"))
    assert r.status_code == 403
    r = world.client.post("/api/v1/datasets", json={"name": "x", "org_id": world.org_a}, headers=world.h("manager_b"))
    assert r.status_code == 404


def test_core_data_is_never_published(world):
    d = create(world, security_level="core")
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"status": "published"}, headers=world.h("manager"))
    assert r.status_code == 422 and "核心数据" in r.json()["detail"] and r.json()["errors"][0]["field"] == "status"
    r = world.client.post("/api/v1/datasets", json={"name": "核心", "security_level": "core", "status": "published"},
                          headers=world.h("admin") | {})
    assert r.status_code == 422
    ok = create(world, name="普通")
    r = world.client.patch(f"/api/v1/datasets/{ok['id']}", json={"status": "published"}, headers=world.h("manager"))
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = world.client.patch(f"/api/v1/datasets/{ok['id']}", json={"security_level": "core"}, headers=world.h("manager"))
    assert r.status_code == 422  # a listed dataset cannot become core data
    assert "dataset.status_changed" in ledger_kinds(f"dataset:{ok['id']}")
    _important_data_only_under_custom_or_pairing(world)
    _only_admin_suspends(world)


def _important_data_only_under_custom_or_pairing(world):
    d = create(world, security_level="important", supply_mode="free")
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"status": "published"}, headers=world.h("manager"))
    assert r.status_code == 422 and "重要数据" in r.json()["detail"]
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"status": "published", "supply_mode": "pairing"},
                           headers=world.h("manager"))
    assert r.status_code == 200


def _only_admin_suspends(world):
    d = create(world, status="published")
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"status": "suspended"}, headers=world.h("manager"))
    assert r.status_code == 403
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"status": "suspended"}, headers=world.h("admin"))
    assert r.status_code == 200 and r.json()["status"] == "suspended"
