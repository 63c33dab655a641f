"""Submitting, updating, reviewing, arbitrating: the path from annotations to a final label."""

from __future__ import annotations

from sqlalchemy import select

from crowdset.annotation.models import Task
from crowdset.db import get_db
from crowdset.ledger.models import LedgerEntry
from tests.annotation.helpers import NER, add_tasks, choice, make_project, texts


def _lease(world, who, pid):
    r = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h(who))
    assert r.status_code == 200, r.text
    return r.json()


def _task(tid):
    with get_db().reading() as s:
        return s.get(Task, tid)


def test_submit_is_validated_against_the_schema(world, tmp_path):
    pid = make_project(world, schema=NER)
    add_tasks(pid, [{"data": {"text": "张三在北京工作"}}], tmp_path)
    lease = _lease(world, "annotator", pid)
    url = f"/api/v1/annotations/{lease['annotation_id']}/submit"
    bad = {"entities": {"spans": [{"id": "a", "start": 0, "end": 2, "label": "PERSON", "text": "张三"}]}}
    r = world.client.post(url, json={"result": bad}, headers=world.h("annotator"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("result.entities")
    wrong_text = {"entities": {"spans": [{"id": "a", "start": 0, "end": 2, "label": "PER", "text": "北京"}]}}
    assert world.client.post(url, json={"result": wrong_text}, headers=world.h("annotator")).status_code == 422
    good = {"entities": {"spans": [{"id": "a", "start": 0, "end": 2, "label": "PER", "text": "张三"},
                                   {"id": "b", "start": 3, "end": 5, "label": "LOC", "text": "北京"}]}}
    r = world.client.post(url, json={"result": good, "lead_time": 12.5}, headers=world.h("annotator"))
    assert r.status_code == 200 and r.json()["lead_time"] == 12.5
    # someone else cannot touch it
    assert world.client.put(f"/api/v1/annotations/{lease['annotation_id']}", json={"result": good},
                            headers=world.h("annotator2")).status_code == 404


def test_update_until_reviewed(world, tmp_path):
    pid = make_project(world, review_policy="all")
    add_tasks(pid, texts(1), tmp_path)
    lease = _lease(world, "annotator", pid)
    ann = lease["annotation_id"]
    world.client.post(f"/api/v1/annotations/{ann}/submit", json={"result": choice("正面")},
                      headers=world.h("annotator"))
    r = world.client.put(f"/api/v1/annotations/{ann}", json={"result": choice("负面")}, headers=world.h("annotator"))
    assert r.status_code == 200 and r.json()["result"] == choice("负面")
    r = world.client.post(f"/api/v1/annotations/{ann}/review", json={"verdict": "accept"}, headers=world.h("reviewer"))
    assert r.status_code == 201
    assert _task(lease["task_id"]).state == "done" and _task(lease["task_id"]).final == choice("负面")
    r = world.client.put(f"/api/v1/annotations/{ann}", json={"result": choice("正面")}, headers=world.h("annotator"))
    assert r.status_code == 409


def test_reject_returns_task_and_annotator_sees_comment(world, tmp_path):
    pid = make_project(world, review_policy="all", overlap=1)
    add_tasks(pid, texts(1), tmp_path)
    lease = _lease(world, "annotator", pid)
    ann = lease["annotation_id"]
    world.client.post(f"/api/v1/annotations/{ann}/submit", json={"result": choice("正面")},
                      headers=world.h("annotator"))
    queue = world.client.get(f"/api/v1/projects/{pid}/review-queue", headers=world.h("reviewer")).json()
    assert [i["annotation"]["id"] for i in queue["items"]] == [ann]
    assert world.client.get(f"/api/v1/projects/{pid}/review-queue", headers=world.h("annotator")).status_code == 403
    r = world.client.post(f"/api/v1/annotations/{ann}/review", json={"verdict": "reject"}, headers=world.h("reviewer"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "comment"
    r = world.client.post(f"/api/v1/annotations/{ann}/review", json={"verdict": "reject", "comment": "这条是负面评价"},
                          headers=world.h("reviewer"))
    assert r.status_code == 201
    fb = world.client.get("/api/v1/me/feedback", headers=world.h("annotator")).json()
    assert fb[0]["review"]["comment"] == "这条是负面评价" and fb[0]["review"]["verdict"] == "reject"
    task = _task(lease["task_id"])
    assert task.state == "open" and task.n_done == 0 and task.n_taken == 0
    again = _lease(world, "annotator2", pid)  # back in the pool, for someone else
    assert again["task_id"] == lease["task_id"]
    assert world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator")).status_code == 204


def test_fix_makes_the_reviewers_result_final(world, tmp_path):
    pid = make_project(world, review_policy="all")
    add_tasks(pid, texts(1), tmp_path)
    lease = _lease(world, "annotator", pid)
    ann = lease["annotation_id"]
    world.client.post(f"/api/v1/annotations/{ann}/submit", json={"result": choice("正面")},
                      headers=world.h("annotator"))
    r = world.client.post(f"/api/v1/annotations/{ann}/review", json={"verdict": "fix", "comment": "中性",
                                                                     "result": choice("中性")},
                          headers=world.h("reviewer"))
    assert r.status_code == 201
    task = _task(lease["task_id"])
    assert task.state == "done" and task.final == choice("中性") and task.final_method == "review_fix"


def test_disagreement_goes_to_the_expert(world, tmp_path):
    pid = make_project(world, overlap=3, agreement_threshold=0.7)
    add_tasks(pid, texts(1), tmp_path)
    for who, label in (("annotator", "正面"), ("annotator2", "负面"), ("annotator3", "中性")):
        lease = _lease(world, who, pid)
        world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": choice(label)},
                          headers=world.h(who))
    tid = lease["task_id"]
    assert _task(tid).state == "arbitration"
    q = world.client.get(f"/api/v1/projects/{pid}/arbitration-queue", headers=world.h("expert")).json()
    assert q["items"][0]["task"]["id"] == tid and len(q["items"][0]["annotations"]) == 3
    assert world.client.post(f"/api/v1/tasks/{tid}/resolve", json={"result": choice("负面")},
                             headers=world.h("annotator")).status_code in (403, 404)
    r = world.client.post(f"/api/v1/tasks/{tid}/resolve", json={"result": choice("负面"), "comment": "语气讽刺"},
                          headers=world.h("expert"))
    assert r.status_code == 200 and r.json()["final_method"] == "expert" and r.json()["state"] == "done"
    with get_db().reading() as s:
        kinds = set(s.scalars(select(LedgerEntry.kind)))
    assert {"annotation.submitted", "task.arbitrated", "tasks.imported", "project.created"} <= kinds


def test_agreeing_annotators_give_a_majority_label(world, tmp_path):
    pid = make_project(world, overlap=3, agreement_threshold=0.6)
    add_tasks(pid, texts(1), tmp_path)
    for who, label in (("annotator", "正面"), ("annotator2", "正面"), ("annotator3", "负面")):
        lease = _lease(world, who, pid)
        world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit", json={"result": choice(label)},
                          headers=world.h(who))
    task = _task(lease["task_id"])
    assert task.state == "done" and task.final == choice("正面") and task.final_method == "majority"
    assert abs(task.final_confidence - 2 / 3) < 1e-9


def test_draft_is_kept_and_renews_the_lease(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(1), tmp_path)
    lease = _lease(world, "annotator", pid)
    r = world.client.put(f"/api/v1/annotations/{lease['annotation_id']}/draft", json={"draft": choice("中性")},
                         headers=world.h("annotator"))
    assert r.status_code == 200
    again = _lease(world, "annotator", pid)
    assert again["draft"] == choice("中性")


def test_predictions_are_shown_as_a_starting_point(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, [{"data": {"text": "好"}, "predictions": [{"model": "bert-zh", "score": 0.91,
                                                              "result": choice("正面")}]}], tmp_path)
    lease = _lease(world, "annotator", pid)
    assert lease["predictions"] == [{"model": "bert-zh", "score": 0.91, "result": choice("正面")}]


def test_stats(world, tmp_path):
    pid = make_project(world, overlap=1)
    add_tasks(pid, texts(3), tmp_path)
    for _ in range(2):
        lease = _lease(world, "annotator", pid)
        world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                          json={"result": choice("正面"), "lead_time": 4.0}, headers=world.h("annotator"))
    st = world.client.get(f"/api/v1/projects/{pid}/stats", headers=world.h("manager")).json()
    assert st["tasks"]["total"] == 3 and st["tasks"]["by_state"]["done"] == 2 and st["tasks"]["by_state"]["open"] == 1
    assert st["annotators"][0]["submitted"] == 2 and st["annotators"][0]["median_lead_time"] == 4.0
    assert sum(d["submitted"] for d in st["throughput"]) == 2
