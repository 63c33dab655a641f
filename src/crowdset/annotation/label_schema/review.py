"""Chain-of-thought review: a verdict (and optional correction) per reasoning step, plus a final rating."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from crowdset.annotation.label_schema._core import (
    Control,
    FieldName,
    ResultContext,
    Scale,
    check_scale_value,
    get_list,
    is_int,
    register_kind,
)
from crowdset.messages import msg

VERDICTS = ("correct", "incorrect")


class CotReviewControl(Control):
    """Review the reasoning steps in data[to] (a list; step `index` is its 0-based position)."""

    kind: Literal["cot_review"] = "cot_review"
    to: FieldName
    final_scale: Scale = Field(default_factory=lambda: [1, 5])

    def labels_of(self) -> list[str]:
        return list(VERDICTS)


def _validate_cot(control: CotReviewControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    steps = get_list(ctx, path, value, "steps")
    check_scale_value(ctx, f"{path}.final_rating", value.get("final_rating"), *control.final_scale)
    fv = value.get("final_verdict")
    if fv is not None and fv not in VERDICTS:
        ctx.error(f"{path}.final_verdict", msg("result.correct_incorrect"))
    if steps is None:
        return
    seen: set[int] = set()
    for i, step in enumerate(steps):
        p = f"{path}.steps[{i}]"
        if not isinstance(step, dict):
            ctx.error(p, msg("field.must_be_object"))
            continue
        index = step.get("index")
        if not is_int(index) or index < 0:
            ctx.error(f"{p}.index", msg("field.int_non_negative"))
        elif index in seen:
            ctx.error(f"{p}.index", msg("result.step_twice", index=index))
        else:
            seen.add(index)
        if step.get("verdict") not in VERDICTS:
            ctx.error(f"{p}.verdict", msg("result.correct_incorrect"))
        corr = step.get("correction")
        if corr is not None and not isinstance(corr, str):
            ctx.error(f"{p}.correction", msg("field.must_be_string"))
    reasoning = ctx.data_field(path, control.to, list)
    if reasoning is None:
        return
    n = len(reasoning)
    for i, step in enumerate(steps):
        if isinstance(step, dict) and is_int(step.get("index")) and step["index"] >= n:
            ctx.error(f"{path}.steps[{i}].index", msg("result.step_range", steps=n, last=n - 1))
    missing = [k for k in range(n) if k not in seen]
    if missing:
        ctx.error(f"{path}.steps", msg("result.steps_missing", missing=list(missing)))


register_kind("cot_review", CotReviewControl, _validate_cot)
