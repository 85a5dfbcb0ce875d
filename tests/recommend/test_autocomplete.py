"""Autocomplete: the htmx listbox under the search box and GET /api/v1/autocomplete share one suggestion function."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Product
from profiles.models import Shopper
from recommend.models import PopularSearchBlock, SearchLog
from recommend.search import suggest as suggest_module
from recommend.search.vocabulary import get_vocabulary
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_popular_searches")]


def listbox(client, q: str) -> str:
    return client.get("/search/suggest", {"q": q}, HTTP_HX_REQUEST="true").content.decode()


def options(html: str) -> list[tuple[str, str]]:
    """(href, text) of every option, in order."""
    return [
        (html_lib.unescape(href), html_lib.unescape(text))
        for href, text in re.findall(
            r'<a class="suggest__option" role="option" id="[^"]+" href="([^"]+)"[^>]*>([^<]*)</a>', html
        )
    ]


def log_searches(*rows: tuple[str, int], days_ago: int = 0) -> None:
    """Each row searched by a different signed-in shopper (popular searches need several established people)."""
    for query, total in rows:
        shopper = Shopper.objects.create(user=UserFactory())
        log = SearchLog.objects.create(
            query=query, total=total, latency_ms=3, shopper=shopper, session_key=uuid.uuid4().hex
        )
        if days_ago:
            SearchLog.objects.filter(pk=log.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_listbox_offers_matching_products_and_categories(client, search_catalog):
    html = listbox(client, "hiking bo")

    assert (
        html.startswith('<div id="search-suggest" class="suggest" role="listbox"')
        and " hidden" not in html.split(">")[0]
    )
    found = options(html)
    titles = [text for href, text in found if href.startswith("/p/")]
    assert set(titles) >= {"Alpine Women's Waterproof Hiking Boots", "Summit Women's Leather Hiking Boots"}
    assert ("/c/shoes-hiking-boots/", "Hiking Boots") in found
    # Grouped, labelled, with ids unique across groups (aria-activedescendant points at them).
    assert re.search(
        r'role="group" aria-labelledby="search-suggest-products">\s*<li class="suggest__heading" role="presentation" id="search-suggest-products">Products</li>',
        html,
    )
    ids = re.findall(r'role="option" id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == len(found)


def test_brands_match_by_name_and_link_to_a_search(client, search_catalog):
    found = options(listbox(client, "trail"))
    assert ("/search?q=Trailcraft", "Trailcraft") in found

    body = APIClient().get("/api/v1/autocomplete", {"q": "womens son"}).json()  # the last word is the prefix
    assert body["brands"] == [{"slug": "sonance", "name": "Sonance", "url": "/search?q=Sonance"}]


def test_corrected_query_is_offered(client, search_catalog):
    html = listbox(client, "runing shoes")
    assert "Did you mean" in html
    assert ("/search?q=running+shoes", "running shoes") in options(html)
    body = APIClient().get("/api/v1/autocomplete", {"q": "runing shoes"}).json()
    assert body["corrected"] == "running shoes"
    assert {p["title"] for p in body["products"]} == {
        "Stride Women's Running Shoes", "Tempo Women's Leather Running Shoes", "Velocity Men's Running Shoes",
    }  # fmt: skip
    assert {"slug": "shoes-running-shoes", "name": "Running Shoes", "url": "/c/shoes-running-shoes/"} in body[
        "categories"
    ]


def test_popular_searches_are_the_most_frequent_that_found_something_recently(client, search_catalog):
    # Counted by how often they were searched (case and spacing aside), not by how much they found.
    log_searches(
        ("running shoes", 3), ("Running Shoes ", 2), ("running shoes", 3), ("running shoes", 3),
        ("hiking boots", 1), ("hiking boots", 9), ("hiking boots", 2),
    )  # fmt: skip
    log_searches(("purple unicorn", 0), ("purple unicorn", 0), ("purple unicorn", 0))  # found nothing
    log_searches(("fax machine", 9), ("fax machine", 9), ("fax machine", 9), days_ago=31)  # too long ago
    for _ in range(3):  # misspelt (found things only once corrected)
        SearchLog.objects.create(
            query="runing shoes",
            total=3,
            latency_ms=3,
            parsed={"corrected": "running shoes"},
            session_key=uuid.uuid4().hex,
        )

    api = APIClient()
    body = api.get("/api/v1/autocomplete", {"q": ""}).json()
    assert body == {
        "query": "", "corrected": None, "products": [], "categories": [], "brands": [],
        "popular": ["running shoes", "hiking boots"],
    }  # fmt: skip
    # While typing, only those that contain what was typed.
    assert api.get("/api/v1/autocomplete", {"q": "hik"}).json()["popular"] == ["hiking boots"]
    assert ("/search?q=hiking+boots", "hiking boots") in options(listbox(client, "hik"))


def test_one_persons_searches_are_never_offered_as_popular(search_catalog):
    """Popular searches are shown to everyone: however often one shopper searched something (and however
    many unnamed rows a paused shopper left), it is not popular until three different people searched it."""
    first, second, third = (Shopper.objects.create(user=UserFactory()) for _ in range(3))
    for _ in range(5):
        SearchLog.objects.create(query="size 11 insoles", total=2, latency_ms=3, shopper=first, session_key="s1")
        SearchLog.objects.create(query="size 11 insoles", total=2, latency_ms=3)  # paused: unnamed
    SearchLog.objects.create(query="size 11 insoles", total=2, latency_ms=3, shopper=second)
    assert suggest_module.popular_searches() == []
    assert APIClient().get("/api/v1/autocomplete", {"q": "size"}).json()["popular"] == []

    cache.delete(suggest_module.POPULAR_KEY)
    SearchLog.objects.create(query="Size 11 insoles", total=2, latency_ms=3, shopper=third)
    assert suggest_module.popular_searches() == ["size 11 insoles"]


def test_fresh_sessions_cannot_make_a_search_popular(search_catalog):
    """Issue 16, finding 2: one client rotating fresh sessions made its query everyone's first suggestion. Only
    established shoppers count: an account, or a visitor who has looked at a few different products."""
    products = list(Product.objects.order_by("pk")[: suggest_module.POPULAR_MIN_PRODUCTS])
    for n in range(5):  # five fresh visitors, each with a shopper row but no behaviour
        fresh = Shopper.objects.create(session_key=f"fresh-{n}")
        SearchLog.objects.create(query="buy my stuff", total=2, latency_ms=3, shopper=fresh)
        SearchLog.objects.create(query="buy my stuff", total=2, latency_ms=3, session_key=f"no-shopper-{n}")
    assert suggest_module.popular_searches() == []

    for n in range(3):  # three visitors who browsed the shop before searching
        browsed = Shopper.objects.create(session_key=f"browsed-{n}")
        for product in products:
            EventFactory(shopper=browsed, product=product, kind="view")
        SearchLog.objects.create(query="trail shoes", total=2, latency_ms=3, shopper=browsed)
    cache.delete(suggest_module.POPULAR_KEY)
    assert suggest_module.popular_searches() == ["trail shoes"]


def test_a_merchandiser_blocks_a_phrase_from_popular_searches(search_catalog):
    log_searches(*[("cheap replica watches", 2)] * 3, *[("running shoes", 2)] * 3)
    assert suggest_module.popular_searches() == ["cheap replica watches", "running shoes"]
    staff = Client()
    staff.force_login(UserFactory(username="merch", is_staff=True, is_superuser=True))

    response = staff.post(
        "/admin/recommend/popularsearchblock/add/", {"phrase": "Replica", "note": "counterfeit spam"}, follow=True
    )

    assert response.status_code == 200 and PopularSearchBlock.objects.filter(phrase="Replica").exists()
    # At once, not after the cache's minute; whole words only ("replicas" would not match "replica").
    assert suggest_module.popular_searches() == ["running shoes"]
    assert APIClient().get("/api/v1/autocomplete", {"q": "re"}).json()["popular"] == []
    # Searching for it still works: only the suggestion to everyone is gone.
    assert APIClient().get("/api/v1/search", {"q": "replica watches"}).status_code == 200


def test_popular_searches_are_cached_for_a_minute(search_catalog):
    log_searches(*[("running shoes", 3)] * 3)
    assert suggest_module.popular_searches() == ["running shoes"]
    log_searches(*[("hiking boots", 1)] * 4)
    assert suggest_module.popular_searches() == ["running shoes"]  # from the cache
    cache.delete(suggest_module.POPULAR_KEY)  # what a minute does
    assert suggest_module.popular_searches() == ["hiking boots", "running shoes"]


def test_suggestions_are_cheap_no_embedding_and_few_queries(
    client, search_catalog, monkeypatch, django_assert_max_num_queries
):
    suggest_module.popular_searches()  # warm the one-minute cache, as on a live site
    get_vocabulary()  # and the search vocabulary (each test's catalog has its own version)

    def no_embedding(*args, **kwargs):
        raise AssertionError("autocomplete must not embed text")

    monkeypatch.setattr("shopguide.embedding.encode", no_embedding)
    # One indexed product query, plus one for a matched brand's slug.
    with django_assert_max_num_queries(2):
        found = options(listbox(client, "trailcraft hik"))
    assert ("/search?q=Trailcraft", "Trailcraft") in found
    assert any(href.startswith("/p/") for href, _ in found)


def test_nothing_matches_gives_a_hidden_empty_listbox(client, search_catalog):
    html = listbox(client, "zzzzqqq")
    assert html.strip().startswith(
        '<div id="search-suggest" class="suggest" role="listbox" aria-label="Search suggestions" hidden>'
    )
    assert options(html) == []


def test_suggestions_are_escaped(client, search_catalog):
    log_searches(*[("<script>alert(1)</script> boots", 2)] * 3)  # three searchers: popular
    html = listbox(client, "<script>")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; boots" in html


def test_api_rejects_overlong_input_as_json(search_catalog):
    response = APIClient().get("/api/v1/autocomplete", {"q": "x" * 1001})
    assert response.status_code == 400
    assert response.json() == {"code": "query_too_long", "detail": "q: at most 1000 characters, got 1001."}


def test_search_box_is_an_accessible_combobox_that_works_without_javascript(client, search_catalog):
    html = client.get("/").content.decode()
    form = html.split('<form class="search-form" role="search"', 1)[1].split("</form>", 1)[0]
    assert 'action="/search" method="get"' in form and 'name="q"' in form and 'type="submit"' in form
    box = re.search(r'<input id="site-search"[^>]*>', form).group(0)
    for attribute in (
        'role="combobox"',
        'aria-autocomplete="list"',
        'aria-controls="search-suggest"',
        'aria-expanded="false"',
        'hx-get="/search/suggest"',
        'hx-trigger="input changed delay:150ms, search"',
        'hx-target="#search-suggest"',
    ):
        assert attribute in box
    assert (
        '<div id="search-suggest" class="suggest" role="listbox" aria-label="Search suggestions" hidden></div>' in form
    )
    assert "/static/search-combobox.js" in html
