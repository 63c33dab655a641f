"""Core of label schemas: the error type, the control base model, the kind registry, `LabelSchema`,
`validate_result` and the helpers aggregation needs.

Kinds live in sibling modules and register themselves here, so a plugin adds a kind with
`register_kind` without touching this file (the plugin hook; docs/label-schemas.md).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    model_validator,
)

from crowdset.messages import Message, from_pydantic, msg

ErrorList = list[tuple[str, str]]
"""(path, message) pairs; each message is a ``crowdset.messages.Message`` (a ``str``: its English text)."""


class SchemaError(ValueError):
    """A label schema (or a Label Studio config) is not valid; `.errors` lists (path, message)."""

    def __init__(self, errors: ErrorList) -> None:
        self.errors: ErrorList = list(errors)
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in self.errors) or "invalid label schema")


# ---------------------------------------------------------------------------------------------
# Reusable field types for control models


def _check_label_list(values: list[str]) -> list[str]:
    if not values:
        raise ValueError(msg("schema.labels_empty"))
    seen: set[str] = set()
    for v in values:
        if not v.strip():
            raise ValueError(msg("schema.label_blank"))
        if v in seen:
            raise ValueError(msg("schema.duplicate_label", label=v))
        seen.add(v)
    return values


def _check_scale(values: list[int]) -> list[int]:
    if len(values) != 2:
        raise ValueError(msg("schema.scale_pair"))
    if values[0] >= values[1]:
        raise ValueError(msg("schema.scale_order"))
    return values


LabelList = Annotated[list[str], AfterValidator(_check_label_list)]
"""Non-empty list of distinct, non-blank labels (labels, options, relation names)."""
Scale = Annotated[list[int], AfterValidator(_check_scale)]
"""An integer [min, max] scale with min < max."""
FieldName = Annotated[str, Field(min_length=1, max_length=200)]
"""A key of the task's `data` object."""


