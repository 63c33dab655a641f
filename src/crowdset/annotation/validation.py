"""Checking results and tasks against a project's schema, with errors that name the field."""

from __future__ import annotations

from typing import Any

from crowdset.annotation.label_schema import LabelSchema, validate_result
from crowdset.annotation.models import Project
from crowdset.annotation.projects import parse_schema
from crowdset.errors import FieldError, Invalid
from crowdset.messages import msg

_SCHEMAS: dict[tuple[int, str], LabelSchema] = {}


def schema_of(project: Project) -> LabelSchema:
    """Parsed schema, cached per project and schema content (it is parsed on every submit)."""
    import json

    key = (project.id, json.dumps(project.label_schema, sort_keys=True))
    cached = _SCHEMAS.get(key)
    if cached is None:
        if len(_SCHEMAS) > 256:
            _SCHEMAS.clear()
        cached = _SCHEMAS[key] = parse_schema(project.label_schema)
    return cached


def result_errors(schema: LabelSchema, result: Any, data: dict[str, Any] | None, field: str = "result",
                  row: int | None = None) -> list[FieldError]:
    if not isinstance(result, dict):
        return [FieldError(field, msg("result.object_by_control"), row)]
    return [FieldError(f"{field}.{path}" if path else field, msg, row)
            for path, msg in validate_result(schema, result, data)]


def check_result(project: Project, result: Any, data: dict[str, Any] | None, field: str = "result") -> None:
    errors = result_errors(schema_of(project), result, data, field)
    if errors:
        raise Invalid(msg("result.does_not_fit"), errors)
