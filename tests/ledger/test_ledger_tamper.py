"""Tampering with the database behind the ledger's back is detected and named.

The attack report: `crowdset ledger verify` said OK after the last 1 or 50 entries were deleted, and
after an annotation result, a task's final label or a dataset's rating was edited directly in the
database. Each case here edits the database the way an attacker with SQL access would (never through
the services) and checks that verification names what was changed. Every test runs on SQLite and on
PostgreSQL, with its own keys folder.
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, text

from crowdset.db import get_db
from crowdset.ledger import checkpoint as checkpoints
from crowdset.ledger.chain import entry_hash, sha256_hex
from crowdset.ledger.keys import KEY_FILE, KEYRING_FILE, forget_cached_keys, key_id
from crowdset.ledger.models import LedgerEntry
from crowdset.ledger.service import append, audit, rotate_key
from crowdset.settings import reset_settings
from tests.annotation.helpers import add_tasks, choice, make_project, texts
from tests.support import run_cli


@pytest.fixture(autouse=True)
def keys(backend, tmp_path, monkeypatch) -> Path:  # noqa: ANN001
    """A keys folder of this test's own (rotations must not leak into other tests)."""
    folder = tmp_path / "keys"
    monkeypatch.setenv("CROWDSET_KEYS_DIR", str(folder))
    reset_settings()
    forget_cached_keys()
    return folder


def _fill(n: int, kind: str = "test.event") -> None:
    with get_db().transaction() as s:
        for i in range(n):
            append(s, kind, f"thing:{i}", "system", {"i": i})


def _audit(**kw: object):  # noqa: ANN202
    with get_db().reading() as s:
        return audit(s, **kw)


def _messages(report) -> list[str]:  # noqa: ANN001
    return [p.message for p in report.problems]


def _tamper(sql: str, **params: object) -> None:
    with get_db().engine.begin() as conn:
        conn.execute(text(sql), params)


def _set_json(table: str, column: str, row_id: int, value: str | None) -> None:
    """Overwrite a JSON column behind the ledger's back (PostgreSQL's json wants a cast, SQLite's text none)."""
    bound = ":v" if get_db().is_sqlite or value is None else "CAST(:v AS JSON)"
    _tamper(f"UPDATE {table} SET {column} = {bound} WHERE id = :i", v=value, i=row_id)  # noqa: S608 - test constants


def _head() -> int:
    with get_db().reading() as s:
        return s.scalar(select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1)) or 0


def _entry_of(subject: str, kind: str | None = None) -> int:
    with get_db().reading() as s:
        q = select(LedgerEntry.seq).where(LedgerEntry.subject == subject)
        if kind:
            q = q.where(LedgerEntry.kind == kind)
        return s.scalar(q.order_by(LedgerEntry.seq.desc()).limit(1))


# ---------------------------------------------------------------- deleted tail, checkpoint


@pytest.mark.parametrize("gone", [1, 50])
def test_deleted_tail_is_named(keys, gone):
    _fill(60)
    assert _audit().ok
    cp = checkpoints.read(keys)
    assert cp is not None and cp.seq == 60 and cp.hash == _fill_hash(60)
    _tamper("DELETE FROM ledger_entries WHERE seq > :keep", keep=60 - gone)
    report = _audit()
    what = "entry was" if gone == 1 else "entries were"
    assert _messages(report) == [
        f"the last {gone} {what} deleted (checkpoint at #60, the database ends at #{60 - gone})"]


def _fill_hash(seq: int) -> str:
    with get_db().reading() as s:
        return s.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == seq))


def test_rewritten_last_entry_differs_from_checkpoint(keys):
    """An attacker rewrites the head consistently (payload hash, entry hash) but cannot re-sign the checkpoint."""
    _fill(5)
    with get_db().reading() as s:
        last = s.get(LedgerEntry, 5)
        forged = '{"i":4,"forged":true}'
        ph = sha256_hex(forged)
        h = entry_hash(5, last.kind, last.subject, last.actor, ph, last.prev_hash, last.created_at)
    _tamper("UPDATE ledger_entries SET payload = :p, payload_hash = :ph, hash = :h WHERE seq = 5", p=forged, ph=ph, h=h)
    assert _messages(_audit()) == ["entry #5 differs from the checkpoint"]
    # every signature checked: the forged entry's old signature does not fit it either
    assert _messages(_audit(all_signatures=True)) == ["entry #5: signature invalid",
                                                      "entry #5 differs from the checkpoint"]


