"""The ledger: every change is chained; editing any row is detected and named."""

from __future__ import annotations

from sqlalchemy import text

from crowdset.auth.service import create_org
from crowdset.db import get_db
from crowdset.ledger.chain import GENESIS
from crowdset.ledger.service import append, verify
from tests.support import run_cli


def _fill(n: int) -> None:
    with get_db().transaction() as s:
        for i in range(n):
            append(s, "test.event", f"thing:{i}", "system", {"i": i, "名称": "数据集"})


def test_chain_links_and_verifies(backend):
    _fill(5)
    with get_db().reading() as s:
        rows = s.execute(text("SELECT seq, prev_hash, hash FROM ledger_entries ORDER BY seq")).all()
        assert rows[0].prev_hash == GENESIS
        assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))
        checked, brk = verify(s)
    assert checked == 5 and brk is None


def test_state_changes_write_the_ledger(backend):
    with get_db().transaction() as s:
        org = create_org(s, None, "账本测试", "enterprise")
    with get_db().reading() as s:
        kinds = s.execute(text("SELECT kind, subject FROM ledger_entries")).all()
    assert ("org.created", f"org:{org.id}") in [tuple(k) for k in kinds]


def test_rolled_back_change_leaves_no_entry(backend):
    try:
        with get_db().transaction() as s:
            create_org(s, None, "回滚", "enterprise")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with get_db().reading() as s:
        assert s.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 0


def _tamper(sql: str, **params: object) -> None:
    with get_db().engine.begin() as conn:
        conn.execute(text(sql), params)


def test_edited_payload_is_named(backend):
    _fill(6)
    _tamper("UPDATE ledger_entries SET payload = :p WHERE seq = 4", p='{"i":999}')
    with get_db().reading() as s:
        _checked, brk = verify(s)
    assert brk is not None and brk.seq == 4 and "payload" in brk.reason


def test_edited_fields_with_recomputed_payload_hash_are_named(backend):
    import hashlib

    _fill(6)
    forged = '{"i":3,"forged":true}'
    _tamper("UPDATE ledger_entries SET payload = :p, payload_hash = :h WHERE seq = 3",
            p=forged, h=hashlib.sha256(forged.encode()).hexdigest())
    with get_db().reading() as s:
        _checked, brk = verify(s)
    assert brk is not None and brk.seq == 3


def test_deleted_row_is_named(backend):
    _fill(5)
    _tamper("DELETE FROM ledger_entries WHERE seq = 2")
    with get_db().reading() as s:
        _checked, brk = verify(s)
    assert brk is not None and brk.seq == 3


def test_cli_verify_names_first_broken_entry(backend):
    _fill(4)
    ok = run_cli("ledger", "verify")
    assert ok.returncode == 0 and "4 entries" in ok.stdout, ok.stderr
    _tamper("UPDATE ledger_entries SET actor = 'user:666' WHERE seq = 2")
    bad = run_cli("ledger", "verify")
    assert bad.returncode == 1
    assert "#2" in bad.stderr


def test_verify_job_reports_result(world):
    _fill(3)
    r = world.client.post("/api/v1/ledger/verify", headers=world.h("admin"))
    assert r.status_code == 202
    job = world.client.get(r.json()["url"], headers=world.h("admin")).json()
    assert job["state"] == "succeeded" and job["result"]["ok"] is True and job["percent"] == 100
    assert world.client.post("/api/v1/ledger/verify", headers=world.h("manager")).status_code == 403
    # another organisation's user cannot see the admin's job
    assert world.client.get(r.json()["url"], headers=world.h("annotator_b")).status_code == 404


def _own_keys(monkeypatch, folder) -> None:  # noqa: ANN001
    from crowdset.ledger.keys import forget_cached_keys
    from crowdset.settings import reset_settings

    monkeypatch.setenv("CROWDSET_KEYS_DIR", str(folder))
    reset_settings()
    forget_cached_keys()


def test_signing_key_lives_in_the_keys_folder(backend, tmp_path, monkeypatch):
    import stat

    from crowdset.ledger.keys import KEY_FILE

    _own_keys(monkeypatch, tmp_path / "keys")
    _fill(2)
    key = tmp_path / "keys" / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert (tmp_path / "keys" / "ledger-checkpoint.jsonl").exists()
    with get_db().reading() as s:
        assert verify(s) == (2, None)


def test_a_lost_key_is_not_silently_replaced(backend, tmp_path, monkeypatch):
    import pytest

    from crowdset.errors import CrowdsetError
    from crowdset.ledger.keys import KEY_FILE

    _own_keys(monkeypatch, tmp_path / "keys")
    _fill(1)
    (tmp_path / "keys" / KEY_FILE).unlink()
    with pytest.raises(CrowdsetError) as caught, get_db().transaction() as s:
        append(s, "test.event", "thing:x", "system", {})
    assert caught.value.status == 503 and "restore it from backup" in caught.value.detail


def test_fast_pass_agrees_with_the_reference(backend):
    """``audit`` reads raw columns and builds entry bodies by hand; ``chain.first_break`` over ORM rows is
    the obvious way. Both must agree on a sound chain and name the same entry after each kind of edit."""
    from crowdset.ledger.chain import first_break
    from crowdset.ledger.service import iter_entries

    _fill(12)
    edits = [("UPDATE ledger_entries SET kind = 'x.\"quoted\"' WHERE seq = 9", 9),
             ("UPDATE ledger_entries SET prev_hash = hash WHERE seq = 6", 6),
             ("UPDATE ledger_entries SET payload = '{}' WHERE seq = 3", 3)]
    with get_db().reading() as s:
        assert first_break(iter_entries(s)) == (12, None) and verify(s) == (12, None)
    for sql, seq in edits:
        _tamper(sql)
        with get_db().reading() as s:
            _n, reference = first_break(iter_entries(s))
            _checked, fast = verify(s)
        assert reference.seq == fast.seq == seq
