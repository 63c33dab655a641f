"""Who may call what: every route of the OpenAPI document × every kind of caller, in one table.

``TABLE`` holds the intended answer for each (method, path template) and caller, decided from what a
security reviewer wants rather than from what the code happens to do:

- no token, or a revoked one (an administrator's): 401, except the two public routes;
- a user of another organisation (a manager and owner there): 404 for organisation A's objects, so
  their existence does not leak; creating something *in* organisation A is 404 too;
- organisation A's people, by account role (``manager`` … ``consumer``, none of them members of the
  project) and by project role (``p_*``: members of the project with that project role, holding the
  matching account role; ``p_manager`` holds only the account role ``reviewer``). ``author`` is a
  project annotator, reviewer and expert who annotated the fixtures' tasks: nobody judges their own work.
  A project someone may not see answers 404; one they see but may not act on, 403.

Expected classes: ``ok`` (a GET answers 2xx; a call that changes state answers anything but
401/403/404, a 422 or a 5xx: bodies are minimal and valid, and ``PREPARE`` puts back the state a call
needs, so in practice every allowed call succeeds), or exactly 401, 403 or 404.

A route in the OpenAPI document without a row fails ``test_every_route_has_a_row``, and so does a row
for a route that is gone. Where today's code disagrees with a row, the row keeps the intended answer
and the case is listed in ``DISAGREE`` (strict xfail): it flips, and fails, once the code is fixed, and
then its entry goes. The fixture world is built once per module and backend.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import _migrated, configure, postgres_available, wipe
from tests.support import PASSWORD

CALLERS = ("anon", "revoked", "other_org", "admin", "manager", "owner", "annotator", "reviewer", "expert",
           "consumer", "p_manager", "p_annotator", "p_reviewer", "p_expert", "author")

# Columns follow CALLERS:
#   anon  revoked  other_org  admin  manager  owner  annotator  reviewer  expert  consumer
#   p_manager  p_annotator  p_reviewer  p_expert  author
# Project needs (crowdset.annotation.policy): view = any member; annotate = annotator; review = reviewer or
# manager; arbitrate = expert or manager; manage = manager; admins and organisation managers: everything.
TABLE: dict[tuple[str, str], str] = {
    # ------------------------------------------------------------------ public
    ("GET", "/health"):                            "ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("POST", "/auth/token"):                       "ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    # ------------------------------------------------------------------ accounts
    ("GET", "/me"):                                "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/orgs"):                              "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("POST", "/orgs"):                             "401 401 403 ok  403 403 403 403 403 403 403 403 403 403 403",
    ("GET", "/orgs/{org_id}"):                     "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/users"):                             "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("POST", "/users"):                            "401 401 404 ok  ok  403 403 403 403 403 403 403 403 403 403",
    ("GET", "/users/{user_id}"):                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/tokens"):                            "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("POST", "/tokens"):                           "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("DELETE", "/tokens/{token_id}"):              "401 401 404 ok  ok  404 404 404 404 404 404 404 404 404 404",
    # ------------------------------------------------------------------ projects
    ("POST", "/projects"):                         "401 401 404 ok  ok  403 403 403 403 403 403 403 403 403 403",
    ("GET", "/projects"):                          "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/projects/{project_id}"):             "401 401 404 ok  ok  404 404 404 404 404 ok  ok  ok  ok  ok",
    ("PATCH", "/projects/{project_id}"):           "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 403 403",
    ("GET", "/projects/{project_id}/members"):     "401 401 404 ok  ok  404 404 404 404 404 ok  ok  ok  ok  ok",
    ("POST", "/projects/{project_id}/members"):    "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 403 403",
    ("DELETE", "/projects/{project_id}/members/{user_id}/{role}"):
                                                   "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 403 403",
    ("POST", "/projects/{project_id}/imports"):    "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 403 403",
    ("POST", "/projects/{project_id}/next"):       "401 401 404 ok  ok  404 404 404 404 404 403 ok  403 403 ok",
    ("GET", "/projects/{project_id}/review-queue"):
                                                   "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 ok",
    ("GET", "/projects/{project_id}/arbitration-queue"):
                                                   "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 ok  ok",
    ("GET", "/projects/{project_id}/tasks"):       "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 ok",
    ("GET", "/projects/{project_id}/export"):      "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 ok",
    ("GET", "/projects/{project_id}/stats"):       "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 ok",
    ("POST", "/projects/{project_id}/quality-runs"):
                                                   "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 403 403",
    ("GET", "/projects/{project_id}/quality"):     "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 ok",
    # the author's own lease: nobody else's business, whoever they are
    ("POST", "/annotations/{annotation_id}/submit"):
                                                   "401 401 404 404 404 404 404 404 404 404 404 404 404 404 ok",
    ("PUT", "/annotations/{annotation_id}"):       "401 401 404 404 404 404 404 404 404 404 404 404 404 404 ok",
    ("POST", "/annotations/{annotation_id}/skip"): "401 401 404 404 404 404 404 404 404 404 404 404 404 404 ok",
    ("PUT", "/annotations/{annotation_id}/draft"): "401 401 404 404 404 404 404 404 404 404 404 404 404 404 ok",
    # the author's submitted annotation / annotated task: judged by others only
    ("POST", "/annotations/{annotation_id}/review"):
                                                   "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 403",
    ("POST", "/tasks/{task_id}/resolve"):          "401 401 404 ok  ok  404 404 404 404 404 ok  403 403 ok  403",
    ("GET", "/tasks/{task_id}"):                   "401 401 404 ok  ok  404 404 404 404 404 ok  403 ok  403 ok",
    ("GET", "/me/feedback"):                       "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    # ------------------------------------------------------------------ files (any member of the holding organisation)
    ("POST", "/blobs"):                            "401 401 ok  403 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/blobs/{sha256}"):                    "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    # ------------------------------------------------------------------ ledger (administrators)
    ("GET", "/ledger"):                            "401 401 403 ok  403 403 403 403 403 403 403 403 403 403 403",
    ("POST", "/ledger/verify"):                    "401 401 403 ok  403 403 403 403 403 403 403 403 403 403 403",
    ("GET", "/ledger/keys"):                       "401 401 403 ok  403 403 403 403 403 403 403 403 403 403 403",
    # ------------------------------------------------------------------ jobs: creator (p_manager), admins,
    # managers of the project it concerns
    ("GET", "/jobs/{job_id}"):                     "401 401 404 ok  ok  404 404 404 404 404 ok  404 404 404 404",
    # ------------------------------------------------------------------ datasets: the organisation sees its
    # catalogue; owners and managers manage it; administrators designate and re-review
    ("POST", "/datasets"):                         "401 401 404 ok  ok  ok  403 403 403 403 403 403 403 403 403",
    ("GET", "/datasets"):                          "401 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("POST", "/datasets/rereview"):                "401 401 403 ok  403 403 403 403 403 403 403 403 403 403 403",
    ("GET", "/datasets/{dataset_id}"):             "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("PATCH", "/datasets/{dataset_id}"):           "401 401 404 ok  ok  ok  403 403 403 403 403 403 403 403 403",
    ("POST", "/datasets/{dataset_id}/designate-strategic"):
                                                   "401 401 404 ok  403 403 403 403 403 403 403 403 403 403 403",
    ("POST", "/datasets/{dataset_id}/versions"):   "401 401 404 ok  ok  ok  403 403 403 403 403 403 403 403 403",
    ("GET", "/datasets/{dataset_id}/versions"):    "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    # the owner manages the dataset but cannot see the project it would publish: 404 for the project
    ("POST", "/datasets/{dataset_id}/versions/from-project"):
                                                   "401 401 404 ok  ok  404 403 403 403 403 403 403 403 403 403",
    ("GET", "/datasets/{dataset_id}/versions/{version}"):
                                                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/versions/{version}/file"):
                                                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/versions/{version}/records"):
                                                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("POST", "/datasets/{dataset_id}/versions/{version}/evaluations"):
                                                   "401 401 404 ok  ok  ok  403 403 403 403 403 403 403 403 403",
    ("GET", "/datasets/{dataset_id}/versions/{version}/evaluations"):
                                                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/evaluations"): "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/evaluations/{evaluation_id}"):
                                                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/evaluations/{evaluation_id}/report"):
                                                   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/card"):        "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
    ("GET", "/datasets/{dataset_id}/croissant"):   "401 401 404 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok",
}

# (method, path, caller) -> why today's code answers otherwise. Strict xfails: remove an entry when fixed.
DISAGREE: dict[tuple[str, str, str], str] = {}


def expected(method: str, path: str) -> dict[str, str]:
    cells = TABLE[(method, path)].split()
    assert len(cells) == len(CALLERS), (method, path, len(cells))
    return dict(zip(CALLERS, cells, strict=True))


# ---------------------------------------------------------------- the world the calls act on

SENTIMENT = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"]}]}
CHOICE = {"sentiment": {"choices": ["正面"]}}
ROLES: dict[str, tuple[str, list[str], list[str]]] = {  # name: (org, account roles, project roles)
    "admin": ("-", ["admin"], []),
    "manager": ("A", ["manager"], []),  # creates the project, which makes it a project manager too
    "owner": ("A", ["owner"], []),
    "annotator": ("A", ["annotator"], []),
    "reviewer": ("A", ["reviewer"], []),
    "expert": ("A", ["expert"], []),
    "consumer": ("A", ["consumer"], []),
    "p_manager": ("A", ["reviewer"], ["manager"]),
    "p_annotator": ("A", ["annotator"], ["annotator"]),
    "p_reviewer": ("A", ["reviewer"], ["reviewer"]),
    "p_expert": ("A", ["expert"], ["expert"]),
    "author": ("A", ["annotator", "reviewer", "expert"], ["annotator", "reviewer", "expert"]),
    "spare": ("A", ["annotator"], ["annotator"]),  # removed from the project by the DELETE route
    "spare2": ("A", ["annotator"], []),  # added by the POST members route
    "other_org": ("B", ["manager", "owner"], []),
}


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    users: dict[str, int]
    ids: dict[str, Any] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "anon" else {"Authorization": f"Bearer {self.tokens[caller]}"}


def _png(seed: str) -> bytes:
    """A PNG of its own per seed: an upload by another organisation must not hold the fixture's blob."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), tuple(sum(map(ord, seed)) * k % 256 for k in (3, 5, 7))).save(buf, format="PNG")
    buf.write(seed.encode())  # trailing bytes after IEND: still a PNG, and distinct per seed
    return buf.getvalue()