def test_middle_edit_and_reorder_are_named(keys):
    _fill(8)
    _tamper("UPDATE ledger_entries SET subject = 'thing:999' WHERE seq = 4")
    assert _messages(_audit())[0] == "entry #4: entry fields do not match its hash"
    _tamper("UPDATE ledger_entries SET subject = 'thing:3' WHERE seq = 4")
    assert _audit().ok
    # swap entries 3 and 6 (seq is the primary key: through a free number)
    _tamper("UPDATE ledger_entries SET seq = 1000 WHERE seq = 3")
    _tamper("UPDATE ledger_entries SET seq = 3 WHERE seq = 6")
    _tamper("UPDATE ledger_entries SET seq = 6 WHERE seq = 1000")
    assert _messages(_audit())[0].startswith("entry #3: ")


def test_rolled_back_append_leaves_the_checkpoint_alone(keys):
    _fill(3)
    with pytest.raises(RuntimeError), get_db().transaction() as s:
        append(s, "test.event", "thing:x", "system", {})
        raise RuntimeError("boom")
    assert checkpoints.read(keys).seq == 3
    # a savepoint rolled back inside a committed transaction: its entry does not count
    with get_db().transaction() as s:
        nested = s.begin_nested()
        append(s, "test.event", "thing:y", "system", {})
        nested.rollback()
        append(s, "test.event", "thing:z", "system", {})
    assert checkpoints.read(keys).seq == 4 == _head()
    assert _audit().ok


def test_concurrent_commits_leave_the_checkpoint_at_the_head(keys):
    def work() -> None:
        for _ in range(5):
            _fill(2)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _head() == 40
    cp = checkpoints.read(keys)
    assert cp.seq == 40 and cp.hash == _fill_hash(40)
    assert _audit(all_signatures=True).ok


def test_edited_checkpoint_file_is_not_trusted(keys):
    _fill(3)
    path = keys / "ledger-checkpoint.jsonl"
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    last["seq"] = 2
    path.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
    msgs = _messages(_audit())
    assert msgs == ["checkpoint at #2 not trusted: signature invalid"]


def test_a_line_cut_short_by_a_crash_is_ignored(keys):
    _fill(3)
    path = keys / "ledger-checkpoint.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"seq": 4, "hash": "ab')  # the write a power cut interrupted
    assert checkpoints.read(keys).seq == 3 and _audit().ok
    _fill(2)
    assert checkpoints.read(keys).seq == 5 and _audit().ok
    assert path.read_text().count("\n") == 3  # the fragment ended on a line of its own


def test_the_checkpoint_file_is_compacted(keys, monkeypatch):
    monkeypatch.setattr(checkpoints, "COMPACT_AT", 1500)
    for _ in range(12):
        _fill(1)
    path = keys / "ledger-checkpoint.jsonl"
    assert path.stat().st_size < 1500 and checkpoints.read(keys).seq == 12
    assert _audit().ok


# ---------------------------------------------------------------- key rotation


def test_rotation_keeps_the_chain_verifiable(keys):
    _fill(4)
    old_id = key_id(_private(keys).public_key())
    with get_db().transaction() as s:
        done = rotate_key(s, None)
    assert done["seq"] == 5 and done["previous_key_id"] == old_id
    _fill(3)
    report = _audit(all_signatures=True)
    assert report.ok, report.problems
    assert report.signatures_checked == 8 and report.keys == 2
    ring = json.loads((keys / KEYRING_FILE).read_text())["keys"]
    assert [(k["key_id"], k["from_seq"], k["to_seq"]) for k in ring] == [(old_id, 1, 4), (done["new_key_id"], 5, None)]
    cp = checkpoints.read(keys)
    assert cp.seq == 8 and cp.key_id == done["new_key_id"]
    assert oct((keys / KEY_FILE).stat().st_mode & 0o777) == "0o600"


def _private(keys: Path):  # noqa: ANN202
    return serialization.load_pem_private_key((keys / KEY_FILE).read_bytes(), password=None)


def test_entry_signed_with_the_retired_key_is_a_break(keys):
    _fill(3)
    leaked = _private(keys)  # a copy the attacker kept
    with get_db().transaction() as s:
        rotate_key(s, None)
    _fill(2)
    # the attacker appends a well-formed entry at the tail, signed with the leaked old key
    with get_db().reading() as s:
        head = s.get(LedgerEntry, 6)
        created = head.created_at
    payload = '{"forged":true}'
    ph = sha256_hex(payload)
    h = entry_hash(7, "test.event", "thing:f", "system", ph, head.hash, created)
    with get_db().transaction() as s:
        s.add(LedgerEntry(seq=7, kind="test.event", subject="thing:f", actor="system", payload=payload,
                          payload_hash=ph, prev_hash=head.hash, hash=h, signature=leaked.sign(h.encode()).hex(),
                          created_at=created))
    old_id = key_id(leaked.public_key())
    assert _messages(_audit()) == [f"entry #7: signed with key {old_id}, which is not in force at #7 "
                                   "(retired after #3)"]


