"""The storefront search page: results with reasons, understood query as removable chips, did-you-mean,
relaxation, empty state, facets/sort/pagination (plain and htmx), escaping, and the search log."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.models import Product
from recommend import views
from recommend.models import SearchLog
from recommend.search.engine import SearchFilters, build_constraints
from recommend.search.parser import parse
from recommend.search.refine import query_without
from recommend.search.vocabulary import get_vocabulary
from tests.factories import established_shopper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_popular_searches")]

HTMX = {"HTTP_HX_REQUEST": "true"}
DESIGN_QUERY = "waterproof womens hiking boots under 120 not leather"


def page(client, **params) -> str:
    return client.get("/search", params).content.decode()


def skus(html: str) -> list[str]:
    """SKUs of the result cards, in the order shown."""
    ids = [int(pk) for pk in re.findall(r'class="card__title"><a href="/p/(\d+)/">', html)]
    by_id = Product.objects.in_bulk(ids)
    return [by_id[pk].sku for pk in ids]


def chips(html: str) -> dict[str, dict[str, str]]:
    """Each chip's label → its classes and its removal link (unescaped), as a shopper's browser sees them."""
    found = {}
    for match in re.finditer(
        r'<a class="(chip chip--constraint[^"]*)"\s+href="([^"]*)"([^>]*)>\s*<span class="chip__label">([^<]*)</span>',
        html,
    ):
        classes, href, rest, label = match.groups()
        found[html_lib.unescape(label)] = {"class": classes, "href": html_lib.unescape(href), "rest": rest}
    return found


def q_of(href: str) -> str:
    return parse_qs(urlsplit(href).query).get("q", [""])[0]


def test_design_card_query_shows_only_the_match_with_chips_and_reasons(client, search_catalog):
    html = page(client, q=DESIGN_QUERY)

    assert skus(html) == ["B1"]
    assert "1 result" in html
    understood = chips(html)
    assert {"women", "under $120", "not leather"} <= set(understood)
    # Chips read in the order they were written; what was ruled out looks different.
    assert list(understood) == ["waterproof", "women", "Hiking Boots", "under $120", "not leather"]
    assert "chip--negated" in understood["not leather"]["class"]
    assert "chip--negated" not in understood["women"]["class"]
    # Why B1 is here, on its card.
    card = html.split('class="card"', 1)[1].split("</article>", 1)[0]
    assert "matches: waterproof, women, Hiking Boots, under $120" in card
    assert "excludes: leather" in card
    assert "close in meaning to your search" in card
    # The header search box shows the query.
    assert f'value="{DESIGN_QUERY}"' in html


def test_removing_a_chip_searches_again_without_those_words(client, search_catalog):
    understood = chips(page(client, q=DESIGN_QUERY))

    not_leather = understood["not leather"]["href"]
    assert q_of(not_leather) == "waterproof womens hiking boots under 120"
    html = client.get(not_leather).content.decode()
    assert sorted(skus(html)) == ["B1", "B2"]  # the leather boot is back
    assert "not leather" not in chips(html) and "women" in chips(html)

    women = understood["women"]["href"]
    assert q_of(women) == "waterproof hiking boots under 120 not leather"
    assert sorted(skus(client.get(women).content.decode())) == ["B1", "B3"]  # the men's boot is back

    price = understood["under $120"]["href"]
    assert q_of(price) == "waterproof womens hiking boots not leather"
    assert sorted(skus(client.get(price).content.decode())) == ["B1", "B4"]  # the $240 boot is back
    # Removing words changes the query itself: a whole page (new heading, new search box), not a swap.
    assert "hx-get" not in understood["women"]["rest"]


def test_removing_a_filter_chip_drops_the_filter_and_keeps_the_words(client, search_catalog):
    html = page(client, q="shoes", brand="altura", in_stock="1")
    assert sorted(skus(html)) == ["R2", "R3"]
    understood = chips(html)
    assert "chip--filter" in understood["Altura"]["class"]
    assert 'hx-get="' in understood["Altura"]["rest"]  # same words: only the results region changes

    without_brand = understood["Altura"]["href"]
    assert parse_qs(urlsplit(without_brand).query) == {"q": ["shoes"], "in_stock": ["1"]}
    assert len(skus(client.get(without_brand, **HTMX).content.decode())) > 2


def test_did_you_mean_links_to_the_corrected_query(client, search_catalog):
    html = page(client, q="runing shoes")
    assert 'Did you mean: <a href="/search?q=running+shoes">running shoes</a>?' in html
    assert set(skus(html)) == {"R1", "R2", "R3"}
    assert "Did you mean" not in page(client, q="running shoes")


def test_zero_results_relax_a_constraint_and_say_so(client, search_catalog):
    html = page(client, q="red running shoes for men")
    assert "No exact match for “red”; showing results without it." in html
    assert skus(html) == ["R3"]
    assert (
        "shown without “red”: nothing matched it with the rest of the search" in html
    )  # the card's reason says so too
    assert "red" not in chips(html)


def test_nothing_at_all_shows_a_friendly_empty_state_with_popular_searches(client, search_catalog):
    # Popular searches are those of several people: each row here is another visitor's.
    for _ in range(4):
        SearchLog.objects.create(query="Running shoes", total=3, latency_ms=5, shopper=established_shopper())
    for _ in range(3):
        SearchLog.objects.create(query="cast iron skillet", total=1, latency_ms=5, shopper=established_shopper())

    # Filters picked in the UI are never relaxed: boots from Trailcraft in Electronics do not exist.
    html = page(client, q="boots", category="electronics", brand="trailcraft")

    assert skus(html) == []
    assert "Nothing found for <q>boots</q> with these filters." in html
    assert 'href="/search?q=boots"' in html  # search again without filters
    popular = re.findall(r'<a class="chip" href="/search\?q=([^"]+)">([^<]+)</a>', html)
    assert popular == [("running%20shoes", "running shoes"), ("cast%20iron%20skillet", "cast iron skillet")]


def test_nonsense_gets_the_empty_state_not_filler(client, search_catalog):
    for _ in range(3):
        SearchLog.objects.create(query="Running shoes", total=3, latency_ms=5, shopper=established_shopper())
    html = page(client, q="vorplex zindu under $50")
    assert skus(html) == []
    assert "Nothing found for <q>vorplex zindu under $50</q>." in html
    assert "No exact match" not in html  # nothing claims the price was what failed
    assert re.findall(r'<a class="chip" href="/search\?q=([^"]+)">', html) == ["running%20shoes"]


def test_empty_query_prompts_and_offers_popular_searches(client, search_catalog):
    for _ in range(3):  # three visitors: popular searches are never one person's
        SearchLog.objects.create(
            query="noise cancelling headphones", total=2, latency_ms=5, shopper=established_shopper()
        )
    html = page(client, q="   ")
    assert '<h1 class="search-title">Search</h1>' in html
    assert "noise cancelling headphones" in html
    assert not SearchLog.objects.filter(query="").exists()  # nothing searched, nothing logged


def test_htmx_request_gets_only_the_results_region(client, search_catalog):
    full = client.get("/search", {"q": "boots"})
    partial = client.get("/search", {"q": "boots"}, **HTMX)

    assert "<html" in full.content.decode() and 'id="results"' in full.content.decode()
    body = partial.content.decode()
    assert "<html" not in body and 'id="results"' not in body and "<h1" not in body
    assert 'class="listing"' in body and skus(body) == skus(full.content.decode())
    for response in (full, partial):
        assert "HX-Request" in response["Vary"]


def test_category_and_brand_facets_filter_live(client, search_catalog):
    html = page(client, q="black")  # black things, or things with no colour close to "black": shoes, headphones
    assert {"B2", "R3", "H1"} <= set(skus(html))
    assert "K1" not in skus(html)  # a skillet is nothing like "black" by its words or its meaning

    link = re.search(r'id="facet-category-electronics"[^>]*href="([^"]+)" hx-get="([^"]+)"', html)
    assert link and link.group(1) == link.group(2)
    narrowed = client.get(html_lib.unescape(link.group(1)), **HTMX).content.decode()
    assert skus(narrowed) == ["H1"]
    # The picked category shows ticked (to untick) and as a removable chip; its subcategories appear.
    assert re.search(r'id="facet-category-electronics"[^>]*aria-current="true">Electronics', narrowed)
    assert re.search(r'id="facet-category-electronics-headphones"[^>]*>Headphones <span class="count">\(1\)', narrowed)
    assert "chip--filter" in chips(narrowed)["Electronics"]["class"]

    brand = re.search(r'id="facet-brand-altura"[^>]*href="([^"]+)"', page(client, q="running shoes"))
    assert brand
    assert sorted(skus(client.get(html_lib.unescape(brand.group(1)), **HTMX).content.decode())) == ["R2", "R3"]


def test_price_and_rating_facets(client, search_catalog):
    html = page(client, q="running shoes", price="-79.99")
    assert sorted(skus(html)) == ["R1", "R2"]
    assert "chip--filter" in chips(html)["under $79.99"]["class"]
    html = page(client, q="running shoes", rating="4.3")
    assert skus(html) == ["R1"]
    assert "4.3★ &amp; up" in html


def test_sort_orders_results(client, search_catalog):
    by_price = skus(page(client, q="running shoes", sort="price"))
    assert by_price == ["R2", "R1", "R3"]  # $70, $75, $95
    assert skus(page(client, q="running shoes", sort="-price")) == ["R3", "R1", "R2"]
    assert skus(page(client, q="running shoes", sort="rating")) == ["R1", "R3", "R2"]
    html = page(client, q="running shoes", sort="price")
    assert '<option value="price" selected>Price: low to high</option>' in html
    assert '<input type="hidden" name="q" value="running shoes">' in html  # the sort form keeps the words
    assert skus(page(client, q="running shoes", sort="bogus")) == skus(page(client, q="running shoes"))


def test_pagination(client, search_catalog, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    first = page(client, q="shoes boots")
    second = page(client, q="shoes boots", page="2")

    assert len(skus(first)) == 3 and len(skus(second)) == 3
    assert not set(skus(first)) & set(skus(second))
    assert "page 1 of " in first and "page 2 of " in second
    assert 'href="/search?q=shoes+boots&amp;page=2" hx-get="/search?q=shoes+boots&amp;page=2"' in first
    assert 'rel="prev"' in second and 'href="/search?q=shoes+boots"' in second
    # A page past the end shows the last page rather than nothing.
    total_pages = int(re.search(r"page 1 of (\d+)", first).group(1))
    assert skus(page(client, q="shoes boots", page="999")) == skus(page(client, q="shoes boots", page=str(total_pages)))


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        'boots not leather "><script>alert(1)</script>',
        "<img src=x onerror=alert(1)> runing shoes",
    ],
)
def test_queries_are_escaped_everywhere(client, search_catalog, query):
    full = page(client, q=query)
    partial = client.get("/search", {"q": query}, **HTMX).content.decode()
    for html in (full, partial):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert '"><script>' not in html
    # Shown as text: in the heading and in the search box.
    assert f"Results for <q>{html_lib.escape(query)}</q>" in full
    assert f'value="{html_lib.escape(query)}"' in full


def test_xss_in_chips_and_did_you_mean_is_escaped(client, search_catalog):
    html = page(client, q='boots not leather "><script>alert(1)</script>')
    understood = chips(html)
    # The removal link carries the rest of the query, URL-encoded, and the label is plain text.
    assert "not leather" in understood
    assert "%3Cscript%3E" in understood["not leather"]["href"]
    html = page(client, q="<b>runing</b> shoes")
    assert (
        'Did you mean: <a href="/search?q=%3Cb%3Erunning%3C%2Fb%3E+shoes">&lt;b&gt;running&lt;/b&gt; shoes</a>?' in html
    )


def test_each_search_is_logged_with_the_visitors_session(client, search_catalog):
    client.get("/search", {"q": "running shoes"})
    log = SearchLog.objects.get()
    assert log.query == "running shoes" and log.total == 3
    # The visitor's anonymous shopper (profiles), so a later login carries the log over.
    assert log.shopper_id is not None and log.shopper_id == client.session["shopper_id"]
    assert log.session_key and log.session_key == client.session.session_key
    client.get("/search", {"q": "boots"})
    assert set(SearchLog.objects.values_list("session_key", flat=True)) == {log.session_key}  # same visitor


@pytest.mark.parametrize(
    ("query", "label", "without"),
    [
        ("red or blue shoes", "red, blue", "shoes"),  # alternatives go together, with their "or"
        ("non-leather boots", "not leather", "boots"),  # the negation goes with what it negates
        ("boots without leather", "not leather", "boots"),
        ("shoes $50-$100", "$50–$100", "shoes"),
        ("headphones 4 stars and up", "4★ & up", "headphones"),
        ("running shoes for men", "men", "running shoes"),
        ("Trailcraft boots, waterproof", "waterproof", "Trailcraft boots"),  # no dangling comma
    ],
)
def test_chip_removal_cuts_exactly_the_words_of_that_constraint(search_catalog, query, label, without):
    vocabulary = get_vocabulary()
    parsed = parse(query, vocabulary)
    constraint = next(c for c in build_constraints(parsed, SearchFilters(), vocabulary) if c.label == label)
    assert query_without(parsed, constraint) == without