def _build(client: TestClient) -> World:
    from crowdset.annotation import submissions
    from crowdset.annotation.models import Project
    from crowdset.annotation.projects import add_member, create_project
    from crowdset.annotation.scheduler import next_task
    from crowdset.auth.models import User
    from crowdset.auth.service import create_org, create_token, create_user, revoke_token
    from crowdset.db import get_db

    w = World(client, {}, {})
    with get_db().transaction() as s:
        org_a = create_org(s, None, "甲标注公司", "enterprise", "福建省福州市")
        org_b = create_org(s, None, "乙研究院", "institute", "福建省厦门市")
        orgs = {"A": org_a.id, "B": org_b.id, "-": None}
        users = {}
        for name, (org, roles, _p) in ROLES.items():
            u = create_user(s, None, f"{name}@example.com", PASSWORD, name, orgs[org], roles)
            users[name] = u
            w.users[name] = u.id
            w.tokens[name] = create_token(s, None, u, "matrix")[1]
        gone, w.tokens["revoked"] = create_token(s, None, users["admin"], "revoked")
        revoke_token(s, users["admin"], gone.id)
        w.ids["token_id"] = create_token(s, None, users["manager"], "victim")[0].id
        project = create_project(s, users["manager"], org_a.id, "情感分类", SENTIMENT, review_policy="all")
        for name, (_o, _r, proles) in ROLES.items():
            for role in proles:
                add_member(s, users["manager"], project, users[name], role)
        w.ids.update(org_id=org_a.id, project_id=project.id, org_b=org_b.id)
    h = w.headers
    pid = w.ids["project_id"]
    lines = "".join(json.dumps({"data": {"text": f"第{i}条评论：服务很好"}}, ensure_ascii=False) + "\n"
                    for i in range(6))
    r = client.post(f"/api/v1/projects/{pid}/imports", content=lines.encode(),
                    headers={**h("p_manager"), "content-type": "application/x-ndjson"})
    assert r.status_code == 202, r.text
    job = client.get(r.json()["url"], headers=h("p_manager")).json()  # ran once the request committed
    assert job["state"] == "succeeded", job
    w.ids["job_id"] = job["id"]
    with get_db().transaction() as s:  # the author's submitted annotation (task 1) and current lease (task 2)
        author, project = s.get(User, w.users["author"]), s.get(Project, pid)
        first = next_task(s, author, project)
        submissions.submit(s, author, first.id, CHOICE)
        lease = next_task(s, author, project)
        assert lease is not None and lease.id != first.id
        w.ids.update(submitted=first.id, task_id=first.task_id, leased=lease.id)
    r = client.post("/api/v1/blobs", files={"file": ("a.png", _png("fixture"))}, headers=h("manager"))
    assert r.status_code == 201, r.text
    w.ids["sha256"] = r.json()["sha256"]
    r = client.post("/api/v1/datasets", json={"name": "医疗影像数据集", "licence": "CC-BY-4.0"},
                    headers=h("manager"))
    assert r.status_code == 201, r.text
    did = w.ids["dataset_id"] = r.json()["id"]
    rows = "".join(json.dumps({"id": f"r{i}", "text": f"第{i}条", "label": "正面"}, ensure_ascii=False) + "\n"
                   for i in range(5))
    r = client.post(f"/api/v1/datasets/{did}/versions", files={"file": ("data.jsonl", rows.encode())},
                    headers=h("manager"))
    assert r.status_code == 201, r.text
    w.ids["version"] = r.json()["version"]
    r = client.post(f"/api/v1/datasets/{did}/versions/{w.ids['version']}/evaluations", json={},
                    headers=h("manager"))
    assert r.status_code == 202, r.text
    w.ids["evaluation_id"] = int(r.headers["location"].rsplit("/", 1)[1])
    return w