def test_forged_rotation_to_an_attacker_key_is_named(keys):
    """A rotation entry the keyring does not know (the attacker's own key) is a break."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from crowdset.ledger.keys import public_pem, rotation_message

    _fill(2)
    leaked = _private(keys)
    mine = Ed25519PrivateKey.generate()
    payload = json.dumps({"new_key_id": key_id(mine.public_key()), "new_public_key": public_pem(mine.public_key()),
                          "previous_key_id": key_id(leaked.public_key()),
                          "cross_signature": leaked.sign(rotation_message(3, leaked.public_key(),
                                                                          mine.public_key()).encode()).hex()},
                         sort_keys=True, separators=(",", ":"))
    with get_db().reading() as s:
        head = s.get(LedgerEntry, 2)
    ph = sha256_hex(payload)
    h = entry_hash(3, "ledger.key_rotated", "ledger:keys", "system", ph, head.hash, head.created_at)
    with get_db().transaction() as s:
        s.add(LedgerEntry(seq=3, kind="ledger.key_rotated", subject="ledger:keys", actor="system", payload=payload,
                          payload_hash=ph, prev_hash=head.hash, hash=h, signature=mine.sign(h.encode()).hex(),
                          created_at=head.created_at))
    msgs = _messages(_audit())
    assert msgs[0].startswith(f"key rotation at #3: rotates to key {key_id(mine.public_key())}, which the keyring")


def test_rotation_rolled_back_puts_the_old_key_back(keys):
    _fill(2)
    before = (keys / KEY_FILE).read_bytes()
    with pytest.raises(RuntimeError), get_db().transaction() as s:
        rotate_key(s, None)
        assert (keys / KEY_FILE).read_bytes() != before
        raise RuntimeError("boom")
    assert (keys / KEY_FILE).read_bytes() == before and not (keys / KEYRING_FILE).exists()
    _fill(1)
    assert _audit(all_signatures=True).ok


# ---------------------------------------------------------------- table rows


def _scenario(world, tmp_path) -> dict:  # noqa: ANN001
    """Real work through the services: crowd submissions, an import with annotations, a quality run,
    a review fix, a manager's overruling final, a rated dataset."""
    from crowdset.annotation.models import Annotation, Project, Task
    from crowdset.annotation.quality_runs import run_quality
    from crowdset.annotation.review import resolve, review
    from crowdset.auth.models import User
    from tests.datasets.helpers import create, inject_evaluation, jsonl, records, upload

    ids: dict = {}
    crowd = make_project(world, overlap=1)
    add_tasks(crowd, texts(3), tmp_path)
    subs = []
    for who in ("annotator", "annotator2"):
        lease = world.client.post(f"/api/v1/projects/{crowd}/next", headers=world.h(who)).json()
        r = world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                              json={"result": choice("正面")}, headers=world.h(who))
        assert r.status_code == 200, r.text
        subs.append(lease)
    ids["crowd_annotation"], ids["crowd_task"] = subs[0]["annotation_id"], subs[0]["task_id"]
    ids["overruled_task"] = subs[1]["task_id"]

    imported = make_project(world, overlap=3)
    rows = [{"data": {"text": f"导入{i}"},
             "annotations": [{"result": choice(lab), "annotator": f"w{j}"}
                             for j, lab in enumerate(("正面", "正面", "负面" if i else "正面"))]}
            for i in range(4)]
    add_tasks(imported, rows, tmp_path)
    fixed = make_project(world, overlap=1, review_policy="all")
    add_tasks(fixed, texts(1), tmp_path)
    lease = world.client.post(f"/api/v1/projects/{fixed}/next", headers=world.h("annotator")).json()
    world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": choice("中性")},
                      headers=world.h("annotator"))
    with get_db().transaction() as s:
        manager = s.get(User, world.users["manager"].id)
        run_quality(s, manager, s.get(Project, imported), method="mv")
        review(s, s.get(User, world.users["reviewer"].id), lease["annotation_id"], "fix",
               fixed_result=choice("负面"))
        resolve(s, manager, ids["overruled_task"], choice("负面"), "manager overrules")
        ids["imported_annotation"] = s.scalar(select(Annotation.id).where(Annotation.project_id == imported)
                                              .order_by(Annotation.id))
        ids["quality_task"] = s.scalar(select(Task.id).where(Task.project_id == imported, Task.final_method == "mv")
                                       .order_by(Task.id))
        ids["open_task"] = s.scalar(select(Task.id).where(Task.project_id == crowd, Task.final.is_(None))
                                    .order_by(Task.id))
    ids["fixed_task"] = lease["task_id"]
    d = create(world, kind="industry-specific")
    upload(world, d["id"], jsonl(records(5)))
    inject_evaluation(d["id"], "B")
    ids["dataset"] = d["id"]
    ids["plain_dataset"] = create(world)["id"]
    assert ids["quality_task"] and ids["open_task"]
    return ids


