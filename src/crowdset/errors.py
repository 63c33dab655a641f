"""Domain errors. Services raise these; the API turns them into RFC 9457 problems and the CLI
into a message and a non-zero exit, so both speak the same words.

Their texts are messages by code (``crowdset.messages``): ``Invalid(msg("project.settings_invalid"),
[FieldError("overlap", msg("field.int_range", min=1, max=100))])``. ``detail`` and ``message`` stay the
English text (a ``Message`` is a ``str``), for logs and callers that print them; ``code`` and ``params``
say what to render in the reader's language (``text(locale)``, ``as_dict(locale)``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crowdset.messages import CATALOGUE, Message, msg, params_json, text


@dataclass
class FieldError:
    field: str
    message: str  # a Message; plain text is taken as the legacy code "text" (not translated)
    row: int | None = None  # 1-based line or row for bulk input

    def __post_init__(self) -> None:
        self.message = text(self.message)

    @property
    def code(self) -> str:
        return self.message.code  # type: ignore[attr-defined]

    @property
    def params(self) -> dict[str, Any]:
        return self.message.params  # type: ignore[attr-defined]

    def text(self, locale: str | None = None) -> str:
        return self.message.render(locale)  # type: ignore[attr-defined]

    def as_dict(self, locale: str | None = None) -> dict[str, Any]:
        """The error as the API sends it and a job stores it: the text in ``locale`` (English by
        default), its code and parameters, and the row when it has one."""
        d: dict[str, Any] = {"field": self.field, "message": self.text(locale), "code": self.code,
                             "params": params_json(self.params)}
        if self.row is not None:
            d["row"] = self.row
        return d


@dataclass
class CrowdsetError(Exception):
    detail: str  # a Message; plain text is taken as the legacy code "text" (not translated)
    errors: list[FieldError] = field(default_factory=list)
    # Extension members of the problem body (RFC 9457 §3.2), e.g. the current version on a conflict.
    extra: dict[str, Any] = field(default_factory=dict)
    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __post_init__(self) -> None:
        self.detail = text(self.detail)

    @property
    def code(self) -> str:
        return self.detail.code  # type: ignore[attr-defined]

    @property
    def params(self) -> dict[str, Any]:
        return self.detail.params  # type: ignore[attr-defined]

    def text(self, locale: str | None = None) -> str:
        """The detail in ``locale`` (English by default)."""
        return self.detail.render(locale)  # type: ignore[attr-defined]

    def title_text(self, locale: str | None = None) -> str:
        code = f"title.{self.slug}"
        return msg(code).render(locale) if code in CATALOGUE else self.title

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


def invalid(field_name: str, code: str, detail: str | None = None, /, **params: Any) -> Invalid:
    """A 422 naming one field: ``invalid("format", "field.one_of", choices=FORMATS)``. ``code`` may also
    be a ``Message`` already made (then without ``params``); ``detail`` defaults to "<field>: <message>".
    Text that is not a code is taken as legacy free text (tests/test_messages.py finds none left)."""
    if isinstance(code, Message):
        message = code
    elif code in CATALOGUE:
        message = msg(code, **params)
    else:
        message = text(code)
    return Invalid(detail or msg("error.field", field=field_name, message=message), [FieldError(field_name, message)])
