"""Error and validation messages by code, so the API, the job resource, the pages and the command line
say the same thing in the reader's language (Simplified Chinese or English).

Every message a service, engine or edge check gives a user is a CODE with named PARAMETERS:
``msg("field.one_of", choices=["jsonl", "csv"])``. ``CATALOGUE`` maps each code to its English template
(``str.format`` style, ``{name}`` placeholders); the Chinese templates live in the Babel catalogue
``locales/zh_CN/LC_MESSAGES/errors.po`` with ``msgctxt`` = the code and ``msgid`` = the English
template, so a lookup is by code and an English edit shows up as an untranslated entry
(``scripts/i18n.py`` keeps ``errors.po`` of both locales in step with ``CATALOGUE``).

A ``Message`` is a ``str``: its value is the English text, so logs, ``str(exc)``, existing callers and
tests comparing texts keep working, while ``.code`` and ``.params`` travel with it for rendering in
another language (``render``) and for API clients that build their own text.

Parameters are JSON values (they go out in problems and are stored in job results): text, numbers,
booleans, null, lists (joined with the locale's separator when rendered) and nested messages (stored
as ``{"code": ..., "params": ...}``). Free text from a library (a JSON decoder's reason, an OS error)
is passed as a parameter and stays as it is inside the localized sentence.
"""

from __future__ import annotations

import string
from typing import Any

from crowdset.i18n import translations

ENGLISH = "en"
LEGACY = "text"
"""The code of a message given as free text (``{text}``): accepted during the move to codes only;
tests/test_messages.py finds none left in the source."""

CATALOGUE: dict[str, str] = {
    LEGACY: "{text}",
    # ---- problem titles (the ``title`` of an RFC 9457 problem, by its type's slug)
    "title.bad-request": "Bad request",
    "title.invalid": "Invalid input",
    "title.not-found": "Not found",
    "title.unauthorized": "Authentication required",
    "title.forbidden": "Forbidden",
    "title.conflict": "Conflict",
    "title.too-large": "Request body too large",
    "title.throttled": "Too many attempts",
    "title.bad-body": "Unreadable request body",
    "title.method-not-allowed": "Method Not Allowed",
    "title.ledger-key-unavailable": "Ledger key unavailable",
    # ---- how a problem's detail names one field
    "error.field": "{field}: {message}",
    # ---- generic field messages
    "field.required": "required",
    "field.one_of": "one of {choices}",
    "field.must_be_object": "must be an object",
    "field.must_be_list": "must be a list",
    "field.must_be_string": "must be a string",
    "field.must_be_integer": "must be an integer",
    "field.required_list": "required list",
    "field.required_string": "required string",
    "field.required_integer": "required integer",
    "field.required_number": "required number",
    "field.required_object": "required object",
    "field.must_be_number": "must be a number",
    "field.unknown_field": "unknown field",
    "field.not_editable": "not an editable field",
    "field.at_most_chars": "at most {max} characters",
    "field.a_string": "a string",
    "field.id_range": "an id from 1 to {max}",
    "field.between": "must be between {min} and {max}",
    # ---- the request as a whole (crowdset.http)
    "request.invalid": "the request is not valid; see errors",
    "request.json_required": "a JSON body is required",
    "request.json_invalid_at": "not valid JSON: {reason} at character {position}",
    "request.json_invalid_reason": "not valid JSON: {reason}",
    "request.not_utf8": "not valid UTF-8 (byte 0x{byte} at position {position}); JSON must be UTF-8",
    "request.json_utf16": "JSON must be UTF-8 (this looks like UTF-16 or UTF-32)",
    "request.nested_too_deeply": "nested too deeply",
    "request.at_most_bytes": "at most {limit} bytes",
    "request.body_too_large": "the request body exceeds {limit} bytes",
    "request.not_found": "Not Found",
    "request.method_not_allowed": "Method Not Allowed",
    "request.http_error": "{text}",
    "request.cursor": "not a cursor returned by this API",
    "request.limit": "must be between 1 and {max}",
    "request.utc_range": "out of range once converted to UTC",
    # ---- messages of pydantic (FastAPI's request checks, label schema controls), by pydantic's error type;
    # used only where pydantic's own English text is exactly the template (else "pydantic" with its text)
    "pydantic": "{text}",
    "pydantic.missing": "Field required",
    "pydantic.extra_forbidden": "Extra inputs are not permitted",
    "pydantic.int_type": "Input should be a valid integer",
    "pydantic.int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "pydantic.int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "pydantic.float_type": "Input should be a valid number",
    "pydantic.float_parsing": "Input should be a valid number, unable to parse string as a number",
    "pydantic.string_type": "Input should be a valid string",
    "pydantic.bool_type": "Input should be a valid boolean",
    "pydantic.bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "pydantic.list_type": "Input should be a valid list",
    "pydantic.dict_type": "Input should be a valid dictionary",
    "pydantic.model_type": "Input should be a valid dictionary or instance of {class_name}",
    "pydantic.model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "pydantic.greater_than": "Input should be greater than {gt}",
    "pydantic.greater_than_equal": "Input should be greater than or equal to {ge}",
    "pydantic.less_than": "Input should be less than {lt}",
    "pydantic.less_than_equal": "Input should be less than or equal to {le}",
    "pydantic.string_too_short": "String should have at least {min_length} characters",
    "pydantic.string_too_long": "String should have at most {max_length} characters",
    "pydantic.too_short": "List should have at least {min_length} items after validation, not {actual_length}",
    "pydantic.too_long": "List should have at most {max_length} items after validation, not {actual_length}",
    "pydantic.string_pattern_mismatch": "String should match pattern '{pattern}'",
    "pydantic.literal_error": "Input should be {expected}",
    "pydantic.enum": "Input should be {expected}",
    "pydantic.datetime_type": "Input should be a valid datetime",
    "pydantic.datetime_from_date_parsing": "Input should be a valid datetime or date, {error}",
    "pydantic.datetime_parsing": "Input should be a valid datetime, {error}",
    "pydantic.finite_number": "Input should be a finite number",
    "pydantic.json_invalid": "Invalid JSON: {error}",
    # ---- what stored text may not contain (crowdset.safetext)
    "text.lone_surrogate": "contains a lone surrogate (not a Unicode character)",
    "text.nul": "contains a NUL character",
    "text.key_problem": "the key {problem}",
    "text.not_finite": "not a finite number (JSON has no NaN or Infinity)",
    "text.nested_deeper": "nested deeper than {max} levels",
}


