"""Web shell: log-in with CSRF and cookies, log-out, language switch, escaping."""

from __future__ import annotations

import re

from tests.support import PASSWORD


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_home_is_chinese_by_default_and_switches_to_english(world):
    c = world.client
    r = c.get("/")  # a visitor gets what the platform has and the log-in (the workbench needs a user)
    assert r.status_code == 200
    assert 'lang="zh-CN"' in r.text and "众包标注与高质量数据集平台" in r.text and 'href="/login"' in r.text
    r = c.get("/lang/en?next=/", follow_redirects=True)
    assert 'lang="en"' in r.text and "A platform for crowd annotation and high-quality datasets." in r.text
    r = c.get("/lang/zh_CN?next=https://evil.example/", follow_redirects=False)
    assert r.headers["location"] == "/"  # no open redirect
    c.cookies.clear()
    r = c.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "A platform for crowd annotation" in r.text


def test_login_sets_httponly_samesite_cookie_and_logout_ends_it(world):
    c = world.client
    page = c.get("/login")
    token = _csrf(page.text)
    r = c.post("/login", data={"email": "manager@example.com", "password": PASSWORD, "csrf_token": token,
                               "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "crowdset_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    home = c.get("/")
    assert "manager" in home.text and "退出登录" in home.text and "工作台" in home.text
    # the API accepts the session cookie for reads...
    assert c.get("/api/v1/me").json()["email"] == "manager@example.com"
    # ...but a cookie-authenticated write without the CSRF header is refused
    r = c.post("/api/v1/tokens", json={"name": "x"})
    assert r.status_code == 403
    r = c.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": _csrf(home.text)})
    assert r.status_code == 201
    r = c.post("/logout", data={"csrf_token": _csrf(home.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/v1/me").status_code == 401


def test_login_form_without_csrf_token_is_refused(world):
    c = world.client
    c.get("/login")
    r = c.post("/login", data={"email": "manager@example.com", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    assert "crowdset_session" not in r.headers.get("set-cookie", "")


def test_wrong_password_and_throttling_on_the_login_page(world):
    c = world.client
    token = _csrf(c.get("/login").text)
    for _ in range(5):
        r = c.post("/login", data={"email": "reviewer@example.com", "password": "nope-nope-nope", "csrf_token": token})
        assert r.status_code == 401 and "邮箱或密码错误" in r.text
    r = c.post("/login", data={"email": "reviewer@example.com", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429


def test_user_content_is_escaped(world, backend):
    from crowdset.auth.service import create_user
    from crowdset.db import get_db

    with get_db().transaction() as s:
        create_user(s, None, "x@example.com", PASSWORD, "<script>alert(1)</script>", world.org_a, ["annotator"])
    c = world.client
    token = _csrf(c.get("/login").text)
    c.post("/login", data={"email": "x@example.com", "password": PASSWORD, "csrf_token": token})
    html = c.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_security_headers_and_static_assets(world):
    r = world.client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert world.client.get("/static/vendor/htmx.org/htmx.min.js").status_code == 200
    assert world.client.get("/static/css/crowdset.css").status_code == 200