def test_tables_match_after_real_work(world, tmp_path):
    _scenario(world, tmp_path)
    report = _audit(tables=True, all_signatures=True)
    assert report.ok, _messages(report)
    counts = {t.table: t.rows for t in report.tables}
    assert counts == {"annotations": 15, "tasks": 8, "datasets": 2}
    assert report.notes == []


def _stored(table: str, column: str, row_id: int) -> str | None:
    with get_db().reading() as s:
        sql = f"SELECT CAST({column} AS TEXT) FROM {table} WHERE id = :i"  # noqa: S608 - test constants
        return s.execute(text(sql), {"i": row_id}).scalar()


def test_edited_annotation_result_is_named(world, tmp_path):
    from crowdset.annotation.models import Annotation

    ids = _scenario(world, tmp_path)
    for case in ("crowd_annotation", "imported_annotation"):
        aid = ids[case]
        with get_db().reading() as s:
            project_id = s.get(Annotation, aid).project_id
        seq = (_entry_of(f"annotation:{aid}", "annotation.submitted") if case == "crowd_annotation"
               else _entry_of(f"project:{project_id}", "tasks.imported"))  # the import's entry carries its rows
        before = _stored("annotations", "result", aid)
        _set_json("annotations", "result", aid, json.dumps(choice("中性")))
        assert _messages(_audit(tables=True)) == [f"annotations #{aid}: result differs from ledger entry #{seq}"]
        _set_json("annotations", "result", aid, before)
        assert _audit(tables=True).ok


def test_edited_task_final_is_named(world, tmp_path):
    ids = _scenario(world, tmp_path)
    for case in ("crowd_task", "quality_task", "fixed_task", "overruled_task", "open_task"):
        tid = ids[case]
        before = _stored("tasks", "final", tid)
        _set_json("tasks", "final", tid, json.dumps(choice("中性")))
        msgs = _messages(_audit(tables=True))
        assert len(msgs) == 1 and msgs[0].startswith(f"tasks #{tid}: final "), (case, msgs)
        if case == "open_task":
            assert msgs[0] == f"tasks #{tid}: final is set but no ledger entry records it"
        else:
            assert "differs from ledger entry #" in msgs[0], (case, msgs)
        _set_json("tasks", "final", tid, before)
        assert _audit(tables=True).ok, case


def test_edited_final_method_is_named(world, tmp_path):
    ids = _scenario(world, tmp_path)
    _tamper("UPDATE tasks SET final_method = 'expert' WHERE id = :i", i=ids["quality_task"])
    assert _messages(_audit(tables=True))[0].startswith(f"tasks #{ids['quality_task']}: final differs")


def test_edited_dataset_rating_and_tier_are_named(world, tmp_path):
    ids = _scenario(world, tmp_path)
    d, plain = ids["dataset"], ids["plain_dataset"]
    rated = _entry_of(f"dataset:{d}", "dataset.rated")
    tiered = _entry_of(f"dataset:{d}", "dataset.tier_changed")
    _tamper("UPDATE datasets SET rating = 'A' WHERE id = :i", i=d)
    assert _messages(_audit(tables=True)) == [f"datasets #{d}: rating is 'A' but ledger entry #{rated} recorded 'B'"]
    _tamper("UPDATE datasets SET rating = 'B', reserve_tier = 'strategic' WHERE id = :i", i=d)
    assert _messages(_audit(tables=True)) == [
        f"datasets #{d}: reserve_tier is 'strategic' but ledger entry #{tiered} recorded 'featured'"]
    _tamper("UPDATE datasets SET reserve_tier = 'featured' WHERE id = :i", i=d)
    _tamper("UPDATE datasets SET rating = 'A', reserve_tier = 'basic' WHERE id = :i", i=plain)
    assert _messages(_audit(tables=True)) == [
        f"datasets #{plain}: rating is 'A' but no ledger entry records a change from None"]


