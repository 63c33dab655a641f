"""Inline SVG charts for the HTML report: no JavaScript, no CDN, works offline and in print.

Every text that comes from the dataset (label names) goes through ``escape``; the SVG is then marked
safe for Jinja2 as a whole.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

_COLORS = {"A": "#1a7f37", "B": "#2f6fdb", "C": "#b7791f", "D": "#c53030"}


def _color(x: float | None) -> str:
    if x is None:
        return "#a0aec0"
    return _COLORS["A"] if x >= 90 else _COLORS["B"] if x >= 80 else _COLORS["C"] if x >= 60 else _COLORS["D"]


def radar(dimensions: dict[str, float | None], labels: dict[str, str] | None = None, width: int = 440,
          height: int = 300) -> Markup:
    """Triangle radar of the three dimension scores, with the 60/80/90 band rings."""
    names = list(dimensions)
    n = len(names)
    cx, cy = width / 2, height / 2 + 12
    r = min(width, height) / 2 - 45

    def pt(i: int, v: float) -> tuple[float, float]:
        ang = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * v / 100 * math.cos(ang), cy + r * v / 100 * math.sin(ang)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="dimension radar">']
    for ring in (60, 80, 90, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (pt(i, ring) for i in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="#cbd5e0" stroke-width="1"/>')
    for i, name in enumerate(names):
        x, y = pt(i, 100)
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#cbd5e0"/>')
        lx, ly = pt(i, 118)
        score = dimensions[name]
        label = (labels or {}).get(name, name)
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="12" text-anchor="middle">{escape(label)} '
                     f'{"—" if score is None else f"{score:.1f}"}</text>')
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (pt(i, dimensions[nm] or 0) for i, nm in enumerate(names)))
    parts.append(f'<polygon points="{pts}" fill="#2f6fdb" fill-opacity="0.25" stroke="#2f6fdb" stroke-width="2"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def indicator_bars(indicators: dict[str, dict[str, Any]], width: int = 640) -> Markup:
    """One horizontal bar per indicator (0–100); not-applicable ones drawn as a dashed outline."""
    row = 22
    left = 210
    h = row * len(indicators) + 10
    span = width - left - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" '
             f'role="img" aria-label="indicator scores">']
    for i, (code, ind) in enumerate(indicators.items()):
        y = 5 + i * row
        x = ind.get("x")
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(code)} {escape(ind.get("name", ""))}</text>')
        if x is None:
            parts.append(f'<rect x="{left}" y="{y + 3}" width="{span}" height="14" fill="none" stroke="#a0aec0" '
                         f'stroke-dasharray="4 3"/><text x="{left + 6}" y="{y + 14}" font-size="11" '
                         f'fill="#718096">not applicable</text>')
        else:
            parts.append(f'<rect x="{left}" y="{y + 3}" width="{span * x / 100:.1f}" height="14" fill="{_color(x)}"/>'
                         f'<text x="{left + span + 6}" y="{y + 14}" font-size="12">{x:.1f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def label_bars(distribution: dict[str, int], width: int = 640, limit: int = 30) -> Markup:
    """Label distribution as horizontal bars (top ``limit`` labels)."""
    items = list(distribution.items())[:limit]
    if not items:
        return Markup("")
    row = 20
    left = 180
    h = row * len(items) + 10
    top = max(c for _, c in items)
    span = width - left - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" '
             f'role="img" aria-label="label distribution">']
    for i, (lab, c) in enumerate(items):
        y = 5 + i * row
        name = lab if len(lab) <= 24 else lab[:23] + "…"
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{escape(name)}</text>'
                     f'<rect x="{left}" y="{y + 2}" width="{span * c / top:.1f}" height="14" fill="#6b46c1"/>'
                     f'<text x="{left + span * c / top + 6:.1f}" y="{y + 13}" font-size="11">{c}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
