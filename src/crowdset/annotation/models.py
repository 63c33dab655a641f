"""Annotation tables: projects, members, tasks, annotations (with their lease), reviews, predictions.

An annotation row is created when the scheduler leases a task to a user, and the same row carries
the draft, the submitted result, a skip, or an expiry. One row per (task, user) makes "never give
a user a task twice" a unique index instead of a query, and the task's counters (`n_taken`:
active leases + submitted; `n_done`: submitted and not rejected) keep /next an index walk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdset.db import Base, UTCDateTime, utcnow

PROJECT_STATUSES = ("draft", "active", "paused", "finished")
REVIEW_POLICIES = ("none", "sample", "all")
PROJECT_ROLES = ("manager", "annotator", "reviewer", "expert")
# Task states: open (collecting annotations) -> review (waiting for reviewers) or arbitration
# (annotators disagree) -> done (final result set).
TASK_STATES = ("open", "review", "arbitration", "done")
# Annotation states: leased -> submitted | skipped | expired; submitted -> rejected by review.
ANNOTATION_STATES = ("leased", "submitted", "skipped", "expired", "rejected")
REVIEW_STATES = ("none", "pending", "accepted", "rejected", "fixed")
VERDICTS = ("accept", "reject", "fix")


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    label_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    overlap: Mapped[int] = mapped_column(Integer, default=1)
    gold_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    review_policy: Mapped[str] = mapped_column(String(10), default="none")
    review_sample: Mapped[float] = mapped_column(Float, default=0.0)  # fraction, for policy "sample"
    agreement_threshold: Mapped[float] = mapped_column(Float, default=0.0)  # below -> expert arbitration
    lease_seconds: Mapped[int] = mapped_column(Integer, default=1800)
    gold_floor: Mapped[float | None] = mapped_column(Float, nullable=True)  # min gold accuracy to keep working
    tokenizer: Mapped[str | None] = mapped_column(String(40), nullable=True)  # CoNLL export; default: chars
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProjectMember(Base):
    __tablename__ = "project_members"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(12), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_project_id_id", "project_id", "id"),
        Index("ix_tasks_project_external", "project_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    gold: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12), default="open")
    n_taken: Mapped[int] = mapped_column(Integer, default=0)  # active leases + submitted (not rejected)
    n_done: Mapped[int] = mapped_column(Integer, default=0)  # submitted, not rejected
    final: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    final_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    final_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    final_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    agreement: Mapped[float | None] = mapped_column(Float, nullable=True)
    import_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# /next walks this index in order: highest priority, then least annotated, then oldest.
Index("ix_tasks_queue", Task.project_id, Task.is_gold, Task.state, Task.priority.desc(), Task.n_taken, Task.id)


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id", name="uq_annotations_task_user"),
        Index("ix_annotations_leases", "project_id", "status", "leased_until"),
        Index("ix_annotations_user", "project_id", "user_id", "status"),
        Index("ix_annotations_review", "project_id", "review_state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="leased")
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    lead_time: Mapped[float | None] = mapped_column(Float, nullable=True)  # seconds from lease to submit
    review_state: Mapped[str] = mapped_column(String(10), default="none")
    gold_correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="crowd")  # crowd | import
    imported_annotator: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Read-only: the scheduler attaches the task it picked so showing the lease needs no second query.
    task: Mapped[Task] = relationship(viewonly=True)


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    verdict: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    fixed_result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Prediction(Base):
    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QualityRun(Base):
    """One quality-control run over a project: consensus method, agreement and annotator scores.
    Kept per run so their history can be plotted."""

    __tablename__ = "quality_runs"
    __table_args__ = (Index("ix_quality_runs_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20))
    n_tasks: Mapped[int] = mapped_column(Integer, default=0)
    n_labels: Mapped[int] = mapped_column(Integer, default=0)
    n_finalised: Mapped[int] = mapped_column(Integer, default=0)
    agreement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    workers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    label_issues: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
