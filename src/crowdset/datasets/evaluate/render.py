"""Render an evaluation report as JSON, Markdown or a self-contained HTML page."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from crowdset.datasets.evaluate.charts import indicator_bars, label_bars, radar
from crowdset.datasets.evaluate.profiles import DIMENSIONS

DIMENSION_LABELS = {"documentation": "说明文档 documentation", "data_quality": "数据质量 data quality",
                    "model_application": "模型应用 model application"}
FORMATS = ("json", "md", "html")


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def md_cell(v: Any) -> str:
    """Dataset text inside a Markdown table: no pipes, newlines or HTML."""
    s = "—" if v is None else str(v)
    return (s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def to_markdown(report: dict[str, Any]) -> str:
    ds = report.get("dataset", {})
    prof = report.get("profile", {})
    lines = [
        f"# Dataset evaluation — grade {report['grade']}",
        "",
        f"- Dataset: `{md_cell(ds.get('path'))}` ({md_cell(ds.get('format'))}), {report.get('records', 0)} records",
        f"- Profile: {md_cell(prof.get('name'))}",
        f"- Generated: {report.get('generated_at', '')}",
    ]
    if report.get("grade_cap_reasons"):
        lines.append(f"- Rating capped at C (uncapped {report.get('grade_uncapped')}): "
                     + "; ".join(md_cell(r) for r in report["grade_cap_reasons"]))
    lines += ["", "## Dimensions", "", "| dimension | score |", "|---|---:|"]
    for d in DIMENSIONS:
        s = report["dimensions"].get(d)
        lines.append(f"| {DIMENSION_LABELS[d]} | {'—' if s is None else f'{s:.2f}'} |")
    lines += ["", "## Indicators", "", "| code | indicator | X | A | B | method |", "|---|---|---:|---:|---:|---|"]
    for code, ind in report["indicators"].items():
        x = ind["x"]
        xs = "n/a" if x is None else f"{x:.2f}"
        lines.append(f"| {code} | {md_cell(ind['name'])} | {xs} | {md_cell(ind['a'])} | {md_cell(ind['b'])} | "
                     f"{md_cell(ind.get('not_applicable_reason') or ind['method'])} |")
    lines += ["", "## Evidence", ""]
    any_ev = False
    for code, ind in report["indicators"].items():
        if ind["evidence"]:
            any_ev = True
            lines.append(f"### {code} {md_cell(ind['name'])}")
            lines.append("")
            lines += [f"- `{md_cell(e['id'])}`: {md_cell(e['reason'])}" for e in ind["evidence"]]
            lines.append("")
    if not any_ev:
        lines.append("No failing items.")
    if report.get("label_distribution"):
        lines += ["", "## Label distribution", "", "| label | count |", "|---|---:|"]
        lines += [f"| {md_cell(k)} | {v} |" for k, v in report["label_distribution"].items()]
    return "\n".join(lines) + "\n"


_env: Environment | None = None


def _environment() -> Environment:
    global _env
    if _env is None:
        _env = Environment(loader=PackageLoader("crowdset.datasets.evaluate", "templates"),
                           autoescape=select_autoescape(default=True, default_for_string=True))
    return _env


def to_html(report: dict[str, Any]) -> str:
    tpl = _environment().get_template("report.html.j2")
    return tpl.render(
        r=report,
        dims=[(d, DIMENSION_LABELS[d], report["dimensions"].get(d)) for d in DIMENSIONS],
        radar_svg=radar(report["dimensions"], DIMENSION_LABELS),
        bars_svg=indicator_bars(report["indicators"]),
        labels_svg=label_bars(report.get("label_distribution") or {}),
    )


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "md":
        return to_markdown(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
