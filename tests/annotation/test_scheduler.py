"""The task scheduler: fairness rules, leases, gold mixing and correctness under concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from crowdset.annotation.models import Annotation, Project, Task
from crowdset.annotation.scheduler import next_task
from crowdset.annotation.submissions import skip, submit
from crowdset.auth.models import User
from crowdset.db import get_db, utcnow
from tests.annotation.helpers import add_tasks, choice, make_project, texts


def _next(world, who, pid):
    r = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who))
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else None


def _submit(world, who, lease, label="正面"):
    r = world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                          json={"result": choice(label)}, headers=world.h(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_never_twice_and_never_beyond_overlap(world, tmp_path):
    pid = make_project(world, overlap=2)
    add_tasks(pid, texts(3), tmp_path)
    seen = {}
    for who in ("annotator", "annotator2", "annotator3"):
        seen[who] = []
        while (lease := _next(world, who, pid)) is not None:
            seen[who].append(lease["task_id"])
            _submit(world, who, lease)
    for who, ids in seen.items():
        assert len(ids) == len(set(ids)), who
    counts = {}
    for ids in seen.values():
        for t in ids:
            counts[t] = counts.get(t, 0) + 1
    assert sorted(counts.values()) == [2, 2, 2]
    with get_db().reading() as s:
        assert s.scalar(select(func.count()).where(Task.project_id == pid, Task.state == "done")) == 3


def test_current_lease_is_returned_again_until_submitted(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(2), tmp_path)
    first = _next(world, "annotator", pid)
    assert _next(world, "annotator", pid)["annotation_id"] == first["annotation_id"]
    pre = world.client.post(f"/api/v1/projects/{pid}/next?prefetch=true", headers=world.h("annotator")).json()
    assert pre["task_id"] != first["task_id"]


def test_priority_then_least_annotated_then_oldest(world, tmp_path):
    pid = make_project(world, overlap=3)
    add_tasks(pid, [{"data": {"text": "低"}, "priority": 0}, {"data": {"text": "高"}, "priority": 5},
                    {"data": {"text": "低2"}, "priority": 0}], tmp_path)
    a = _next(world, "annotator", pid)
    assert a["data"]["text"] == "高"
    _submit(world, "annotator", a)
    b = _next(world, "annotator2", pid)
    assert b["data"]["text"] == "高"  # priority beats least-annotated
    _submit(world, "annotator2", b)
    c = _next(world, "annotator", pid)
    assert c["data"]["text"] == "低"  # then oldest among equally annotated
    _submit(world, "annotator", c)
    d = _next(world, "annotator2", pid)
    assert d["data"]["text"] == "低2"  # least annotated first


def test_expired_lease_returns_the_slot(world, tmp_path):
    pid = make_project(world, overlap=1)
    add_tasks(pid, texts(1), tmp_path)
    lease = _next(world, "annotator", pid)
    assert _next(world, "annotator2", pid) is None  # the only slot is leased
    with get_db().transaction() as s:
        s.execute(update(Annotation).where(Annotation.id == lease["annotation_id"])
                  .values(leased_until=utcnow() - timedelta(seconds=1)))
    other = _next(world, "annotator2", pid)
    assert other is not None and other["task_id"] == lease["task_id"]
    _submit(world, "annotator2", other)
    # the first annotator's late submit is refused: the task went to someone else
    r = world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": choice("负面")},
                          headers=world.h("annotator"))
    assert r.status_code == 409


def test_skipped_task_is_not_offered_again(world, tmp_path):
    pid = make_project(world, overlap=1)
    add_tasks(pid, texts(2), tmp_path)
    a = _next(world, "annotator", pid)
    assert world.client.post(f"/api/v1/annotations/{a['annotation_id']}/skip",
                             headers=world.h("annotator")).status_code == 200
    b = _next(world, "annotator", pid)
    assert b["task_id"] != a["task_id"]
    _submit(world, "annotator", b)
    assert _next(world, "annotator", pid) is None
    c = _next(world, "annotator2", pid)
    assert c["task_id"] == a["task_id"]  # the skip gave the slot back


def test_gold_tasks_mixed_in_and_indistinguishable(world, tmp_path):
    pid = make_project(world, overlap=1, gold_ratio=0.25)
    add_tasks(pid, texts(12) + [{"data": {"text": f"金标{i}"}, "is_gold": True, "gold": choice("负面")}
                                for i in range(4)], tmp_path)
    served = []
    while (lease := _next(world, "annotator", pid)) is not None:
        assert set(lease) == {"annotation_id", "task_id", "data", "leased_until", "draft", "predictions"}
        served.append(lease["data"]["text"])
        _submit(world, "annotator", lease, "负面" if lease["data"]["text"].startswith("金标") else "正面")
        if len(served) == 12:
            break
    gold = sum(1 for t in served if t.startswith("金标"))
    assert 2 <= gold <= 4, served
    with get_db().reading() as s:
        rows = s.execute(select(Annotation.gold_correct).where(Annotation.gold_correct.is_not(None))).scalars().all()
    assert rows and all(rows)


def test_gold_floor_stops_poor_annotators(world, tmp_path):
    pid = make_project(world, overlap=1, gold_ratio=0.5, gold_floor=0.8)
    add_tasks(pid, texts(20) + [{"data": {"text": f"金标{i}"}, "is_gold": True, "gold": choice("负面")}
                                for i in range(10)], tmp_path)
    blocked = False
    for _ in range(30):
        r = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator"))
        if r.status_code == 403:
            blocked = True
            break
        lease = r.json()
        _submit(world, "annotator", lease, "正面")  # always wrong on gold
    assert blocked


def test_next_requires_annotator_role(world, tmp_path):
    pid = make_project(world, members=("annotator",))
    add_tasks(pid, texts(1), tmp_path)
    assert world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator2")).status_code == 404
    assert world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("reviewer")).status_code == 403


def test_32_threads_pulling_and_submitting(world, tmp_path):
    """No task ever exceeds N, no submitted work is lost, nobody annotates a task twice."""
    overlap, n_tasks, n_users = 3, 40, 32
    pid = make_project(world, overlap=overlap)
    add_tasks(pid, texts(n_tasks), tmp_path)
    from crowdset.annotation.projects import add_member
    from crowdset.auth.service import create_user

    user_ids = []
    with get_db().transaction() as s:
        project = s.get(Project, pid)
        for i in range(n_users):
            u = create_user(s, None, f"crowd{i}@example.com", "a long enough password", f"c{i}", world.org_a)
            add_member(s, None, project, u, "annotator")
            user_ids.append(u.id)
    submitted: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(uid: int) -> None:
        try:
            for _ in range(50):
                with get_db().transaction() as s:
                    user, project = s.get(User, uid), s.get(Project, pid)
                    ann = next_task(s, user, project)
                    if ann is None:
                        return
                    ann_id, task_id = ann.id, ann.task_id
                with get_db().transaction() as s:
                    user = s.get(User, uid)
                    if ann_id % 7 == 0:
                        skip(s, user, ann_id)
                        continue
                    submit(s, user, ann_id, choice("正面"))
                with lock:
                    submitted.append((uid, task_id))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(u,)) for u in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not errors, errors[:3]
    for uid in user_ids:  # a worker that found nothing free may have quit before a skip freed a slot
        worker(uid)
    assert not errors, errors[:3]
    assert len(submitted) == len(set(submitted))
    with get_db().reading() as s:
        tasks = s.execute(select(Task.id, Task.n_done, Task.n_taken, Task.state).where(Task.project_id == pid)).all()
        stored = s.execute(select(Annotation.user_id, Annotation.task_id)
                           .where(Annotation.project_id == pid, Annotation.status == "submitted")).all()
    assert sorted(map(tuple, stored)) == sorted(submitted)  # nothing lost, nothing invented
    per_task = {}
    for _uid, tid in submitted:
        per_task[tid] = per_task.get(tid, 0) + 1
    for tid, n_done, n_taken, state in tasks:
        assert n_done == per_task.get(tid, 0) <= overlap
        assert n_taken == n_done  # no leases left behind
        assert state == ("done" if n_done == overlap else "open")
    assert sum(per_task.values()) == overlap * n_tasks  # every slot filled in the end


def test_next_reads_the_project_and_the_callers_roles_once(world, tmp_path):
    """/next asks the policy once: one read of the project and one of the caller's project roles,
    whether it leases a new task or returns the one held."""
    from sqlalchemy import event

    pid = make_project(world)
    add_tasks(pid, texts(3), tmp_path)
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):  # noqa: ANN001, ARG001
        statements.append(statement)

    engine = get_db().engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(2):  # a new lease, then the held one again
            statements.clear()
            assert _next(world, "annotator", pid) is not None
            assert sum("FROM project_members" in q for q in statements) == 1, statements
            assert sum("FROM projects" in q for q in statements) == 1, statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
