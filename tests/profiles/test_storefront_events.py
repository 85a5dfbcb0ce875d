"""The storefront reports behaviour itself: searches server-side, clicks and views from static/events.js."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from profiles.models import Event, Shopper
from recommend.models import SearchLog


def test_search_page_records_a_search_event_for_the_visitor(catalog):
    client = Client()
    response = client.get("/search", {"q": "running shoes"})
    assert response.status_code == 200
    event = Event.objects.get(kind="search")
    assert (event.query, event.surface) == ("running shoes", "search")
    assert event.shopper_id == client.session["shopper_id"]
    # The search log knows the shopper too, so a login can carry it over.
    assert SearchLog.objects.get().shopper_id == event.shopper_id

    # Paging and facet refinements (htmx) are the same search, not new ones.
    client.get("/search", {"q": "running shoes", "page": 2})
    client.get("/search", {"q": "running shoes", "brand": "norvik"}, headers={"HX-Request": "true"})
    assert Event.objects.filter(kind="search").count() == 1
    assert Shopper.objects.count() == 1


def test_result_cards_carry_surface_position_and_product(catalog):
    page = Client().get("/search", {"q": "running shoes"}).content.decode()
    assert 'data-surface="search" data-offset="0"' in page
    assert f'data-product-id="{catalog["RUN1"].pk}"' in page
    assert "events.js" in page

    category = Client().get(f"/c/{catalog['RUN1'].category.slug}/").content.decode()
    assert 'data-surface="category" data-offset="0"' in category


def test_product_page_marks_the_view_for_the_script(catalog):
    page = Client().get(f"/p/{catalog['PAN1'].pk}/").content.decode()
    assert f'data-view-product="{catalog["PAN1"].pk}"' in page
    # Server-side, a product page records nothing: the view is the script's to send (bots and
    # prefetches that run no script are not shoppers).
    assert not Event.objects.exists()


def test_events_script_posts_beacons_with_csrf_token():
    path = finders.find("events.js")
    assert path is not None
    script = Path(path).read_text()
    assert "navigator.sendBeacon" in script
    assert "csrfmiddlewaretoken" in script
    assert '"/api/v1/events"' in script
