"""Building datasets, versions and evaluations for the catalogue tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from crowdset.db import get_db

FULL = {
    "name": "医疗影像数据集", "description": "胸部 CT 影像与诊断标签，用于肺结节检测", "domain": "healthcare",
    "kind": "industry-specific", "modality": "text", "licence": "CC-BY-4.0", "source": "合作医院",
    "collection_method": "医院 PACS 导出后脱敏", "annotation_method": "人工标注", "use_cases": "肺结节辅助诊断",
    "limitations": "仅覆盖三家医院", "contact": "data@example.com",
    "extra": {"processing": "去重、脱敏", "annotation_spec": "双人标注，专家仲裁", "evaluation_method": "F1",
              "benchmark": "内部基准", "cases": "辅助诊断试点", "generated_data_indicator": 0},
}


def create(world, who: str = "manager", bare: bool = False, **over: Any) -> dict:
    """A dataset with every documentation field (``bare``: only the fields given)."""
    r = world.client.post("/api/v1/datasets", json={**({} if bare else FULL), **over}, headers=world.h(who))
    assert r.status_code == 201, r.text
    return r.json()


def records(n: int = 40, labels: tuple[str, ...] = ("正面", "负面")) -> list[dict]:
    words = ["服务", "价格", "环境", "速度", "质量", "态度", "包装", "物流"]
    return [{"id": f"r{i}", "text": f"第{i}条：{words[i % 8]}{'很好' if i % 2 == 0 else '太差'}，编号{i * 7919 % 1000}",
             "label": labels[i % len(labels)], "last_modified_time": "2025-05-01T00:00:00"} for i in range(n)]


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def upload(world, dataset_id: int, content: bytes, name: str = "data.jsonl", who: str = "manager",
           **form: str):
    return world.client.post(f"/api/v1/datasets/{dataset_id}/versions", files={"file": (name, content)},
                             data=form, headers=world.h(who))


def inject_evaluation(dataset_id: int, grade: str, finished: datetime | None = None) -> int:
    """A succeeded evaluation of the newest version with the given grade, and the rating it implies."""
    from crowdset.datasets.models import Dataset, Evaluation
    from crowdset.datasets.rating import apply_rating, newest_version

    with get_db().transaction() as s:
        v = newest_version(s, dataset_id)
        ev = Evaluation(dataset_id=dataset_id, version_id=v.id, profile="general", state="succeeded", grade=grade,
                        dimensions={}, report={"grade": grade}, finished_at=finished or datetime.now(UTC))
        s.add(ev)
        s.flush()
        apply_rating(s, None, s.get(Dataset, dataset_id), "test")
        return ev.id


def ledger_kinds(subject: str) -> list[str]:
    from sqlalchemy import select

    from crowdset.ledger.models import LedgerEntry

    with get_db().reading() as s:
        return list(s.scalars(select(LedgerEntry.kind).where(LedgerEntry.subject == subject).order_by(LedgerEntry.seq)))
