"""API shapes for projects, tasks, annotations and reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from crowdset.annotation.models import Annotation, Project, Review, Task
from crowdset.annotation.quality_runs import QualityPoint  # the service's own record, served as is
from crowdset.http.types import IdField, RequestModel, not_null


class ProjectIn(RequestModel):
    org_id: IdField | None = Field(default=None, description="defaults to the caller's organisation")
    title: str
    label_schema: dict[str, Any] | None = Field(default=None, alias="schema", description="our label schema")
    labelstudio_config: str | None = Field(default=None, description="a Label Studio labelling config (XML)")
    instructions: str = ""
    overlap: int = 1
    gold_ratio: float = 0.0
    review_policy: str = "none"
    review_sample: float = 0.0
    agreement_threshold: float = 0.0
    lease_seconds: int = 1800
    gold_floor: float | None = None
    tokenizer: str | None = None
    status: str = "active"

    model_config = {"populate_by_name": True}


class ProjectPatch(RequestModel):
    """Fields left out keep their value; only ``gold_floor`` and ``tokenizer`` may be set to null."""

    title: str = not_null()
    label_schema: dict[str, Any] = not_null(alias="schema")
    instructions: str = not_null()
    overlap: int = not_null()
    gold_ratio: float = not_null()
    review_policy: str = not_null()
    review_sample: float = not_null()
    agreement_threshold: float = not_null()
    lease_seconds: int = not_null()
    gold_floor: float | None = None
    tokenizer: str | None = None
    status: str = not_null()

    model_config = {"populate_by_name": True}


class ProjectOut(BaseModel):
    id: int
    org_id: int
    title: str
    instructions: str
    label_schema: dict[str, Any] = Field(serialization_alias="schema")
    overlap: int
    gold_ratio: float
    review_policy: str
    review_sample: float
    agreement_threshold: float
    lease_seconds: int
    gold_floor: float | None
    tokenizer: str | None
    status: str
    created_at: datetime

    @classmethod
    def of(cls, p: Project) -> ProjectOut:
        return cls.model_validate(p, from_attributes=True)


class MemberIn(RequestModel):
    user_id: IdField
    role: str


class MemberOut(BaseModel):
    user_id: int
    role: str


class PredictionOut(BaseModel):
    model: str
    score: float | None
    result: dict[str, Any]


class LeaseOut(BaseModel):
    """A task as the annotator sees it: gold tasks look exactly like the others."""

    annotation_id: int
    task_id: int
    data: dict[str, Any]
    leased_until: datetime | None
    draft: dict[str, Any] | None
    predictions: list[PredictionOut]


class SubmitIn(RequestModel):
    result: dict[str, Any]
    lead_time: float | None = Field(default=None, description="seconds spent; measured from the lease if omitted")


class EditIn(SubmitIn):
    version: str | None = Field(default=None, max_length=40, description=(
        "the version you are editing (from the annotation or a conflict); refused with 409 if it changed since"))


class DraftIn(RequestModel):
    draft: dict[str, Any]


class AnnotationOut(BaseModel):
    id: int
    task_id: int
    user_id: int | None
    status: str
    review_state: str
    result: dict[str, Any] | None
    lead_time: float | None
    submitted_at: datetime | None
    version: str = Field(description="changes with every change; send it back with an edit")

    @classmethod
    def of(cls, a: Annotation) -> AnnotationOut:
        from crowdset.annotation.submissions import version_of

        return cls(id=a.id, task_id=a.task_id, user_id=a.user_id, status=a.status, review_state=a.review_state,
                   result=a.result, lead_time=a.lead_time, submitted_at=a.submitted_at, version=version_of(a))


class ReviewIn(RequestModel):
    verdict: str = Field(description="accept | reject | fix")
    comment: str = ""
    result: dict[str, Any] | None = Field(default=None, description="the corrected result, for fix")


class ReviewOut(BaseModel):
    id: int
    annotation_id: int
    task_id: int
    verdict: str
    comment: str
    fixed_result: dict[str, Any] | None
    created_at: datetime

    @classmethod
    def of(cls, r: Review) -> ReviewOut:
        return cls.model_validate(r, from_attributes=True)


class ReviewItemOut(BaseModel):
    annotation: AnnotationOut
    task_id: int
    data: dict[str, Any]


class ResolveIn(RequestModel):
    result: dict[str, Any]
    comment: str = ""


class TaskOut(BaseModel):
    id: int
    project_id: int
    external_id: str | None
    data: dict[str, Any]
    is_gold: bool
    gold: dict[str, Any] | None
    priority: int
    state: str
    n_taken: int
    n_done: int
    agreement: float | None
    final: dict[str, Any] | None
    final_method: str | None
    final_confidence: float | None
    created_at: datetime

    @classmethod
    def of(cls, t: Task) -> TaskOut:
        return cls.model_validate(t, from_attributes=True)


class ArbitrationItemOut(BaseModel):
    task: TaskOut
    annotations: list[AnnotationOut]
    consensus: dict[str, Any] | None


class FeedbackOut(BaseModel):
    review: ReviewOut
    project_id: int
    your_result: dict[str, Any] | None


class QualityRunIn(RequestModel):
    method: str = Field(default="ds", description="mv | wmv | ds | onecoin | glad | mace | wawa | zbs")
    control: str | None = Field(default=None, description="one classification control; all when omitted")


class QualityRunOut(BaseModel):
    id: int
    method: str
    n_tasks: int
    n_labels: int
    n_finalised: int
    agreement: dict[str, Any]
    workers: list[dict[str, Any]]
    label_issues: list[dict[str, Any]]
    created_at: datetime


class QualityOut(BaseModel):
    latest: QualityRunOut | None
    history: list[QualityPoint]
