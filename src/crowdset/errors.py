"""Domain errors. Services raise these; the API turns them into RFC 9457 problems and the CLI
into a message and a non-zero exit, so both speak the same words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    message: str
    row: int | None = None  # 1-based line or row for bulk input

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.row is not None:
            d["row"] = self.row
        return d


@dataclass
class CrowdsetError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    # Extension members of the problem body (RFC 9457 §3.2), e.g. the current version on a conflict.
    extra: dict[str, Any] = field(default_factory=dict)
    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        lines = [self.detail] + [
            f"  {'row ' + str(e.row) + ': ' if e.row is not None else ''}{e.field}: {e.message}" for e in self.errors
        ]
        return "\n".join(lines)


class Invalid(CrowdsetError):
    status, title, slug = 422, "Invalid input", "invalid"


class NotFound(CrowdsetError):
    status, title, slug = 404, "Not found", "not-found"


class Unauthorized(CrowdsetError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(CrowdsetError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Conflict(CrowdsetError):
    status, title, slug = 409, "Conflict", "conflict"


class TooLarge(CrowdsetError):
    status, title, slug = 413, "Request body too large", "too-large"


@dataclass
class Throttled(CrowdsetError):
    retry_after: int = 60
    status, title, slug = 429, "Too many attempts", "throttled"


def invalid(field_name: str, message: str, detail: str | None = None) -> Invalid:
    return Invalid(detail or f"{field_name}: {message}", [FieldError(field_name, message)])
