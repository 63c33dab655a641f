"""The workbench service per role, over data made through the services (SQLite and PostgreSQL):
what an annotator can still take and did today, a reviewer's and an expert's own queue sizes, a
manager's progress and alerts (stuck jobs, low agreement, gold failures), a dataset owner's re-reviews
and ratings; and nobody gets a panel for a role they do not hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crowdset.annotation import health, policy, review, workload
from crowdset.annotation.models import Project
from crowdset.annotation.quality_runs import run_quality
from crowdset.annotation.scheduler import next_task
from crowdset.annotation.submissions import submit
from crowdset.auth.models import User
from crowdset.auth.service import create_user
from crowdset.datasets.rereview import due, due_for_rereview
from crowdset.db import get_db, utcnow
from crowdset.jobs.service import create_job
from crowdset.jobs.stuck import QUEUED_TOO_LONG, stuck_jobs
from crowdset.workbench.service import workbench
from tests.annotation.helpers import add_tasks, choice, make_project, texts
from tests.datasets.helpers import create, inject_evaluation, jsonl, records, upload
from tests.support import PASSWORD


def _user(world, who: str) -> User:
    with get_db().reading() as s:
        return s.get(User, world.users[who].id)


def bench(world, who: str, now: datetime | None = None):
    with get_db().reading() as s:
        return workbench(s, s.get(User, world.users[who].id), now)


def label(world, who: str, pid: int, *labels: str) -> list[int]:
    """``who`` takes the next tasks of the project and answers them with ``labels``, through the services."""
    ids = []
    for value in labels:
        with get_db().transaction() as s:
            user = s.get(User, world.users[who].id)
            lease = next_task(s, user, s.get(Project, pid))
            assert lease is not None, f"nothing left for {who}"
            submit(s, user, lease.id, choice(value))
            ids.append(lease.task_id)
    return ids


def test_annotator_sees_what_is_left_for_them_and_today(world, tmp_path):
    pid = make_project(world, status="active", overlap=2)
    add_tasks(pid, texts(5), tmp_path)
    quiet = make_project(world, status="paused", members=("annotator",))
    label(world, "annotator", pid, "正面", "负面")
    with get_db().transaction() as s:  # a lease held, not submitted: not takeable again, not done
        next_task(s, s.get(User, world.users["annotator"].id), s.get(Project, pid))

    mine = bench(world, "annotator")
    assert mine.queues is None and mine.manager is None and mine.datasets is None
    rows = {r.project_id: r for r in mine.annotator.rows}
    assert (rows[pid].waiting, rows[pid].today, rows[pid].below_gold_floor) == (2, 2, False)
    assert (rows[quiet].status, rows[quiet].waiting, rows[quiet].today) == ("paused", 0, 0)
    assert mine.annotator.today == 2
    # overlap 2: the other annotators can still take every task (two hold one slot each, at most)
    other = {r.project_id: r for r in bench(world, "annotator2").annotator.rows}
    assert (other[pid].waiting, other[pid].today) == (5, 0)
    label(world, "annotator2", pid, "正面", "正面", "负面", "负面")  # the two untouched tasks, then the oldest two
    assert {r.project_id: r.waiting for r in bench(world, "annotator3").annotator.rows}[pid] == 3
    # the count is what the scheduler would hand out
    for _ in range(3):
        label(world, "annotator3", pid, "中性")
    with get_db().transaction() as s:
        assert next_task(s, s.get(User, world.users["annotator3"].id), s.get(Project, pid)) is None
    assert {r.project_id: r.waiting for r in bench(world, "annotator3").annotator.rows}[pid] == 0
    # yesterday's submits are not today's
    tomorrow = utcnow() + timedelta(days=1)
    assert bench(world, "annotator", tomorrow).annotator.today == 0


def test_waiting_is_capped_and_the_gold_floor_is_shown(world, tmp_path):
    pid = make_project(world, status="active", gold_ratio=1.0, gold_floor=0.8)
    add_tasks(pid, texts(workload.WAITING_CAP + 5)
              + [{"data": {"text": f"金标{i}"}, "is_gold": True, "gold": choice("正面")} for i in range(6)], tmp_path)
    row = bench(world, "annotator").annotator.rows[0]
    assert row.waiting == workload.WAITING_CAP + 1 and row.waiting_capped
    label(world, "annotator", pid, *["负面"] * 5)  # gold tasks come first at ratio 1: five wrong answers
    row = bench(world, "annotator").annotator.rows[0]
    assert row.below_gold_floor and row.waiting == 0  # the scheduler would refuse them
    with get_db().reading() as s:
        project = s.get(Project, pid)
        assert workload.below_gold_floor(s, s.get(User, world.users["annotator"].id), project)
        failures = health.gold_failures(s, project)
    assert [(f["name"], f["correct"], f["answered"], f["floor"]) for f in failures] == [("annotator", 0, 5, 0.8)]


def test_review_and_arbitration_queues_are_the_persons_own(world, tmp_path):
    disputed = make_project(world, status="active", overlap=2, agreement_threshold=0.9)
    add_tasks(disputed, texts(2), tmp_path)
    label(world, "annotator", disputed, "正面", "正面")
    label(world, "annotator2", disputed, "负面", "正面")  # the first task is disputed, the second agreed
    reviewed = make_project(world, status="active", review_policy="all")
    add_tasks(reviewed, texts(2), tmp_path)
    label(world, "annotator", reviewed, "正面", "负面")

    reviewer = {q.project_id: q for q in bench(world, "reviewer").queues}
    assert (reviewer[reviewed].review, reviewer[reviewed].arbitration) == (2, None)
    expert = {q.project_id: q for q in bench(world, "expert").queues}
    assert (expert[disputed].review, expert[disputed].arbitration) == (None, 1)
    assert bench(world, "reviewer").annotator is None and bench(world, "expert").manager is None
    # the queue sizes are the queues' lengths, the person's own work left out
    with get_db().reading() as s:
        ann = s.get(User, world.users["annotator"].id)
        with_roles = s.get(Project, reviewed)
        assert len(review.review_queue(s, _user(world, "reviewer"), reviewed).items) == 2
        assert len(review.arbitration_queue(s, _user(world, "expert"), disputed).items) == 1
        assert workload.review_queue_size(s, ann, with_roles) is None  # an annotator may not review
    # an annotator made reviewer of a project does not count their own annotations as work
    with get_db().transaction() as s:
        from crowdset.annotation.projects import add_member

        add_member(s, None, s.get(Project, reviewed), s.get(User, world.users["annotator"].id), "reviewer")
        add_member(s, None, s.get(Project, reviewed), s.get(User, world.users["annotator2"].id), "reviewer")
    assert {q.project_id: q.review for q in bench(world, "annotator").queues} == {reviewed: 0}
    assert {q.project_id: q.review for q in bench(world, "annotator2").queues} == {reviewed: 2}


def test_manager_sees_progress_and_alerts(world, tmp_path):
    pid = make_project(world, status="active", overlap=2)
    add_tasks(pid, texts(4), tmp_path)
    label(world, "annotator", pid, "正面", "正面", "负面", "中性")
    label(world, "annotator2", pid, "负面", "正面", "正面", "中性")  # agree on two of four
    with get_db().transaction() as s:
        run_quality(s, None, s.get(Project, pid), "mv")
    calm = make_project(world, status="active")
    add_tasks(calm, texts(2), tmp_path)
    now = utcnow()
    with get_db().transaction() as s:
        manager = s.get(User, world.users["manager"].id)
        dead = create_job(s, "tasks.import", {"project_id": pid}, manager)
        dead.state, dead.started_at, dead.heartbeat_at = "running", now - timedelta(hours=1), now - timedelta(hours=1)
        dead.worker_host, dead.worker_pid, dead.worker_id = "gpu-node-7", 4242, "f" * 32
        waiting = create_job(s, "quality.run", {"project_id": pid}, manager)
        waiting.created_at = now - QUEUED_TOO_LONG - timedelta(minutes=1)
        create_job(s, "quality.run", {"project_id": calm}, manager)  # queued a moment ago: fine
        alive = create_job(s, "tasks.import", {"project_id": calm}, manager)
        alive.state, alive.started_at, alive.heartbeat_at = "running", now, now
        other_org = create_job(s, "tasks.import", {"project_id": 10_000}, None)
        other_org.created_at = now - timedelta(days=1)
        dead_id, waiting_id = dead.id, waiting.id

    panel = bench(world, "manager").manager
    rows = {r.project_id: r for r in panel.rows}
    assert [r.project_id for r in panel.rows] == [pid, calm]  # projects needing attention first
    assert (rows[pid].done, rows[pid].total) == (4, 4) and rows[pid].share == 1.0
    assert (rows[calm].done, rows[calm].total, rows[calm].alerts) == (0, 2, [])
    kinds = [(a.kind, a.detail.get("why") or a.detail.get("metric")) for a in rows[pid].alerts]
    assert kinds == [("stuck_job", "no_heartbeat"), ("stuck_job", "queued"), ("low_agreement", "percent_agreement")]
    assert {a.detail.get("job_id") for a in rows[pid].alerts[:2]} == {dead_id, waiting_id}
    low = rows[pid].alerts[2].detail
    assert low["control"] == "sentiment" and low["value"] == 0.5 and low["floor"] == health.LOW_PERCENT_AGREEMENT
    assert panel.thresholds["gold_floor"] == health.DEFAULT_GOLD_FLOOR
    # another organisation's manager sees none of it; the annotator has no manager panel
    assert bench(world, "manager_b").manager.rows == []
    assert bench(world, "annotator").manager is None
    with get_db().reading() as s:
        assert stuck_jobs(s, []) == []
        assert {j.id for j in stuck_jobs(s, [f"project:{calm}"])} == set()
        assert [p.id for p in policy.projects_where(s, _user(world, "manager"), "manage")] == [pid, calm]


def test_low_agreement_rules():
    from crowdset.annotation.models import QualityRun

    run = QualityRun(agreement={
        "fine": {"summary": {"percent_agreement": 0.9, "fleiss_kappa": 0.8}},
        "chance": {"summary": {"percent_agreement": 0.7, "fleiss_kappa": 0.1}},
        "two": {"summary": {"percent_agreement": 0.7, "fleiss_kappa": 0.1, "cohen_kappa": 0.5}},
        "undefined": {"summary": {"percent_agreement": 0.9, "fleiss_kappa": None}},
        "spans": {"summary": {"kind": "spans", "mean": 0.4}},
    })
    assert [(a["control"], a["metric"]) for a in health.low_agreement(run)] == [
        ("chance", "fleiss_kappa"), ("spans", "mean")]


def test_owner_sees_datasets_due_for_rereview_and_ratings(world):
    now = datetime.now(UTC)
    overdue = create(world, name="逾期数据集")
    upload(world, overdue["id"], jsonl(records(4)))
    inject_evaluation(overdue["id"], "C", datetime(2023, 1, 1, tzinfo=UTC))  # basic: valid 24 months
    soon = create(world, name="即将复审")
    upload(world, soon["id"], jsonl(records(4)))
    inject_evaluation(soon["id"], "C", now - timedelta(days=2 * 365 - 20))
    fresh = create(world, name="新评级")
    upload(world, fresh["id"], jsonl(records(4)))
    inject_evaluation(fresh["id"], "B", now)
    unrated = create(world, name="未评级")
    theirs = create(world, who="manager_b", name="别家的逾期数据集")
    upload(world, theirs["id"], jsonl(records(4)), who="manager_b")
    inject_evaluation(theirs["id"], "C", datetime(2023, 1, 1, tzinfo=UTC))

    panel = bench(world, "manager").datasets
    assert [(d.dataset_id, d.due) for d in panel.due] == [(overdue["id"], "overdue"), (soon["id"], "soon")]
    ratings = {d.dataset_id: (d.rating, d.tier, d.due) for d in panel.rows}
    assert ratings == {overdue["id"]: ("C", "basic", "overdue"), soon["id"]: ("C", "basic", "soon"),
                       fresh["id"]: ("B", "featured", None), unrated["id"]: (None, "none", None)}
    # the same rule as the re-review job: what it would re-review now, seen by the organisation
    with get_db().reading() as s:
        mine = {d.id for d in due_for_rereview(s, _user(world, "manager"), now)}
        everyone = {d.id for d in due_for_rereview(s, _user(world, "admin"), now)}
        assert due_for_rereview(s, _user(world, "annotator"), now) == []
    assert mine == {overdue["id"]} and everyone == set(due(now)) == {overdue["id"], theirs["id"]}
    assert bench(world, "annotator").datasets is None
    assert {d.dataset_id for d in bench(world, "manager_b").datasets.rows} == {theirs["id"]}


def test_a_person_without_work_gets_an_empty_workbench(world):
    with get_db().transaction() as s:
        create_user(s, None, "buyer@example.com", PASSWORD, "buyer", world.org_a, ["consumer"])
    with get_db().reading() as s:
        from sqlalchemy import select

        buyer = s.scalar(select(User).where(User.email == "buyer@example.com"))
        assert workbench(s, buyer).empty
    admin = bench(world, "admin")
    assert admin.annotator is None and admin.queues is None and admin.manager is not None
    assert admin.datasets is not None