def _ensure_spare_member(w: World) -> None:
    """The DELETE members route removes ``spare``; each call finds it a member again."""
    from crowdset.annotation.models import ProjectMember
    from crowdset.db import get_db

    with get_db().transaction() as s:
        if s.get(ProjectMember, (w.ids["project_id"], w.users["spare"], "annotator")) is None:
            s.add(ProjectMember(project_id=w.ids["project_id"], user_id=w.users["spare"], role="annotator"))


def _annotation_state(key: str, status: str) -> Callable[[World], None]:
    """Put the author's annotation ``key`` back in ``status`` ("leased" or "submitted", pending review), so
    each allowed caller meets the state its call needs rather than the one a previous call left."""

    def prepare(w: World) -> None:
        from datetime import timedelta

        from crowdset.annotation.models import Annotation
        from crowdset.db import get_db, utcnow

        with get_db().transaction() as s:
            ann = s.get(Annotation, w.ids[key])
            ann.status, ann.review_state, ann.draft = status, "none" if status == "leased" else "pending", None
            if status == "leased":
                ann.result, ann.submitted_at, ann.leased_until = None, None, utcnow() + timedelta(hours=1)
            else:
                ann.result, ann.submitted_at, ann.leased_until = CHOICE, utcnow(), None

    return prepare


