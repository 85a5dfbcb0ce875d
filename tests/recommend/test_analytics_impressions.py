"""Impressions: the day's counter per surface (one upsert, never breaking a page), and where it is counted —
recommendation rows (page and htmx slot), the recommendations API, assistant replies that show products —
plus what the search log records for analytics (surface, full-text matches)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from recommend.analytics import services
from recommend.models import SearchLog, SurfaceImpression
from recommend.search.engine import search
from tests.assistant.conftest import client_for, say
from tests.factories import ProductFactory, ShopperFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def counts() -> dict[str, tuple[int, int]]:
    return {
        row.surface: (row.lists, row.products) for row in SurfaceImpression.objects.filter(day=timezone.localdate())
    }


def test_the_counter_adds_up_per_day_and_surface():
    assert services.surface_impression_record(surface="recommendations", lists=3, products=30)
    assert services.surface_impression_record(surface="recommendations", products=8)
    assert services.surface_impression_record(surface="assistant", products=6)
    assert services.surface_impression_record(surface="assistant", products=6, day=date(2026, 1, 2))
    assert counts() == {"recommendations": (4, 38), "assistant": (1, 6)}
    assert SurfaceImpression.objects.get(day=date(2026, 1, 2)).products == 6
    assert not services.surface_impression_record(surface="assistant", lists=0, products=0)
    with pytest.raises(ValueError, match="unknown surface"):
        services.surface_impression_record(surface="banner", products=1)


def test_a_failing_count_is_logged_and_leaves_the_surrounding_transaction_usable(caplog):
    # A count beyond bigint makes Postgres refuse the statement: the page must go on regardless.
    assert not services.surface_impression_record(surface="assistant", lists=2**63, products=1)
    assert "could not count assistant impressions" in caplog.text
    assert connection.in_atomic_block  # the test's own transaction...
    assert SurfaceImpression.objects.count() == 0  # ...still answers queries


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_count_commits_on_its_own_and_a_failure_is_contained(caplog):
    assert not connection.in_atomic_block
    assert services.surface_impression_record(surface="recommendations", lists=2, products=24)
    assert not services.surface_impression_record(surface="recommendations", lists=2**63, products=1)
    assert services.surface_impression_record(surface="recommendations", products=12)
    assert counts() == {"recommendations": (3, 36)}  # committed, and the failure took nothing with it
    with connection.cursor() as cursor:  # our SET LOCAL ended with our own transaction
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.fixture
def products():
    return [ProductFactory(title=f"Lamp {i}") for i in range(5)]


def test_home_rows_count_one_list_per_row_shown_with_its_cards(products):
    client = Client()
    response = client.get("/recommendations/", **HTMX)
    assert response.status_code == 200
    shown = response.content.decode().count('<article class="card"')
    assert shown == 5
    assert counts() == {"recommendations": (1, 5)}  # a new visitor: one row, "Trending now"
    client.get("/recommendations/")  # the same rows as a page of their own
    assert counts() == {"recommendations": (2, 10)}


def test_an_empty_row_set_is_no_impression(db):
    assert Client().get("/recommendations/cart", **HTMX).status_code == 200  # empty cart: nothing to show
    assert counts() == {}


def test_the_recommendations_api_counts_answers_with_products(products):
    client = Client()
    assert len(client.get("/api/v1/recommendations/trending", {"limit": 3}).json()["results"]) == 3
    assert client.get("/api/v1/recommendations/recently-viewed").json()["results"] == []  # nothing: not counted
    assert counts() == {"recommendations": (1, 3)}


@pytest.mark.slow
def test_an_assistant_reply_with_products_counts_and_its_search_is_logged_as_the_assistants(search_catalog):
    shopper = ShopperFactory()
    turn = say(client_for(shopper), "waterproof hiking boots")
    assert turn["products"]
    assert counts() == {"assistant": (1, len(turn["products"]))}
    log = SearchLog.objects.get()
    assert log.surface == "assistant" and log.shopper == shopper


@pytest.mark.slow
def test_the_search_log_says_whether_the_words_matched_any_product(search_catalog):
    search(q="hiking boots")
    search(q="sneakers")  # no product says so: the results come by meaning only
    search(q="waterproof sneakers under $150")
    logs = {log.query: log for log in SearchLog.objects.all()}
    assert logs["hiking boots"].keyword_matches >= 4 and logs["hiking boots"].surface == "search"
    assert logs["hiking boots"].unknown_words == []
    assert logs["sneakers"].total > 0 and logs["sneakers"].keyword_matches == 0
    assert logs["sneakers"].unknown_words == ["sneakers"]
    assert logs["waterproof sneakers under $150"].keyword_matches > 0  # "waterproof" matches
    assert logs["waterproof sneakers under $150"].unknown_words == ["sneakers"]
