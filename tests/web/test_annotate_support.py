"""Helpers for the annotation page tests (imported by the other test_annotate_* modules), and the
fast, browser-free checks: every page checks the role."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crowdset.annotation.models import Annotation, Review
from crowdset.db import get_db
from tests.annotation.helpers import NER, SENTIMENT, add_tasks, make_project
from tests.conftest import screenshot


def project(world, schema: dict, tasks: list[dict], tmp: Path, **settings: Any) -> int:
    pid = make_project(world, schema, status="active", **settings)
    add_tasks(pid, tasks, tmp)
    return pid


def open_loop(page, pid: int) -> str:  # noqa: ANN001
    """Open the labelling loop and wait until a task is shown; returns its annotation id."""
    page.goto(f"/work/{pid}")
    page.wait_for_selector("#editor[data-annotation-id]:not([data-annotation-id=''])")
    return page.get_attribute("#editor", "data-annotation-id")


def wait_next(page, previous: str) -> str:  # noqa: ANN001
    """After a submit: wait for another task (or the end of the queue)."""
    page.wait_for_function("p => document.getElementById('editor').dataset.annotationId !== p", arg=previous)
    return page.get_attribute("#editor", "data-annotation-id")


def submitted(pid: int, user_id: int) -> list[dict]:
    with get_db().reading() as s:
        return [a.result for a in s.scalars(select(Annotation).where(
            Annotation.project_id == pid, Annotation.user_id == user_id, Annotation.status == "submitted")
            .order_by(Annotation.submitted_at))]


def upload(world, name: str, content: bytes) -> str:
    r = world.client.post("/api/v1/blobs", headers=world.h("manager"), files={"file": (name, content)})
    assert r.status_code == 201, r.text
    return r.json()["url"]


def wav_bytes(seconds: float = 3.0, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate) * (i // rate % 2)))
                          for i in range(int(seconds * rate)))
        w.writeframes(frames)
    return buf.getvalue()


def png_bytes(width: int = 400, height: int = 300) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (230, 236, 245))
    ImageDraw.Draw(img).rectangle([100, 80, 220, 200], fill=(200, 60, 40))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def shot(page, name: str) -> None:  # noqa: ANN001
    """docs/screenshots/annotate-<name>.png with CROWDSET_SCREENSHOTS=1 (make screenshots), else a temp folder."""
    screenshot(page, f"annotate-{name}")


def reviews_of(annotation_id: int) -> list[Review]:
    with get_db().reading() as s:
        return list(s.scalars(select(Review).where(Review.annotation_id == annotation_id)))


# ---------------------------------------------------------------- role checks (no browser)

def _login(world, who: str) -> None:
    from tests.support import PASSWORD

    c = world.client
    c.cookies.clear()
    c.get("/login")
    token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"email": f"{who}@example.com", "password": PASSWORD, "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_pages_check_roles(world, tmp_path):
    pid = project(world, SENTIMENT, [{"data": {"text": "好"}}], tmp_path)
    other = make_project(world, NER, members=(), status="active")
    c = world.client
    assert c.get("/work", follow_redirects=False).status_code == 303  # anonymous: to the log-in page
    _login(world, "annotator")
    assert c.get("/work").status_code == 200
    assert c.get(f"/work/{pid}").status_code == 200
    assert c.get(f"/work/{other}").status_code == 403  # not a member
    for path in ("/review", f"/review/{pid}", f"/arbitrate/{pid}"):
        assert c.get(path).status_code == 403, path
    _login(world, "reviewer")
    assert c.get(f"/review/{pid}").status_code == 200
    assert c.get(f"/work/{pid}").status_code == 403
    assert c.get(f"/arbitrate/{pid}").status_code == 403
    _login(world, "expert")
    assert c.get(f"/arbitrate/{pid}").status_code == 200
    assert c.get(f"/review/{pid}").status_code == 403
    _login(world, "annotator_b")
    assert c.get(f"/work/{pid}").status_code == 403  # another organisation's project
