"""Regression tests for the bad-input attack on the API: each input once answered a 500, broke a
stream after a 200, wrote half a change, or answered an error that named no field. Every one must now
be a 4xx application/problem+json whose errors name the field, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.annotation.helpers import SENTIMENT, add_tasks, make_project, texts

API = "/api/v1"
HUGE = (2**31, 2**63, 2**64)  # past PostgreSQL's INTEGER, past SQLite's INTEGER, past both


def problem(r, status: int | tuple[int, ...], field: str | None = None) -> dict:
    """Assert ``r`` is a problem with ``status`` whose errors name ``field``; return its body."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["status"] == r.status_code
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, (field, body)
    for e in body.get("errors", []):
        assert e["field"] and not e["field"].isdigit(), body  # a field, not a character offset
        assert "pydantic" not in e["message"] and "further information" not in e["message"].lower(), body
    return body


def raw_json(world, method: str, url: str, content: bytes | object, who: str = "manager"):
    """Send ``content`` as the JSON body byte for byte (the client would refuse to encode some of them)."""
    return world.client.request(method, url, content=content,
                                headers={**world.h(who), "content-type": "application/json"})


def cursor(after: object) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def project_row(world, pid: int) -> dict:
    r = world.client.get(f"{API}/projects/{pid}", headers=world.h("manager"))
    assert r.status_code == 200, r.text
    return r.json()


# ---------------------------------------------------------------- integers beyond the database's range


def test_path_ids_beyond_the_key_range_are_422_naming_the_parameter(world):
    h = world.h("manager")
    pid = make_project(world)

    def cases(n: int) -> list[tuple[str, str, str]]:
        return [("GET", f"/projects/{n}", "project_id"), ("PATCH", f"/projects/{n}", "project_id"),
                ("GET", f"/tasks/{n}", "task_id"), ("POST", f"/tasks/{n}/resolve", "task_id"),
                ("GET", f"/users/{n}", "user_id"), ("GET", f"/orgs/{n}", "org_id"),
                ("DELETE", f"/tokens/{n}", "token_id"), ("POST", f"/annotations/{n}/skip", "annotation_id"),
                ("PUT", f"/annotations/{n}/draft", "annotation_id"), ("GET", f"/datasets/{n}", "dataset_id"),
                ("GET", f"/datasets/{n}/card", "dataset_id"), ("GET", f"/datasets/1/evaluations/{n}", "evaluation_id"),
                ("DELETE", f"/projects/{pid}/members/{n}/annotator", "user_id"),
                ("GET", f"/projects/{n}/export", "project_id"), ("POST", f"/projects/{n}/next", "project_id")]

    for n in (*HUGE, 0, -1):
        for method, path, field in cases(n):
            r = world.client.request(method, API + path, headers=h, json={"result": {}, "draft": {}})
            problem(r, 422, field)


def test_ids_beyond_the_key_range_in_bodies_and_queries_are_422(world):
    h = world.h("manager")
    pid = make_project(world)
    for n in HUGE:
        r = world.client.post(f"{API}/projects/{pid}/members", json={"user_id": n, "role": "annotator"}, headers=h)
        problem(r, 422, "user_id")
        r = world.client.post(f"{API}/projects", json={"title": "x", "org_id": n, "schema": SENTIMENT}, headers=h)
        problem(r, 422, "org_id")
        r = world.client.post(f"{API}/users", json={"email": "n@example.com", "password": "correct horse battery",
                                                    "org_id": n}, headers=h)
        problem(r, 422, "org_id")
        r = world.client.post(f"{API}/datasets", json={"name": "x", "org_id": n}, headers=h)
        problem(r, 422, "org_id")
        r = world.client.post(f"{API}/datasets/1/versions/from-project", json={"project_id": n}, headers=h)
        problem(r, 422, "project_id")
        problem(world.client.get(f"{API}/datasets?org_id={n}", headers=h), 422, "org_id")
        problem(world.client.get(f"{API}/me/feedback?project_id={n}", headers=h), 422, "project_id")
    assert world.client.get(f"{API}/projects", headers=h).json()["items"][0]["id"] == pid  # nothing created


