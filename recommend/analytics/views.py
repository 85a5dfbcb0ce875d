"""The merchandiser's analytics page in the admin (``/admin/analytics/``) and its CSV exports.

Reached through ``admin.site.admin_view`` (staff only, others go to the admin login) and then only with the
``recommend.view_searchlog`` permission: the page is about what shoppers searched.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from recommend.analytics import charts, selectors
from recommend.analytics.selectors import Period
from shopguide.api import json_error

PERMISSION = "recommend.view_searchlog"
MAX_DAYS = 731
TABLE_ROWS = 25
EXPORT_ROWS = 1000
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection): such cells get a "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        default = Period.last_days()
        end = data.get("end") or default.end
        start = data.get("start") or end - timedelta(days=selectors.DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date is after the end date.", code="reversed")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"At most {MAX_DAYS} days at a time.", code="too_long")
        data["period"] = Period(start, end)
        return data


def _link(name: str, params: dict[str, str]) -> str:
    """An admin "add" page prefilled with ``params`` (Django admin reads initial values from the query)."""
    return reverse(name) + "?" + urlencode(params)


def _quick_ranges() -> list[tuple[str, str]]:
    ranges = []
    for label, days in (("7 days", 7), ("30 days", 30), ("90 days", 90), ("year", 365)):
        period = Period.last_days(days)
        ranges.append((label, urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})))
    return ranges


def _form_errors(form: forms.Form) -> str:
    return "; ".join(
        " ".join(messages) if field == "__all__" else f"{field}: {' '.join(messages)}"
        for field, messages in form.errors.items()
    )


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


# --- exports: (column names, rows) per table -----------------------------------------------------------


def _export_searches(period: Period) -> tuple[list[str], Iterable[list[Any]]]:
    rows = selectors.searches_per_day(period=period)
    return ["day", "searches", "search_box", "assistant"], (
        [d.day.isoformat(), d.searches, d.search_box, d.assistant] for d in rows
    )


def _export_top_queries(period: Period) -> tuple[list[str], Iterable[list[Any]]]:
    rows = selectors.top_queries(period=period, limit=EXPORT_ROWS)
    return ["query", "searches", "shoppers", "zero_result_pct", "unmatched_pct", "searches_with_click", "ctr_pct"], (
        [
            r.query,
            r.searches,
            r.shoppers,
            _percent(r.zero_share),
            _percent(r.unmatched_share),
            r.clicked,
            _percent(r.ctr),
        ]
        for r in rows
    )


def _export_zero_results(period: Period) -> tuple[list[str], Iterable[list[Any]]]:
    rows = selectors.unmatched_queries(period=period, limit=EXPORT_ROWS)
    columns = [
        "query",
        "searches",
        "no_results",
        "relaxed",
        "with_unknown_words",
        "reason",
        "unknown_words",
        "searches_with_click",
        "last_searched",
    ]
    return columns, (
        [
            r.query,
            r.searches,
            r.zero_results,
            r.relaxed,
            r.unknown,
            r.reason,
            " ".join(r.unknown_words),
            r.clicked,
            r.last_searched.isoformat(),
        ]
        for r in rows
    )


def _export_surfaces(period: Period) -> tuple[list[str], Iterable[list[Any]]]:
    rows = selectors.surface_rates(period=period)
    return ["surface", "lists_shown", "products_shown", "clicks", "ctr_pct", "cart_adds", "cart_rate_pct"], (
        [r.surface, r.lists, r.products, r.clicks, _percent(r.ctr), r.cart_adds, _percent(r.cart_rate)] for r in rows
    )


def _export_revenue(period: Period) -> tuple[list[str], Iterable[list[Any]]]:
    rows = selectors.attributed_revenue(period=period)
    return ["surface", "purchase_lines", "revenue", "revenue_share_pct"], (
        [r.surface, r.lines, f"{r.revenue:.2f}", _percent(r.share)] for r in rows
    )


EXPORTS: dict[str, Callable[[Period], tuple[list[str], Iterable[list[Any]]]]] = {
    "searches_per_day": _export_searches,
    "top_queries": _export_top_queries,
    "zero_results": _export_zero_results,
    "surfaces": _export_surfaces,
    "revenue": _export_revenue,
}


def _csv(name: str, period: Period) -> HttpResponse:
    columns, rows = EXPORTS[name](period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"shopguide-{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return response


# --- the page ------------------------------------------------------------------------------------------


def _dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = PeriodForm(request.GET)  # no dates: the last 30 days
    valid = form.is_valid()
    export = request.GET.get("export")
    if export is not None:
        if export not in EXPORTS:
            return json_error("unknown_export", f"export must be one of {', '.join(EXPORTS)}, not {export[:40]!r}", 400)
        if not valid:
            return json_error("invalid_period", _form_errors(form), 400)
        return _csv(export, form.cleaned_data["period"])

    context: dict[str, Any] = {**admin.site.each_context(request), "title": "Analytics", "form": form}
    if not valid:
        return render(request, "admin/analytics/dashboard.html", context, status=400)
    period = form.cleaned_data["period"]
    form = PeriodForm(initial={"start": period.start, "end": period.end})  # shows the dates in force
    days = selectors.searches_per_day(period=period)
    rates = selectors.surface_rates(period=period)
    unmatched = selectors.unmatched_queries(period=period, limit=TABLE_ROWS)
    revenue = selectors.attributed_revenue(period=period)
    range_query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    context.update(
        form=form,
        period=period,
        range_query=range_query,
        total_searches=sum(d.searches for d in days),
        days=days,
        searches_chart=charts.searches_chart(days),
        rates=rates,
        rates_chart=charts.rates_chart(rates),
        top_queries=selectors.top_queries(period=period, limit=TABLE_ROWS),
        unmatched=[
            {
                "row": row,
                "synonym_url": _link("admin:recommend_synonym_add", {"terms": row.synonym_terms}),
                "pin_url": _link("admin:recommend_rule_add", {"query": row.query, "action": "pin"}),
            }
            for row in unmatched
        ],
        conversion=selectors.conversion(period=period),
        revenue=revenue,
        total_revenue=sum((r.revenue for r in revenue), Decimal(0)),
        click_window_minutes=int(selectors.CLICK_WINDOW.total_seconds() // 60),
        attribution_days=selectors.ATTRIBUTION_WINDOW.days,
        quick_ranges=_quick_ranges(),
        time_zone=timezone.get_current_timezone_name(),
    )
    return render(request, "admin/analytics/dashboard.html", context)


dashboard = admin.site.admin_view(_dashboard)
