""" "Because you viewed X" rows hold only what followed X or is close to it; a home page reads the history once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from profiles.models import Event
from recommend import recs_views
from recommend.recs import engine
from tests.recommend.recs_shop import anonymous_shopper, build_shop, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(embedding_model):
    return build_shop()


def test_a_because_row_never_pads_with_unrelated_products(shop):
    """A shopper who only looked at the headphones (nobody went anywhere from them): the row may show other
    audio gear, never boots or coffee merely because they are the nearest of a small catalog."""
    shopper = anonymous_shopper()
    record(shopper, [(Event.Kind.VIEW, shop["HEAD1"])], start=timezone.now() - timedelta(minutes=5))
    rows = engine.because_you_viewed(shopper=shopper)
    shown = {rec.product.sku for _, recs in rows for rec in recs}
    assert not shown & {"BOOT1", "BOOT2", "BOOT3", "GRIND1", "GRIND2", "BEANS1", "KETTLE1", "PACK1"}


def test_a_because_row_keeps_what_shoppers_went_on_to(shop):
    shopper = anonymous_shopper()
    record(shopper, [(Event.Kind.VIEW, shop["GRIND1"])], start=timezone.now() - timedelta(minutes=5))
    rows = engine.because_you_viewed(shopper=shopper)
    assert rows and rows[0][0].sku == "GRIND1"
    skus = [rec.product.sku for rec in rows[0][1]]
    assert "BEANS1" in skus  # followed the grinder for every brewer, though not alike in words
    assert all(r.text == "because you viewed Precision Burr Coffee Grinder" for rec in rows[0][1] for r in rec.reasons)


def test_the_home_rows_read_the_shoppers_events_once(shop):
    shopper = anonymous_shopper()
    record(shopper, [(Event.Kind.VIEW, shop["BOOT1"]), (Event.Kind.VIEW, shop["GRIND1"])],
           start=timezone.now() - timedelta(minutes=5))  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        rows = recs_views.home_rows(shopper)
    assert [row.key for row in rows][:1] == ["for-you"]
    history_reads = [q for q in queries.captured_queries if "FROM profiles_event" in q["sql"]]
    assert len(history_reads) == 1