def _task_in_arbitration(w: World) -> None:
    from crowdset.annotation.models import Task
    from crowdset.db import get_db

    with get_db().transaction() as s:
        s.get(Task, w.ids["task_id"]).state = "arbitration"


def _project_changed(w: World) -> None:
    """A new task, so the project's export (a new version) differs from the versions already published."""
    import uuid

    from crowdset.annotation.models import Task
    from crowdset.db import get_db

    with get_db().transaction() as s:
        s.add(Task(project_id=w.ids["project_id"], data={"text": f"新任务 {uuid.uuid4().hex}"}))


# Path parameters: organisation A's objects; a few routes take a different object of the same kind.
def _params(w: World, method: str, path: str) -> dict[str, Any]:
    p = {"org_id": w.ids["org_id"], "user_id": w.users["annotator"], "token_id": w.ids["token_id"],
         "project_id": w.ids["project_id"], "task_id": w.ids["task_id"], "job_id": w.ids["job_id"],
         "sha256": w.ids["sha256"], "dataset_id": w.ids["dataset_id"], "version": w.ids["version"],
         "evaluation_id": w.ids["evaluation_id"], "annotation_id": w.ids["leased"], "role": "annotator"}
    if path.endswith("/review"):
        p["annotation_id"] = w.ids["submitted"]
    if "/members/" in path:
        p["user_id"] = w.users["spare"]
    return p


