"""The dataset catalogue: create, describe, publish, find. Ratings and tiers live in ``rating``.

Each public function is one use case, called by the API, the pages and the command line alike with
the acting user; it asks ``policy`` before it reads or changes anything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdset.auth.models import User
from crowdset.auth.service import find_org
from crowdset.datasets import policy, search
from crowdset.datasets.models import (
    DATASET_KINDS,
    DATASET_STATUSES,
    GRADES,
    SECURITY_LEVEL_ZH,
    SECURITY_LEVELS,
    SUPPLY_MODES,
    TIERS,
    Dataset,
)
from crowdset.errors import FieldError, Invalid, invalid
from crowdset.ledger.service import actor_of, append
from crowdset.messages import Message, msg

TEXT_FIELDS = ("name", "description", "domain", "modality", "licence", "source", "collection_method",
               "annotation_method", "use_cases", "limitations", "contact")
EDITABLE = (*TEXT_FIELDS, "kind", "security_level", "supply_mode", "extra", "status")
_LIMITS = {"name": 200, "domain": 60, "modality": 40, "licence": 200, "contact": 200}
_ENUMS = {"kind": DATASET_KINDS, "security_level": SECURITY_LEVELS, "supply_mode": SUPPLY_MODES,
          "status": DATASET_STATUSES}


def _check(values: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    if "name" in values and not str(values["name"] or "").strip():
        errors.append(FieldError("name", msg("field.required")))
    for f, n in _LIMITS.items():
        if isinstance(values.get(f), str) and len(values[f]) > n:
            errors.append(FieldError(f, msg("field.at_most_chars", max=n)))
    for f in TEXT_FIELDS:
        if f in values and not isinstance(values[f], str):
            errors.append(FieldError(f, msg("field.a_string")))
    for f, allowed in _ENUMS.items():
        if f in values and values[f] not in allowed:
            errors.append(FieldError(f, msg("field.one_of", choices=allowed)))
    if "extra" in values and not isinstance(values["extra"], dict):
        errors.append(FieldError("extra", msg("dataset.extra")))
    if errors:
        raise Invalid(msg("dataset.invalid"), errors)


def listing_problem(level: str, supply_mode: str) -> Message | None:
    """Why a dataset with this level and supply mode may not be published (None: it may)."""
    if level == "core":
        return msg("dataset.core_unlisted", core=SECURITY_LEVEL_ZH["core"])
    if level == "important" and supply_mode not in ("custom", "pairing"):
        return msg("dataset.important_listed", important=SECURITY_LEVEL_ZH["important"])
    return None


def reindex(s: Session, ds: Dataset) -> None:
    keywords = ds.extra.get("keywords") if isinstance(ds.extra, dict) else None
    kw = " ".join(map(str, keywords)) if isinstance(keywords, list) else str(keywords or "")
    ds.search_text = search.search_text([ds.name, ds.description, ds.domain, ds.kind, ds.modality, ds.use_cases,
                                         ds.source, ds.collection_method, ds.annotation_method, ds.licence,
                                         ds.limitations, kw])
    if s.get_bind().dialect.name == "postgresql":
        ds.search_tsv = search.tsvector_expr(ds.search_text)


def _org_id(s: Session, actor: User | None, org: int | str | None) -> int:
    """The organisation meant: an id, an id or exact name (command line), or the actor's own."""
    if isinstance(org, str):
        return find_org(s, org).id
    if org is None:
        org = getattr(actor, "org_id", None)
        if org is None:
            raise invalid("org_id", "field.org_required")
    return org


def create_dataset(s: Session, actor: User | None, org: int | str | None, name: str, **fields: Any) -> Dataset:
    """A new dataset (draft unless published at once) in ``org`` (default: the actor's organisation)."""
    org_id = _org_id(s, actor, org)
    policy.check_create(s, actor, org_id)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "field.unknown_field")
    fields = {k: v for k, v in fields.items() if v is not None}
    values = {"name": name, "status": "draft", "extra": {}, **fields}
    _check(values)
    if values["status"] == "suspended":
        raise invalid("status", "dataset.new_status")
    if values["status"] == "published":
        problem = listing_problem(values.get("security_level", "general"), values.get("supply_mode", "free"))
        if problem:
            raise invalid("status", problem, msg("dataset.cannot_publish", problem=problem))
    ds = Dataset(org_id=org_id, created_by=getattr(actor, "id", None),
                 **{**values, "name": str(name).strip()})
    s.add(ds)
    reindex(s, ds)
    s.flush()
    append(s, "dataset.created", f"dataset:{ds.id}", actor_of(actor),
           {"org_id": org_id, **{k: getattr(ds, k) for k in EDITABLE}})
    return ds


