"""Evaluation jobs, stored reports, rating, reserve tiers (each boundary), validity, designation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crowdset.datasets.rating import add_months, tier_for, valid_until
from tests.datasets.helpers import create, inject_evaluation, jsonl, ledger_kinds, records, upload


@pytest.mark.parametrize(("rating", "kind", "designated", "tier"), [
    (None, "industry-specific", True, "none"),
    ("D", "industry-specific", True, "none"),
    ("C", "general", False, "basic"),
    ("C", "industry-specific", True, "basic"),          # featured needs ≥ B
    ("B", "general", False, "basic"),                   # featured needs an industry kind
    ("B", "industry-general", False, "featured"),
    ("B", "industry-specific", True, "featured"),       # strategic needs A
    ("A", "general", True, "basic"),
    ("A", "industry-general", True, "featured"),        # strategic needs industry-specific
    ("A", "industry-specific", False, "featured"),      # ... and the designation
    ("A", "industry-specific", True, "strategic"),
])
def test_tier_rules(rating, kind, designated, tier):
    assert tier_for(rating, kind, designated) == tier


def test_validity_by_tier():
    t = datetime(2025, 8, 31, 12, tzinfo=UTC)
    assert valid_until("strategic", t) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert valid_until("featured", t) == datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert valid_until("basic", t) == datetime(2027, 8, 31, 12, tzinfo=UTC)
    assert valid_until("none", t) is None
    assert add_months(datetime(2024, 1, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)


def test_evaluation_job_stores_report_and_rates(world):
    d = create(world)
    assert upload(world, d["id"], jsonl(records(40))).status_code == 201
    r = world.client.post(f"/api/v1/datasets/{d['id']}/versions/1/evaluations", json={"profile": "general"},
                          headers=world.h("manager"))
    assert r.status_code == 202, r.text
    job = world.client.get(r.json()["url"], headers=world.h("manager")).json()
    assert job["state"] == "succeeded", job
    ev_url = r.headers["location"]
    ev = world.client.get(ev_url, headers=world.h("manager")).json()
    assert ev["state"] == "succeeded" and ev["job_id"] == job["id"] and ev["report"]["records"] == 40
    assert ev["grade"] == ev["report"]["grade"] and set(ev["dimensions"]) == {"documentation", "data_quality",
                                                                             "model_application"}
    # the catalogue entry fed the metadata sidecar: documentation is complete
    assert all(ev["report"]["indicators"][c]["x"] == 100 for c in ("0101", "0102", "0103", "0104"))
    ds = world.client.get(f"/api/v1/datasets/{d['id']}", headers=world.h("manager")).json()
    assert ds["rating"] == ev["grade"]
    assert ds["reserve_tier"] == tier_for(ev["grade"], "industry-specific", False)
    for fmt, marker in (("json", '"grade"'), ("md", "# Dataset evaluation"), ("html", "<html")):
        rep = world.client.get(f"{ev_url}/report?format={fmt}", headers=world.h("manager"))
        assert rep.status_code == 200 and marker in rep.text, fmt
    assert world.client.get(f"{ev_url}/report?format=pdf", headers=world.h("manager")).status_code == 422
    listed = world.client.get(f"/api/v1/datasets/{d['id']}/versions/1/evaluations", headers=world.h("manager")).json()
    assert [e["id"] for e in listed["items"]] == [ev["id"]] and listed["items"][0]["report"] is None
    kinds = ledger_kinds(f"dataset:{d['id']}")
    assert {"dataset.evaluation_requested", "dataset.evaluated", "dataset.rated"} <= set(kinds)
    # a profile is a name, never a server path
    bad = world.client.post(f"/api/v1/datasets/{d['id']}/versions/1/evaluations", json={"profile": "/etc/passwd"},
                            headers=world.h("manager"))
    assert bad.status_code == 422
    assert world.client.get(ev_url, headers=world.h("manager_b")).status_code == 404


def test_failed_evaluation_is_recorded(world, backend):
    import shutil

    d = create(world)
    v = upload(world, d["id"], jsonl(records(5))).json()
    shutil.rmtree(backend.data_dir / "blobs" / v["content_hash"][:2])
    r = world.client.post(f"/api/v1/datasets/{d['id']}/versions/1/evaluations", json={}, headers=world.h("manager"))
    assert world.client.get(r.json()["url"], headers=world.h("manager")).json()["state"] == "failed"
    ev = world.client.get(r.headers["location"], headers=world.h("manager")).json()
    assert ev["state"] == "failed" and "missing" in ev["error"]
    assert "dataset.evaluation_failed" in ledger_kinds(f"dataset:{d['id']}")


def _ds(world, dataset_id):
    return world.client.get(f"/api/v1/datasets/{dataset_id}", headers=world.h("admin")).json()


def test_rating_follows_newest_version_and_tiers_are_ledgered(world):
    d = create(world, kind="industry-specific")
    upload(world, d["id"], jsonl(records(5)))
    inject_evaluation(d["id"], "A")
    ds = _ds(world, d["id"])
    assert (ds["rating"], ds["reserve_tier"]) == ("A", "featured")  # not designated
    rated = datetime.fromisoformat(ds["rated_at"])
    assert datetime.fromisoformat(ds["rating_valid_until"]) == add_months(rated, 12)
    # designation: admins only; then strategic with a 6-month validity
    r = world.client.post(f"/api/v1/datasets/{d['id']}/designate-strategic", headers=world.h("manager"))
    assert r.status_code == 403
    r = world.client.post(f"/api/v1/datasets/{d['id']}/designate-strategic", headers=world.h("admin"))
    assert r.status_code == 200 and r.json()["reserve_tier"] == "strategic" and r.json()["strategic_designated"]
    assert datetime.fromisoformat(r.json()["rating_valid_until"]) == add_months(rated, 6)
    # a new version has no evaluation yet: the rating follows the newest version
    upload(world, d["id"], jsonl(records(6)))
    assert (_ds(world, d["id"])["rating"], _ds(world, d["id"])["reserve_tier"]) == (None, "none")
    inject_evaluation(d["id"], "B")
    assert _ds(world, d["id"])["reserve_tier"] == "featured"
    inject_evaluation(d["id"], "C")
    assert _ds(world, d["id"])["reserve_tier"] == "basic"
    inject_evaluation(d["id"], "D")
    ds = _ds(world, d["id"])
    assert (ds["rating"], ds["reserve_tier"], ds["rating_valid_until"]) == ("D", "none", None)
    # kind decides too
    inject_evaluation(d["id"], "B")
    r = world.client.patch(f"/api/v1/datasets/{d['id']}", json={"kind": "general"}, headers=world.h("manager"))
    assert r.json()["reserve_tier"] == "basic"
    tiers = ledger_kinds(f"dataset:{d['id']}").count("dataset.tier_changed")
    assert tiers == 8  # featured, strategic, none, featured, basic, none, featured, basic
    assert world.client.get("/api/v1/datasets", params={"grade": "B", "tier": "basic"},
                            headers=world.h("manager")).json()["items"][0]["id"] == d["id"]