class Control(BaseModel):
    """Base of every control model: a named, typed slot in the result.

    Subclasses declare `kind: Literal["..."]` and their own fields. `cross_check` sees every control
    of the schema, for references between controls (relations -> spans).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w][\w.:-]*$")
    kind: str
    required: bool = True
    title: str | None = None
    help: str | None = None
    _label_set: frozenset[str] = PrivateAttr(default=frozenset())

    def model_post_init(self, context: Any, /) -> None:
        # Cached for result validation, which runs on every submit (controls are frozen).
        self._label_set = frozenset(self.labels_of())

    def cross_check(self, controls: dict[str, Control]) -> Iterable[tuple[str, str]]:
        """Yield (field, message) for references this control makes to other controls."""
        return ()

    def data_fields(self) -> list[str]:
        """The keys of a task's ``data`` this control labels: the editor shows them, so every task of
        the project must carry them (checked on import)."""
        to = getattr(self, "to", None)
        if isinstance(to, str):
            return [to]
        if isinstance(to, list):
            return [f for f in to if isinstance(f, str)]
        return []

    def labels_of(self) -> list[str]:
        """The closed label set of this control (see `control_labels`)."""
        labels = getattr(self, "labels", None)
        return list(labels) if isinstance(labels, list) else []


# ---------------------------------------------------------------------------------------------
# Result validation context


class ResultContext:
    """What a kind validator gets besides its control and value: the whole result, the task data,
    an error sink and the result-wide region id registry (ids are unique inside one result)."""

    __slots__ = ("schema", "result", "data", "errors", "_ids")

    def __init__(self, schema: LabelSchema, result: dict[str, Any], data: dict[str, Any] | None) -> None:
        self.schema = schema
        self.result = result
        self.data = data
        self.errors: ErrorList = []
        self._ids: dict[str, str] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def claim_id(self, path: str, region_id: Any) -> bool:
        """Record a region id; report a missing, non-string or repeated one. True if usable."""
        if not isinstance(region_id, str) or not region_id:
            self.errors.append((path, msg("field.non_empty_string")))
            return False
        first = self._ids.get(region_id)
        if first is not None:
            self.errors.append((path, msg("result.duplicate_region_id", first=first)))
            return False
        self._ids[region_id] = path
        return True

    def data_field(self, path: str, field: str, expected: type | tuple[type, ...]) -> Any:
        """Return data[field] if data was given and holds the expected type; report otherwise.

        Returns None (without error) when no data was given: checks against the task are skipped.
        """
        if self.data is None:
            return None
        if field not in self.data:
            self.errors.append((path, msg("result.data_field_missing", field=field)))
            return None
        value = self.data[field]
        if not isinstance(value, expected):
            self.errors.append((path, msg("result.data_field_type", field=field)))
            return None
        return value


# Small, fast checks shared by kind validators (plain dict/number checks: this runs on every submit).


def is_int(v: Any) -> bool:
    return type(v) is int


def is_num(v: Any) -> bool:
    t = type(v)
    return t is int or (t is float and math.isfinite(v))


def get_list(ctx: ResultContext, path: str, value: dict[str, Any], key: str) -> list[Any] | None:
    """value[key] as a list, or report and return None."""
    items = value.get(key)
    if not isinstance(items, list):
        ctx.error(f"{path}.{key}", msg("field.required_list") if items is None else msg("field.must_be_list"))
        return None
    return items


def check_label(ctx: ResultContext, path: str, label: Any, allowed: frozenset[str] | set[str]) -> None:
    if not isinstance(label, str):
        ctx.error(path, msg("field.required_string") if label is None else msg("field.must_be_string"))
    elif label not in allowed:
        ctx.error(path, msg("result.not_a_label"))


def check_text_range(ctx: ResultContext, path: str, item: Any, text: str | None, *, need_text: bool = True) -> bool:
    """Check {start, end, text} against the task text (offsets in code points). True if sound."""
    if not isinstance(item, dict):
        ctx.error(path, msg("field.must_be_object"))
        return False
    start, end = item.get("start"), item.get("end")
    ok = True
    if not is_int(start) or start < 0:
        ctx.error(f"{path}.start", msg("field.int_non_negative"))
        ok = False
    if not is_int(end):
        ctx.error(f"{path}.end", msg("field.must_be_integer"))
        ok = False
    elif ok and end <= start:
        ctx.error(f"{path}.end", msg("result.end_after_start"))
        ok = False
    frag = item.get("text")
    if frag is None:
        if need_text:
            ctx.error(f"{path}.text", msg("field.required_string"))
            ok = False
    elif not isinstance(frag, str):
        ctx.error(f"{path}.text", msg("field.must_be_string"))
        ok = False
    if ok and text is not None:
        if end > len(text):
            ctx.error(f"{path}.end", msg("result.past_text_end", end=end, length=len(text)))
            return False
        if frag is not None and text[start:end] != frag:
            ctx.error(f"{path}.text", msg("result.text_mismatch", start=start, end=end))
            return False
    return ok


def check_scale_value(ctx: ResultContext, path: str, v: Any, lo: int, hi: int) -> None:
    if not is_int(v):
        ctx.error(path, msg("field.required_integer") if v is None else msg("field.must_be_integer"))
    elif not lo <= v <= hi:
        ctx.error(path, msg("field.between", min=lo, max=hi))


# ---------------------------------------------------------------------------------------------
# Registry

ResultValidator = Callable[[Any, dict[str, Any], str, ResultContext], None]
"""validator(control, value, path, ctx): report problems of one control's value via ctx.error."""
Classifier = Callable[[Any, dict[str, Any]], Hashable]
"""classify(control, value) -> a hashable label for agreement/aggregation."""


@dataclass(frozen=True)
class KindSpec:
    name: str
    control_model: type[Control]
    validator: ResultValidator
    classify: Classifier | None = None
    labels: Callable[[Any], list[str]] | None = None


_REGISTRY: dict[str, KindSpec] = {}