def test_deleted_annotation_row_is_named(world, tmp_path):
    ids = _scenario(world, tmp_path)
    aid = ids["crowd_annotation"]
    seq = _entry_of(f"annotation:{aid}", "annotation.submitted")
    _tamper("DELETE FROM annotations WHERE id = :i", i=aid)
    assert _messages(_audit(tables=True)) == [f"annotations #{aid}: row missing (recorded by ledger entry #{seq})"]


def test_verify_job_reports_tables(world, tmp_path):
    ids = _scenario(world, tmp_path)
    r = world.client.post("/api/v1/ledger/verify", params={"tables": True}, headers=world.h("admin"))
    job = world.client.get(r.json()["url"], headers=world.h("admin")).json()
    assert job["state"] == "succeeded" and job["result"]["ok"] is True, job
    assert {t["table"] for t in job["result"]["tables"]} == {"annotations", "tasks", "datasets"}
    _tamper("UPDATE datasets SET rating = 'A' WHERE id = :i", i=ids["dataset"])
    r = world.client.post("/api/v1/ledger/verify", params={"tables": True}, headers=world.h("admin"))
    result = world.client.get(r.json()["url"], headers=world.h("admin")).json()["result"]
    assert result["ok"] is False and result["problems"][0]["area"] == "tables"
    assert result["problems"][0]["message"].startswith(f"datasets #{ids['dataset']}: rating is 'A'")
    keys = world.client.get("/api/v1/ledger/keys", headers=world.h("admin"))
    assert keys.status_code == 200 and keys.json()[0]["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert world.client.get("/api/v1/ledger/keys", headers=world.h("manager")).status_code == 403


# ---------------------------------------------------------------- the command line, in a fresh process


def _cli(backend, keys: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    env = {"CROWDSET_DATA_DIR": str(backend.data_dir), "CROWDSET_DATABASE_URL": backend.url,
           "CROWDSET_KEYS_DIR": str(keys), "CROWDSET_ARGON2_PROFILE": "test", "COLUMNS": "200"}
    return run_cli(*args, env=env, input=stdin)


def test_cli_verify_rotate_and_public_key(backend, keys):
    _fill(1)
    r = _cli(backend, keys, "ledger", "verify")
    assert r.returncode == 0 and "ledger OK: 1 entries" in r.stdout and "checkpoint #1 matches" in r.stdout, r
    r = _cli(backend, keys, "ledger", "rotate-key", "--yes")
    assert r.returncode == 0 and "rotated at entry #2" in r.stdout, r.stderr
    _fill(1)  # this process signed with the old key so far: it must pick the new one up by itself
    r = _cli(backend, keys, "ledger", "verify", "--all-signatures", "--tables")
    assert r.returncode == 0 and "3 signatures checked (2 keys)" in r.stdout, r
    both = _cli(backend, keys, "ledger", "public-key", "--all").stdout
    assert both.count("-----BEGIN PUBLIC KEY-----") == 2 and "signs entries #1..#1" in both
    assert "signs entries #2..(in force)" in both
    current = _cli(backend, keys, "ledger", "public-key").stdout
    assert current.count("-----BEGIN PUBLIC KEY-----") == 1 and current in both


def test_cli_names_a_deleted_tail_and_an_edited_rating(backend, keys, world):
    from tests.datasets.helpers import create, inject_evaluation, jsonl, records, upload

    d = create(world)
    upload(world, d["id"], jsonl(records(5)))
    inject_evaluation(d["id"], "C")
    assert _cli(backend, keys, "ledger", "verify", "--tables").returncode == 0
    _tamper("UPDATE datasets SET rating = 'A' WHERE id = :i", i=d["id"])
    r = _cli(backend, keys, "ledger", "verify")
    assert r.returncode == 0  # the rows are only compared when asked
    r = _cli(backend, keys, "ledger", "verify", "--tables")
    assert r.returncode == 1 and f"datasets #{d['id']}: rating is 'A'" in r.stderr and "Traceback" not in r.stderr
    _tamper("UPDATE datasets SET rating = 'C' WHERE id = :i", i=d["id"])
    head = _head()
    _tamper("DELETE FROM ledger_entries WHERE seq = :s", s=head)
    r = _cli(backend, keys, "ledger", "verify")
    assert r.returncode == 1 and f"the last 1 entry was deleted (checkpoint at #{head}" in r.stderr, r
