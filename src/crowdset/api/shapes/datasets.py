"""API shapes for the dataset catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from crowdset.datasets.models import Dataset, DatasetVersion, Evaluation
from crowdset.http.types import IdField, Instant, RequestModel, not_null


class DatasetIn(RequestModel):
    org_id: IdField | None = Field(default=None, description="defaults to the caller's organisation")
    name: str
    description: str = ""
    domain: str = Field(default="", description="e.g. healthcare; a matching evaluation profile is the default")
    kind: str = Field(default="general", description="general | industry-general | industry-specific")
    modality: str = ""
    licence: str = ""
    security_level: str = Field(default="general", description="general | important | core (一般/重要/核心)")
    supply_mode: str = Field(default="free", description="free | custom | paid | pairing")
    source: str = ""
    collection_method: str = ""
    annotation_method: str = ""
    use_cases: str = ""
    limitations: str = ""
    contact: str = ""
    extra: dict[str, Any] = Field(default_factory=dict, description="further metadata (docs/datasets.md)")
    status: str = Field(default="draft", description="draft | published")


class DatasetPatch(RequestModel):
    """Fields left out keep their value; none may be set to null (every column is NOT NULL)."""

    name: str = not_null()
    description: str = not_null()
    domain: str = not_null()
    kind: str = not_null()
    modality: str = not_null()
    licence: str = not_null()
    security_level: str = not_null()
    supply_mode: str = not_null()
    source: str = not_null()
    collection_method: str = not_null()
    annotation_method: str = not_null()
    use_cases: str = not_null()
    limitations: str = not_null()
    contact: str = not_null()
    extra: dict[str, Any] = not_null()
    status: str = not_null(description="draft | published | suspended (admin)")


class DatasetOut(BaseModel):
    id: int
    org_id: int
    name: str
    description: str
    domain: str
    kind: str
    modality: str
    licence: str
    security_level: str
    supply_mode: str
    source: str
    collection_method: str
    annotation_method: str
    use_cases: str
    limitations: str
    contact: str
    extra: dict[str, Any]
    status: str
    suspended_reason: str | None
    rating: str | None
    rated_at: datetime | None
    rating_valid_until: datetime | None
    reserve_tier: str
    strategic_designated: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, d: Dataset) -> DatasetOut:
        return cls.model_validate(d, from_attributes=True)


class VersionOut(BaseModel):
    id: int
    dataset_id: int
    version: str
    format: str
    content_hash: str
    record_count: int
    size: int
    files: list[dict[str, Any]]
    source_project_id: int | None
    created_by: int | None
    created_at: datetime

    @classmethod
    def of(cls, v: DatasetVersion) -> VersionOut:
        return cls.model_validate(v, from_attributes=True)


class FromProjectIn(RequestModel):
    project_id: IdField
    format: str = Field(default="tc609", description="jsonl | tc609")
    version: str | None = Field(default=None, description="defaults to the next number")


class EvaluationIn(RequestModel):
    profile: str | None = Field(default=None, description="profile name; defaults to the dataset's domain or general")


class EvaluationOut(BaseModel):
    id: int
    dataset_id: int
    version_id: int
    profile: str
    state: str
    grade: str | None
    dimensions: dict[str, Any] | None
    error: str | None
    job_id: str | None
    reason: str
    created_at: datetime
    finished_at: datetime | None
    report: dict[str, Any] | None = None

    @classmethod
    def of(cls, e: Evaluation, with_report: bool = False) -> EvaluationOut:
        out = cls.model_validate(e, from_attributes=True)
        if not with_report:
            out.report = None
        return out


class DesignateIn(RequestModel):
    designated: bool = True


class RereviewIn(RequestModel):
    now: Instant | None = Field(default=None, description="the clock to judge what is due by (default: now)")
