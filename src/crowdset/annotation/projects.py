"""Projects and their members. Who may see, annotate, review, arbitrate or manage a project is
decided in ``annotation.policy``; the services here call it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from crowdset.annotation.label_schema import LabelSchema, SchemaError
from crowdset.annotation.models import (
    PROJECT_ROLES,
    PROJECT_STATUSES,
    REVIEW_POLICIES,
    Project,
    ProjectMember,
)
from crowdset.annotation.policy import member_roles
from crowdset.auth.models import User
from crowdset.auth.service import get_org
from crowdset.errors import FieldError, Forbidden, Invalid, NotFound, invalid
from crowdset.ledger.service import actor_of, append

EDITABLE = ("title", "instructions", "overlap", "gold_ratio", "review_policy", "review_sample",
            "agreement_threshold", "lease_seconds", "status", "tokenizer", "gold_floor")


def parse_schema(schema: Any) -> LabelSchema:
    try:
        return LabelSchema.parse(schema)
    except SchemaError as exc:
        raise Invalid("label schema is not valid",
                      [FieldError(f"schema.{path}" if path else "schema", msg) for path, msg in exc.errors]) from None


def _check_settings(values: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    if "title" in values and not (0 < len(str(values["title"]).strip()) <= 200):
        errors.append(FieldError("title", "required, at most 200 characters"))
    if "overlap" in values and not (isinstance(values["overlap"], int) and 1 <= values["overlap"] <= 100):
        errors.append(FieldError("overlap", "an integer from 1 to 100"))
    for f in ("gold_ratio", "review_sample", "agreement_threshold"):
        if f in values and not (isinstance(values[f], int | float) and 0 <= values[f] <= 1):
            errors.append(FieldError(f, "a number from 0 to 1"))
    if values.get("gold_floor") is not None and not (0 <= values["gold_floor"] <= 1):
        errors.append(FieldError("gold_floor", "a number from 0 to 1"))
    if "review_policy" in values and values["review_policy"] not in REVIEW_POLICIES:
        errors.append(FieldError("review_policy", f"one of {', '.join(REVIEW_POLICIES)}"))
    if "status" in values and values["status"] not in PROJECT_STATUSES:
        errors.append(FieldError("status", f"one of {', '.join(PROJECT_STATUSES)}"))
    if "lease_seconds" in values and not (isinstance(values["lease_seconds"], int)
                                          and 30 <= values["lease_seconds"] <= 7 * 86400):
        errors.append(FieldError("lease_seconds", "an integer from 30 to 604800"))
    if values.get("tokenizer") not in (None, "char", "whitespace"):
        errors.append(FieldError("tokenizer", "char (one token per Chinese character) or whitespace"))
    if errors:
        raise Invalid("project settings are not valid", errors)


def create_project(s: Session, actor: User | None, org_id: int, title: str, schema: Any, **settings: Any) -> Project:
    if actor is not None and not (actor.is_admin or (actor.has_role("manager") and actor.org_id == org_id)):
        if actor.org_id != org_id:
            get_org(s, actor, org_id)  # 404 for another organisation
        raise Forbidden("only managers of the organisation create projects")
    get_org(s, actor, org_id)
    unknown = set(settings) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "unknown setting")
    values = {"title": title, "overlap": 1, "review_policy": "none", "status": "active", **settings}
    _check_settings(values)
    parsed = parse_schema(schema)
    project = Project(org_id=org_id, label_schema=parsed.model_dump(mode="json", exclude_none=True),
                      created_by=getattr(actor, "id", None), **{**values, "title": str(title).strip()})
    s.add(project)
    s.flush()
    if actor is not None:
        s.add(ProjectMember(project_id=project.id, user_id=actor.id, role="manager"))
    append(s, "project.created", f"project:{project.id}", actor_of(actor),
           {"org_id": org_id, "title": project.title, "schema": project.label_schema,
            **{k: getattr(project, k) for k in EDITABLE}})
    return project


def list_projects(s: Session, user: User, after: int = 0, limit: int = 50) -> list[Project]:
    q = select(Project).where(Project.id > after).order_by(Project.id).limit(limit)
    if not user.is_admin:
        member = exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id)
        if user.has_role("manager"):
            q = q.where((Project.org_id == user.org_id) | member)
        else:
            q = q.where(member)
    return list(s.scalars(q))


def update_project(s: Session, actor: User, project: Project, changes: dict[str, Any]) -> Project:
    unknown = set(changes) - set(EDITABLE) - {"schema"}
    if unknown:
        raise invalid(sorted(unknown)[0], "not an editable setting")
    _check_settings(changes)
    if "schema" in changes:
        project.label_schema = parse_schema(changes.pop("schema")).model_dump(mode="json", exclude_none=True)
    for k, v in changes.items():
        setattr(project, k, v.strip() if isinstance(v, str) and k == "title" else v)
    s.flush()
    append(s, "project.updated", f"project:{project.id}", actor_of(actor), {"changes": changes})
    return project


def add_member(s: Session, actor: User | None, project: Project, user: User, role: str) -> None:
    if role not in PROJECT_ROLES:
        raise invalid("role", f"one of {', '.join(PROJECT_ROLES)}")
    if user.org_id != project.org_id and not (actor is None or actor.is_admin):
        raise invalid("user_id", "the user belongs to another organisation")
    if role not in member_roles(s, project.id, user.id):
        s.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
        s.flush()
        append(s, "project.member_added", f"project:{project.id}", actor_of(actor), {"user_id": user.id, "role": role})


def remove_member(s: Session, actor: User, project: Project, user_id: int, role: str) -> None:
    row = s.get(ProjectMember, (project.id, user_id, role))
    if row is None:
        raise NotFound(f"user {user_id} is not a {role} of this project")
    s.delete(row)
    append(s, "project.member_removed", f"project:{project.id}", actor_of(actor), {"user_id": user_id, "role": role})


def members(s: Session, project: Project) -> list[ProjectMember]:
    return list(s.scalars(select(ProjectMember).where(ProjectMember.project_id == project.id)
                          .order_by(ProjectMember.user_id, ProjectMember.role)))
