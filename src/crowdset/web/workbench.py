"""The home page ("/"): the signed-in person's workbench, one panel per role they hold (what waits
for them and what needs their attention, each linking to the page where it is done); for visitors, a
short statement of what the platform has and the way to log in. Assembled by
``crowdset.workbench.service``; this page only presents it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crowdset.auth.models import User
from crowdset.db import get_db
from crowdset.web.render import render
from crowdset.workbench import service

router = APIRouter(include_in_schema=False)


@router.get("/")
def workbench_page(request: Request) -> Response:
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        return render(request, "workbench/welcome.html")
    with get_db().reading() as s:
        bench = service.workbench(s, user)
    return render(request, "workbench/home.html", bench=bench)
