"""Quality control wired into projects: consensus job, agreement and annotator scores per run,
label errors sent to review."""

from __future__ import annotations

from sqlalchemy import select

from crowdset.annotation.models import Annotation, Task
from crowdset.db import get_db
from tests.annotation.helpers import add_tasks, choice, make_project
from tests.support import run_cli

TRUTH = ["正面", "负面", "中性"]


def _crowd_project(world, tmp_path, predictions: bool = False):
    pid = make_project(world, overlap=3, gold_ratio=0.2)
    tasks = []
    for i in range(18):
        t = {"data": {"text": f"评论{i}"}, "meta": {"truth": TRUTH[i % 3]}}
        if predictions:
            # the model disagrees with the crowd on task 0 only, and is confident about it
            label = TRUTH[(i + 1) % 3] if i == 0 else TRUTH[i % 3]
            t["predictions"] = [{"model": "m", "score": 0.97, "result": choice(label)}]
        tasks.append(t)
    tasks += [{"data": {"text": f"金标{i}"}, "is_gold": True, "gold": choice(TRUTH[i % 3])} for i in range(3)]
    add_tasks(pid, tasks, tmp_path)
    for who in ("annotator", "annotator2", "annotator3"):
        while True:
            r = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who))
            if r.status_code == 204:
                break
            lease = r.json()
            text = lease["data"]["text"]
            i = int(text[2:]) if text.startswith("评论") else int(text[2:])
            truth = TRUTH[i % 3]
            label = "中性" if who == "annotator3" else truth  # annotator3 always answers 中性
            world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                              json={"result": choice(label), "lead_time": 5}, headers=world.h(who))
    return pid


def test_quality_run_writes_finals_and_scores(world, tmp_path):
    pid = _crowd_project(world, tmp_path)
    r = world.client.post(f"/api/v1/projects/{pid}/quality-runs", json={"method": "ds"}, headers=world.h("manager"))
    assert r.status_code == 202
    job = world.client.get(r.json()["url"], headers=world.h("manager")).json()
    assert job["state"] == "succeeded", job
    q = world.client.get(f"/api/v1/projects/{pid}/quality", headers=world.h("manager")).json()
    latest = q["latest"]
    assert latest["method"] == "ds" and latest["n_tasks"] >= 18
    summary = latest["agreement"]["sentiment"]["summary"]
    assert 0 < summary["percent_agreement"] < 1 and summary["n_workers"] == 3
    by_worker = {w["worker"]: w["sentiment"] for w in latest["workers"]}
    spammer = by_worker[f"user:{world.users['annotator3'].id}"]
    good = by_worker[f"user:{world.users['annotator'].id}"]
    assert good["gold_accuracy"] == 1.0 and spammer["gold_accuracy"] < 0.5
    assert spammer["is_spam"] and not good["is_spam"]
    with get_db().reading() as s:
        finals = s.execute(select(Task.final, Task.final_method, Task.meta).where(
            Task.project_id == pid, Task.is_gold.is_(False))).all()
    assert all(m == "ds" for _f, m, _meta in finals)
    assert all(f == choice(meta["truth"]) for f, _m, meta in finals)
    # a second run adds a point to the history
    world.client.post(f"/api/v1/projects/{pid}/quality-runs", json={"method": "mv"}, headers=world.h("manager"))
    q = world.client.get(f"/api/v1/projects/{pid}/quality", headers=world.h("manager")).json()
    assert [p["method"] for p in q["history"]] == ["ds", "mv"]
    assert world.client.get(f"/api/v1/projects/{pid}/quality", headers=world.h("annotator")).status_code == 403
    bad = world.client.post(f"/api/v1/projects/{pid}/quality-runs", json={"method": "vote"}, headers=world.h("manager"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "method"
    # an unknown control is refused when the run is asked for, not as a failed job later
    bad = world.client.post(f"/api/v1/projects/{pid}/quality-runs", json={"method": "ds", "control": "nope"},
                            headers=world.h("manager"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "control"


def test_label_errors_go_to_review(world, tmp_path):
    pid = _crowd_project(world, tmp_path, predictions=True)
    r = run_cli("project", "quality", str(pid), "--method", "mv")
    assert r.returncode == 0, r.stderr
    q = world.client.get(f"/api/v1/projects/{pid}/quality", headers=world.h("manager")).json()
    issues = q["latest"]["label_issues"]
    assert issues, "the model's confident disagreement should be flagged"
    with get_db().reading() as s:
        first = s.scalar(select(Task.id).where(Task.project_id == pid).order_by(Task.id))
        pending = s.scalars(select(Annotation.task_id).where(Annotation.project_id == pid,
                                                             Annotation.review_state == "pending")).all()
    assert issues[0]["task"] == first and first in pending


def test_span_agreement_is_measured_for_ner_projects(world, tmp_path):
    from tests.annotation.helpers import NER

    pid = make_project(world, schema=NER, overlap=2)
    add_tasks(pid, [{"data": {"text": "张三在北京工作"}}], tmp_path)
    spans = {"annotator": [(0, 2, "PER"), (3, 5, "LOC")], "annotator2": [(0, 2, "PER")]}
    for who, marks in spans.items():
        lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who)).json()
        text = lease["data"]["text"]
        result = {"entities": {"spans": [{"id": f"s{i}", "start": a, "end": b, "label": lab, "text": text[a:b]}
                                         for i, (a, b, lab) in enumerate(marks)]}}
        r = world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": result},
                              headers=world.h(who))
        assert r.status_code == 200, r.text
    r = world.client.post(f"/api/v1/projects/{pid}/quality-runs", json={"method": "mv"}, headers=world.h("manager"))
    assert world.client.get(r.json()["url"], headers=world.h("manager")).json()["state"] == "succeeded"
    latest = world.client.get(f"/api/v1/projects/{pid}/quality", headers=world.h("manager")).json()["latest"]
    summary = latest["agreement"]["entities"]["summary"]
    assert abs(summary["mean"] - 2 / 3) < 1e-9  # F1 = 2·1/(2+1)


def test_quality_page_and_api_plot_the_same_history(world, tmp_path):
    """Both read ``quality_runs.quality_report``: a structured control's mean pairwise agreement stands
    in for the percent agreement it does not have, on the page as in the API."""
    import json
    import re

    from tests.annotation.helpers import NER
    from tests.web.test_manage_pages import sign_in

    pid = make_project(world, schema=NER, overlap=2)
    add_tasks(pid, [{"data": {"text": "张三在北京工作"}}], tmp_path)
    for who in ("annotator", "annotator2"):
        lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who)).json()
        span = {"id": "s0", "start": 0, "end": 2, "label": "PER", "text": lease["data"]["text"][:2]}
        world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                          json={"result": {"entities": {"spans": [span]}}}, headers=world.h(who))
    r = world.client.post(f"/api/v1/projects/{pid}/quality-runs", json={"method": "mv"}, headers=world.h("manager"))
    assert world.client.get(r.json()["url"], headers=world.h("manager")).json()["state"] == "succeeded"
    api = world.client.get(f"/api/v1/projects/{pid}/quality", headers=world.h("manager")).json()["history"]
    assert [(h["control"], h["percent_agreement"]) for h in api] == [("entities", 1.0)]
    sign_in(world, "manager")
    page = world.client.get(f"/projects/{pid}/quality").text
    data = json.loads(re.search(r'id="quality-data">(.*?)</script>', page, re.S).group(1))
    assert [(h["run"], h["control"], h["percent_agreement"]) for h in data["history"]] == \
        [(api[0]["run_id"], "entities", 1.0)]
