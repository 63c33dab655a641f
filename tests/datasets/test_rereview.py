"""Re-review: due datasets are re-evaluated, demoted on a lower grade, suspended when it cannot be done."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from tests.datasets.helpers import create, inject_evaluation, jsonl, ledger_kinds, records, upload
from tests.support import run_cli

LATER = "2030-01-01T00:00:00+00:00"


def _ds(world, dataset_id):
    return world.client.get(f"/api/v1/datasets/{dataset_id}", headers=world.h("admin")).json()


def test_rereview_demotes_and_suspends(world, backend):
    # rated A two years ago and strategic: long overdue; the real re-evaluation of a small, bare
    # dataset grades far lower
    demote = create(world, bare=True, name="待复评", kind="industry-specific", status="published")
    upload(world, demote["id"], jsonl(records(30)))
    inject_evaluation(demote["id"], "A", datetime(2024, 1, 1, tzinfo=UTC))
    world.client.post(f"/api/v1/datasets/{demote['id']}/designate-strategic", headers=world.h("admin"))
    assert _ds(world, demote["id"])["reserve_tier"] == "strategic"
    # the file of this one is gone: the re-review cannot be done
    lost = create(world, name="文件丢失", status="published")
    v = upload(world, lost["id"], jsonl(records(4))).json()
    inject_evaluation(lost["id"], "C", datetime(2023, 1, 1, tzinfo=UTC))  # basic: 24 months
    shutil.rmtree(backend.data_dir / "blobs" / v["content_hash"][:2] / v["content_hash"][2:4])
    # not due until 2026: left alone
    fresh = create(world, name="新评级")
    upload(world, fresh["id"], jsonl(records(3)))
    inject_evaluation(fresh["id"], "C", datetime(2025, 6, 1, tzinfo=UTC))

    result = run_cli("datasets", "rereview", "--now", "2025-12-01T00:00:00+00:00")
    assert result.returncode == 0, result.stderr
    assert "2 due" in result.stdout and "demoted 1" in result.stdout and "suspended 1" in result.stdout

    d = _ds(world, demote["id"])
    assert d["rating"] != "A" and d["reserve_tier"] in ("none", "basic", "featured")
    assert "dataset.rereviewed" in ledger_kinds(f"dataset:{demote['id']}")
    assert ledger_kinds(f"dataset:{demote['id']}").count("dataset.tier_changed") >= 3
    lo = _ds(world, lost["id"])
    assert lo["status"] == "suspended" and lo["suspended_reason"] == "rereview_overdue" and lo["rating"] == "C"
    assert "dataset.status_changed" in ledger_kinds(f"dataset:{lost['id']}")
    assert _ds(world, fresh["id"])["rating"] == "C"
    # the suspended one stays due until a re-review succeeds; then its listing comes back
    assert upload(world, lost["id"], jsonl(records(5)), version="restored").status_code == 201
    inject_evaluation(lost["id"], "C", datetime(2023, 1, 1, tzinfo=UTC))
    again = run_cli("datasets", "rereview", "--now", "2025-12-01T00:00:00+00:00")
    assert again.returncode == 0 and "1 due" in again.stdout, again.stderr
    assert _ds(world, lost["id"])["status"] == "published"


def test_rereview_endpoint_is_for_admins(world):
    d = create(world, name="到期")
    upload(world, d["id"], jsonl(records(10)))
    inject_evaluation(d["id"], "C", datetime(2020, 1, 1, tzinfo=UTC))
    assert world.client.post("/api/v1/datasets/rereview", json={}, headers=world.h("manager")).status_code == 403
    r = world.client.post("/api/v1/datasets/rereview", json={"now": LATER}, headers=world.h("admin"))
    assert r.status_code == 202
    job = world.client.get(r.json()["url"], headers=world.h("admin")).json()
    assert job["state"] == "succeeded", job
    assert job["result"]["due"] == 1 and job["result"]["datasets"][0]["dataset_id"] == d["id"]
    evs = world.client.get(f"/api/v1/datasets/{d['id']}/evaluations", headers=world.h("admin")).json()["items"]
    assert evs[-1]["reason"] == "rereview" and evs[-1]["state"] == "succeeded"


def test_rereview_bad_clock_is_a_clean_error():
    result = run_cli("datasets", "rereview", "--now", "tomorrow")
    assert result.returncode == 1 and "ISO" in result.stderr
