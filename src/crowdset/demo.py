"""Demo data for a first look: two organisations and one person for each working role.

Passwords are generated per installation and kept in ``<data_dir>/demo-credentials.txt`` (never in
the repository); running the command again prints the same accounts without duplicating them."""

from __future__ import annotations

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


def _credentials() -> dict[str, str]:
    path = get_settings().ensure_data_dir() / "demo-credentials.txt"
    creds: dict[str, str] = {}
    if path.exists():
        creds = dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)
    missing = [email for email, *_ in PEOPLE if email not in creds]
    if missing:
        creds.update({email: secrets.token_urlsafe(12) for email in missing})
        path.write_text("".join(f"{e}\t{p}\n" for e, p in creds.items()))
        path.chmod(0o600)
    return creds


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
    return [(email, creds[email], ", ".join(roles)) for email, _d, _o, roles in PEOPLE]