# Minimal valid request bodies, per route (and caller, where a value must be new each time).
Body = Callable[[World, str], dict[str, Any]]
BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/auth/token"): lambda w, c: {"json": {"email": "manager@example.com", "password": PASSWORD,
                                                    "name": "matrix"}},
    ("POST", "/orgs"): lambda w, c: {"json": {"name": f"机构-{c}", "kind": "enterprise"}},
    ("POST", "/users"): lambda w, c: {"json": {"email": f"new-{c}@example.com", "password": PASSWORD,
                                               "org_id": w.ids["org_id"], "roles": ["annotator"]}},
    ("POST", "/tokens"): lambda w, c: {"json": {"name": "matrix"}},
    ("POST", "/projects"): lambda w, c: {"json": {"org_id": w.ids["org_id"], "title": "新项目", "schema": SENTIMENT}},
    ("PATCH", "/projects/{project_id}"): lambda w, c: {"json": {"title": "情感分类"}},
    ("POST", "/projects/{project_id}/members"): lambda w, c: {"json": {"user_id": w.users["spare2"],
                                                                       "role": "annotator"}},
    ("POST", "/projects/{project_id}/imports"): lambda w, c: {
        "content": (json.dumps({"data": {"text": f"{c} 导入的任务"}}, ensure_ascii=False) + "\n").encode(),
        "headers": {"content-type": "application/x-ndjson"}},
    ("POST", "/annotations/{annotation_id}/submit"): lambda w, c: {"json": {"result": CHOICE}},
    ("PUT", "/annotations/{annotation_id}"): lambda w, c: {"json": {"result": CHOICE}},
    ("PUT", "/annotations/{annotation_id}/draft"): lambda w, c: {"json": {"draft": CHOICE}},
    ("POST", "/annotations/{annotation_id}/review"): lambda w, c: {"json": {"verdict": "accept"}},
    ("POST", "/tasks/{task_id}/resolve"): lambda w, c: {"json": {"result": CHOICE}},
    ("POST", "/projects/{project_id}/quality-runs"): lambda w, c: {"json": {"method": "mv"}},
    ("POST", "/blobs"): lambda w, c: {"files": {"file": ("a.png", _png(c))}},
    ("POST", "/datasets"): lambda w, c: {"json": {"org_id": w.ids["org_id"], "name": f"数据集-{c}"}},
    ("POST", "/datasets/rereview"): lambda w, c: {"json": {}},
    ("PATCH", "/datasets/{dataset_id}"): lambda w, c: {"json": {"description": "胸部 CT 影像"}},
    ("POST", "/datasets/{dataset_id}/designate-strategic"): lambda w, c: {"json": {"designated": False}},
    ("POST", "/datasets/{dataset_id}/versions"): lambda w, c: {"files": {"file": (
        "data.jsonl",
        (json.dumps({"id": c, "text": f"{c} 上传", "label": "正面"}, ensure_ascii=False) + "\n").encode())}},
    ("POST", "/datasets/{dataset_id}/versions/from-project"): lambda w, c: {
        "json": {"project_id": w.ids["project_id"], "format": "jsonl"}},
    ("POST", "/datasets/{dataset_id}/versions/{version}/evaluations"): lambda w, c: {"json": {"profile": "general"}},
}
PREPARE: dict[tuple[str, str], Callable[[World], None]] = {
    ("DELETE", "/projects/{project_id}/members/{user_id}/{role}"): _ensure_spare_member,
    ("POST", "/annotations/{annotation_id}/submit"): _annotation_state("leased", "leased"),
    ("PUT", "/annotations/{annotation_id}"): _annotation_state("leased", "submitted"),
    ("POST", "/annotations/{annotation_id}/skip"): _annotation_state("leased", "leased"),
    ("PUT", "/annotations/{annotation_id}/draft"): _annotation_state("leased", "leased"),
    ("POST", "/annotations/{annotation_id}/review"): _annotation_state("submitted", "submitted"),
    ("POST", "/tasks/{task_id}/resolve"): _task_in_arbitration,
    ("POST", "/datasets/{dataset_id}/versions/from-project"): _project_changed,
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mx(request: pytest.FixtureRequest, _backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:  # noqa: ANN001
    """One world per backend for the whole module (the calls are many, the objects few)."""
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("PostgreSQL not reachable")
    from crowdset.app import create_app
    from crowdset.db import reset_db
    from crowdset.jobs.queue import reset_huey
    from crowdset.settings import reset_settings

    mp = pytest.MonkeyPatch()
    b = _migrated(request.param, _backends, tmp_path_factory)
    configure(mp, b.url, b.data_dir)
    wipe(b.url)
    try:
        with TestClient(create_app()) as client:
            yield _build(client)
    finally:
        reset_db()
        reset_huey()
        reset_settings()
        mp.undo()


def _cases() -> list[Any]:
    out = []
    for (method, path) in TABLE:
        for caller, want in expected(method, path).items():
            marks = []
            why = DISAGREE.get((method, path, caller))
            if why:
                marks.append(pytest.mark.xfail(strict=True, reason=why))
            out.append(pytest.param(method, path, caller, want, id=f"{method} {path} {caller}", marks=marks))
    return out


@pytest.mark.parametrize(("method", "path", "caller", "want"), _cases())
def test_route_answers_each_caller_as_intended(mx: World, method: str, path: str, caller: str, want: str) -> None:
    prepare = PREPARE.get((method, path))
    if prepare:
        prepare(mx)
    url = "/api/v1" + path.format(**_params(mx, method, path))
    kwargs = BODIES.get((method, path), lambda w, c: {})(mx, caller)
    headers = {**kwargs.pop("headers", {}), **mx.headers(caller)}
    r = mx.client.request(method, url, headers=headers, **kwargs)
    got = r.status_code
    assert got < 500, f"{method} {url} as {caller}: {got} {r.text[:300]}"
    if want == "ok":  # bodies are valid and PREPARE sets the state a call needs: a 422 means a broken body
        ok = 200 <= got < 300 if method == "GET" else got not in (401, 403, 404, 422)
        assert ok, f"{method} {url} as {caller}: expected allowed, got {got} {r.text[:300]}"
    else:
        assert got == int(want), f"{method} {url} as {caller}: expected {want}, got {got} {r.text[:300]}"


def test_every_route_has_a_row(mx: World) -> None:
    doc = mx.client.get("/api/v1/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops if m in
              ("get", "post", "put", "patch", "delete")}
    missing = sorted(routes - set(TABLE))
    gone = sorted(set(TABLE) - routes)
    assert not missing, f"routes without a row in TABLE: {missing}"
    assert not gone, f"rows in TABLE for routes that no longer exist: {gone}"
    assert not {(m, p) for m, p, _c in DISAGREE} - set(TABLE), "DISAGREE names a route that has no row"
    for key in BODIES.keys() | PREPARE.keys():
        assert key in TABLE, f"body or preparation for a route without a row: {key}"


def test_lists_show_another_organisation_nothing(mx: World) -> None:
    """The listing routes answer 200 to everyone, so what they list is where existence could leak."""
    h = mx.headers("other_org")
    org_a_users = {v for k, v in mx.users.items() if ROLES[k][0] == "A"}
    lists = {path: mx.client.get(f"/api/v1{path}", headers=h).json() for path in ("/orgs", "/users", "/projects",
                                                                                  "/datasets")}
    assert {o["id"] for o in lists["/orgs"]["items"]} == {mx.ids["org_b"]}
    assert not {u["id"] for u in lists["/users"]["items"]} & org_a_users
    assert mx.ids["project_id"] not in {p["id"] for p in lists["/projects"]["items"]}
    assert mx.ids["dataset_id"] not in {d["id"] for d in lists["/datasets"]["items"]}
    filtered = mx.client.get(f"/api/v1/datasets?org_id={mx.ids['org_id']}", headers=h).json()
    assert filtered["items"] == []
    # and the same lists do show organisation A's objects to its own people
    mine = mx.client.get("/api/v1/projects", headers=mx.headers("p_annotator")).json()
    assert mx.ids["project_id"] in {p["id"] for p in mine["items"]}
