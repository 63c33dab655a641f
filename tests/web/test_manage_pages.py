"""Manager pages without a browser: role checks, rendering with data, and the 404 page."""

from __future__ import annotations

import pytest

from crowdset.db import get_db
from tests.annotation.helpers import add_tasks, make_project, texts

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

PAGES = ("/projects", "/projects/new")


def sign_in(world, who: str) -> None:
    """Give the test client a web session for ``who`` (the log-in form itself is tested elsewhere)."""
    from crowdset.auth.service import start_session
    from crowdset.http.deps import SESSION_COOKIE

    with get_db().transaction() as s:
        from crowdset.auth.models import User

        raw = start_session(s, s.get(User, world.users[who].id))
    world.client.cookies.set(SESSION_COOKIE, raw)


def project_pages(pid: int) -> list[str]:
    return [f"/projects/{pid}{tail}" for tail in ("", "/import", "/members", "/quality", "/export")]


def test_anonymous_is_sent_to_log_in(world):
    r = world.client.get("/projects", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


# The pages a project's reviewers may read, as the API lets them read its stats, quality and export.
REVIEW_PAGES = ("", "/quality", "/export")


@pytest.mark.parametrize("who", ["annotator", "reviewer", "expert"])
def test_non_managers_get_403(world, who):
    pid = make_project(world)
    sign_in(world, who)
    readable = {f"/projects/{pid}{tail}" for tail in REVIEW_PAGES} if who == "reviewer" else set()
    for url in (*PAGES, *project_pages(pid)):
        r = world.client.get(url)
        if url in readable:
            assert r.status_code == 200, url
            continue
        assert r.status_code == 403, url
        assert "无权访问" in r.text, url


def test_project_roles_decide_pages_as_they_decide_the_api(world):
    """One policy for both: a person whose account role is annotator but who manages one project
    (a project-level role) gets that project's manager pages, as the API lets them manage it."""
    from crowdset.annotation.projects import add_member
    from crowdset.auth.models import User

    pid = make_project(world)
    with get_db().transaction() as s:
        from crowdset.annotation.models import Project

        add_member(s, None, s.get(Project, pid), s.get(User, world.users["annotator2"].id), "manager")
    sign_in(world, "annotator2")
    assert world.client.get(f"/api/v1/projects/{pid}/members", headers=world.h("annotator2")).status_code == 200
    for url in project_pages(pid):
        assert world.client.get(url).status_code == 200, url
    r = world.client.get("/projects")
    assert r.status_code == 200 and "情感分类" in r.text
    assert world.client.get("/projects/new").status_code == 403  # creating projects is the organisation's managers'


def test_manager_sees_every_page(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(3), tmp_path)
    sign_in(world, "manager")
    for url in (*PAGES, *project_pages(pid)):
        r = world.client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert "<script>" not in r.text  # CSP: no inline scripts (data blocks are type=application/json)
    overview = world.client.get(f"/projects/{pid}").text
    assert "情感分类" in overview and ">3<" in overview
    export = world.client.get(f"/projects/{pid}/export").text
    for fmt in ("jsonl", "labelstudio", "csv"):
        assert f"/api/v1/projects/{pid}/export?format={fmt}" in export
    for fmt in ("coco", "yolo", "conll"):  # a text-choices project: these would download empty files
        assert f"export?format={fmt}" not in export


def test_other_organisations_project_is_not_found(world):
    pid = make_project(world)
    sign_in(world, "manager_b")
    assert world.client.get(f"/projects/{pid}").status_code == 404
    assert world.client.get("/projects/999999/members").status_code == 404


def test_project_titles_are_escaped(world):
    from crowdset.annotation.models import Project

    pid = make_project(world)
    with get_db().transaction() as s:
        s.get(Project, pid).title = "<img src=x onerror=alert(1)>"
    sign_in(world, "manager")
    for url in ("/projects", f"/projects/{pid}"):
        body = world.client.get(url).text
        assert "<img src=x" not in body and "&lt;img src=x" in body
