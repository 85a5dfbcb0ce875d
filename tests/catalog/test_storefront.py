"""Storefront pages: home, category listing with facets (plain and htmx), product detail."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog import services
from catalog.selectors import ProductFilters, parse_price_band, price_bands, product_facets, product_list
from catalog.views import attribute_rows
from tests.factories import BrandFactory, ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _category(path: str):
    return services.category_ensure_path(path=path)


def _titles(html: str) -> list[str]:
    """Product titles in the order the grid shows them (the card title links)."""
    return re.findall(r'class="card__title"><a href="/p/\d+/">([^<]+)</a>', html)


@pytest.fixture
def shop():
    """Shoes (Running, Boots) and Electronics, three brands, prices across bands."""
    running = _category("Shoes > Running")
    boots = _category("Shoes > Boots")
    laptops = _category("Electronics > Laptops")
    stride, trail, volt = (BrandFactory(name=n) for n in ("Stride", "Trailcraft", "Volt"))
    make = ProductFactory
    return {
        "running": running,
        "boots": boots,
        "shoes": running.parent,
        "laptops": laptops,
        "brands": (stride, trail, volt),
        "products": {
            "Road Racer": make(
                title="Road Racer",
                category=running,
                brand=stride,
                price=Decimal("79.99"),
                rating=Decimal("4.6"),
                review_count=120,
            ),
            "Tempo Trainer": make(
                title="Tempo Trainer",
                category=running,
                brand=stride,
                price=Decimal("119.00"),
                rating=Decimal("4.1"),
                review_count=40,
            ),
            "Trail Runner": make(
                title="Trail Runner",
                category=running,
                brand=trail,
                price=Decimal("24.50"),
                rating=Decimal("3.4"),
                review_count=8,
                stock=0,
            ),
            "Ridge Boot": make(
                title="Ridge Boot",
                category=boots,
                brand=trail,
                price=Decimal("149.00"),
                rating=Decimal("4.8"),
                review_count=300,
            ),
            "Mud Boot": make(
                title="Mud Boot", category=boots, brand=trail, price=Decimal("45.00"), rating=None, review_count=0
            ),
            "Volt Book 14": make(
                title="Volt Book 14",
                category=laptops,
                brand=volt,
                price=Decimal("999.00"),
                rating=Decimal("4.9"),
                review_count=50,
            ),
        },
    }


# --- Home -----------------------------------------------------------------------------------------


def test_home_lists_categories_subcategories_and_top_rated(client, shop):
    ProductFactory(title="Hidden Gem", category=shop["running"], rating=Decimal("5.0"), is_active=False)
    html = client.get("/").content.decode()

    assert "<title>ShopGuide</title>" in html
    for name in ("Shoes", "Running", "Boots", "Electronics", "Laptops"):
        assert f">{name}</a>" in html
    # Top rated: by rating, then reviews; unrated last; inactive never shown.
    assert _titles(html)[:3] == ["Volt Book 14", "Ridge Boot", "Road Racer"]
    assert _titles(html)[-1] == "Mud Boot"
    assert "Hidden Gem" not in html
    # The search box points at the search page (built later) and is labelled.
    assert 'action="/search"' in html and 'name="q"' in html
    assert '<label for="site-search"' in html


def test_base_layout_is_accessible_and_loads_local_assets(client, shop):
    html = client.get("/").content.decode()
    assert 'href="#main"' in html and 'id="main"' in html  # skip link
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/shopguide.css" in html
    assert (
        "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    )  # no CDN, no external images
    assert '<nav class="site-nav" aria-label="Categories">' in html


def test_home_query_count_is_bounded(client, shop, django_assert_max_num_queries):
    for i in range(20):
        ProductFactory(title=f"Extra {i}", category=shop["boots"], brand=BrandFactory(name=f"Extra brand {i}"))
    with django_assert_max_num_queries(4):
        assert client.get("/").status_code == 200


# --- Category page --------------------------------------------------------------------------------


def test_category_page_shows_products_of_category_and_descendants(client, shop):
    response = client.get(reverse("catalog:category", args=[shop["shoes"].slug]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html
    assert sorted(_titles(html)) == ["Mud Boot", "Ridge Boot", "Road Racer", "Tempo Trainer", "Trail Runner"]
    assert "Volt Book 14" not in html
    assert "5 products" in html
    # Breadcrumb and subcategory links.
    assert re.search(r'<nav class="breadcrumb".*?>ShopGuide</a>.*?aria-current="page">Shoes</a>', html, re.S)
    assert f'href="/c/{shop["running"].slug}/"' in html and f'href="/c/{shop["boots"].slug}/"' in html
    # The nav marks the section we are in.
    assert f'href="/c/{shop["shoes"].slug}/" aria-current="true">Shoes</a>' in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_leaf_category_breadcrumb_runs_from_root(client, shop):
    html = client.get(f"/c/{shop['boots'].slug}/").content.decode()
    assert sorted(_titles(html)) == ["Mud Boot", "Ridge Boot"]
    crumbs = re.findall(
        r'<li><a href="/c/[^"]+/"[^>]*>([^<]+)</a></li>', html.split('class="breadcrumb"')[1].split("</nav>")[0]
    )
    assert crumbs == ["Shoes", "Boots"]


def test_unknown_category_is_404(client, shop):
    assert client.get("/c/no-such-thing/").status_code == 404


def test_brand_facet_filters_and_counts(client, shop):
    url = f"/c/{shop['shoes'].slug}/"
    html = client.get(url, {"brand": "stride"}).content.decode()

    assert sorted(_titles(html)) == ["Road Racer", "Tempo Trainer"]
    # The brand facet ignores its own selection: Trailcraft still shows its 3 shoes, ready to add.
    assert re.search(r'id="facet-brand-stride"[^>]*aria-current="true">Stride <span class="count">\(2\)', html)
    assert re.search(r'id="facet-brand-trailcraft"[^>]*>Trailcraft <span class="count">\(3\)', html)
    # Links toggle: Stride's link removes it, Trailcraft's adds it.
    assert f'href="{url}" hx-get="{url}" aria-current="true">Stride' in html
    assert f'href="{url}?brand=stride&amp;brand=trailcraft"' in html

    both = client.get(url, {"brand": ["stride", "trailcraft"]}).content.decode()
    assert len(_titles(both)) == 5


def test_category_facet_counts_children_under_current_filters(shop):
    facets = product_facets(filters=ProductFilters(category=shop["shoes"], brands=("trailcraft",)))
    assert [(o.label, o.count) for o in facets.categories] == [("Boots", 2), ("Running", 1)]
    roots = product_facets(filters=ProductFilters())
    assert [(o.label, o.count) for o in roots.categories] == [("Electronics", 1), ("Shoes", 5)]


def test_price_band_facet_filters_and_counts_add_up(client, shop):
    shoes = shop["shoes"]
    facets = product_facets(filters=ProductFilters(category=shoes))
    # Every priced shoe lies in exactly one band (upper bounds are exclusive).
    assert sum(o.count for o in facets.prices) == 5
    assert len(facets.prices) >= 2
    for option in facets.prices:
        low, high = parse_price_band(option.key)
        listed = product_list(filters=ProductFilters(category=shoes, min_price=low, max_price=high))
        assert listed.count() == option.count, option

    band = next(o for o in facets.prices if o.count)
    html = client.get(f"/c/{shoes.slug}/", {"price": band.key}).content.decode()
    assert len(_titles(html)) == band.count
    assert re.search(rf'aria-current="true">{re.escape(band.label)} <span class="count">', html)


def test_price_bands_are_round_numbers_from_quantiles(shop):
    from catalog.models import Product

    for price in ("12", "18", "22", "35", "48", "60", "95", "140", "210", "320"):
        ProductFactory(category=shop["laptops"], price=Decimal(price))
    bands = price_bands(Product.objects.active().in_category(shop["laptops"]))
    bounds = [b for b, _ in bands[1:]]
    assert bands[0][0] is None and bands[-1][1] is None
    assert bounds == sorted(bounds)
    assert all(b in {Decimal(n) for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)} for b in bounds)


def test_min_and_max_price_params(client, shop):
    html = client.get(f"/c/{shop['shoes'].slug}/", {"min_price": "40", "max_price": "120"}).content.decode()
    assert sorted(_titles(html)) == ["Mud Boot", "Road Racer", "Tempo Trainer"]
    # The typed-in range shows as a selected option that can be removed.
    assert re.search(r'aria-current="true">\$40 – \$120 <span class="count">\(3\)', html)


def test_rating_facet_filters_and_counts(client, shop):
    url = f"/c/{shop['shoes'].slug}/"
    html = client.get(url, {"rating": "4"}).content.decode()
    assert sorted(_titles(html)) == ["Ridge Boot", "Road Racer", "Tempo Trainer"]
    assert re.search(r'id="facet-rating-4"[^>]*aria-current="true">4★ &amp; up <span class="count">\(3\)', html)
    assert re.search(r'id="facet-rating-3"[^>]*>3★ &amp; up <span class="count">\(4\)', html)


def test_facets_combine_and_stock_toggle(client, shop):
    url = f"/c/{shop['shoes'].slug}/"
    html = client.get(url, {"brand": "trailcraft", "in_stock": "1"}).content.decode()
    assert sorted(_titles(html)) == ["Mud Boot", "Ridge Boot"]  # Trail Runner has no stock
    facets = product_facets(filters=ProductFilters(category=shop["shoes"], brands=("trailcraft",), in_stock=True))
    assert facets.in_stock == 2
    assert {o.key: o.count for o in facets.brands} == {"trailcraft": 2, "stride": 2}
    assert {o.key: o.count for o in facets.ratings} == {"4": 1, "3": 1}


def test_selected_brand_with_no_products_stays_visible(shop):
    facets = product_facets(filters=ProductFilters(category=shop["shoes"], brands=("volt",)))
    volt = next(o for o in facets.brands if o.key == "volt")
    assert volt.selected and volt.count == 0


def test_sort_param_orders_results(client, shop):
    url = f"/c/{shop['shoes'].slug}/"
    assert _titles(client.get(url, {"sort": "price"}).content.decode())[0] == "Trail Runner"
    assert _titles(client.get(url, {"sort": "-price"}).content.decode())[0] == "Ridge Boot"
    # Default order is rating; unrated products come last.
    default = _titles(client.get(url).content.decode())
    assert default[0] == "Ridge Boot" and default[-1] == "Mud Boot"
    assert _titles(client.get(url, {"sort": "nonsense"}).content.decode()) == default


def test_htmx_request_gets_only_the_results_partial(client, shop):
    url = f"/c/{shop['shoes'].slug}/"
    response = client.get(url, {"brand": "stride"}, **HTMX)
    html = response.content.decode()

    assert "<html" not in html and "<header" not in html and "breadcrumb" not in html
    assert sorted(_titles(html)) == ["Road Racer", "Tempo Trainer"]
    assert 'id="facet-brand-trailcraft"' in html  # facets travel with the results
    assert "HX-Request" in response["Vary"]
    # A history restore asks for the whole page.
    restore = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true").content.decode()
    assert "<html" in restore


def test_links_work_without_javascript_and_with_htmx(client, shop):
    html = client.get(f"/c/{shop['shoes'].slug}/").content.decode()
    assert 'id="results" class="results" hx-target="#results" hx-push-url="true"' in html
    # Every hx-get has the same href, so the page works with JavaScript off.
    for href, hx_get in re.findall(r'<a [^>]*href="([^"]+)" hx-get="([^"]+)"', html):
        assert href == hx_get
    assert '<select id="sort" name="sort">' in html and '<label for="sort">' in html


def test_pagination(client, shop):
    running = shop["running"]
    for i in range(30):
        ProductFactory(
            title=f"Pager {i:02d}",
            category=running,
            brand=shop["brands"][0],
            rating=Decimal("2.0"),
            price=Decimal("10"),
        )
    url = f"/c/{running.slug}/"

    first = client.get(url).content.decode()
    assert len(_titles(first)) == 24
    assert "33 products, page 1 of 2" in first
    assert f'href="{url}?page=2"' in first

    second = client.get(url, {"page": "2"}).content.decode()
    assert len(_titles(second)) == 9
    assert set(_titles(first)).isdisjoint(_titles(second))
    assert f'href="{url}" hx-get="{url}" hx-swap="innerHTML show:#results:top" rel="prev"' in second

    # Filter links drop the page: a new filter starts at page one.
    assert "page=2&amp;brand" not in second and "&amp;page=2" not in second.split('rel="prev"')[0]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-3"},
        {"page": "999999999999999999999"},
        {"page": "2.5"},
        {"price": "lots"},
        {"price": "NaN-Infinity"},
        {"price": "1e999-"},
        {"min_price": "-5", "max_price": "1e999999"},
        {"min_price": "abc"},
        {"rating": "high"},
        {"rating": "99"},
        {"brand": ["'; drop table--", "x" * 500]},
        {"sort": "id; delete"},
        {"in_stock": "maybe"},
    ],
)
def test_bad_params_never_500(client, shop, params):
    response = client.get(f"/c/{shop['shoes'].slug}/", params)
    assert response.status_code == 200
    assert len(_titles(response.content.decode())) >= 1


def test_out_of_range_page_shows_last_page(client, shop):
    html = client.get(f"/c/{shop['shoes'].slug}/", {"page": "50"}).content.decode()
    assert len(_titles(html)) == 5


def test_category_query_count_does_not_grow_with_products(client, shop, django_assert_max_num_queries):
    for i in range(24):
        ProductFactory(title=f"Bulk {i}", category=shop["running"], brand=BrandFactory(name=f"Bulk brand {i}"))
    url = f"/c/{shop['shoes'].slug}/"
    # category, ancestors, nav roots + children, facets (5), count, page.
    with django_assert_max_num_queries(12):
        assert client.get(url, {"brand": ["stride", "bulk-brand-3"]}).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(url, **HTMX).status_code == 200


# --- Product page ---------------------------------------------------------------------------------


def test_product_page_shows_facts_breadcrumb_and_attributes(client, shop):
    product = ProductFactory(
        title="Cloud Jogger",
        category=shop["running"],
        brand=shop["brands"][0],
        price=Decimal("1299.5"),
        currency="USD",
        rating=Decimal("4.3"),
        review_count=1234,
        stock=3,
        description="Light and springy.",
        attributes={
            "color": "blue",
            "sizes": ["8", "9", "10"],
            "waterproof": True,
            "features": ["Breathable mesh", "Recycled sole"],
            "specs": {"weight_g": 240, "drop_mm": 8},
        },
    )
    html = client.get(f"/p/{product.pk}/").content.decode()

    assert '<h1 class="product__title">Cloud Jogger</h1>' in html
    assert "<strong>Stride</strong>" in html
    assert "$1,299.50" in html
    assert "4.3" in html and "1,234 reviews" in html
    assert "Only 3 left" in html
    assert "Light and springy." in html
    assert '<th scope="row">Color</th><td>blue</td>' in html
    assert '<th scope="row">Sizes</th><td>8, 9, 10</td>' in html
    assert '<th scope="row">Waterproof</th><td>Yes</td>' in html
    assert '<th scope="row">Weight g</th><td>240</td>' in html
    assert "<li>Breathable mesh</li>" in html and "<li>Recycled sole</li>" in html
    crumbs = html.split('class="breadcrumb"')[1].split("</nav>")[0]
    assert re.findall(r">([^<]+)</a>", crumbs) == ["ShopGuide", "Shoes", "Running"]


@pytest.mark.parametrize(
    ("currency", "shown"), [("USD", "$79.99"), ("EUR", "€79.99"), ("GBP", "£79.99"), ("CAD", "CAD 79.99")]
)
def test_product_price_shows_currency(client, shop, currency, shown):
    product = ProductFactory(category=shop["running"], price=Decimal("79.99"), currency=currency)
    assert shown in client.get(f"/p/{product.pk}/").content.decode()


def test_product_stock_states(client, shop):
    plenty = ProductFactory(category=shop["running"], stock=50)
    none = ProductFactory(category=shop["running"], stock=0)
    assert "In stock" in client.get(f"/p/{plenty.pk}/").content.decode()
    assert "Out of stock" in client.get(f"/p/{none.pk}/").content.decode()


def test_inactive_or_missing_product_is_404(client, shop):
    gone = ProductFactory(category=shop["running"], is_active=False)
    assert client.get(f"/p/{gone.pk}/").status_code == 404
    assert client.get("/p/999999999/").status_code == 404


def test_inactive_products_are_not_listed_or_counted(client, shop):
    ProductFactory(title="Retired Racer", category=shop["running"], brand=shop["brands"][0], is_active=False)
    html = client.get(f"/c/{shop['shoes'].slug}/").content.decode()
    assert "Retired Racer" not in html
    assert re.search(r'id="facet-brand-stride"[^>]*>Stride <span class="count">\(2\)', html)


def test_product_page_query_count(client, shop, django_assert_max_num_queries):
    product = shop["products"]["Road Racer"]
    # product, ancestors, nav roots + children.
    with django_assert_max_num_queries(4):
        assert client.get(f"/p/{product.pk}/").status_code == 200


def test_attribute_rows_pretty_print():
    rows, features = attribute_rows(
        {
            "specs": {"ram": "16 GB", "storage": "512 GB"},
            "material": "aluminium",
            "features": "Backlit keyboard",
            "empty": "",
        }
    )
    assert rows == [("Material", "aluminium"), ("RAM", "16 GB"), ("Storage", "512 GB")]
    assert features == ["Backlit keyboard"]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"brands": ("trailcraft",)},
        {"brands": ("trailcraft", "volt"), "in_stock": True},
        {"min_price": Decimal("40"), "max_price": Decimal("120")},
        {"min_rating": Decimal("4")},
        {"min_rating": Decimal("3.5"), "brands": ("stride",)},
        {"category": "shoes", "brands": ("stride",), "max_price": Decimal("99.99")},
        {"category": "running", "in_stock": True},
    ],
)
def test_facets_for_candidate_ids_match_the_sql_facets(shop, filters):
    """Search counts its few hundred candidates in Python: the numbers must be the category pages' own."""
    from catalog.models import Product
    from catalog.selectors import product_facets_for_ids

    for price in ("12", "18", "35", "60", "95", "210"):
        ProductFactory(category=shop["laptops"], brand=shop["brands"][2], price=Decimal(price), rating=Decimal("3.9"))
    if "category" in filters:
        filters = {**filters, "category": shop[filters["category"]]}
    chosen = ProductFilters(**filters)
    ids = list(Product.objects.exclude(title="Tempo Trainer").values_list("id", flat=True))
    in_python = product_facets_for_ids(filters=chosen, ids=ids)
    in_sql = product_facets(filters=chosen, base=Product.objects.filter(id__in=ids))
    assert in_python == in_sql
    assert in_python.prices and any(o.count for o in in_python.brands)
