"""Indicator results in the X = A/B convention, with bounded evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EVIDENCE_LIMIT = 20

# code -> (English name, Chinese name); order is the report order.
INDICATORS: dict[str, tuple[str, str]] = {
    "0101": ("basic information complete", "基本信息完整性"),
    "0102": ("content features complete", "内容特征完整性"),
    "0103": ("construction process complete", "构建过程完整性"),
    "0104": ("application notes complete", "应用说明完整性"),
    "0201": ("format conformance", "格式规范性"),
    "0202": ("security conformance", "安全合规性"),
    "0203": ("annotation conformance", "标注规范性"),
    "0204": ("structural completeness", "结构完整性"),
    "0205": ("provenance / authenticity", "来源真实性"),
    "0206": ("cross-modal consistency", "跨模态一致性"),
    "0207": ("type consistency", "类型一致性"),
    "0208": ("cleanliness", "数据洁净度"),
    "0301": ("diversity", "多样性"),
    "0302": ("scale", "规模"),
    "0303": ("timeliness", "时效性"),
    "0304": ("annotation accuracy", "标注准确性"),
    "0305": ("model fitness", "模型适用性"),
}


class Evidence:
    """Keeps the first ``limit`` failing items and counts them all."""

    def __init__(self, limit: int = EVIDENCE_LIMIT) -> None:
        self.limit = limit
        self.items: list[dict[str, str]] = []
        self.total = 0

    def add(self, item_id: Any, reason: str) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append({"id": str(item_id), "reason": reason})


@dataclass
class IndicatorResult:
    code: str
    a: float | None
    b: float | None
    method: str
    evidence: list[dict[str, str]] = field(default_factory=list)
    not_applicable_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def applicable(self) -> bool:
        return self.not_applicable_reason is None and self.b is not None and self.b > 0

    @property
    def x(self) -> float | None:
        if not self.applicable:
            return None
        assert self.a is not None and self.b is not None
        return round(100.0 * max(0.0, min(1.0, self.a / self.b)), 2)

    def to_dict(self) -> dict[str, Any]:
        name, name_zh = INDICATORS[self.code]
        out: dict[str, Any] = {
            "name": name,
            "name_zh": name_zh,
            "x": self.x,
            "a": self.a,
            "b": self.b,
            "method": self.method,
            "evidence": list(self.evidence),
        }
        if not self.applicable:
            out["not_applicable_reason"] = self.not_applicable_reason or "nothing to check (B = 0)"
        out.update(self.extra)
        return out


def not_applicable(code: str, method: str, reason: str, **extra: Any) -> IndicatorResult:
    return IndicatorResult(code, None, None, method, [], reason, dict(extra))


def ratio(code: str, a: float, b: float, method: str, evidence: Evidence | None = None,
          empty_reason: str = "nothing to check", **extra: Any) -> IndicatorResult:
    """A/B result; B = 0 turns into not-applicable rather than a fake 100."""
    if b <= 0:
        return not_applicable(code, method, empty_reason, **extra)
    return IndicatorResult(code, a, b, method, evidence.items if evidence else [], None, dict(extra))