class Message(str):
    """A message by code: the ``str`` value is its English text; ``code`` and ``params`` let it be
    rendered in another language (``render``) or sent to a client that builds its own text."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, params: dict[str, Any] | None = None) -> Message:
        template = CATALOGUE.get(code)
        if template is None:
            raise KeyError(f"unknown message code {code!r} (add it to crowdset.messages.CATALOGUE)")
        params = dict(params or {})
        self = super().__new__(cls, _fill(template, params, ENGLISH))
        self.code, self.params = code, params
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (a job's exception) keeps the code
        return (Message, (self.code, self.params))

    def render(self, locale: str | None) -> str:
        """The text in ``locale`` (English for None or an unknown locale)."""
        return render(self.code, self.params, locale)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": params_json(self.params)}


def msg(code: str, /, **params: Any) -> Message:
    """The message ``code`` with its parameters (``KeyError`` for a code not in ``CATALOGUE``)."""
    return Message(code, params)


def text(value: str) -> Message:
    """Free text as a message of the legacy code (no translation). Only for the move to codes."""
    return value if isinstance(value, Message) else Message(LEGACY, {"text": str(value)})


def params_json(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values: nested messages become ``{"code", "params"}``, tuples lists."""
    return {k: _json_value(v) for k, v in params.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def from_json(code: str | None, params: dict[str, Any] | None, fallback: str = "") -> Message:
    """The message a stored ``code`` and ``params`` (a job result) stand for; ``fallback`` as free text
    when there is no code or it is no longer in the catalogue (a job stored before a code changed)."""
    if not code or code not in CATALOGUE:
        return text(fallback)
    try:
        return Message(code, {k: _from_json_value(v) for k, v in (params or {}).items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return text(fallback)


def _from_json_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"code", "params"} and value["code"] in CATALOGUE:
        return Message(value["code"], {k: _from_json_value(v) for k, v in (value["params"] or {}).items()})
    return value


def _separator(locale: str) -> str:
    return "、" if locale.startswith("zh") else ", "


def _param_text(value: Any, locale: str) -> Any:
    if isinstance(value, Message):
        return value.render(locale) if locale != ENGLISH else str(value)
    if isinstance(value, list | tuple):
        return _separator(locale).join(str(_param_text(v, locale)) for v in value)
    return value


class _Params(dict):  # type: ignore[type-arg]
    """A placeholder without a parameter stays as it is rather than failing the whole message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def _fill(template: str, params: dict[str, Any], locale: str) -> str:
    values = _Params({k: _param_text(v, locale) for k, v in params.items()})
    try:
        return _FORMATTER.vformat(template, (), values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):  # a bad format spec for a value
        return template


def template(code: str, locale: str | None) -> str:
    """The template of ``code`` in ``locale``: the catalogue's English, or the locale's ``errors.po``
    text (falling back to English where the locale has none yet)."""
    english = CATALOGUE[code]
    if not locale or locale == ENGLISH:
        return english
    return translations(locale).pgettext(code, english) or english


def render(code: str, params: dict[str, Any] | None, locale: str | None) -> str:
    """The message ``code`` with ``params`` in ``locale`` (unknown codes render their parameters' text)."""
    if code not in CATALOGUE:
        return str((params or {}).get("text", code))
    return _fill(template(code, locale), dict(params or {}), locale or ENGLISH)


def placeholders(template_text: str) -> set[str]:
    """The parameter names a template uses (for the catalogue's tests)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in _FORMATTER.parse(template_text) if name}


PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def from_pydantic(error: dict[str, Any]) -> Message:
    """A pydantic error (FastAPI's request checks, a control model) as a message: by its type when the
    catalogue's English template gives exactly pydantic's text, else pydantic's text as it is (a value
    error raised by our own validators is already a ``Message``)."""
    text_ = str(error.get("msg", "invalid"))
    for prefix in PYDANTIC_PREFIXES:
        text_ = text_.removeprefix(prefix)
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, Exception) and cause.args and isinstance(cause.args[0], Message):
        return cause.args[0]
    code = f"pydantic.{error.get('type')}"
    if code in CATALOGUE:
        params = {k: v if isinstance(v, int | float | bool) or v is None else str(v) for k, v in ctx.items()}
        candidate = Message(code, params)
        if str(candidate) == text_:
            return candidate
    return Message("pydantic", {"text": text_})
