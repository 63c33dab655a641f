"""Who may do what in annotation projects: the one place that answers, for the API, the pages and
the CLI alike.

Access is decided per project, never by account-level roles alone: an account's roles say what a
person is hired as, project membership says where. Admins and the managers of a project's
organisation may do everything in it; others get what their project roles grant (``NEEDS``). A
project someone may not see answers "not found", so its existence does not leak. Nobody judges their
own work: reviewing or arbitrating a task one annotated is refused whatever one's roles.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from crowdset.annotation.models import PROJECT_ROLES, Annotation, Project, ProjectMember
from crowdset.auth.models import User
from crowdset.db import MAX_ID
from crowdset.errors import Forbidden, NotFound
from crowdset.messages import msg

# What each need requires, besides being an admin or a manager of the project's organisation.
NEEDS = {
    "view": set(PROJECT_ROLES),
    "annotate": {"annotator"},
    "review": {"reviewer", "manager"},
    "arbitrate": {"expert", "manager"},
    "manage": {"manager"},
}


MAY_NOT = {"annotate": msg("project.may_not_annotate"), "review": msg("project.may_not_review"),
           "arbitrate": msg("project.may_not_arbitrate"), "manage": msg("project.may_not_manage")}
"""Why a project member is refused what they need (by need)."""


def member_roles(s: Session, project_id: int, user_id: int) -> set[str]:
    return set(s.scalars(select(ProjectMember.role).where(ProjectMember.project_id == project_id,
                                                          ProjectMember.user_id == user_id)))


def manages_org(user: User, project: Project) -> bool:
    """Admins, and managers of the organisation that owns the project."""
    return user.is_admin or (user.org_id == project.org_id and user.has_role("manager"))


def allowed(s: Session, user: User, project: Project, need: str, roles: set[str] | None = None) -> bool:
    """May ``user`` do ``need`` in ``project``? ``roles``: the user's project roles, when already read."""
    if manages_org(user, project):
        return True
    if roles is None:
        roles = member_roles(s, project.id, user.id)
    return bool(roles & NEEDS[need])


def may_create_project(user: User | None, org_id: int) -> bool:
    """Projects are created by admins and the organisation's managers (``user`` None: the operator)."""
    return user is None or user.is_admin or (user.has_role("manager") and user.org_id == org_id)


def may_add_outsider(user: User | None) -> bool:
    """Only admins (and the operator) put a user of another organisation in a project."""
    return user is None or user.is_admin


def may_overrule(user: User) -> bool:
    """Admins and managers may give a final answer to any task, not only to one waiting for arbitration."""
    return user.is_admin or user.has_role("manager")


def manages_project_id(s: Session, user: User | None, project_id: int) -> bool:
    """Whether ``user`` manages the project with this id (False when there is none)."""
    project = s.get(Project, project_id)
    return project is not None and user is not None and allowed(s, user, project, "manage")


def get_project(s: Session, user: User | None, project_id: int, need: str = "view") -> Project:
    """The project if ``user`` may do ``need`` on it; NotFound when they may not even see it,
    Forbidden when they see it but may not do ``need``. ``user`` None is the operator (CLI)."""
    project = s.get(Project, project_id) if 0 < project_id <= MAX_ID else None
    if project is None:
        raise NotFound(msg("project.not_found", id=project_id))
    if user is None:
        return project
    roles = None if manages_org(user, project) else member_roles(s, project.id, user.id)
    if not allowed(s, user, project, "view", roles):
        raise NotFound(msg("project.not_found", id=project_id))
    if need != "view" and not allowed(s, user, project, need, roles):
        raise Forbidden(MAY_NOT.get(need) or msg("project.may_not", action=need))
    return project


def projects_where(s: Session, user: User, need: str, limit: int = 500, after: int = 0) -> list[Project]:
    """The projects in which ``user`` may do ``need``, in id order after ``after`` (the project list of
    the API and the hubs of the pages list these)."""
    q = select(Project).where(Project.id > after).order_by(Project.id).limit(limit)
    if not user.is_admin:
        member = exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id,
                                ProjectMember.role.in_(NEEDS[need]))
        if user.has_role("manager") and user.org_id is not None:
            q = q.where((Project.org_id == user.org_id) | member)
        else:
            q = q.where(member)
    return list(s.scalars(q))


def check_hub(user: User, projects: list[Project], account_roles: tuple[str, ...]) -> None:
    """A hub page (the list of one's projects) is for those who may work in at least one project, as
    decided per project above, and for holders of the account role (who see an empty list)."""
    if not projects and not (user.is_admin or user.has_role(*account_roles)):
        raise Forbidden(msg("project.none_of_yours"))


def has_annotated(s: Session, user: User, task_id: int) -> bool:
    """Did ``user`` submit (or hold) an annotation of this task?"""
    return s.scalar(select(exists().where(Annotation.task_id == task_id, Annotation.user_id == user.id))) or False


def check_not_own_annotation(user: User, annotation: Annotation) -> None:
    """Reviewing one's own annotation is refused, managers and admins included."""
    if annotation.user_id is not None and annotation.user_id == user.id:
        raise Forbidden(msg("review.own_annotation"))


def check_not_own_task(s: Session, user: User, task_id: int) -> None:
    """Arbitrating a task one annotated is refused, managers and admins included."""
    if has_annotated(s, user, task_id):
        raise Forbidden(msg("arbitration.own_task"))
