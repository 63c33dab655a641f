"""Text kinds: spans (NER), relations between spans, free transcription, knowledge-graph triples."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field, field_validator

from crowdset.annotation.label_schema._core import (
    Control,
    FieldName,
    LabelList,
    ResultContext,
    check_label,
    check_text_range,
    get_list,
    register_kind,
)
from crowdset.messages import msg


class SpansControl(Control):
    """Label character ranges of the text in data[to] (named entities, aspects, ...)."""

    kind: Literal["spans"] = "spans"
    to: FieldName
    labels: LabelList


def _validate_spans(control: SpansControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    spans = get_list(ctx, path, value, "spans")
    if spans is None:
        return
    text = ctx.data_field(path, control.to, str)
    allowed = control._label_set
    for i, span in enumerate(spans):
        p = f"{path}.spans[{i}]"
        if not check_text_range(ctx, p, span, text) and not isinstance(span, dict):
            continue
        ctx.claim_id(f"{p}.id", span.get("id"))
        check_label(ctx, f"{p}.label", span.get("label"), allowed)


class RelationsControl(Control):
    """Directed, labelled links between spans of the spans control named in `spans`."""

    kind: Literal["relations"] = "relations"
    labels: LabelList
    spans: str = Field(min_length=1)

    def cross_check(self, controls: dict[str, Control]) -> Iterable[tuple[str, str]]:
        target = controls.get(self.spans)
        if target is None:
            yield "spans", msg("schema.no_control", name=self.spans)
        elif target.kind != "spans":
            yield "spans", msg("schema.not_spans", name=self.spans, kind=target.kind)


def _validate_relations(control: RelationsControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    relations = get_list(ctx, path, value, "relations")
    if relations is None:
        return
    ids: set[str] = set()
    spans_value = ctx.result.get(control.spans)
    if isinstance(spans_value, dict) and isinstance(spans_value.get("spans"), list):
        ids = {s["id"] for s in spans_value["spans"] if isinstance(s, dict) and isinstance(s.get("id"), str)}
    allowed = control._label_set
    for i, rel in enumerate(relations):
        p = f"{path}.relations[{i}]"
        if not isinstance(rel, dict):
            ctx.error(p, msg("field.must_be_object"))
            continue
        ends = (rel.get("from"), rel.get("to"))
        for key, end in zip(("from", "to"), ends, strict=True):
            if not isinstance(end, str):
                ctx.error(f"{p}.{key}", msg("result.span_id_required") if end is None else msg("result.span_id"))
            elif end not in ids:
                ctx.error(f"{p}.{key}", msg("result.not_a_span", control=control.spans))
        if isinstance(ends[0], str) and ends[0] == ends[1]:
            ctx.error(f"{p}.to", msg("result.self_relation"))
        check_label(ctx, f"{p}.label", rel.get("label"), allowed)


class TranscriptionControl(Control):
    """Free text about the whole item: an audio transcript, OCR of an image, a rewrite of a text."""

    kind: Literal["transcription"] = "transcription"
    to: FieldName
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)

    @field_validator("max_length")
    @classmethod
    def _max_over_min(cls, v: int | None, info: Any) -> int | None:
        lo = info.data.get("min_length")
        if v is not None and isinstance(lo, int) and v < lo:
            raise ValueError(msg("schema.length_order"))
        return v


def _validate_transcription(
    control: TranscriptionControl, value: dict[str, Any], path: str, ctx: ResultContext
) -> None:
    text = value.get("text")
    if not isinstance(text, str):
        ctx.error(f"{path}.text", msg("field.required_string") if text is None else msg("field.must_be_string"))
        return
    n = len(text.strip())
    if control.min_length is not None and n < control.min_length:
        ctx.error(f"{path}.text", msg("result.min_chars", min=control.min_length))
    if control.max_length is not None and len(text) > control.max_length:
        ctx.error(f"{path}.text", msg("result.max_chars", max=control.max_length))


class KgTriplesControl(Control):
    """(subject, relation, object) triples whose subject and object are spans of data[to]."""

    kind: Literal["kg_triples"] = "kg_triples"
    to: FieldName
    relations: LabelList

    def labels_of(self) -> list[str]:
        return list(self.relations)


def _validate_kg_triples(control: KgTriplesControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    triples = get_list(ctx, path, value, "triples")
    if triples is None:
        return
    text = ctx.data_field(path, control.to, str)
    allowed = control._label_set
    for i, triple in enumerate(triples):
        p = f"{path}.triples[{i}]"
        if not isinstance(triple, dict):
            ctx.error(p, msg("field.must_be_object"))
            continue
        for key in ("subject", "object"):
            if triple.get(key) is None:
                ctx.error(f"{p}.{key}", msg("field.required"))
            else:
                check_text_range(ctx, f"{p}.{key}", triple[key], text)
        check_label(ctx, f"{p}.relation", triple.get("relation"), allowed)


register_kind("spans", SpansControl, _validate_spans)
register_kind("relations", RelationsControl, _validate_relations)
register_kind("transcription", TranscriptionControl, _validate_transcription)
register_kind("kg_triples", KgTriplesControl, _validate_kg_triples)
