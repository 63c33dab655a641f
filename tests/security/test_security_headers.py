"""Security headers on every response: pages, API JSON, the HTML evaluation report, static files,
404s, the body limit's 413 and an unhandled 500; HSTS only over HTTPS (X-Forwarded-Proto only when a
trusted proxy is configured)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from crowdset.http.headers import API_CSP, PAGE_CSP, REPORT_CSP
from tests.datasets.helpers import create, jsonl, records, upload


def _assert_headers(r, csp: str = PAGE_CSP, frame: str = "DENY", hsts: bool = False) -> None:  # noqa: ANN001
    h = r.headers
    assert h["content-security-policy"] == csp, (r.request.url, r.status_code)
    assert h["x-frame-options"] == frame, r.request.url
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert ("strict-transport-security" in h) is hsts, r.request.url
    if hsts:
        assert h["strict-transport-security"].startswith("max-age=31536000")
    # only one value each: a handler's own header does not add a second, weaker one
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert len(h.get_list(name)) == 1, name


def test_headers_on_every_kind_of_response(world):
    c, hm = world.client, world.h("manager")
    page = c.get("/login")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    _assert_headers(page)
    assert "frame-ancestors 'none'" in PAGE_CSP and "script-src 'self'" in PAGE_CSP

    api = c.get("/api/v1/health")
    assert api.status_code == 200 and api.headers["content-type"] == "application/json"
    _assert_headers(api, API_CSP)
    assert "default-src 'none'" in API_CSP and "frame-ancestors 'none'" in API_CSP

    static = c.get("/static/css/crowdset.css")
    assert static.status_code == 200 and static.headers["content-type"].startswith("text/css")
    _assert_headers(static)
    _assert_headers(c.get("/static/nope.css"))  # a static 404

    for path, csp in (("/no-such-page", PAGE_CSP), ("/api/v1/no-such-thing", API_CSP)):
        r = c.get(path, headers=hm)
        assert r.status_code == 404, path
        _assert_headers(r, csp)
    unauth = c.get("/api/v1/datasets")
    assert unauth.status_code == 401
    _assert_headers(unauth, API_CSP)

    too_big = c.post("/api/v1/datasets", content=b"{" + b" " * (10 * 1024 * 1024 + 1) + b"}",
                     headers={**hm, "content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"
    _assert_headers(too_big, API_CSP)
    too_big_page = c.post("/login", content=b"x" * (10 * 1024 * 1024 + 1),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert too_big_page.status_code == 413
    _assert_headers(too_big_page)


def test_html_report_is_sandboxed_and_framed_only_by_its_own_pages(world):
    c, hm = world.client, world.h("manager")
    d = create(world)
    assert upload(world, d["id"], jsonl(records(12))).status_code == 201
    r = c.post(f"/api/v1/datasets/{d['id']}/versions/1/evaluations", json={}, headers=hm)
    assert r.status_code == 202, r.text
    ev_url = r.headers["location"]
    html = c.get(f"{ev_url}/report?format=html", headers=hm)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    # the report page shows it in a sandboxed <iframe>: same origin may frame it, nobody else;
    # opened on its own it is a sandboxed document that loads nothing
    _assert_headers(html, REPORT_CSP, frame="SAMEORIGIN")
    for directive in ("default-src 'none'", "frame-ancestors 'self'", "sandbox"):
        assert directive in REPORT_CSP
    assert "script-src" not in REPORT_CSP and "<script" not in html.text
    for fmt in ("json", "md"):
        other = c.get(f"{ev_url}/report?format={fmt}", headers=hm)
        assert other.status_code == 200
        _assert_headers(other, API_CSP)
    page = c.get(ev_url.replace("/api/v1", ""), headers=hm)  # the page around it (session-less: a redirect)
    _assert_headers(page)


@pytest.fixture
def app_factory(backend, monkeypatch) -> Iterator:  # noqa: ANN001
    """Build the real app under extra settings (CROWDSET_* variables)."""
    from crowdset.app import create_app
    from crowdset.settings import reset_settings

    def make(**env: str) -> TestClient:
        for k, v in env.items():
            monkeypatch.setenv(f"CROWDSET_{k.upper()}", v)
        reset_settings()
        return TestClient(create_app(), raise_server_exceptions=False)

    yield make
    reset_settings()


@pytest.mark.parametrize("trusted", [False, True])
def test_hsts_only_over_https(app_factory, trusted):
    c = app_factory(trust_proxy_headers=str(trusted).lower())
    _assert_headers(c.get("/login"))  # plain http
    https = TestClient(c.app, base_url="https://testserver")
    _assert_headers(https.get("/login"), hsts=True)
    _assert_headers(https.get("/api/v1/health"), API_CSP, hsts=True)
    # a client's own X-Forwarded-Proto counts only when a trusted proxy is declared
    fresh = TestClient(c.app)  # no CSRF cookie yet: the page mints one
    fwd = fresh.get("/login", headers={"X-Forwarded-Proto": "https"})
    _assert_headers(fwd, hsts=trusted)
    cookie = fwd.headers.get("set-cookie", "")
    assert "csrf" in cookie.lower() and (("Secure" in cookie) is trusted), cookie
    _assert_headers(c.get("/api/v1/health", headers={"X-Forwarded-Proto": "https, http"}), API_CSP, hsts=trusted)
    _assert_headers(c.get("/api/v1/health", headers={"X-Forwarded-Proto": "http"}), API_CSP)


def test_unhandled_error_keeps_the_headers(app_factory):
    c = app_factory()

    def boom() -> None:
        raise RuntimeError("kaboom")

    c.app.add_api_route("/boom", boom)
    r = c.get("/boom")
    assert r.status_code == 500 and "kaboom" not in r.text
    _assert_headers(r)
