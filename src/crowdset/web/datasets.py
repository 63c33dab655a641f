"""Dataset pages: the catalogue (search and filters), a dataset's card, versions, evaluations,
rating, tier and re-review dates, and the owner's actions (publish a project's export, evaluate,
read the report, edit metadata).

Pages read through the catalogue services; changes go through /api/v1/datasets from the page's
JS module, so the rules (publishing limits, immutability, who may manage) stay in one place."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from sqlalchemy import select

from crowdset.annotation import policy as project_policy
from crowdset.annotation import projects as project_svc
from crowdset.datasets import catalogue as svc
from crowdset.datasets import evaluations as evs
from crowdset.datasets import policy
from crowdset.datasets.card import gather, render_card
from crowdset.datasets.evaluate import available_profiles
from crowdset.datasets.models import (
    DATASET_KINDS,
    GRADES,
    SECURITY_LEVELS,
    SUPPLY_MODES,
    TIERS,
    Dataset,
    DatasetVersion,
    ReReview,
)
from crowdset.datasets.versions import list_versions
from crowdset.errors import CrowdsetError
from crowdset.web.manage import reading
from crowdset.web.render import render

router = APIRouter(include_in_schema=False)
OWNERS = ("owner", "manager")
FILTERS = ("domain", "kind", "modality", "tier", "grade")
# Raw HTML off: a card's text comes from the owner; markdown-it also refuses javascript: links.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def card_html(markdown: str) -> str:
    return _md.render(markdown)


@router.get("/datasets")
def catalogue_page(request: Request, q: str = "", domain: str = "", kind: str = "", modality: str = "",
                   tier: str = "", grade: str = "") -> Response:
    chosen = {"domain": domain, "kind": kind, "modality": modality, "tier": tier, "grade": grade}
    with reading(request) as (s, user):
        everything = svc.list_datasets(s, user, 0, 1000)
        error = None
        try:
            found = svc.list_datasets(s, user, 0, 200, q=q.strip() or None,
                                      **{k: (v or None) for k, v in chosen.items()})
        except CrowdsetError as exc:  # an unknown filter value in a hand-made URL
            found, error = [], exc.detail
        choices = {"domain": sorted({d.domain for d in everything if d.domain}),
                   "modality": sorted({d.modality for d in everything if d.modality}),
                   "kind": DATASET_KINDS, "tier": TIERS, "grade": GRADES}
        can_create = user.is_admin or user.has_role(*OWNERS)
        return render(request, "datasets/catalogue.html", datasets=found, q=q, chosen=chosen, choices=choices,
                      error=error, can_create=can_create, total=len(everything))


@router.get("/datasets/new")
def new_dataset_page(request: Request) -> Response:
    with reading(request, *OWNERS):
        return render(request, "datasets/edit.html", ds=None, kinds=DATASET_KINDS, levels=SECURITY_LEVELS,
                      supply_modes=SUPPLY_MODES)


@router.get("/datasets/{dataset_id}")
def dataset_page(dataset_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        ds = policy.get_dataset(s, user, dataset_id)
        lang = "zh" if request.state.locale == "zh_CN" else "en"
        owner = policy.can_manage(user, ds) and (user.is_admin or user.has_role(*OWNERS))
        versions = list_versions(s, ds)
        evaluations = evs.list_evaluations(s, ds, limit=200)
        rereviews = list(s.scalars(select(ReReview).where(ReReview.dataset_id == ds.id).order_by(ReReview.id.desc())))
        projects = _publishable_projects(s, user, ds) if owner else []
        return render(request, "datasets/detail.html", ds=ds, card=card_html(render_card(gather(s, ds), lang)),
                      versions=versions, version_of={v.id: v.version for v in versions},
                      evaluations=list(reversed(evaluations)), rereviews=rereviews, owner=owner,
                      projects=projects, profiles=available_profiles(), default_profile=evs.default_profile(ds))


def _publishable_projects(s: Any, user: Any, ds: Dataset) -> list[Any]:
    """Projects of the dataset's organisation whose export the user may read."""
    return [p for p in project_svc.list_projects(s, user, 0, 500)
            if p.org_id == ds.org_id and project_policy.allowed(s, user, p, "review")]


@router.get("/datasets/{dataset_id}/edit")
def edit_dataset_page(dataset_id: int, request: Request) -> Response:
    with reading(request, *OWNERS) as (s, user):
        ds = policy.get_dataset(s, user, dataset_id, "manage")
        return render(request, "datasets/edit.html", ds=ds, kinds=DATASET_KINDS, levels=SECURITY_LEVELS,
                      supply_modes=SUPPLY_MODES)


@router.get("/datasets/{dataset_id}/evaluations/{evaluation_id}")
def report_page(dataset_id: int, evaluation_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        ds = policy.get_dataset(s, user, dataset_id)
        ev = evs.get_evaluation(s, ds, evaluation_id)
        version = s.get(DatasetVersion, ev.version_id)
        report = ev.report or {}
        indicators = [{"code": code, "name": i.get("name_zh") if request.state.locale == "zh_CN" else i.get("name"),
                       "x": i.get("x"), "a": i.get("a"), "b": i.get("b"), "method": i.get("method"),
                       "na": i.get("not_applicable_reason")}
                      for code, i in sorted((report.get("indicators") or {}).items())]
        return render(request, "datasets/report.html", ds=ds, ev=ev, ds_version=version, report=report,
                      indicators=indicators, dimensions=report.get("dimensions") or ev.dimensions or {})
