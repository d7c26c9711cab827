"""Small bar charts drawn on the server as SVG: nothing to load, nothing from outside.

Pure functions from numbers to SVG text; every label is escaped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Sequence

FAMILY = 'font-family="sans-serif"'
FONT = f'{FAMILY} font-size="12"'


@dataclass(frozen=True)
class Series:
    """One stacked layer: its name in the legend, its colour, one value per bar."""

    name: str
    color: str
    values: Sequence[int]


def nice_top(largest: float) -> tuple[float, float]:
    """An axis top at or above `largest` and a tick step of 1, 2 or 5 × 10^k (≤ 5 ticks)."""
    if largest <= 0:
        return 1, 1
    power = 10 ** math.floor(math.log10(largest))
    for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = max(factor * power, 1)
        if largest / step <= 5:
            return math.ceil(largest / step) * step, step
    return largest, largest  # not reached: factor 10 always fits


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def stacked_bars(labels: Sequence[str], series: Sequence[Series], *, title: str,
                 width: int = 720, height: int = 300) -> str:
    """Bars side by side, each stacked from the series in order, with axis, legend, tooltips."""
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} bars")
        if any(v < 0 for v in s.values):
            raise ValueError(f"series {s.name!r} has a negative value")
    left, right, top, bottom = 44, 12, 66, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    axis_top, step = nice_top(max(totals, default=0))
    scale = plot_h / axis_top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f'<title>{escape(title)}</title>',
           f'<text x="{left}" y="18" {FAMILY} font-size="14" font-weight="bold">{escape(title)}</text>']
    out += _legend(series, left, 40)
    tick = 0.0
    while tick <= axis_top + 1e-9:
        y = top + plot_h - tick * scale
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                   f'stroke="#e5e7eb"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" {FONT} text-anchor="end" '
                   f'fill="#374151">{_num(tick)}</text>')
        tick += step
    slot = plot_w / max(len(labels), 1)
    bar = max(min(slot * 0.7, 48), 2)
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for s in series:
            h = s.values[i] * scale
            if h > 0:
                y -= h
                out.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                           f'height="{h:.1f}" fill="{escape(s.color)}">'
                           f'<title>{escape(label)} {escape(s.name)} {s.values[i]}</title></rect>')
        if totals[i]:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" {FONT} '
                       f'text-anchor="middle" fill="#111827">{totals[i]}</text>')
        out.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 18}" {FONT} '
                   f'text-anchor="middle" fill="#374151">{escape(label)}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
               f'y2="{top + plot_h}" stroke="#6b7280"/>')
    out.append("</svg>")
    return "\n".join(out)


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" '
                     f'fill="{escape(s.color)}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y}" {FONT} fill="#374151">'
                     f'{escape(s.name)}</text>')
        x += 16 + 14 * len(s.name) + 18
    return parts


def distribution(values: Sequence[Decimal], step: int = 10) -> tuple[list[str], list[int]]:
    """Percentages binned by `step` from 0 to 100 (100 itself in the last bin), and above 100."""
    edges = list(range(0, 100, step))
    labels = [f"{lo}–{min(lo + step, 100)}" for lo in edges] + [">100"]
    counts = [0] * len(labels)
    for value in values:
        if value > 100:
            counts[-1] += 1
        else:
            counts[min(int(value // step), len(edges) - 1)] += 1
    return labels, counts


def histogram(values: Sequence[Decimal], *, title: str, color: str = "#2563eb",
              name: str = "单位数") -> str:
    """How many values fall in each percentage bin, as bars."""
    labels, counts = distribution(values)
    return stacked_bars(labels, [Series(name, color, counts)], title=title)
