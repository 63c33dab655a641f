"""API shapes for accounts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from crowdset.auth.models import ApiToken, Org, User
from crowdset.auth.service import MAX_TOKEN_DAYS
from crowdset.http.types import IdField, RequestModel


class OrgIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description="enterprise | institute | university | government")
    region: str = Field(default="", max_length=100)
    credit_code: str | None = Field(default=None, description="18-character unified social credit code")


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    region: str
    credit_code: str | None
    created_at: datetime


class UserIn(RequestModel):
    email: str
    password: str
    display_name: str = ""
    org_id: IdField | None = None
    roles: list[str] = Field(default_factory=lambda: ["annotator"])


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    org_id: int | None
    roles: list[str]
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(id=u.id, email=u.email, display_name=u.display_name, org_id=u.org_id,
                   roles=sorted(u.roles), is_active=u.is_active, created_at=u.created_at)


class TokenIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(default=None, gt=0, le=MAX_TOKEN_DAYS,
                             description="expires after this many days; never when omitted")


class LoginTokenIn(TokenIn):
    email: str
    password: str


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, t: ApiToken) -> TokenOut:
        return cls(id=t.id, name=t.name, prefix=t.prefix, created_at=t.created_at, expires_at=t.expires_at,
                   revoked_at=t.revoked_at)


class NewTokenOut(TokenOut):
    token: str = Field(description="the secret; shown once, store it now")


def org_out(o: Org) -> OrgOut:
    return OrgOut.model_validate(o)
