"""How each variant of an experiment is doing: one SQL query over the searches and events of its period.

A shopper's variant is recomputed in SQL from their id with the hash ``knobs.py`` uses (sha256 of
"salt:id", first 7 bytes), so neither the search log nor the events need to record it. A shopper is
*exposed* when they searched or did anything in the period. Click-through counts search-surface clicks
over searches, at most one click per search per shopper (so it is a proportion a Wilson interval fits);
conversion is the share of exposed shoppers with a purchase in the period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from profiles.models import Event
from recommend.experiments import knobs
from recommend.models import Experiment, SearchLog, Variant

Z95 = 1.959963984540054
MIN_EXPOSED = 30  # per variant, before any verdict
MIN_PURCHASERS = 10  # in the variant and the control together


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without trials)."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def difference(a: tuple[int, int], b: tuple[int, int], z: float = Z95) -> tuple[float, float, float] | None:
    """b's proportion minus a's, with its normal-approximation interval: (diff, low, high)."""
    (xa, na), (xb, nb) = a, b
    if na <= 0 or nb <= 0:
        return None
    pa, pb = xa / na, xb / nb
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    diff = pb - pa
    return diff, diff - z * se, diff + z * se


@dataclass(frozen=True)
class VariantReport:
    variant: Variant
    exposed: int
    searches: int
    search_clicks: int
    purchasers: int
    revenue: Decimal
    ctr: float | None
    ctr_interval: tuple[float, float] | None
    conversion: float | None
    conversion_interval: tuple[float, float] | None
    revenue_per_shopper: Decimal | None
    # Against the control (None for the control itself).
    conversion_difference: tuple[float, float, float] | None = None
    verdict: str = ""


@dataclass(frozen=True)
class ExperimentReport:
    experiment: Experiment
    start: datetime | None
    end: datetime | None
    variants: list[VariantReport]


def _bucket_sql() -> str:
    byte_count = knobs.BUCKET_BITS // 8
    return (
        f"('x' || encode(substring(sha256(convert_to(%s || ':' || a.shopper_id::text, 'UTF8')) "
        f"from 1 for {byte_count}), 'hex'))::bit({knobs.BUCKET_BITS})::bigint"
    )


def _counts(experiment: Experiment, variants: list[Variant], start: datetime, end: datetime) -> dict[int, tuple]:
    upper = knobs.bounds([v.weight for v in variants])
    cases = " ".join(f"WHEN b < {int(bound)} THEN {int(v.pk)}" for bound, v in zip(upper, variants, strict=True))
    searchlog, event = SearchLog._meta.db_table, Event._meta.db_table
    sql = f"""
        WITH active AS (
            SELECT shopper_id FROM {searchlog}
             WHERE shopper_id IS NOT NULL AND created_at >= %s AND created_at < %s
            UNION
            SELECT shopper_id FROM {event} WHERE created_at >= %s AND created_at < %s
        ),
        assigned AS (
            SELECT a.shopper_id, {_bucket_sql()} AS b FROM active a
        ),
        searches AS (
            SELECT shopper_id, count(*) AS n FROM {searchlog}
             WHERE shopper_id IS NOT NULL AND created_at >= %s AND created_at < %s
             GROUP BY shopper_id
        ),
        acts AS (
            SELECT shopper_id,
                   count(*) FILTER (WHERE kind = %s AND surface = %s) AS clicks,
                   bool_or(kind = %s) AS purchased,
                   coalesce(sum(price) FILTER (WHERE kind = %s), 0) AS revenue
              FROM {event} WHERE created_at >= %s AND created_at < %s
             GROUP BY shopper_id
        )
        SELECT CASE {cases} END AS variant_id,
               count(*),
               coalesce(sum(s.n), 0)::bigint,
               coalesce(sum(least(coalesce(e.clicks, 0), coalesce(s.n, 0))), 0)::bigint,
               count(*) FILTER (WHERE e.purchased),
               coalesce(sum(e.revenue), 0)
          FROM assigned x
          LEFT JOIN searches s USING (shopper_id)
          LEFT JOIN acts e USING (shopper_id)
         GROUP BY 1
    """
    params = [start, end, start, end, experiment.salt, start, end]
    params += [Event.Kind.CLICK, Event.Surface.SEARCH, Event.Kind.PURCHASE, Event.Kind.PURCHASE, start, end]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _verdict(variant: Variant, control: VariantReport, mine: VariantReport) -> str:
    if (
        min(control.exposed, mine.exposed) < MIN_EXPOSED
        or control.purchasers + mine.purchasers < MIN_PURCHASERS
        or mine.conversion_difference is None
    ):
        return "not enough data yet"
    _, low, high = mine.conversion_difference
    if low > 0:
        return f"{variant.name} converts better, interval excludes 0"
    if high < 0:
        return f"{variant.name} converts worse, interval excludes 0"
    return "no clear difference yet: interval includes 0"


def experiment_report(*, experiment: Experiment, now: datetime | None = None) -> ExperimentReport:
    """Figures per variant for the experiment's period (started_at until ended_at, or now)."""
    variants = list(experiment.variants.order_by("id"))
    start, end = experiment.started_at, experiment.ended_at or now or timezone.now()
    counts: dict[int, tuple] = {}
    if start is not None and variants and sum(v.weight for v in variants) > 0:
        counts = _counts(experiment, variants, start, end)
    rows: list[VariantReport] = []
    for variant in variants:
        exposed, searches, clicks, purchasers, revenue = counts.get(variant.pk, (0, 0, 0, 0, Decimal(0)))
        revenue = Decimal(revenue)
        rows.append(
            VariantReport(
                variant=variant,
                exposed=exposed,
                searches=searches,
                search_clicks=clicks,
                purchasers=purchasers,
                revenue=revenue,
                ctr=clicks / searches if searches else None,
                ctr_interval=wilson(clicks, searches),
                conversion=purchasers / exposed if exposed else None,
                conversion_interval=wilson(purchasers, exposed),
                revenue_per_shopper=(revenue / exposed).quantize(Decimal("0.01")) if exposed else None,
            )
        )
    control = next((r for r in rows if r.variant.is_control), None)
    if control is None:
        return ExperimentReport(experiment, start, end, rows)
    out = []
    for row in rows:
        if row is control:
            out.append(row)
            continue
        diff = difference((control.purchasers, control.exposed), (row.purchasers, row.exposed))
        row = VariantReport(**{**row.__dict__, "conversion_difference": diff})
        out.append(VariantReport(**{**row.__dict__, "verdict": _verdict(row.variant, control, row)}))
    return ExperimentReport(experiment, start, end, out)
