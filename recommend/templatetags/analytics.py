"""Template filters of the analytics dashboard."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """{{ row.ctr|percent }} → "12.5%"; "–" when the rate has no denominator (nothing shown, nobody active)."""
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f}%"