def get_dataset(s: Session, user: User | None, dataset_id: int) -> Dataset:
    """A dataset the user may see."""
    return policy.get_dataset(s, user, dataset_id)


def update_dataset(s: Session, actor: User | None, dataset_id: int, changes: dict[str, Any]) -> Dataset:
    """Change a dataset's entry (its owners and managers; suspension is an administrator's)."""
    ds = policy.get_dataset(s, actor, dataset_id, "manage")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "field.not_editable")
    _check(changes)
    new_status = changes.get("status", ds.status)
    if new_status != ds.status and (ds.status == "suspended" or new_status == "suspended"):
        policy.check_suspension_change(actor)
    if new_status == "published":
        problem = listing_problem(changes.get("security_level", ds.security_level),
                                  changes.get("supply_mode", ds.supply_mode))
        if problem:
            detail = msg("dataset.cannot_publish", problem=problem) if ds.status != "published" else \
                msg("dataset.cannot_keep_publishing", problem=problem)
            raise invalid("status" if "status" in changes else "security_level", problem, detail)
    old_status = ds.status
    for k, v in changes.items():
        setattr(ds, k, v.strip() if isinstance(v, str) and k == "name" else v)
    if new_status != "suspended":
        ds.suspended_reason = None
    reindex(s, ds)
    s.flush()
    append(s, "dataset.updated", f"dataset:{ds.id}", actor_of(actor), {"changes": changes})
    if old_status != new_status:
        append(s, "dataset.status_changed", f"dataset:{ds.id}", actor_of(actor),
               {"from": old_status, "to": new_status})
    if "kind" in changes:
        from crowdset.datasets.rating import apply_rating

        apply_rating(s, actor, ds, "kind changed")  # tiers depend on the kind
    return ds


def suspend(s: Session, actor: User | None, ds: Dataset, reason: str) -> None:
    """Take a dataset off the catalogue until an administrator or a successful re-review restores it."""
    old = ds.status
    ds.status, ds.suspended_reason = "suspended", reason[:200]
    s.flush()
    append(s, "dataset.status_changed", f"dataset:{ds.id}", actor_of(actor),
           {"from": old, "to": "suspended", "reason": reason})


def list_datasets(s: Session, user: User | None, after: int = 0, limit: int = 50, q: str | None = None,
                  domain: str | None = None, kind: str | None = None, modality: str | None = None,
                  tier: str | None = None, grade: str | None = None, status: str | None = None,
                  org: int | str | None = None) -> list[Dataset]:
    """Datasets the user may see (own organisation; all for admins), filtered, in id order. ``org``
    narrows to one organisation: an id, or (command line) an id or exact name."""
    for f, v, allowed in (("kind", kind, DATASET_KINDS), ("tier", tier, TIERS), ("grade", grade, GRADES),
                          ("status", status, DATASET_STATUSES)):
        if v is not None and v not in allowed:
            raise invalid(f, "field.one_of", choices=allowed)
    stmt = select(Dataset).where(Dataset.id > after).order_by(Dataset.id).limit(limit)
    visible = policy.visible_datasets(user)
    if visible is not None:
        stmt = stmt.where(visible)
    if org is not None:
        stmt = stmt.where(Dataset.org_id == (find_org(s, org).id if isinstance(org, str) else org))
    for col, v in ((Dataset.domain, domain), (Dataset.kind, kind), (Dataset.modality, modality),
                   (Dataset.reserve_tier, tier), (Dataset.rating, grade), (Dataset.status, status)):
        if v is not None:
            stmt = stmt.where(col == v)
    if q:
        cond = search.condition(q, Dataset.search_text, Dataset.search_tsv, s.get_bind().dialect.name)
        if cond is not None:
            stmt = stmt.where(cond)
    return list(s.scalars(stmt))
