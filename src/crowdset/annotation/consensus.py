"""Pure rules for turning a task's submitted results into agreement, a consensus and gold checks.

A result is compared control by control: controls with a classification value (choices, rating,
pairwise, ranking) compare that value; other controls compare their canonical JSON, so two
annotators agree on spans or boxes only when they marked the same regions. Agreement is the mean,
over controls, of the share of annotators holding the most common value."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

from crowdset.annotation.label_schema import LabelSchema, classification_value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _strip_ids(value: Any) -> Any:
    """Region ids are per-annotator names; agreement must not depend on them."""
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_strip_ids(v) for v in value]
    return value


def control_values(schema: LabelSchema, result: dict[str, Any]) -> dict[str, Hashable]:
    """One hashable value per control of ``result``."""
    classified = classification_value(schema, result)
    out: dict[str, Hashable] = {}
    for control in schema.controls:
        name = control.name
        if name in classified:
            out[name] = classified[name]
        elif name in result:
            out[name] = _canonical(_strip_ids(result[name]))
    return out


def agreement(schema: LabelSchema, results: Sequence[dict[str, Any]]) -> float:
    """Mean share of annotators agreeing with the most common value, over controls (1.0 for one result)."""
    if len(results) <= 1:
        return 1.0
    per_result = [control_values(schema, r) for r in results]
    shares = []
    for control in schema.controls:
        values = [v.get(control.name) for v in per_result]
        top = Counter(values).most_common(1)[0][1]
        shares.append(top / len(values))
    return sum(shares) / len(shares) if shares else 1.0


def consensus(schema: LabelSchema, results: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    """Per control, the value most annotators gave (ties: the earliest submitted), with the mean
    share behind it as confidence. The winning value is taken from a real result, never invented."""
    if not results:
        raise ValueError("no results")
    if len(results) == 1:
        return dict(results[0]), 1.0
    per_result = [control_values(schema, r) for r in results]
    final: dict[str, Any] = {}
    shares = []
    for control in schema.controls:
        values = [v.get(control.name) for v in per_result]
        counts = Counter(values)
        best = max(counts.values())
        winner = next(v for v in values if counts[v] == best)
        shares.append(best / len(values))
        source = results[values.index(winner)]
        if control.name in source:
            final[control.name] = source[control.name]
    return final, sum(shares) / len(shares) if shares else 1.0


def matches_gold(schema: LabelSchema, result: dict[str, Any], gold: dict[str, Any]) -> bool:
    """True when every control the gold answer specifies has the same value in ``result``."""
    mine, truth = control_values(schema, result), control_values(schema, gold)
    return all(mine.get(name) == value for name, value in truth.items())
