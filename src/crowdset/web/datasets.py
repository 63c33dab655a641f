"""Dataset pages: the catalogue (search and filters), a dataset's card, versions, evaluations,
rating, tier and re-review dates, and the owner's actions (publish a project's export, evaluate,
read the report, edit metadata).

Each page reads through one service of ``crowdset.datasets.overview``, which also says what the
user may do there (the page only turns NotFound and Forbidden into its 404 and 403 pages); changes
go through /api/v1/datasets from the page's JS module, so the rules (publishing limits,
immutability, who may manage) stay in one place."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt

from crowdset.datasets.overview import (
    FILTERS,
    browse,
    dataset_overview,
    edit_dataset_form,
    evaluation_overview,
    new_dataset_form,
)
from crowdset.web.manage import reading
from crowdset.web.render import render

router = APIRouter(include_in_schema=False)
# Raw HTML off: a card's text comes from the owner; markdown-it also refuses javascript: links.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def card_html(markdown: str) -> str:
    return _md.render(markdown)


@router.get("/datasets")
def catalogue_page(request: Request, q: str = "", domain: str = "", kind: str = "", modality: str = "",
                   tier: str = "", grade: str = "") -> Response:
    chosen = {"domain": domain, "kind": kind, "modality": modality, "tier": tier, "grade": grade}
    with reading(request) as (s, user):
        found = browse(s, user, q.strip() or None, {k: chosen[k] or None for k in FILTERS})
        return render(request, "datasets/catalogue.html", datasets=found.datasets, q=q, chosen=chosen,
                      choices=found.choices, error=found.error, can_create=found.can_create, total=found.total)


@router.get("/datasets/new")
def new_dataset_page(request: Request) -> Response:
    with reading(request) as (_s, user):
        form = new_dataset_form(user)
        return render(request, "datasets/edit.html", ds=form.ds, kinds=form.kinds, levels=form.levels,
                      supply_modes=form.supply_modes)


@router.get("/datasets/{dataset_id}")
def dataset_page(dataset_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        lang = "zh" if request.state.locale == "zh_CN" else "en"
        o = dataset_overview(s, user, dataset_id, lang)
        return render(request, "datasets/detail.html", ds=o.ds, card=card_html(o.card), versions=o.versions,
                      version_of=o.version_of, evaluations=o.evaluations, rereviews=o.rereviews,
                      can_manage=o.can_manage, can_download=o.can_download, projects=o.projects,
                      profiles=o.profiles, default_profile=o.default_profile)


@router.get("/datasets/{dataset_id}/edit")
def edit_dataset_page(dataset_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        form = edit_dataset_form(s, user, dataset_id)
        return render(request, "datasets/edit.html", ds=form.ds, kinds=form.kinds, levels=form.levels,
                      supply_modes=form.supply_modes)


@router.get("/datasets/{dataset_id}/evaluations/{evaluation_id}")
def report_page(dataset_id: int, evaluation_id: int, request: Request) -> Response:
    with reading(request) as (s, user):
        view = evaluation_overview(s, user, dataset_id, evaluation_id)
        ev = view.ev
        report = ev.report or {}
        indicators = [{"code": code, "name": i.get("name_zh") if request.state.locale == "zh_CN" else i.get("name"),
                       "x": i.get("x"), "a": i.get("a"), "b": i.get("b"), "method": i.get("method"),
                       "na": i.get("not_applicable_reason")}
                      for code, i in sorted((report.get("indicators") or {}).items())]
        return render(request, "datasets/report.html", ds=view.ds, ev=ev, ds_version=view.version, report=report,
                      indicators=indicators, dimensions=report.get("dimensions") or ev.dimensions or {})
