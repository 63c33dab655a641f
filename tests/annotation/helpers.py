"""Building projects and tasks for annotation tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crowdset.annotation.importing import import_file
from crowdset.annotation.projects import add_member, create_project
from crowdset.db import get_db

SENTIMENT = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "options": ["正面", "负面", "中性"]}]}
NER = {"controls": [{"name": "entities", "kind": "spans", "to": "text", "labels": ["PER", "ORG", "LOC"]}]}
BOXES = {"controls": [{"name": "boxes", "kind": "bbox", "to": "image", "labels": ["car", "person"]}]}


def choice(label: str) -> dict[str, Any]:
    return {"sentiment": {"choices": [label]}}


def make_project(world, schema: dict | None = None, members: tuple[str, ...] = ("annotator", "annotator2",
                 "annotator3"), **settings: Any) -> int:
    with get_db().transaction() as s:
        from crowdset.auth.models import User

        manager = s.get(User, world.users["manager"].id)
        p = create_project(s, manager, world.org_a, "情感分类", schema or SENTIMENT, **settings)
        for name in members:
            add_member(s, manager, p, s.get(User, world.users[name].id), "annotator")
        add_member(s, manager, p, s.get(User, world.users["reviewer"].id), "reviewer")
        add_member(s, manager, p, s.get(User, world.users["expert"].id), "expert")
        return p.id


def add_tasks(project_id: int, tasks: list[dict], tmp: Path) -> dict:
    path = tmp / f"tasks-{project_id}-{len(tasks)}.jsonl"
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks), encoding="utf-8")
    with get_db().transaction() as s:
        from crowdset.annotation.models import Project

        return import_file(s, None, s.get(Project, project_id), path, "jsonl")


def texts(n: int, **extra: Any) -> list[dict]:
    return [{"data": {"text": f"第{i}条评论：服务很好"}, **extra} for i in range(n)]