def test_cursors_must_name_an_id_this_api_could_have_written(world):
    pid = make_project(world)
    for after in (-1, True, False, 1.5, "5", None, [1], 2**31, 2**63):
        for url in ("/projects", "/users", "/orgs", "/datasets", f"/projects/{pid}/tasks", "/ledger"):
            who = "admin" if url == "/ledger" else "manager"
            r = world.client.get(f"{API}{url}?cursor={cursor(after)}", headers=world.h(who))
            problem(r, 422, "cursor")
    for junk in ("%00", "not-base64!", base64.urlsafe_b64encode(b"[" * 5000).decode()):
        problem(world.client.get(f"{API}/projects?cursor={junk}", headers=world.h("manager")), 422, "cursor")


def test_cursor_round_trip_still_pages(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(5), tmp_path)
    seen, url = [], f"{API}/projects/{pid}/tasks?limit=2"
    while url:
        page = world.client.get(url, headers=world.h("manager")).json()
        seen += [t["id"] for t in page["items"]]
        url = f"{API}/projects/{pid}/tasks?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else None
    assert len(seen) == 5 and seen == sorted(seen)
    ok = world.client.get(f"{API}/projects/{pid}/tasks?cursor={cursor(0)}", headers=world.h("manager"))
    assert ok.status_code == 200 and len(ok.json()["items"]) == 5


# ---------------------------------------------------------------- export filters checked before streaming


EXPORT_FILTERS = [(f"annotator={2**63}", "annotator"), (f"annotator={2**31}", "annotator"),
                  ("annotator=0", "annotator"), ("status=%00", "status"),
                  ("since=0001-01-01T00:00:00%2B14:00", "since"), ("until=9999-12-31T23:59:59-14:00", "until"),
                  ("status=nope", "status"), ("format=nope", "format")]


def test_export_refuses_a_bad_filter_before_the_stream_starts(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(3), tmp_path)
    for query, field in EXPORT_FILTERS:
        r = world.client.get(f"{API}/projects/{pid}/export?{query}", headers=world.h("manager"))
        problem(r, 422, field)
    ok = world.client.get(f"{API}/projects/{pid}/export?annotator=1&since=2000-01-01T00:00:00%2B08:00",
                          headers=world.h("manager"))
    assert ok.status_code == 200


# ---------------------------------------------------------------- text PostgreSQL or UTF-8 cannot hold


@pytest.mark.parametrize("bad", [b'"\\ud800"', b'"a\\u0000b"'])
def test_lone_surrogates_and_nul_in_json_bodies_are_422_and_nothing_is_written(world, bad):
    pid = make_project(world)
    before = project_row(world, pid)
    r = raw_json(world, "PATCH", f"{API}/projects/{pid}", b'{"title": ' + bad + b', "overlap": 2}')
    problem(r, 422, "title")
    assert project_row(world, pid) == before
    r = raw_json(world, "POST", f"{API}/datasets", b'{"name": "ok", "extra": {"notes": [' + bad + b']}}')
    problem(r, 422, "extra.notes.0")
    r = raw_json(world, "POST", f"{API}/datasets", b'{"name": "ok", "extra": {' + bad + b': 1}}')
    body = problem(r, 422)
    assert body["errors"][0]["field"].startswith("extra.") and "key" in body["errors"][0]["message"]
    r = raw_json(world, "POST", f"{API}/orgs", b'{"name": ' + bad + b', "kind": "enterprise"}', who="admin")
    problem(r, 422, "name")
    r = raw_json(world, "POST", f"{API}/auth/token", b'{"email": ' + bad + b', "password": "x", "name": "t"}')
    problem(r, 422, "email")
    assert world.client.get(f"{API}/datasets", headers=world.h("manager")).json()["items"] == []


def test_lone_surrogates_and_nul_in_annotation_results_are_422(world, tmp_path):
    pid = make_project(world)
    add_tasks(pid, texts(1), tmp_path)
    lease = world.client.post(f"{API}/projects/{pid}/next", headers=world.h("annotator")).json()
    url = f"{API}/annotations/{lease['annotation_id']}/submit"
    r = raw_json(world, "POST", url, b'{"result": {"sentiment": {"choices": ["\\ud800"]}}}', who="annotator")
    problem(r, 422, "result.sentiment.choices.0")
    r = raw_json(world, "PUT", f"{API}/annotations/{lease['annotation_id']}/draft",
                 b'{"draft": {"note": "a\\u0000"}}', who="annotator")
    problem(r, 422, "draft.note")


