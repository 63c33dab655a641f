"""Accounts over the API: tokens, isolation between organisations, problems, pagination."""

from __future__ import annotations

from tests.support import PASSWORD


def test_health_and_openapi(world):
    c = world.client
    r = c.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["database"] is True
    spec = c.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/orgs/{org_id}" in spec["paths"] and "/jobs/{job_id}" in spec["paths"]


def test_requests_without_credentials_are_refused(world):
    r = world.client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 401
    r = world.client.get("/api/v1/me", headers={"Authorization": "Bearer cs_nope"})
    assert r.status_code == 401
    r = world.client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_token_auth_and_revocation(world):
    c = world.client
    r = c.post("/api/v1/auth/token", json={"email": "annotator@example.com", "password": PASSWORD, "name": "sdk"})
    assert r.status_code == 201, r.text
    body = r.json()
    secret, token_id = body["token"], body["id"]
    assert secret.startswith("cs_") and body["prefix"] == secret[:10]
    headers = {"Authorization": f"Bearer {secret}"}
    assert c.get("/api/v1/me", headers=headers).json()["email"] == "annotator@example.com"
    listed = c.get("/api/v1/tokens", headers=headers).json()
    assert all("token" not in t for t in listed)  # the secret is shown once only
    # another user cannot revoke it, and learns nothing about it
    assert c.delete(f"/api/v1/tokens/{token_id}", headers=world.h("annotator_b")).status_code == 404
    r = c.delete(f"/api/v1/tokens/{token_id}", headers=headers)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert c.get("/api/v1/me", headers=headers).status_code == 401


def test_wrong_password_gives_401_problem(world):
    r = world.client.post("/api/v1/auth/token", json={"email": "annotator@example.com", "password": "x" * 12,
                                                      "name": "sdk"})
    assert r.status_code == 401 and r.json()["type"].endswith("/unauthorized")


def test_login_throttling_after_repeated_failures(world):
    c = world.client
    for _ in range(5):
        r = c.post("/api/v1/auth/token", json={"email": "reviewer@example.com", "password": "wrong-password",
                                               "name": "t"})
        assert r.status_code == 401
    r = c.post("/api/v1/auth/token", json={"email": "reviewer@example.com", "password": PASSWORD, "name": "t"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    # other accounts are not affected
    r = c.post("/api/v1/auth/token", json={"email": "expert@example.com", "password": PASSWORD, "name": "t"})
    assert r.status_code == 201


def test_success_resets_the_failure_count(world):
    c = world.client
    for _ in range(4):
        c.post("/api/v1/auth/token", json={"email": "expert@example.com", "password": "wrong-password", "name": "t"})
    assert c.post("/api/v1/auth/token", json={"email": "expert@example.com", "password": PASSWORD,
                                              "name": "t"}).status_code == 201
    for _ in range(4):
        c.post("/api/v1/auth/token", json={"email": "expert@example.com", "password": "wrong-password", "name": "t"})
    assert c.post("/api/v1/auth/token", json={"email": "expert@example.com", "password": PASSWORD,
                                              "name": "t"}).status_code == 201


def test_organisation_isolation(world):
    c = world.client
    assert c.get(f"/api/v1/orgs/{world.org_a}", headers=world.h("annotator")).status_code == 200
    r = c.get(f"/api/v1/orgs/{world.org_b}", headers=world.h("annotator"))
    assert r.status_code == 404  # not 403: existence is not revealed
    assert c.get(f"/api/v1/orgs/{world.org_b}", headers=world.h("admin")).status_code == 200
    ids = [o["id"] for o in c.get("/api/v1/orgs", headers=world.h("manager")).json()["items"]]
    assert ids == [world.org_a]
    b_user = world.users["annotator_b"].id
    assert c.get(f"/api/v1/users/{b_user}", headers=world.h("manager")).status_code == 404
    emails = {u["email"] for u in c.get("/api/v1/users", headers=world.h("manager_b")).json()["items"]}
    assert emails == {"manager_b@example.com", "annotator_b@example.com"}


def test_only_admins_create_orgs_and_codes_are_checked(world):
    c = world.client
    body = {"name": "丙公司", "kind": "enterprise", "credit_code": "91350100M000100Y43"}
    assert c.post("/api/v1/orgs", json=body, headers=world.h("manager")).status_code == 403
    r = c.post("/api/v1/orgs", json={**body, "credit_code": "91350100M000100Y42"}, headers=world.h("admin"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "credit_code"
    r = c.post("/api/v1/orgs", json={"name": "丙公司", "kind": "shop"}, headers=world.h("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = c.post("/api/v1/orgs", json={"name": "丙公司", "kind": "enterprise", "credit_code": "91350100MA31ABC2RA"},
               headers=world.h("admin"))
    assert r.status_code == 201, r.text
    assert c.post("/api/v1/orgs", json={"name": "丙公司", "kind": "enterprise"},
                  headers=world.h("admin")).status_code == 409


def test_managers_create_users_in_their_own_org_only(world):
    c = world.client
    body = {"email": "new@example.com", "password": PASSWORD, "roles": ["annotator"]}
    r = c.post("/api/v1/users", json=body, headers=world.h("manager"))
    assert r.status_code == 201 and r.json()["org_id"] == world.org_a
    r = c.post("/api/v1/users", json={**body, "email": "n2@example.com", "org_id": world.org_b},
               headers=world.h("manager"))
    assert r.status_code in (403, 404)
    r = c.post("/api/v1/users", json={**body, "email": "n3@example.com", "roles": ["admin"]},
               headers=world.h("manager"))
    assert r.status_code == 403
    assert c.post("/api/v1/users", json={**body, "email": "n4@example.com"},
                  headers=world.h("annotator")).status_code == 403
    r = c.post("/api/v1/users", json={"email": "bad", "password": "short", "roles": ["wizard"]},
               headers=world.h("admin"))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"email", "password", "roles"}


def test_malformed_bodies_are_problems_naming_the_field(world):
    c = world.client
    r = c.post("/api/v1/orgs", content=b"{not json", headers={**world.h("admin"), "content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"}
    r = c.post("/api/v1/orgs", json={"kind": "enterprise"}, headers=world.h("admin"))
    assert r.status_code == 422 and any(e["field"] == "name" for e in r.json()["errors"])
    r = c.get("/api/v1/orgs?limit=0", headers=world.h("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    r = c.get("/api/v1/orgs?cursor=%%%", headers=world.h("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


def test_request_size_limit(world):
    big = b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    r = world.client.post("/api/v1/orgs", content=big,
                          headers={**world.h("admin"), "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413


def test_cursor_pagination_walks_every_row_once(world):
    c = world.client
    seen: list[int] = []
    url = "/api/v1/users?limit=2"
    while True:
        page = c.get(url, headers=world.h("admin")).json()
        seen += [u["id"] for u in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"/api/v1/users?limit=2&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) == len(world.users)
    assert seen == sorted(seen)