def register_kind(
    name: str,
    control_model: type[Control],
    validator: ResultValidator,
    *,
    classify: Classifier | None = None,
    labels: Callable[[Any], list[str]] | None = None,
    replace: bool = False,
) -> KindSpec:
    """Add a kind: its pydantic control model, its result validator and optional helpers.

    `classify` makes the kind usable by `classification_value`; `labels` overrides
    `control_labels` (default: the control's `labels` field). Re-registering needs `replace=True`
    so two plugins cannot silently shadow each other.
    """
    if name in _REGISTRY and not replace:
        raise ValueError(f"label kind {name!r} is already registered")
    if not (isinstance(control_model, type) and issubclass(control_model, Control)):
        raise TypeError("control_model must be a subclass of Control")
    spec = KindSpec(name, control_model, validator, classify, labels)
    _REGISTRY[name] = spec
    return spec


def unregister_kind(name: str) -> None:
    """Remove a kind (tests and plugin unloading)."""
    _REGISTRY.pop(name, None)


def get_kind(name: str) -> KindSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown label kind {name!r}") from None


def registered_kinds() -> list[str]:
    return list(_REGISTRY)


# ---------------------------------------------------------------------------------------------
# Schema


def _loc_to_path(prefix: str, loc: tuple[Any, ...]) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and not part.startswith(("function-", "list[", "literal[")):
            out += f".{part}" if out else part
    return out


def _message(err: dict[str, Any]) -> Message:
    if err.get("type") == "missing":
        return msg("field.required")
    if err.get("type") == "extra_forbidden":
        return msg("field.unknown_field")
    return from_pydantic(err)


def _parse_control(raw: Any, path: str, errors: ErrorList) -> Control | None:
    if isinstance(raw, Control):
        return raw
    if not isinstance(raw, dict):
        errors.append((path, msg("field.must_be_object")))
        return None
    kind = raw.get("kind")
    if kind is None:
        errors.append((f"{path}.kind", msg("field.required")))
        return None
    if not isinstance(kind, str) or kind not in _REGISTRY:
        errors.append((f"{path}.kind", msg("schema.unknown_kind", kind=kind, known=sorted(_REGISTRY))))
        return None
    try:
        return _REGISTRY[kind].control_model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            errors.append((_loc_to_path(path, err["loc"]), _message(err)))
        return None


def _parse_controls(obj: Any) -> list[Control]:
    """Validate a raw schema into control instances or raise SchemaError with every problem."""
    errors: ErrorList = []
    if isinstance(obj, LabelSchema):
        obj = {"controls": list(obj.controls)}
    if not isinstance(obj, dict):
        raise SchemaError([("", msg("schema.not_object"))])
    for key in obj:
        if key != "controls":
            errors.append((str(key), msg("field.unknown_field")))
    raw_controls = obj.get("controls")
    if not isinstance(raw_controls, list):
        errors.append(("controls", msg("field.required_list") if raw_controls is None else msg("field.must_be_list")))
        raise SchemaError(errors)
    if not raw_controls:
        errors.append(("controls", msg("schema.no_controls")))
    controls: list[Control] = []
    by_name: dict[str, Control] = {}
    index_of: dict[str, int] = {}
    for i, raw in enumerate(raw_controls):
        control = _parse_control(raw, f"controls[{i}]", errors)
        if control is None:
            continue
        if control.name in by_name:
            errors.append((f"controls[{i}].name", msg("schema.duplicate_control", name=control.name,
                                                      index=index_of[control.name])))
            continue
        by_name[control.name] = control
        index_of[control.name] = i
        controls.append(control)
    for control in controls:
        i = index_of[control.name]
        for field, message in control.cross_check(by_name):
            errors.append((f"controls[{i}].{field}" if field else f"controls[{i}]", message))
    if errors:
        raise SchemaError(errors)
    return controls