def test_nul_in_query_and_path_parameters_is_422_naming_them(world):
    h = world.h("manager")
    ds = world.client.post(f"{API}/datasets", json={"name": "d"}, headers=h).json()
    problem(world.client.get(f"{API}/datasets?q=a%00b", headers=h), 422, "q")
    problem(world.client.get(f"{API}/datasets/{ds['id']}/versions/1%00", headers=h), 422, "version")
    problem(world.client.get(f"{API}/jobs/x%00y", headers=h), 422, "job_id")
    problem(world.client.get(f"{API}/projects?cursor=%00", headers=h), 422, "cursor")


def test_nul_in_form_fields_is_422_naming_them(world):
    h = world.h("manager")
    ds = world.client.post(f"{API}/datasets", json={"name": "d"}, headers=h).json()
    r = world.client.post(f"{API}/datasets/{ds['id']}/versions", files={"file": ("d.jsonl", b'{"a": 1}\n')},
                          data={"version": "1\x00"}, headers=h)
    problem(r, 422, "version")
    assert world.client.get(f"{API}/datasets/{ds['id']}/versions", headers=h).json() == []


def test_non_finite_numbers_are_422(world):
    pid = make_project(world)
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        r = raw_json(world, "PATCH", f"{API}/projects/{pid}", b'{"gold_ratio": ' + literal + b"}")
        problem(r, 422, "gold_ratio")
        r = raw_json(world, "PATCH", f"{API}/projects/{pid}", b'{"schema": {"x": [' + literal + b"]}}")
        problem(r, 422, "schema.x.0")
    assert project_row(world, pid)["gold_ratio"] == 0.0


# ---------------------------------------------------------------- the attack's other findings


def test_token_days_are_bounded(world):
    h = world.h("manager")
    for days in (1_000_000_000, 10**30, 3651, 0):
        problem(world.client.post(f"{API}/tokens", json={"name": "t", "days": days}, headers=h), 422, "days")
    r = world.client.post(f"{API}/auth/token", json={"email": "manager@example.com", "name": "t",
                                                    "password": "correct horse battery", "days": 10**9})
    problem(r, 422, "days")
    assert world.client.post(f"{API}/tokens", json={"name": "t", "days": 3650}, headers=h).status_code == 201
    assert len(world.client.get(f"{API}/tokens", headers=h).json()) == 2  # the fixture's and this one


def test_null_for_a_not_null_field_is_422_and_nothing_is_written(world):
    pid = make_project(world)
    before = project_row(world, pid)
    for field in ("title", "schema", "instructions", "overlap", "gold_ratio", "review_policy", "lease_seconds",
                  "status"):
        other = {"title": "changed"} if field == "instructions" else {"instructions": "changed"}
        r = world.client.patch(f"{API}/projects/{pid}", json={**other, field: None}, headers=world.h("manager"))
        problem(r, 422, field)
    assert project_row(world, pid) == before
    r = world.client.patch(f"{API}/projects/{pid}", json={"gold_floor": None, "tokenizer": None},
                           headers=world.h("manager"))
    assert r.status_code == 200, r.text  # nullable columns still take null
    ds = world.client.post(f"{API}/datasets", json={"name": "d"}, headers=world.h("manager")).json()
    for field in ("name", "description", "extra", "status"):
        r = world.client.patch(f"{API}/datasets/{ds['id']}", json={field: None}, headers=world.h("manager"))
        problem(r, 422, field)


def test_request_models_are_strict(world):
    """`true` is not 1 and "2" is not 2: a type mistake is refused, not silently converted."""
    pid = make_project(world)
    before = project_row(world, pid)
    for field, value in (("overlap", True), ("overlap", "2"), ("overlap", 2.0), ("lease_seconds", False),
                         ("gold_ratio", True), ("gold_ratio", "0.5")):
        r = world.client.patch(f"{API}/projects/{pid}", json={field: value}, headers=world.h("manager"))
        problem(r, 422, field)
        r = world.client.post(f"{API}/projects", json={"title": "x", "schema": SENTIMENT, field: value},
                              headers=world.h("manager"))
        problem(r, 422, field)
    assert project_row(world, pid) == before
    assert len(world.client.get(f"{API}/projects", headers=world.h("manager")).json()["items"]) == 1
    r = world.client.post(f"{API}/projects/{pid}/members", json={"user_id": True, "role": "annotator"},
                          headers=world.h("manager"))
    problem(r, 422, "user_id")
    ok = world.client.patch(f"{API}/projects/{pid}", json={"gold_ratio": 1}, headers=world.h("manager"))
    assert ok.status_code == 200 and ok.json()["gold_ratio"] == 1.0  # an integer is still a number


