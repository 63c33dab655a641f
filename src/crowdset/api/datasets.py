"""Dataset catalogue API: datasets, versions, evaluations, rating, re-review, metadata exports.
Thin: each handler parses, calls one service function (which asks the datasets policy) and presents."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, StreamingResponse

from crowdset.api.shapes.datasets import (
    DatasetIn,
    DatasetOut,
    DatasetPatch,
    DesignateIn,
    EvaluationIn,
    EvaluationOut,
    FromProjectIn,
    RereviewIn,
    VersionOut,
)
from crowdset.api.shapes.jobs import JobOut
from crowdset.datasets import catalogue, evaluations, rating, versions
from crowdset.datasets.card import dataset_card
from crowdset.datasets.croissant import dataset_croissant
from crowdset.formats.common import dumps
from crowdset.http.deps import DB, CurrentUser
from crowdset.http.pagination import Page, check_limit, decode_cursor, page_of
from crowdset.http.types import Id, QueryId, file_responses

router = APIRouter(tags=["datasets"])


@router.post("/datasets", status_code=201, response_model=DatasetOut)
def create_dataset(body: DatasetIn, s: DB, user: CurrentUser) -> DatasetOut:
    fields = body.model_dump(exclude={"org_id", "name"})
    return DatasetOut.of(catalogue.create_dataset(s, user, body.org_id, body.name, **fields))


@router.get("/datasets", response_model=Page[DatasetOut])
def list_datasets(s: DB, user: CurrentUser, q: str | None = None, domain: str | None = None,
                  kind: str | None = None, modality: str | None = None, tier: str | None = None,
                  grade: str | None = None, status: str | None = None, org_id: QueryId = None,
                  cursor: str | None = None, limit: int = 50) -> Page[DatasetOut]:
    """Search by text (any substring, Chinese included: `q=医疗`), domain, kind, modality, reserve
    tier and grade."""
    limit = check_limit(limit)
    rows = catalogue.list_datasets(s, user, decode_cursor(cursor), limit + 1, q, domain, kind, modality, tier,
                                   grade, status, org_id)
    return page_of([DatasetOut.of(d) for d in rows], limit, lambda d: d.id)


@router.post("/datasets/rereview", status_code=202, response_model=JobOut)
def rereview(body: RereviewIn, s: DB, user: CurrentUser) -> JobOut:
    """Re-review every dataset whose rating validity has passed (administrators)."""
    return JobOut.of(evaluations.request_rereview(s, user, body.now))


@router.get("/datasets/{dataset_id}", response_model=DatasetOut)
def get_dataset(dataset_id: Id, s: DB, user: CurrentUser) -> DatasetOut:
    return DatasetOut.of(catalogue.get_dataset(s, user, dataset_id))


@router.patch("/datasets/{dataset_id}", response_model=DatasetOut)
def update_dataset(dataset_id: Id, body: DatasetPatch, s: DB, user: CurrentUser) -> DatasetOut:
    return DatasetOut.of(catalogue.update_dataset(s, user, dataset_id, body.model_dump(exclude_unset=True)))


@router.post("/datasets/{dataset_id}/designate-strategic", response_model=DatasetOut)
def designate(dataset_id: Id, s: DB, user: CurrentUser, body: DesignateIn | None = None) -> DatasetOut:
    """Administrators designate (or, with `{"designated": false}`, withdraw) a strategic dataset."""
    return DatasetOut.of(rating.designate_strategic(s, user, dataset_id, (body or DesignateIn()).designated))


# ---------------------------------------------------------------- versions


@router.post("/datasets/{dataset_id}/versions", status_code=201, response_model=VersionOut)
def upload_version(dataset_id: Id, file: UploadFile, s: DB, user: CurrentUser,
                   version: str | None = Form(default=None), format: str | None = Form(default=None)) -> VersionOut:
    """Upload a new immutable version (multipart `file`: JSONL, CSV, Parquet or TC609 JSONL)."""
    return VersionOut.of(versions.upload_version(s, user, dataset_id, file.file, file.filename or "",
                                                 format or None, version or None))


@router.post("/datasets/{dataset_id}/versions/from-project", status_code=201, response_model=VersionOut)
def version_from_project(dataset_id: Id, body: FromProjectIn, s: DB, user: CurrentUser) -> VersionOut:
    """Publish a project's export (jsonl or tc609) as a new version in one call."""
    return VersionOut.of(versions.publish_project(s, user, dataset_id, body.project_id, body.format, body.version))


@router.get("/datasets/{dataset_id}/versions", response_model=list[VersionOut])
def list_versions(dataset_id: Id, s: DB, user: CurrentUser) -> list[VersionOut]:
    return [VersionOut.of(v) for v in versions.list_versions(s, user, dataset_id)]