class LabelSchema(BaseModel):
    """A project's label schema: an ordered list of uniquely named controls.

    Build with `LabelSchema.parse(obj)` to get a `SchemaError` whose paths name the field
    (`controls[2].labels`); `LabelSchema.model_validate` works too (pydantic wraps the message).
    """

    model_config = ConfigDict(extra="forbid")

    controls: list[SerializeAsAny[Control]]
    _by_name: dict[str, Control] = PrivateAttr(default_factory=dict)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        # Document controls as "one of the registered kinds" rather than the bare base class, so
        # OpenAPI clients see each kind's fields.
        json_schema = handler.resolve_ref_schema(handler(core_schema))
        kinds = [handler(spec.control_model.__pydantic_core_schema__) for spec in _REGISTRY.values()]
        json_schema["properties"]["controls"]["items"] = {"oneOf": kinds}
        return json_schema

    @model_validator(mode="before")
    @classmethod
    def _dispatch(cls, data: Any) -> Any:
        return {"controls": _parse_controls(data)}

    def model_post_init(self, context: Any, /) -> None:
        self._by_name = {c.name: c for c in self.controls}

    @functools.cached_property
    def data_fields(self) -> dict[str, str]:
        """Every task ``data`` key some control labels, with the first control that labels it (cached:
        the import checks it on every row)."""
        fields: dict[str, str] = {}
        for c in self.controls:
            for f in c.data_fields():
                fields.setdefault(f, c.name)
        return fields

    @classmethod
    def parse(cls, obj: Any) -> LabelSchema:
        """Validate a schema dict; raise SchemaError listing every (path, message)."""
        return cls._from_controls(_parse_controls(obj))

    @classmethod
    def _from_controls(cls, controls: list[Control]) -> LabelSchema:
        schema = cls.model_construct(controls=controls)
        schema.model_post_init(None)
        return schema

    def control(self, name: str) -> Control:
        """The control called `name` (KeyError if none)."""
        return self._by_name[name]

    def get(self, name: str) -> Control | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.controls]


# ---------------------------------------------------------------------------------------------
# Results


def validate_result(schema: LabelSchema, result: Any, data: dict[str, Any] | None = None) -> ErrorList:
    """Check one annotation result against the schema (and the task data when given).

    Returns (path, message) pairs; an empty list means valid. Paths start at the control name,
    e.g. `entities.spans[3].text`. Checks against the task (offsets in the text, ids of ranked
    responses, step counts) are skipped when `data` is None.
    """
    if not isinstance(result, dict):
        return [("", msg("result.not_object"))]
    ctx = ResultContext(schema, result, data)
    by_name = schema._by_name
    for key in result:
        if key not in by_name:
            ctx.error(str(key), msg("result.unknown_control"))
    for control in schema.controls:
        name = control.name
        value = result.get(name)
        if value is None:
            if control.required:
                ctx.error(name, msg("field.required"))
            continue
        if not isinstance(value, dict):
            ctx.error(name, msg("field.must_be_object"))
            continue
        _REGISTRY[control.kind].validator(control, value, name, ctx)
    return ctx.errors


def control_labels(control: Control) -> list[str]:
    """The closed set of labels a control can give (options, labels, relation names, verdicts...).

    Empty for open-ended kinds (transcription, ranking: its items come from the task)."""
    spec = _REGISTRY.get(control.kind)
    if spec is not None and spec.labels is not None:
        return list(spec.labels(control))
    return control.labels_of()


def classification_value(schema: LabelSchema, result: dict[str, Any]) -> dict[str, Hashable]:
    """A hashable label per classifiable control present in the result, for agreement/aggregation.

    choices: the option (single) or a sorted tuple of options (multiple); rating: the int;
    pairwise: "left"/"right"/"tie"; ranking: the tuple of ids, best first. Kinds without a
    classifier and controls absent from the result are left out. Raises ValueError on a value of
    the wrong shape (results are validated on submit, so that is a bug worth surfacing).
    """
    out: dict[str, Hashable] = {}
    for control in schema.controls:
        value = result.get(control.name)
        if value is None:
            continue
        spec = _REGISTRY.get(control.kind)
        if spec is None or spec.classify is None:
            continue
        if not isinstance(value, dict):
            raise ValueError(f"{control.name}: must be an object")
        out[control.name] = spec.classify(control, value)
    return out
