"""One check of every request's text before any handler runs, installed as a global dependency of
the apps (crowdset.app), so a route added tomorrow is covered without doing anything.

What is refused, and why, is decided in crowdset.safetext: lone surrogates, NUL characters, NaN and
Infinity, JSON nested too deeply. Each is a 422 naming the field. Checked: path and query parameters,
the JSON body a route declares (already parsed by FastAPI: no second parse), the form fields FastAPI
parsed for a route declaring them, and URL-encoded forms a page reads itself (the log-in form) when the
body cap of the path is the small one. A route that reads its own upload (the task import) checks it.

It is also the net under integer path parameters: routes declare ids as ``crowdset.http.types.Id``
(bounded, and documented so), and one that forgot still gets a 422 instead of a driver error."""

from __future__ import annotations

from fastapi import Request
from fastapi import params as fastapi_params
from starlette.datastructures import UploadFile

from crowdset.errors import FieldError, Invalid
from crowdset.http.limits import LIMIT_KEY
from crowdset.http.types import MAX_ID
from crowdset.messages import msg
from crowdset.safetext import json_problems, printable, text_problem
from crowdset.settings import get_settings


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_json(request: Request) -> bool:
    ctype = _content_type(request)
    return ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))


async def _form_problems(request: Request) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, value in (await request.form()).multi_items():  # cached: the handler gets the same form
        text = (value.filename or "") if isinstance(value, UploadFile) else value
        problem = text_problem(name) or text_problem(text)
        if problem:
            errors.append(FieldError(printable(name), problem))
    return errors


async def _body_problems(request: Request) -> list[FieldError]:
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        small = request.scope.get(LIMIT_KEY, 0) <= get_settings().max_body_bytes
        if small and _content_type(request) == "application/x-www-form-urlencoded":
            return await _form_problems(request)  # a page reading its own small form (log-in)
        return []  # the route reads (and checks) its own body, if it has one
    if isinstance(body_field.field_info, fastapi_params.Form):
        return await _form_problems(request)  # parsed by FastAPI already
    raw = await request.body() if _is_json(request) else b""  # FastAPI read and parsed it: both are cached
    if not raw:
        return []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:2]:  # what json.loads took for UTF-16/32
        return [FieldError("body", msg("request.json_utf16"))]
    return [FieldError(path or "body", message) for path, message in json_problems(await request.json())]


def _out_of_key_range(request: Request) -> list[FieldError]:
    dependant = getattr(request.scope.get("route"), "dependant", None)
    errors = []
    for param in getattr(dependant, "path_params", ()):
        raw = request.path_params.get(param.name)
        digits = raw.strip().lstrip("+-") if isinstance(raw, str) else ""
        if param.field_info.annotation is int and digits.isascii() and digits.isdigit():
            if len(digits) > 10 or int(digits) > MAX_ID:
                errors.append(FieldError(param.name, msg("field.id_range", max=MAX_ID)))
    return errors


async def check_input(request: Request) -> None:
    """The global dependency: a 422 listing every bad text, number or nesting in the request."""
    errors: list[FieldError] = []
    for name, value in request.path_params.items():
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            errors.append(FieldError(name, problem))
    errors += _out_of_key_range(request)
    for name, value in request.query_params.multi_items():
        problem = text_problem(name) or text_problem(value)
        if problem:
            errors.append(FieldError(printable(name), problem))
    errors += await _body_problems(request)
    if errors:
        raise Invalid(msg("request.invalid"), errors)