@router.get("/datasets/{dataset_id}/versions/{version}", response_model=VersionOut)
def get_version(dataset_id: Id, version: str, s: DB, user: CurrentUser) -> VersionOut:
    return VersionOut.of(versions.get_version(s, user, dataset_id, version))


@router.get("/datasets/{dataset_id}/versions/{version}/file", response_class=Response, responses=file_responses(
    "the version's file as uploaded", *versions.MEDIA_TYPE.values()))
def download_version(dataset_id: Id, version: str, s: DB, user: CurrentUser) -> FileResponse:
    fl = versions.version_file(s, user, dataset_id, version)
    return FileResponse(fl.path, media_type=fl.media_type, filename=fl.name, headers={"Digest": f"sha-256={fl.sha256}"})


@router.get("/datasets/{dataset_id}/versions/{version}/records", response_class=Response,
            responses=file_responses("TC609 JSON Lines", "application/x-ndjson"))
def version_records(dataset_id: Id, version: str, s: DB, user: CurrentUser, format: str = "tc609",
                    mask: bool = False) -> StreamingResponse:
    """The version's records as TC609-5-2025-02 JSONL (`mask=true` masks personal information in texts)."""
    filename, records = versions.version_records(s, user, dataset_id, version, format, mask)
    lines = (dumps(r).encode("utf-8") + b"\n" for r in records)
    return StreamingResponse(lines, media_type="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------- evaluations


@router.post("/datasets/{dataset_id}/versions/{version}/evaluations", status_code=202, response_model=JobOut)
def evaluate(dataset_id: Id, version: str, s: DB, user: CurrentUser, response: Response,
             body: EvaluationIn | None = None) -> JobOut:
    """Evaluate the version against a quality profile as a job; the report is kept with the run and
    the dataset's rating and tier follow."""
    ev, job = evaluations.request(s, user, dataset_id, version, (body or EvaluationIn()).profile)
    response.headers["Location"] = f"/api/v1/datasets/{ev.dataset_id}/evaluations/{ev.id}"
    return JobOut.of(job)


@router.get("/datasets/{dataset_id}/evaluations", response_model=Page[EvaluationOut])
def list_evaluations(dataset_id: Id, s: DB, user: CurrentUser, version: str | None = None,
                     cursor: str | None = None, limit: int = 50) -> Page[EvaluationOut]:
    limit = check_limit(limit)
    rows = evaluations.list_evaluations(s, user, dataset_id, version, decode_cursor(cursor), limit + 1)
    return page_of([EvaluationOut.of(e) for e in rows], limit, lambda e: e.id)


@router.get("/datasets/{dataset_id}/versions/{version}/evaluations", response_model=Page[EvaluationOut])
def list_version_evaluations(dataset_id: Id, version: str, s: DB, user: CurrentUser, cursor: str | None = None,
                             limit: int = 50) -> Page[EvaluationOut]:
    return list_evaluations(dataset_id, s, user, version, cursor, limit)


@router.get("/datasets/{dataset_id}/evaluations/{evaluation_id}", response_model=EvaluationOut)
def get_evaluation(dataset_id: Id, evaluation_id: Id, s: DB, user: CurrentUser) -> EvaluationOut:
    return EvaluationOut.of(evaluations.get_evaluation(s, user, dataset_id, evaluation_id), with_report=True)


@router.get("/datasets/{dataset_id}/evaluations/{evaluation_id}/report", response_class=Response,
            responses=file_responses("the report", *evaluations.REPORT_FORMATS.values()))
def evaluation_report(dataset_id: Id, evaluation_id: Id, s: DB, user: CurrentUser,
                      format: str = "json") -> Response:
    """The report as json, md or html (self-contained page)."""
    ev, body = evaluations.read_report(s, user, dataset_id, evaluation_id, format)
    return Response(body, media_type=evaluations.REPORT_FORMATS[format], headers={
        "Content-Disposition": f'inline; filename="evaluation-{ev.id}.{format}"'})


# ---------------------------------------------------------------- metadata exports


@router.get("/datasets/{dataset_id}/card", response_class=Response,
            responses=file_responses("the card in Markdown", "text/markdown"))
def card(dataset_id: Id, s: DB, user: CurrentUser, lang: str = "both") -> Response:
    """Dataset card (Datasheets for Datasets) in Markdown: `lang` zh, en or both."""
    return Response(dataset_card(s, user, dataset_id, lang), media_type="text/markdown; charset=utf-8")


@router.get("/datasets/{dataset_id}/croissant", response_class=Response,
            responses=file_responses("Croissant JSON-LD", "application/ld+json"))
def croissant(dataset_id: Id, request: Request, s: DB, user: CurrentUser) -> Response:
    """Croissant 1.0 JSON-LD with RAI properties for the newest version."""
    base = str(request.base_url).rstrip("/").removesuffix("/api/v1")
    return Response(dumps(dataset_croissant(s, user, dataset_id, base)), media_type="application/ld+json")
