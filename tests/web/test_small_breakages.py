"""Small breakages of the web face that a plain client shows (issue 12, point 8): an unknown page
address answers the not-found page (the API keeps its problem+json), and the icon browsers ask for
is there."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_an_unknown_page_is_the_not_found_page_and_the_api_keeps_its_problem(world):
    c = world.client
    r = c.get("/no-such-page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in r.text and 'href="/"' in r.text
    r = c.get("/datasets/nope/deeper/still")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")

    for path in ("/api/v1/no-such-thing", "/api/no-such-version", "/static/nope.css"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == "application/problem+json", path
        assert r.json()["type"].endswith("/not-found"), path


def test_favicon_svg_and_ico_answer(world):
    c = world.client
    svg = c.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    ico = c.get("/favicon.ico")
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert '<link rel="icon" href="/static/favicon.svg"' in c.get("/").text
