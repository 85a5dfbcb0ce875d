"""The experiment report on hand-built searches and events: exact counts, Wilson bounds, the verdict.

Reference intervals are the published Wilson score values (and scipy's ``binomtest(...).proportion_ci(
method="wilson")``), rounded to four places.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from profiles.models import Event
from recommend.experiments import services
from recommend.experiments.report import difference, experiment_report, wilson
from recommend.models import Experiment, SearchLog
from tests.factories import ShopperFactory
from tests.recommend.experiments_setup import experiment, shoppers_in

pytestmark = pytest.mark.django_db


def _round(interval):
    return tuple(round(v, 4) for v in interval)


def test_wilson_matches_the_reference_values():
    assert _round(wilson(0, 10)) == (0.0, 0.2775)
    assert _round(wilson(5, 10)) == (0.2366, 0.7634)
    assert _round(wilson(10, 100)) == (0.0552, 0.1744)
    assert wilson(0, 0) is None


def test_the_difference_interval_is_the_normal_approximation():
    diff, low, high = difference((4, 40), (12, 40))
    assert round(diff, 4) == 0.2
    # se = sqrt(0.1·0.9/40 + 0.3·0.7/40) = 0.086603; 1.96 · se = 0.169741
    assert (round(low, 4), round(high, 4)) == (0.0303, 0.3697)
    assert difference((0, 0), (1, 10)) is None


def _search(shopper, at, n=1):
    for _ in range(n):
        log = SearchLog.objects.create(query="boots", latency_ms=1.0, shopper=shopper)
        SearchLog.objects.filter(pk=log.pk).update(created_at=at)


def _event(shopper, kind, at, *, surface=Event.Surface.SEARCH, price=None):
    Event.objects.create(shopper=shopper, kind=kind, surface=surface, created_at=at, price=price)


@pytest.fixture
def world():
    exp = experiment()
    start = timezone.now() - timedelta(days=2)
    Experiment.objects.filter(pk=exp.pk).update(started_at=start)
    exp.refresh_from_db()
    during, before = start + timedelta(hours=1), start - timedelta(hours=1)
    control, b = shoppers_in(exp, "control", 40), shoppers_in(exp, "B", 40)

    for shopper in control:  # 40 exposed, 80 searches
        _search(shopper, during, n=2)
    for _ in range(3):  # three clicks on two searches count as two
        _event(control[0], Event.Kind.CLICK, during)
    for shopper in control[1:9]:
        _event(shopper, Event.Kind.CLICK, during)
    for shopper in control[:4]:  # 4 buyers, $100
        _event(shopper, Event.Kind.PURCHASE, during, surface=Event.Surface.DIRECT, price=Decimal("25.00"))
    _event(control[5], Event.Kind.PURCHASE, before, price=Decimal("99.00"))  # before the start: not counted

    for shopper in b[:39]:  # 39 searches; the 40th shopper only viewed a product, and is exposed too
        _search(shopper, during)
    _event(b[39], Event.Kind.VIEW, during, surface=Event.Surface.DIRECT)
    for shopper in b[:20]:
        _event(shopper, Event.Kind.CLICK, during)
        _event(shopper, Event.Kind.CLICK, during, surface=Event.Surface.RECOMMENDATIONS)  # not a search click
    for shopper in b[:12]:  # 12 buyers, $126
        _event(shopper, Event.Kind.PURCHASE, during, price=Decimal("10.00"))
    _event(b[0], Event.Kind.PURCHASE, during, price=Decimal("6.00"))

    # Neither exposed nor counted: activity only before the start, and an anonymous search.
    late = shoppers_in(exp, "B", 1)[0]
    _search(late, before)
    SearchLog.objects.create(query="boots", latency_ms=1.0, shopper=None)
    return exp


def test_the_report_counts_each_variant_exactly(world):
    report = experiment_report(experiment=world)
    control, b = report.variants
    assert control.variant.is_control and b.variant.name == "B"

    assert (control.exposed, control.searches, control.search_clicks) == (40, 80, 10)
    assert (control.purchasers, control.revenue, control.revenue_per_shopper) == (4, Decimal("100.00"), Decimal("2.50"))
    assert control.ctr == 0.125 and _round(control.ctr_interval) == (0.0693, 0.2150)
    assert control.conversion == 0.1 and _round(control.conversion_interval) == (0.0396, 0.2305)
    assert control.conversion_difference is None and control.verdict == ""

    assert (b.exposed, b.searches, b.search_clicks) == (40, 39, 20)
    assert (b.purchasers, b.revenue, b.revenue_per_shopper) == (12, Decimal("126.00"), Decimal("3.15"))
    assert _round(b.ctr_interval) == (0.3620, 0.6613)
    assert b.conversion == 0.3 and _round(b.conversion_interval) == (0.1807, 0.4543)
    assert _round(b.conversion_difference) == (0.2, 0.0303, 0.3697)
    assert b.verdict == "B converts better, interval excludes 0"


def test_the_period_ends_when_the_experiment_ends(world):
    services.experiment_end(experiment=world)
    world.refresh_from_db()
    after = world.ended_at + timedelta(minutes=5)
    for shopper in shoppers_in(world, "B", 5):
        _event(shopper, Event.Kind.PURCHASE, after, price=Decimal("50.00"))
    b = experiment_report(experiment=world).variants[1]
    assert (b.exposed, b.purchasers, b.revenue) == (40, 12, Decimal("126.00"))


def test_too_few_shoppers_is_not_enough_data():
    exp = experiment()
    start = timezone.now() - timedelta(days=1)
    Experiment.objects.filter(pk=exp.pk).update(started_at=start)
    exp.refresh_from_db()
    for shopper in shoppers_in(exp, "B", 5):
        _event(shopper, Event.Kind.PURCHASE, start + timedelta(hours=1), price=Decimal("10.00"))
    control, b = experiment_report(experiment=exp).variants
    assert control.exposed == 0 and control.conversion is None and control.ctr_interval is None
    assert (b.exposed, b.purchasers, b.conversion) == (5, 5, 1.0)
    assert b.verdict == "not enough data yet"


def test_a_draft_has_no_figures():
    exp = experiment(start=False)
    ShopperFactory()
    report = experiment_report(experiment=exp)
    assert report.start is None
    assert [(r.exposed, r.searches, r.purchasers) for r in report.variants] == [(0, 0, 0), (0, 0, 0)]
