"""Imports every domain's tables so ``Base.metadata`` is complete (Alembic, tests)."""

from crowdset.annotation.models import (
    Annotation,
    Prediction,
    Project,
    ProjectMember,
    QualityRun,
    Review,
    Task,
)
from crowdset.auth.models import ApiToken, LoginAttempt, Org, User, UserRole, WebSession
from crowdset.blobs.models import Blob
from crowdset.datasets.models import Dataset, DatasetVersion, Evaluation, ReReview
from crowdset.db import Base
from crowdset.jobs.models import Job
from crowdset.ledger.models import LedgerEntry

__all__ = ["Base", "Project", "ProjectMember", "Task", "Annotation", "Review", "Prediction", "QualityRun", "Blob",
           "Org", "User", "UserRole", "ApiToken", "WebSession", "LoginAttempt", "LedgerEntry", "Job", "Dataset",
           "DatasetVersion", "Evaluation", "ReReview"]
