"""Catalogue tables: datasets, their immutable versions, evaluation runs and re-review history.

A dataset's rating, reserve tier and rating validity are denormalised onto the dataset row so the
catalogue can filter and sort on them; they are only ever written by ``datasets.rating`` (which
appends the ledger entry for every change), never by an update request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crowdset.db import Base, UTCDateTime, utcnow

DATASET_KINDS = ("general", "industry-general", "industry-specific")
SECURITY_LEVELS = ("general", "important", "core")  # 一般数据 / 重要数据 / 核心数据 (GB/T 43697-2024)
SECURITY_LEVEL_ZH = {"general": "一般数据", "important": "重要数据", "core": "核心数据"}
SUPPLY_MODES = ("free", "custom", "paid", "pairing")
DATASET_STATUSES = ("draft", "published", "suspended")
TIERS = ("none", "basic", "featured", "strategic")
GRADES = ("A", "B", "C", "D")
VERSION_FORMATS = ("jsonl", "csv", "parquet", "tc609")
EVALUATION_STATES = ("queued", "running", "succeeded", "failed")

# PostgreSQL keeps a tsvector of the search tokens (GIN-indexed); SQLite leaves it NULL and searches
# ``search_text`` (see datasets/search.py for why not FTS5).
SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (
        Index("ix_datasets_org_id_id", "org_id", "id"),
        Index("ix_datasets_search_tsv", "search_tsv", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default="general")
    modality: Mapped[str] = mapped_column(String(40), default="")
    licence: Mapped[str] = mapped_column(String(200), default="")
    security_level: Mapped[str] = mapped_column(String(10), default="general")
    supply_mode: Mapped[str] = mapped_column(String(10), default="free")
    source: Mapped[str] = mapped_column(Text, default="")
    collection_method: Mapped[str] = mapped_column(Text, default="")
    annotation_method: Mapped[str] = mapped_column(Text, default="")
    use_cases: Mapped[str] = mapped_column(Text, default="")
    limitations: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    # Further documentation the quality model reads (0101–0104 keys such as processing, annotation_spec,
    # evaluation_method, benchmark, cases) and evaluator hints (record_schema, labels, fields, ...).
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    suspended_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    rating: Mapped[str | None] = mapped_column(String(1), nullable=True)
    rating_evaluation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rating_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    reserve_tier: Mapped[str] = mapped_column(String(10), default="none")
    strategic_designated: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_tsv: Mapped[Any] = mapped_column(SearchVector, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DatasetVersion(Base):
    """Immutable once written: a new file is a new version."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "version", name="uq_dataset_versions_dataset_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(50))
    format: Mapped[str] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{name, sha256, size, media_type}]
    source_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"),
                                                          nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Evaluation(Base):
    __tablename__ = "dataset_evaluations"
    __table_args__ = (Index("ix_dataset_evaluations_version", "version_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    grade: Mapped[str | None] = mapped_column(String(1), nullable=True)
    dimensions: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(String(20), default="request")  # request | rereview
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReReview(Base):
    """One due re-review and what came of it (history behind the dynamic rating)."""

    __tablename__ = "dataset_rereviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))  # kept | demoted | promoted | suspended
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_evaluations.id", ondelete="SET NULL"),
                                                      nullable=True)
    old_rating: Mapped[str | None] = mapped_column(String(1), nullable=True)
    new_rating: Mapped[str | None] = mapped_column(String(1), nullable=True)
    old_tier: Mapped[str] = mapped_column(String(10))
    new_tier: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