def test_multipart_without_a_boundary_names_the_body(world):
    ds = world.client.post(f"{API}/datasets", json={"name": "d"}, headers=world.h("manager")).json()
    for url in ("/blobs", f"/datasets/{ds['id']}/versions"):
        r = world.client.post(API + url, content=b"--x\r\nhello\r\n--x--\r\n",
                              headers={**world.h("manager"), "content-type": "multipart/form-data"})
        body = problem(r, (400, 422), "body")
        assert "boundary" in body["errors"][0]["message"].lower()


def test_deeply_nested_json_names_the_field_or_the_body(world):
    pid = make_project(world)
    before = project_row(world, pid)
    deep = b"[" * 100 + b"]" * 100
    problem(raw_json(world, "PATCH", f"{API}/projects/{pid}", b'{"schema": {"a": ' + deep + b"}}"), 422, "schema")
    deeper = b"[" * 100_000 + b"]" * 100_000
    body = problem(raw_json(world, "PATCH", f"{API}/projects/{pid}", b'{"schema": ' + deeper + b"}"), (400, 422),
                   "body")
    assert "nested" in body["errors"][0]["message"]
    assert project_row(world, pid) == before


UNDECODABLE = [(b'{"title": "\xff\xfe"}', "UTF-8"), (b'{"title": "\xed\xa0\x80"}', "surrogate"),
               ('{"title": "x"}'.encode("utf-32"), "UTF-8"), ('{"title": "x"}'.encode("utf-16-le"), "UTF-8"),
               (b'{"title": ', "not valid JSON"), (b"\x00", "not valid JSON"),
               (b'{"overlap": 1' + b"0" * 5000 + b"}", "not valid JSON")]


def test_undecodable_json_bodies_name_the_body(world):
    pid = make_project(world)
    before = project_row(world, pid)
    for content, words in UNDECODABLE:
        r = raw_json(world, "PATCH", f"{API}/projects/{pid}", content)
        body = problem(r, (400, 422))
        assert body["errors"][0]["field"] in ("body", "title"), body
        assert words.lower() in (body["errors"][0]["message"] + body["detail"]).lower(), body
    assert project_row(world, pid) == before


def test_chunked_body_over_the_json_limit_is_413_naming_the_body(world, monkeypatch):
    from fastapi.testclient import TestClient

    from crowdset.app import create_app
    from crowdset.settings import reset_settings

    pid = make_project(world)
    monkeypatch.setenv("CROWDSET_MAX_BODY_BYTES", "4096")
    reset_settings()

    def chunks():
        yield b'{"instructions": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    with TestClient(create_app()) as client:
        r = client.patch(f"{API}/projects/{pid}", content=chunks(),
                         headers={**world.h("manager"), "content-type": "application/json"})
        body = problem(r, 413, "body")
        assert "4096" in body["errors"][0]["message"]
        small = client.patch(f"{API}/projects/{pid}", json={"instructions": "short"}, headers=world.h("manager"))
        assert small.status_code == 200
    assert project_row(world, pid)["instructions"] == "short"


def test_validation_messages_carry_no_pydantic_links():
    from pydantic import BaseModel, ValidationError

    from crowdset.http.problems import clean

    class M(BaseModel):
        n: int

    with pytest.raises(ValidationError) as info:
        M.model_validate({"n": "x"})
    assert "errors.pydantic.dev" in str(info.value)
    cleaned = clean(str(info.value))
    assert "pydantic.dev" not in cleaned and "further information" not in cleaned.lower()
    assert "Input should be a valid integer" in cleaned
    assert clean("a\ud800b\x00") == "a\\ud800b\\x00"


