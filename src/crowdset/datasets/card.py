"""Dataset card: Markdown in Chinese and English following Datasheets for Datasets (Gebru et al.,
2021: motivation, composition, collection, preprocessing, uses, distribution, maintenance), filled
from the catalogue entry and the evaluation behind the current rating. Unknown answers say so
rather than being left out, so a reader sees what the owner has not documented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from crowdset.auth.models import Org, User
from crowdset.datasets import policy
from crowdset.datasets.evaluate.render import md_cell as cell
from crowdset.datasets.evaluations import latest_report
from crowdset.datasets.models import SECURITY_LEVEL_ZH, Dataset, DatasetVersion
from crowdset.datasets.rating import VALIDITY_MONTHS
from crowdset.datasets.versions import versions_of
from crowdset.errors import invalid

LANGS = ("zh", "en", "both")
KIND_ZH = {"general": "通识数据集", "industry-general": "行业通识数据集", "industry-specific": "行业专识数据集"}
SUPPLY_ZH = {"free": "免费开放", "custom": "定制供给", "paid": "有偿使用", "pairing": "供需撮合"}
TIER_ZH = {"none": "无", "basic": "基础储备", "featured": "优选储备", "strategic": "战略储备"}
DIM_ZH = {"documentation": "说明文档", "data_quality": "数据质量", "model_application": "模型应用"}


@dataclass
class Facts:
    """Everything a card or a Croissant file says, gathered once."""

    ds: Dataset
    org_name: str
    versions: list[DatasetVersion]
    report: dict[str, Any] | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def newest(self) -> DatasetVersion | None:
        return self.versions[-1] if self.versions else None


def dataset_card(s: Session, user: User | None, dataset_id: int, lang: str = "both") -> str:
    """The card of a dataset the user may see, in Markdown: ``lang`` zh, en or both."""
    return render_card(gather(s, policy.get_dataset(s, user, dataset_id)), lang)


def gather(s: Session, ds: Dataset) -> Facts:
    """What the card and the Croissant file say about ``ds`` (the caller has asked the policy)."""
    org = s.get(Org, ds.org_id)
    return Facts(ds, org.name if org else "", versions_of(s, ds), latest_report(s, ds), dict(ds.extra or {}))


def pii_summary(f: Facts, zh: bool) -> str:
    """Security level plus what the evaluator's 0202 found (masked, counts only)."""
    level = f.ds.security_level
    head = f"{SECURITY_LEVEL_ZH[level]}（{level}）" if zh else f"security level {level} ({SECURITY_LEVEL_ZH[level]})"
    ind = ((f.report or {}).get("indicators") or {}).get("0202")
    if not ind or ind.get("b") in (None, 0):
        return head + ("；尚无评测结果" if zh else "; not evaluated yet")
    bad = ind["b"] - ind["a"]
    cats = ", ".join(sorted(ind.get("sensitive_categories_detected") or [])) or "—"
    fields = ", ".join(sorted(ind.get("sensitive_fields") or [])) or "—"
    if zh:
        return f"{head}；评测发现 {bad}/{ind['b']} 条记录含个人信息或屏蔽词；敏感类别：{cats}；敏感字段：{fields}"
    return (f"{head}; the evaluation found {bad} of {ind['b']} records with personal information or blocked "
            f"terms; sensitive categories: {cats}; sensitive fields: {fields}")


def _v(value: Any, zh: bool) -> str:
    text = "" if value is None else str(value).strip()
    return cell(text) if text else ("未说明" if zh else "not documented")


def _section(title: str, rows: list[tuple[str, Any]], zh: bool) -> list[str]:
    return [f"### {title}", "", *[f"- **{k}**: {_v(v, zh)}" for k, v in rows], ""]


def _rating_line(f: Facts, zh: bool) -> str:
    ds = f.ds
    if ds.rating is None:
        return "尚未评级" if zh else "not rated yet"
    until = ds.rating_valid_until.date().isoformat() if ds.rating_valid_until else "—"
    dims = (f.report or {}).get("dimensions") or {}
    scores = ", ".join(f"{DIM_ZH[k] if zh else k} {v:.1f}" for k, v in dims.items() if v is not None)
    if zh:
        return f"{ds.rating} 级（储备层级：{TIER_ZH[ds.reserve_tier]}，有效期至 {until}）；{scores}"
    return f"grade {ds.rating} (reserve tier: {ds.reserve_tier}, valid until {until}); {scores}"


