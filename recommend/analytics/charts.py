"""Server-rendered SVG charts for the analytics dashboard: no JavaScript, no chart library, readable without
colour (every bar has its number as text or a tooltip, and the tables below hold the same figures)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from recommend.analytics.selectors import DayCount, SurfaceRates

SEARCH_BOX = "#417690"  # the admin's own blue
ASSISTANT = "#e0a84a"
CART = "#79aec8"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def searches_chart(days: Sequence[DayCount], *, width: int = 760, height: int = 220) -> SafeString:
    """Searches per day as stacked bars: the search box below, the assistant on top."""
    left, right, top, bottom = 44, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((d.searches for d in days), default=0)
    scale = max(peak, 1)
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.75, 1.0)
    total = sum(d.searches for d in days)
    parts = [
        f'<svg class="analytics-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Searches per day: {total} in {len(days)} days, at most {peak} a day">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        box_h = plot_h * d.search_box / scale
        assistant_h = plot_h * d.assistant / scale
        label = escape(
            f"{d.day.isoformat()}: {d.searches} searches ({d.search_box} search box, {d.assistant} assistant)"
        )
        parts.append(f"<g><title>{label}</title>")
        if box_h:
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - box_h:.1f}" width="{bar:.1f}" height="{box_h:.1f}" '
                f'fill="{SEARCH_BOX}"/>'
            )
        if assistant_h:
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - box_h - assistant_h:.1f}" width="{bar:.1f}" '
                f'height="{assistant_h:.1f}" fill="{ASSISTANT}"/>'
            )
        parts.append("</g>")
    # Dates under the first, middle and last bars: enough to read the axis without crowding it.
    for i in sorted({0, len(days) // 2, len(days) - 1} if days else set()):
        x = left + i * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="11">{days[i].day:%b %d}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # numbers and escaped text only


def rates_chart(rates: Sequence[SurfaceRates], *, width: int = 760) -> SafeString:
    """Click-through and add-to-cart rate per surface as paired horizontal bars, each with its value."""
    label_w, value_w, row_h, bar_h = 130, 120, 46, 16
    plot_w = width - label_w - value_w
    height = row_h * len(rates) + 8
    peak = max([r.ctr or 0.0 for r in rates] + [r.cart_rate or 0.0 for r in rates] + [0.0])
    scale = peak or 1.0
    parts = [
        f'<svg class="analytics-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Click-through and add-to-cart rate per surface">'
    ]
    for i, r in enumerate(rates):
        y = 4 + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h + 4}" text-anchor="end" font-size="12">{escape(r.surface)}</text>'
        )
        for j, (name, value, colour) in enumerate((("CTR", r.ctr, SEARCH_BOX), ("add to cart", r.cart_rate, CART))):
            w = plot_w * (value or 0.0) / scale
            by = y + j * (bar_h + 2)
            text = escape(f"{r.surface} {name}: {_percent(value)}")
            parts.append(
                f'<g><title>{text}</title><rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{colour}"/><text x="{label_w + w + 4:.1f}" y="{by + bar_h - 4}" font-size="11">'
                f"{escape(name)} {_percent(value)}</text></g>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # numbers and escaped text only