def test_openapi_document_declares_problem_responses(world):
    doc = world.client.get(f"{API}/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(doc)
    op = doc["paths"]["/projects/{project_id}"]["get"]
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert "application/problem+json" in op["responses"]["4XX"]["content"]
    param = next(p for p in op["parameters"] if p["name"] == "project_id")
    assert param["schema"]["maximum"] == 2**31 - 1 and param["schema"]["minimum"] == 1
    patch = doc["components"]["schemas"]["ProjectPatch"]["properties"]["title"]
    assert patch.get("type") == "string" and "default" not in patch  # null is not offered


# ---------------------------------------------------------------- imported files


UTF32_CSV = "text\n你好\n再见\n"


def _import(world, pid: int, content: bytes, ctype: str) -> dict:
    r = world.client.post(f"{API}/projects/{pid}/imports", content=content,
                          headers={**world.h("manager"), "content-type": ctype})
    assert r.status_code == 202, r.text
    job = world.client.get(f"{API}/jobs/{r.json()['id']}?wait=10", headers=world.h("manager")).json()
    assert job["state"] == "failed", job
    return job


def _task_count(world, pid: int) -> int:
    return len(world.client.get(f"{API}/projects/{pid}/tasks", headers=world.h("manager")).json()["items"])


def test_csv_in_utf32_or_utf16_is_a_row_error_in_the_job_result(world):
    pid = make_project(world)
    for encoding in ("utf-32", "utf-32-be", "utf-32-le", "utf-16-le", "utf-16"):
        job = _import(world, pid, UTF32_CSV.encode(encoding), "text/csv")
        errors = job["result"]["errors"]
        assert errors and errors[0]["field"] == "row" and "save as 'CSV UTF-8'" in errors[0]["message"], job
        assert "UTF-16" in errors[0]["message"] or "UTF-32" in errors[0]["message"]
    assert _task_count(world, pid) == 0


def test_csv_and_jsonl_text_postgresql_cannot_hold_is_a_field_error(world):
    pid = make_project(world)
    body = ("text\n" + ("好" * 400 + "\n") * 1100 + "a\x00b\n").encode()  # the NUL is past the sniffed MiB
    job = _import(world, pid, body, "text/csv")
    assert {"field": "text", "message": "contains a NUL character", "row": 1102} in [
        {k: e[k] for k in ("field", "message", "row")} for e in job["result"]["errors"]], job
    for line, field in ((b'{"data": {"text": "a\\ud800"}}', "data.text"), (b'{"text": "ok", "id": "a\\u0000"}', "id"),
                        (b'{"data": {"text": "ok", "\\udc00": 1}}', "data.\\udc00")):
        job = _import(world, pid, b'{"data": {"text": "\\ud83d\\ude00 fine"}}\n' + line + b"\n", "application/x-ndjson")
        assert [(e["field"], e["row"]) for e in job["result"]["errors"]] == [(field, 2)], job
    deep = b'{"data": {"text": "x", "n": ' + b"[" * 5000 + b"]" * 5000 + b"}}\n"
    job = _import(world, pid, deep, "application/x-ndjson")
    assert job["result"]["errors"][0]["message"] == "nested too deeply", job
    assert _task_count(world, pid) == 0


def test_cli_import_of_a_utf32_csv_fails_with_a_message(world, tmp_path: Path):
    pid = make_project(world)
    path = tmp_path / "tasks.csv"
    path.write_bytes(UTF32_CSV.encode("utf-32-be"))
    exe = Path(sys.executable).with_name("crowdset")
    proc = subprocess.run([str(exe), "import", str(path), "--project", str(pid)], env={**os.environ},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "UTF-32" in proc.stderr and "CSV UTF-8" in proc.stderr, proc.stderr
    assert _task_count(world, pid) == 0


def test_an_integer_path_parameter_is_bounded_even_where_a_route_forgot_to_declare_it(world):
    """The import route declares a plain int project id; the global check still bounds it."""
    for n in HUGE:
        r = world.client.post(f"{API}/projects/{n}/imports", content=b"text\nx\n",
                              headers={**world.h("manager"), "content-type": "text/csv"})
        problem(r, 422, "project_id")


def test_pages_bound_ids_and_refuse_nul_too(world):
    """The web pages share the check: an id past the key range or a NUL in a form is a 422, not a 500."""
    c = world.client
    for url in (f"/projects/{2**63}", f"/review/{2**31}", f"/arbitrate/{2**31}", f"/datasets/{2**31}",
                f"/datasets/1/evaluations/{2**31}", f"/projects/{2**31}/export"):
        problem(c.get(url, follow_redirects=False), 422)
    problem(c.get("/datasets?q=a%00b", follow_redirects=False), 422, "q")
    token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"email": "a\x00@example.com", "password": "x", "csrf_token": token},
               follow_redirects=False)
    problem(r, 422, "email")
    r = c.post("/login", data={"email": "manager@example.com", "password": "correct horse battery",
                               "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303  # the form still logs in