def _body(f: Facts, zh: bool) -> list[str]:
    ds, v, x = f.ds, f.newest, f.extra
    labels = (f.report or {}).get("label_distribution") or {}
    label_text = ", ".join(f"{k}: {n}" for k, n in list(labels.items())[:20])
    files = "; ".join(f"{fl['name']} ({fl['size']} B, sha256 {fl['sha256']})" for fl in (v.files if v else []))
    versions = ", ".join(f"{ver.version} ({ver.created_at.date().isoformat()})" for ver in f.versions)
    months = VALIDITY_MONTHS.get(ds.reserve_tier)
    if zh:
        return [
            "## 中文", "",
            *_section("动机 Motivation", [("目的与描述", ds.description), ("领域", ds.domain),
                                         ("类型", KIND_ZH.get(ds.kind, ds.kind)), ("创建机构", f.org_name),
                                         ("资助方", x.get("funding"))], zh),
            *_section("构成 Composition", [("模态", ds.modality), ("记录数", v.record_count if v else None),
                                          ("文件", files), ("标签分布", label_text),
                                          ("个人与敏感信息", pii_summary(f, zh))], zh),
            *_section("采集过程 Collection", [("数据来源", ds.source), ("采集方法", ds.collection_method),
                                             ("标注方法", ds.annotation_method),
                                             ("来源标注项目", v.source_project_id if v else None)], zh),
            *_section("预处理、清洗与标注 Preprocessing", [("加工处理", x.get("processing")),
                                                       ("标注规范", x.get("annotation_spec"))], zh),
            *_section("用途 Uses", [("应用场景", ds.use_cases), ("局限性", ds.limitations),
                                    ("质量评级", _rating_line(f, zh)), ("评测方法", x.get("evaluation_method"))], zh),
            *_section("分发 Distribution", [("供给方式", SUPPLY_ZH.get(ds.supply_mode, ds.supply_mode)),
                                            ("许可协议", ds.licence), ("状态", ds.status),
                                            ("获取方式", f"Crowdset 数据集目录 #{ds.id}")], zh),
            *_section("维护 Maintenance", [("联系方式", ds.contact), ("版本", versions),
                                           ("复评周期", f"{months} 个月" if months else None)], zh),
        ]
    return [
        "## English", "",
        *_section("Motivation", [("Purpose and description", ds.description), ("Domain", ds.domain),
                                 ("Kind", ds.kind), ("Created by", f.org_name), ("Funding", x.get("funding"))], zh),
        *_section("Composition", [("Modality", ds.modality), ("Records", v.record_count if v else None),
                                  ("Files", files), ("Label distribution", label_text),
                                  ("Personal and sensitive information", pii_summary(f, zh))], zh),
        *_section("Collection process", [("Source", ds.source), ("Collection method", ds.collection_method),
                                         ("Annotation method", ds.annotation_method),
                                         ("Annotated in project", v.source_project_id if v else None)], zh),
        *_section("Preprocessing, cleaning and labelling", [("Processing", x.get("processing")),
                                                            ("Annotation guidelines", x.get("annotation_spec"))], zh),
        *_section("Uses", [("Use cases", ds.use_cases), ("Limitations", ds.limitations),
                           ("Quality rating", _rating_line(f, zh)),
                           ("Evaluation method", x.get("evaluation_method"))], zh),
        *_section("Distribution", [("Supply mode", ds.supply_mode), ("Licence", ds.licence), ("Status", ds.status),
                                   ("Access", f"Crowdset catalogue, dataset #{ds.id}")], zh),
        *_section("Maintenance", [("Contact", ds.contact), ("Versions", versions),
                                  ("Re-review period", f"{months} months" if months else None)], zh),
    ]


def render_card(f: Facts, lang: str = "both") -> str:
    if lang not in LANGS:
        raise invalid("lang", "field.one_of", choices=LANGS)
    lines = [f"# {cell(f.ds.name)}", ""]
    if lang in ("zh", "both"):
        lines += _body(f, zh=True)
    if lang in ("en", "both"):
        lines += _body(f, zh=False)
    return "\n".join(lines).rstrip() + "\n"
