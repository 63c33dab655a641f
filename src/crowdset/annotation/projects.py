"""Projects and their members. Who may see, annotate, review, arbitrate or manage a project is
decided in ``annotation.policy``; the services here call it, so the API, the pages and the CLI get
the same answer from one call each.

The ``project_to_*`` functions are for a face that shows a project for one purpose (the labelling
workspace, the import form, the export form): the project, or NotFound/Forbidden as the policy says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.annotation import policy
from crowdset.annotation.label_schema import LabelSchema, SchemaError, registered_kinds
from crowdset.annotation.labelstudio_config import label_schema_from_config
from crowdset.annotation.models import (
    PROJECT_ROLES,
    PROJECT_STATUSES,
    REVIEW_POLICIES,
    Project,
    ProjectMember,
)
from crowdset.auth.models import User
from crowdset.auth.service import get_org, get_user, visible_users
from crowdset.errors import FieldError, Forbidden, Invalid, NotFound, invalid
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg

EDITABLE = ("title", "instructions", "overlap", "gold_ratio", "review_policy", "review_sample",
            "agreement_threshold", "lease_seconds", "status", "tokenizer", "gold_floor")


def parse_schema(schema: Any) -> LabelSchema:
    try:
        return LabelSchema.parse(schema)
    except SchemaError as exc:
        raise Invalid(msg("project.schema_invalid"),
                      [FieldError(f"schema.{path}" if path else "schema", message) for path, message in exc.errors]) \
            from None


def _check_settings(values: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    if "title" in values and not (0 < len(str(values["title"]).strip()) <= 200):
        errors.append(FieldError("title", msg("field.required_max_chars", max=200)))
    if "overlap" in values and not (isinstance(values["overlap"], int) and 1 <= values["overlap"] <= 100):
        errors.append(FieldError("overlap", msg("field.int_range", min=1, max=100)))
    for f in ("gold_ratio", "review_sample", "agreement_threshold"):
        if f in values and not (isinstance(values[f], int | float) and 0 <= values[f] <= 1):
            errors.append(FieldError(f, msg("field.fraction")))
    if values.get("gold_floor") is not None and not (0 <= values["gold_floor"] <= 1):
        errors.append(FieldError("gold_floor", msg("field.fraction")))
    if "review_policy" in values and values["review_policy"] not in REVIEW_POLICIES:
        errors.append(FieldError("review_policy", msg("field.one_of", choices=REVIEW_POLICIES)))
    if "status" in values and values["status"] not in PROJECT_STATUSES:
        errors.append(FieldError("status", msg("field.one_of", choices=PROJECT_STATUSES)))
    if "lease_seconds" in values and not (isinstance(values["lease_seconds"], int)
                                          and 30 <= values["lease_seconds"] <= 7 * 86400):
        errors.append(FieldError("lease_seconds", msg("field.int_range", min=30, max=7 * 86400)))
    if values.get("tokenizer") not in (None, "char", "whitespace"):
        errors.append(FieldError("tokenizer", msg("project.tokenizer")))
    if errors:
        raise Invalid(msg("project.settings_invalid"), errors)


def create_project(s: Session, actor: User | None, org_id: int | None, title: str, schema: Any = None, *,
                   labelstudio_config: str | None = None, **settings: Any) -> Project:
    """A new project of ``org_id`` (None: the actor's organisation), its schema given as our label
    schema or as a Label Studio config (exactly one); the actor becomes its manager."""
    if org_id is None:
        org_id = getattr(actor, "org_id", None)
        if org_id is None:
            raise invalid("org_id", "field.org_required")
    if (schema is None) == (labelstudio_config is None):
        raise invalid("schema", "project.schema_or_config")
    if labelstudio_config is not None:
        schema = label_schema_from_config(labelstudio_config)
    if not policy.may_create_project(actor, org_id):
        if actor.org_id != org_id:
            get_org(s, actor, org_id)  # 404 for another organisation
        raise Forbidden(msg("project.create_forbidden"))
    get_org(s, actor, org_id)
    unknown = set(settings) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "project.unknown_setting")
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


def new_project_kinds(user: User) -> list[str]:
    """The control kinds a new project's schema may use (the schema builder offers them), for those
    who may create projects in their organisation; Forbidden for others."""
    if not policy.may_create_project(user, user.org_id):
        raise Forbidden(msg("project.create_forbidden"))
    return registered_kinds()


def list_projects(s: Session, user: User, after: int = 0, limit: int = 50) -> list[Project]:
    """The projects ``user`` may see, in id order after ``after``."""
    return policy.projects_where(s, user, "view", limit, after)


def managed_projects(s: Session, user: User, limit: int = 200) -> list[Project]:
    """The projects ``user`` may manage (the manager's project list); Forbidden for someone who
    manages none and is no manager by account."""
    rows = policy.projects_where(s, user, "manage", limit)
    policy.check_hub(user, rows, ("manager",))
    return rows


def get_project(s: Session, user: User, project_id: int) -> Project:
    """A project its members (and its organisation's managers) may see."""
    return policy.get_project(s, user, project_id, "view")


def project_to_annotate(s: Session, user: User, project_id: int) -> Project:
    return policy.get_project(s, user, project_id, "annotate")


def project_to_review(s: Session, user: User, project_id: int) -> Project:
    return policy.get_project(s, user, project_id, "review")


def project_to_manage(s: Session, user: User, project_id: int) -> Project:
    return policy.get_project(s, user, project_id, "manage")


def update_project(s: Session, actor: User, project_id: int, changes: dict[str, Any]) -> Project:
    """Change a project's settings (``schema``: its label schema); its managers only."""
    project = policy.get_project(s, actor, project_id, "manage")
    unknown = set(changes) - set(EDITABLE) - {"schema"}
    if unknown:
        raise invalid(sorted(unknown)[0], "project.not_editable_setting")
    _check_settings(changes)
    if "schema" in changes:
        project.label_schema = parse_schema(changes.pop("schema")).model_dump(mode="json", exclude_none=True)
    for k, v in changes.items():
        setattr(project, k, v.strip() if isinstance(v, str) and k == "title" else v)
    s.flush()
    append(s, "project.updated", f"project:{project.id}", actor_of(actor), {"changes": changes})
    return project


def add_project_member(s: Session, actor: User | None, project_id: int, user_id: int, role: str) -> User:
    """Give the user ``role`` in the project; its managers only (``actor`` None: the operator). A user
    the actor may not see is not found."""
    project = policy.get_project(s, actor, project_id, "manage")
    member = s.get(User, user_id) if actor is None else get_user(s, actor, user_id)
    if member is None:
        raise NotFound(msg("user.not_found", id=user_id))
    add_member(s, actor, project, member, role)
    return member


def add_member(s: Session, actor: User | None, project: Project, user: User, role: str) -> None:
    """The step itself, for callers that hold the project already and asked the policy (the use case
    above; seeding the demo)."""
    if role not in PROJECT_ROLES:
        raise invalid("role", "field.one_of", choices=PROJECT_ROLES)
    if user.org_id != project.org_id and not policy.may_add_outsider(actor):
        raise invalid("user_id", "project.user_other_org")
    if role not in policy.member_roles(s, project.id, user.id):
        s.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
        s.flush()
        append(s, "project.member_added", f"project:{project.id}", actor_of(actor), {"user_id": user.id, "role": role})


def remove_member(s: Session, actor: User, project_id: int, user_id: int, role: str) -> None:
    """Take ``role`` in the project away from the user; its managers only."""
    project = policy.get_project(s, actor, project_id, "manage")
    row = s.get(ProjectMember, (project.id, user_id, role))
    if row is None:
        raise NotFound(msg("project.not_member", id=user_id, role=role))
    s.delete(row)
    append(s, "project.member_removed", f"project:{project.id}", actor_of(actor), {"user_id": user_id, "role": role})


def _members(s: Session, project: Project) -> list[ProjectMember]:
    return list(s.scalars(select(ProjectMember).where(ProjectMember.project_id == project.id)
                          .order_by(ProjectMember.user_id, ProjectMember.role)))


def list_members(s: Session, user: User, project_id: int) -> list[ProjectMember]:
    """Who holds which role in the project; anyone who may see the project may see this."""
    return _members(s, policy.get_project(s, user, project_id, "view"))


@dataclass
class MembersView:
    """What the manager's members page shows: the members, the people of the project's organisation
    who could be added, and a display name for every user id on the page."""

    project: Project
    members: list[ProjectMember]
    candidates: list[User]
    names: dict[int, str]


def members_view(s: Session, user: User, project_id: int) -> MembersView:
    project = policy.get_project(s, user, project_id, "manage")
    rows = _members(s, project)
    candidates = [u for u in visible_users(s, user, 0, 500) if u.org_id == project.org_id]
    names = {u.id: u.display_name for u in candidates}
    missing = {m.user_id for m in rows} - set(names)
    if missing:
        names |= {u.id: u.display_name for u in s.scalars(select(User).where(User.id.in_(missing)))}
    return MembersView(project, rows, candidates, names)
