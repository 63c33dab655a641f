"""Imports every domain's tables so ``Base.metadata`` is complete (Alembic, tests)."""

from crowdset.auth.models import ApiToken, LoginAttempt, Org, User, UserRole, WebSession
from crowdset.db import Base
from crowdset.jobs.models import Job
from crowdset.ledger.models import LedgerEntry

__all__ = ["Base", "Org", "User", "UserRole", "ApiToken", "WebSession", "LoginAttempt", "LedgerEntry", "Job"]
