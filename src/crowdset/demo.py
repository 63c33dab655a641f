"""Demo data for a first look: two organisations and one person for each working role.

Passwords are generated per installation and kept in ``<keys_dir>/demo-credentials.txt`` (mode 0600,
never in the repository, never in a folder a request can name); running the command again prints the
same accounts without duplicating them."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import select

from crowdset.auth.models import Org, User
from crowdset.auth.service import create_org, create_user
from crowdset.db import get_db
from crowdset.security.identifiers import uscc_check_char
from crowdset.settings import get_settings

ORGS = [
    ("福州数据标注有限公司", "enterprise", "福建省福州市", "91350100MA31ABC2R"),
    ("福建省数据研究院", "institute", "福建省福州市", "12350000MB0DEF4Q7"),
]
PEOPLE = [
    ("admin@crowdset.example.com", "平台管理员", None, ["admin"]),
    ("manager@crowdset.example.com", "项目经理 王芳", 0, ["manager", "owner"]),
    ("annotator1@crowdset.example.com", "标注员 李明", 0, ["annotator"]),
    ("annotator2@crowdset.example.com", "标注员 张伟", 0, ["annotator"]),
    ("annotator3@crowdset.example.com", "标注员 刘洋", 0, ["annotator"]),
    ("reviewer@crowdset.example.com", "审核员 陈静", 0, ["reviewer"]),
    ("expert@crowdset.example.com", "领域专家 赵教授", 1, ["expert"]),
]


CREDENTIALS_FILE = "demo-credentials.txt"


def _credentials() -> dict[str, str]:
    settings = get_settings()
    path = settings.ensure_keys_dir() / CREDENTIALS_FILE
    legacy = settings.data_dir / CREDENTIALS_FILE  # where versions before the keys folder kept them
    if not path.exists() and legacy.is_file():
        os.replace(legacy, path)
    creds: dict[str, str] = {}
    if path.exists():
        creds = dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)
    missing = [email for email, *_ in PEOPLE if email not in creds]
    if missing:
        creds.update({email: secrets.token_urlsafe(12) for email in missing})
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private from the first byte
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(f"{e}\t{p}\n" for e, p in creds.items()))
        os.replace(tmp, path)
    return creds


REVIEWS = ["物流很快，包装完好，非常满意", "质量一般，和描述有差距", "客服态度差，再也不买了", "性价比很高，推荐购买",
           "收到货有破损，申请退货中", "中规中矩，没什么特别", "颜色比图片暗一点，其他还行",
           "第二次购买了，一如既往的好", "等了一个星期才发货", "做工精细，超出预期"]
SENTIMENT = {"controls": [{"name": "sentiment", "kind": "choices", "to": "text", "title": "情感倾向",
                           "options": ["正面", "负面", "中性"]}]}
NER = {"controls": [{"name": "entities", "kind": "spans", "to": "text", "title": "实体",
                     "labels": ["人名", "机构", "地点"]}]}
NER_TEXTS = ["张伟在福州大学读书", "李娜加入了福建省数据研究院", "王芳从厦门出发前往北京", "陈静在宁德时代工作"]


def _demo_projects(s, orgs: list[Org]) -> None:  # noqa: ANN001
    """Two small projects so a first visit has work to look at: sentiment (3 annotators per task,
    gold questions, sampled review) and Chinese NER."""
    from crowdset.annotation.importing import insert_tasks
    from crowdset.annotation.models import Project
    from crowdset.annotation.projects import add_member, create_project

    if s.scalar(select(Project.id).where(Project.org_id == orgs[0].id)) is not None:
        return
    people = {u.email: u for u in s.scalars(select(User))}
    sentiment = create_project(s, None, orgs[0].id, "电商评论情感分类（示例）", SENTIMENT, overlap=3, gold_ratio=0.1,
                               review_policy="sample", review_sample=0.2, agreement_threshold=0.6,
                               instructions="判断每条评论的**情感倾向**：正面、负面或中性。拿不准时选中性。")
    ner = create_project(s, None, orgs[0].id, "人名机构地点识别（示例）", NER, overlap=1, review_policy="all",
                         instructions="标出文本中的人名、机构和地点，一个字也不要多标。")
    for project in (sentiment, ner):
        for email, _d, _o, roles in PEOPLE:
            role = {"annotator": "annotator", "reviewer": "reviewer", "expert": "expert", "manager": "manager"}
            for r in roles:
                if r in role:
                    add_member(s, None, project, people[email], role[r])
    tasks = [{"data": {"text": REVIEWS[i % len(REVIEWS)] + ("！" * (i // len(REVIEWS)))}} for i in range(30)]
    tasks += [{"data": {"text": "非常好用，强烈推荐"}, "is_gold": True, "gold": {"sentiment": {"choices": ["正面"]}}},
              {"data": {"text": "完全不能用，退款"}, "is_gold": True, "gold": {"sentiment": {"choices": ["负面"]}}}]
    counts = {"tasks": 0, "gold": 0, "predictions": 0, "annotations": 0}
    insert_tasks(s, sentiment, tasks, "demo", counts)
    insert_tasks(s, ner, [{"data": {"text": t}} for t in NER_TEXTS], "demo", counts)


def load_demo() -> list[tuple[str, str, str]]:
    """Create what is missing; return (email, password, roles) for every demo account."""
    creds = _credentials()
    with get_db().transaction() as s:
        orgs: list[Org] = []
        for name, kind, region, code17 in ORGS:
            org = s.scalar(select(Org).where(Org.name == name))
            orgs.append(org or create_org(s, None, name, kind, region, code17 + uscc_check_char(code17)))
        for email, display, org_index, roles in PEOPLE:
            if s.scalar(select(User.id).where(User.email == email)) is None:
                org_id = orgs[org_index].id if org_index is not None else None
                create_user(s, None, email, creds[email], display, org_id, roles)
        s.flush()
        _demo_projects(s, orgs)
    return [(email, creds[email], ", ".join(roles)) for email, _d, _o, roles in PEOPLE]
