"""Whole-task judgement kinds: choices, rating, pairwise, ranking.

Each has a classifier so agreement and aggregation can treat its value as one hashable label.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from crowdset.annotation.label_schema._core import (
    Control,
    FieldName,
    LabelList,
    ResultContext,
    check_scale_value,
    get_list,
    register_kind,
)
from crowdset.messages import msg


class ChoicesControl(Control):
    """Pick one option (or several when `multiple`) for the whole item."""

    kind: Literal["choices"] = "choices"
    to: FieldName
    options: LabelList
    multiple: bool = False

    def labels_of(self) -> list[str]:
        return list(self.options)


def _validate_choices(control: ChoicesControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    picked = get_list(ctx, path, value, "choices")
    if picked is None:
        return
    if not picked:
        ctx.error(f"{path}.choices", msg("result.choose_one"))
    elif len(picked) > 1 and not control.multiple:
        ctx.error(f"{path}.choices", msg("result.single_choice"))
    allowed = control._label_set
    seen: set[str] = set()
    for i, opt in enumerate(picked):
        if not isinstance(opt, str):
            ctx.error(f"{path}.choices[{i}]", msg("field.must_be_string"))
        elif opt not in allowed:
            ctx.error(f"{path}.choices[{i}]", msg("result.not_an_option"))
        elif opt in seen:
            ctx.error(f"{path}.choices[{i}]", msg("result.chosen_twice"))
        else:
            seen.add(opt)


def _classify_choices(control: ChoicesControl, value: dict[str, Any]) -> str | tuple[str, ...]:
    picked = value.get("choices")
    if not isinstance(picked, list) or not all(isinstance(p, str) for p in picked):
        raise ValueError(f"{control.name}.choices: must be a list of strings")
    if control.multiple:
        return tuple(sorted(set(picked)))
    if len(picked) != 1:
        raise ValueError(f"{control.name}.choices: exactly one option expected")
    return picked[0]


class RatingControl(Control):
    """A Likert-style integer rating from `min` to `max`, of the item or of field `to`."""

    kind: Literal["rating"] = "rating"
    to: FieldName | None = None
    min: int = 1
    max: int = 5

    @field_validator("max")
    @classmethod
    def _max_above_min(cls, v: int, info: Any) -> int:
        lo = info.data.get("min")
        if isinstance(lo, int) and v <= lo:
            raise ValueError(msg("schema.rating_max"))
        if isinstance(lo, int) and v - lo > 100:
            raise ValueError(msg("schema.rating_points"))
        return v

    def labels_of(self) -> list[str]:
        return [str(i) for i in range(self.min, self.max + 1)]


def _validate_rating(control: RatingControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    check_scale_value(ctx, f"{path}.value", value.get("value"), control.min, control.max)


def _classify_rating(control: RatingControl, value: dict[str, Any]) -> int:
    v = value.get("value")
    if type(v) is not int:
        raise ValueError(f"{control.name}.value: must be an integer")
    return v


class PairwiseControl(Control):
    """Compare two fields side by side (`to` = [left, right]) and pick the better one."""

    kind: Literal["pairwise"] = "pairwise"
    to: list[FieldName] = Field(min_length=2, max_length=2)
    allow_tie: bool = False

    @field_validator("to")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if v[0] == v[1]:
            raise ValueError(msg("schema.pairwise_distinct"))
        return v

    def labels_of(self) -> list[str]:
        return ["left", "right", "tie"] if self.allow_tie else ["left", "right"]


def _validate_pairwise(control: PairwiseControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    choice = value.get("choice")
    if choice is None:
        ctx.error(f"{path}.choice", msg("field.required"))
    elif choice == "tie" and not control.allow_tie:
        ctx.error(f"{path}.choice", msg("result.no_tie"))
    elif choice not in ("left", "right", "tie"):
        ctx.error(f"{path}.choice", msg("result.left_right_tie") if control.allow_tie else msg("result.left_right"))
    reason = value.get("reason")
    if reason is not None and not isinstance(reason, str):
        ctx.error(f"{path}.reason", msg("field.must_be_string"))


def _classify_pairwise(control: PairwiseControl, value: dict[str, Any]) -> str:
    choice = value.get("choice")
    if choice not in ("left", "right", "tie"):
        raise ValueError(f"{control.name}.choice: must be left, right or tie")
    return choice


class RankingControl(Control):
    """Order every response in data[to] (a list of {id, text}) from best to worst."""

    kind: Literal["ranking"] = "ranking"
    to: FieldName


def _validate_ranking(control: RankingControl, value: dict[str, Any], path: str, ctx: ResultContext) -> None:
    order = get_list(ctx, path, value, "order")
    if order is None:
        return
    seen: set[Any] = set()
    for i, rid in enumerate(order):
        if not isinstance(rid, str | int) or isinstance(rid, bool):
            ctx.error(f"{path}.order[{i}]", msg("result.response_id"))
        elif rid in seen:
            ctx.error(f"{path}.order[{i}]", msg("result.ranked_twice"))
        else:
            seen.add(rid)
    responses = ctx.data_field(path, control.to, list)
    if responses is None:
        if not order and ctx.data is None:
            ctx.error(f"{path}.order", msg("result.rank_one"))
        return
    ids = []
    for j, r in enumerate(responses):
        rid = r.get("id") if isinstance(r, dict) else None
        if isinstance(rid, str | int) and not isinstance(rid, bool):
            ids.append(rid)
        else:
            ctx.error(path, msg("result.response_without_id", field=control.to, index=j))
    expected = set(ids)
    for i, rid in enumerate(order):
        if isinstance(rid, str | int) and rid in seen and rid not in expected:
            ctx.error(f"{path}.order[{i}]", msg("result.not_a_response", field=control.to))
    missing = [rid for rid in ids if rid not in seen]
    if missing:
        ctx.error(f"{path}.order", msg("result.rank_every", missing=[repr(m) for m in missing]))


def _classify_ranking(control: RankingControl, value: dict[str, Any]) -> tuple[Any, ...]:
    order = value.get("order")
    if not isinstance(order, list):
        raise ValueError(f"{control.name}.order: must be a list")
    return tuple(order)


register_kind("choices", ChoicesControl, _validate_choices, classify=_classify_choices)
register_kind("rating", RatingControl, _validate_rating, classify=_classify_rating)
register_kind("pairwise", PairwiseControl, _validate_pairwise, classify=_classify_pairwise)
register_kind("ranking", RankingControl, _validate_ranking, classify=_classify_ranking)


