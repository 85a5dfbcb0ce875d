"""Catalog reads: listing filters and facet counts shared by the storefront and the REST API."""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Aggregate, Count, F, Q

from catalog.formatting import price_range_label
from catalog.models import Brand, Category, Product
from catalog.querysets import ProductQuerySet

# Descending sorts put unrated/unpriced products last: Postgres sorts NULLs first on DESC by default.
SORTS = {
    "relevance": (F("rating").desc(nulls_last=True), F("review_count").desc(), "id"),
    "price": (F("price").asc(nulls_last=True), "id"),
    "-price": (F("price").desc(nulls_last=True), "id"),
    "rating": (F("rating").desc(nulls_last=True), F("review_count").desc(), "id"),
    "newest": ("-created_at", "-id"),
}

BRAND_FACET_SIZE = 20
RATING_THRESHOLDS = (Decimal(4), Decimal(3))
PRICE_QUANTILES = (0.2, 0.4, 0.6, 0.8)
# Whatever a query string says, a price stays inside what Product.price can hold (max_digits=12, 2 places).
MAX_PRICE = Decimal("9999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProductFilters:
    category: Category | None = None
    brands: tuple[str, ...] = ()  # brand slugs
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: Decimal | None = None
    in_stock: bool = False
    sort: str = "relevance"


def _conditions(filters: ProductFilters) -> dict[str, Q]:
    """One Q per facet, so that listing and facet counts apply the very same predicates."""
    price = Q()
    if filters.min_price is not None:
        price &= Q(price__gte=filters.min_price)
    if filters.max_price is not None:
        price &= Q(price__lte=filters.max_price)
    return {
        "brand": Q(brand__slug__in=filters.brands) if filters.brands else Q(),
        "price": price,
        "rating": Q(rating__gte=filters.min_rating) if filters.min_rating is not None else Q(),
        "stock": Q(stock__gt=0) if filters.in_stock else Q(),
    }


def _all_but(conditions: dict[str, Q], *skip: str) -> Q:
    q = Q()
    for name, condition in conditions.items():
        if name not in skip:
            q &= condition
    return q


def _scope(filters: ProductFilters, base: ProductQuerySet | None) -> ProductQuerySet:
    qs = base if base is not None else Product.objects.active()
    if filters.category is not None:
        qs = qs.in_category(filters.category)
    return qs


def product_list(*, filters: ProductFilters) -> ProductQuerySet:
    """Active products matching the filters, ready for listing (brand and category joined)."""
    qs = _scope(filters, Product.objects.active().for_listing())
    qs = qs.filter(_all_but(_conditions(filters)))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["relevance"]))


def product_detail(*, pk: int) -> Product | None:
    """An active product with its brand and category, or None (inactive products are not for sale)."""
    return Product.objects.active().for_listing().filter(pk=pk).first()


# --- Facets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetOption:
    key: str  # what goes in the query string: category or brand slug, price band key, rating
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class Facets:
    categories: list[FacetOption]  # children of the filtered category (roots without one)
    brands: list[FacetOption]
    prices: list[FacetOption]
    ratings: list[FacetOption]
    in_stock: int  # products that would remain with "in stock only"


class _Percentiles(Aggregate):
    """percentile_disc over an array of fractions: several quantiles from one sort."""

    function = "percentile_disc"
    template = "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: str, fractions: tuple[float, ...]) -> None:
        super().__init__(
            expression,
            output_field=ArrayField(models.DecimalField(max_digits=12, decimal_places=2)),
            fractions=",".join(str(float(f)) for f in fractions),
        )


def _count(q: Q) -> Count:
    # An empty Q as an aggregate FILTER does not compile to "no filter"; leave it off instead.
    return Count("id", filter=q) if q else Count("id")


def product_facets(*, filters: ProductFilters, base: ProductQuerySet | None = None) -> Facets:
    """Counts for each facet option, computed as if that facet's own selection were lifted.

    Selecting brand A still shows how many products brand B has (brands are OR-ed), and the
    counts add up to what the listing shows when that option is picked. ``base`` narrows the
    products considered (search matches); by default all active products.

    Five queries whatever the catalog size: category GROUP BY, brand GROUP BY (plus one or two
    when a selected brand is outside the top 20), price quantiles, and one conditional
    aggregate for price bands, ratings and stock.
    """
    scope = _scope(filters, base).order_by()  # an ORDER BY would leak into GROUP BY
    conditions = _conditions(filters)
    return Facets(
        categories=_category_facet(filters, scope.filter(_all_but(conditions))),
        brands=_brand_facet(filters, scope.filter(_all_but(conditions, "brand"))),
        **_band_facets(filters, scope, conditions),
    )


def _category_facet(filters: ProductFilters, qs: ProductQuerySet) -> list[FacetOption]:
    rows = qs.filter(category__isnull=False).values_list("category__tree_key").annotate(n=Count("id"))
    return _category_options(filters, rows)


def _category_options(
    filters: ProductFilters, counts: Iterable[tuple[str | None, int]], version: str | None = None
) -> list[FacetOption]:
    """Counts per leaf tree key folded into the children of the filtered category (roots without one):
    one GROUP BY (or one pass over candidates), no query per child. ``version``: the catalog version the
    caller read (search does); the children are then remembered per version in this process."""
    parent = filters.category
    children = _children(parent, version)
    if not children:
        return []
    segments = (parent.depth + 2) if parent is not None else 1
    per_child: dict[str, int] = {}
    for tree_key, n in counts:
        parts = tree_key.strip("/").split("/") if tree_key else []
        if len(parts) >= segments:
            key = "/" + "/".join(parts[:segments]) + "/"
            per_child[key] = per_child.get(key, 0) + n
    options = [FacetOption(key=c.slug, label=c.name, count=per_child.get(c.tree_key, 0)) for c in children]
    return sorted(options, key=lambda o: o.label.casefold())


class _Child(NamedTuple):
    slug: str
    name: str
    tree_key: str


_children_cache: dict[tuple[str, int | None], list[_Child]] = {}


def _children(parent: Category | None, version: str | None) -> list[_Child]:
    """The category's children (the roots for None). With a catalog version, from this process's memory: a
    category saved or deleted bumps the version (catalog/receivers.py), so a remembered list is never stale."""
    key = (version, parent.pk if parent is not None else None) if version is not None else None
    cached = _children_cache.get(key) if key is not None else None
    if cached is not None:
        return cached
    qs = Category.objects.filter(parent=parent) if parent is not None else Category.objects.filter(parent__isnull=True)
    children = [_Child(*row) for row in qs.values_list("slug", "name", "tree_key")]
    if key is not None:
        # list(): a copy of the keys taken at once, so another thread's insert cannot break the loop.
        if len(_children_cache) > 1000 or any(k[0] != version for k in list(_children_cache)):
            _children_cache.clear()  # another catalog version: the old lists are of no more use
        _children_cache[key] = children
    return children


def _brand_facet(filters: ProductFilters, qs: ProductQuerySet) -> list[FacetOption]:
    grouped = qs.filter(brand__isnull=False).values("brand__slug", "brand__name").annotate(n=Count("id"))
    rows = list(grouped.order_by("-n", "brand__name")[:BRAND_FACET_SIZE])
    selected = set(filters.brands)
    missing = selected - {r["brand__slug"] for r in rows}
    if missing:
        # A selected brand must stay visible (to be unticked) even outside the top list or at zero.
        extra = {r["brand__slug"]: r for r in grouped.filter(brand__slug__in=missing).order_by()}
        for brand in Brand.objects.filter(slug__in=missing).order_by("name"):
            rows.append(extra.get(brand.slug, {"brand__slug": brand.slug, "brand__name": brand.name, "n": 0}))
    return [
        FacetOption(key=r["brand__slug"], label=r["brand__name"], count=r["n"], selected=r["brand__slug"] in selected)
        for r in rows
    ]


def _band_facets(filters: ProductFilters, scope: ProductQuerySet, conditions: dict[str, Q]) -> dict:
    bands = price_bands(scope)
    band_options: list[tuple[str, str, Q, bool]] = []
    for low, high in bands:
        max_price = high - CENT if high is not None else None
        selected = filters.min_price == low and filters.max_price == max_price
        q = _price_q(low, max_price)
        band_options.append(
            (price_band_key(low, max_price), price_range_label(low, high, upper_exclusive=True), q, selected)
        )
    has_price = filters.min_price is not None or filters.max_price is not None
    if has_price and not any(o[3] for o in band_options):
        # A typed-in range (or bands that moved since the link was made) still shows, selected.
        band_options.append(
            (
                price_band_key(filters.min_price, filters.max_price),
                price_range_label(filters.min_price, filters.max_price),
                conditions["price"],
                True,
            )
        )

    thresholds = list(RATING_THRESHOLDS)
    if filters.min_rating is not None and filters.min_rating not in thresholds:
        thresholds.append(filters.min_rating)
        thresholds.sort(reverse=True)

    others_price = _all_but(conditions, "brand", "price")
    others_rating = _all_but(conditions, "brand", "rating")
    others_stock = _all_but(conditions, "brand", "stock")
    aggregates = {f"p{i}": _count(q & others_price) for i, (_, _, q, _) in enumerate(band_options)}
    aggregates |= {f"r{i}": _count(Q(rating__gte=t) & others_rating) for i, t in enumerate(thresholds)}
    aggregates["stock"] = _count(Q(stock__gt=0) & others_stock)
    counts = scope.filter(conditions["brand"]).aggregate(**aggregates)

    prices = [
        FacetOption(key=key, label=label, count=counts[f"p{i}"], selected=selected)
        for i, (key, label, _, selected) in enumerate(band_options)
    ]
    ratings = [
        FacetOption(key=_plain(t), label=f"{_plain(t)}★ & up", count=counts[f"r{i}"], selected=t == filters.min_rating)
        for i, t in enumerate(thresholds)
    ]
    return {"prices": prices, "ratings": ratings, "in_stock": counts["stock"]}


# --- Facets over a few hundred candidates (search): one row fetch, counted in Python ----------------


class FacetRow(NamedTuple):
    """What search facets read of one candidate (``FACET_COLUMNS``, in this order)."""

    tree_key: str | None
    brand_slug: str | None
    brand_name: str | None
    price: Decimal | None
    rating: Decimal | None
    stock: int
    is_active: bool


FACET_COLUMNS = ("category__tree_key", "brand__slug", "brand__name", "price", "rating", "stock", "is_active")


def _passes(row: FacetRow, filters: ProductFilters, *skip: str) -> bool:
    if "brand" not in skip and filters.brands and row.brand_slug not in filters.brands:
        return False
    if "price" not in skip and not _price_ok(row.price, filters.min_price, filters.max_price):
        return False
    if (
        "rating" not in skip
        and filters.min_rating is not None
        and (row.rating is None or row.rating < filters.min_rating)
    ):
        return False
    return "stock" in skip or not filters.in_stock or row.stock > 0


def _price_ok(price: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    return price is not None and (low is None or price >= low) and (high is None or price <= high)


def product_facets_for_ids(
    *,
    filters: ProductFilters,
    ids: list[int],
    rows: Mapping[int, FacetRow] | None = None,
    version: str | None = None,
) -> Facets:
    """The same counts as ``product_facets(base=Product.objects.filter(id__in=ids))``, from one query.

    Search facets count a few hundred candidates: fetching them once and counting here is several
    times faster than the five aggregate queries, which pay off only over whole categories. ``rows``:
    the ids' rows when the caller fetched them already (search's re-ranking query does); inactive
    products and those outside the filtered category are then left out here rather than in SQL.
    ``version``: the catalog version the caller read, to reuse the category tree this process knows.
    """
    if rows is None:
        qs = _scope(filters, Product.objects.active().filter(id__in=ids)).order_by()
        candidates = [FacetRow(*values) for values in qs.values_list(*FACET_COLUMNS)]
    else:
        prefix = filters.category.tree_key if filters.category is not None else None
        candidates = [
            row
            for row in (rows.get(pk) for pk in dict.fromkeys(ids))
            if row is not None
            and row.is_active
            and (prefix is None or (row.tree_key is not None and row.tree_key.startswith(prefix)))
        ]
    ticked = _ticked(filters)
    return Facets(
        categories=_category_options(
            filters, ((r.tree_key, 1) for r in candidates if not ticked or _passes(r, filters)), version
        ),
        brands=_brand_facet_rows(filters, [r for r in candidates if not ticked or _passes(r, filters, "brand")]),
        **_band_facets_rows(filters, candidates),
    )


def _brand_facet_rows(filters: ProductFilters, rows: list[FacetRow]) -> list[FacetOption]:
    counts: dict[str, list] = {}
    for row in rows:
        if row.brand_slug is not None:
            entry = counts.setdefault(row.brand_slug, [row.brand_name, 0])
            entry[1] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1][1], item[1][0]))[:BRAND_FACET_SIZE]
    options = [(slug, name, n) for slug, (name, n) in ordered]
    selected = set(filters.brands)
    missing = selected - {slug for slug, _, _ in options}
    if missing:
        for brand in Brand.objects.filter(slug__in=missing).order_by("name"):
            options.append((brand.slug, brand.name, counts.get(brand.slug, [None, 0])[1]))
    return [FacetOption(key=slug, label=name, count=n, selected=slug in selected) for slug, name, n in options]


def _percentiles(values: list[Decimal], fractions: tuple[float, ...]) -> list[Decimal]:
    """Postgres' percentile_disc: the first value whose cumulative share reaches the fraction."""
    values = sorted(values)
    return [values[max(0, math.ceil(f * len(values)) - 1)] for f in fractions] if values else []


def _bands_from_quantiles(quantiles: list[Decimal]) -> list[tuple[Decimal | None, Decimal | None]]:
    bounds = sorted({b for b in (_nice(Decimal(v)) for v in quantiles if v is not None) if b > 0})
    if not bounds:
        return []
    edges: list[Decimal | None] = [None, *bounds, None]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _band_facets_rows(filters: ProductFilters, rows: list[FacetRow]) -> dict:
    bands = _bands_from_quantiles(_percentiles([r.price for r in rows if r.price is not None], PRICE_QUANTILES))
    options: list[tuple[str, str, Decimal | None, Decimal | None, bool]] = []
    for low, high in bands:
        max_price = high - CENT if high is not None else None
        selected = filters.min_price == low and filters.max_price == max_price
        options.append(
            (
                price_band_key(low, max_price),
                price_range_label(low, high, upper_exclusive=True),
                low,
                max_price,
                selected,
            )
        )
    has_price = filters.min_price is not None or filters.max_price is not None
    if has_price and not any(o[4] for o in options):
        options.append(
            (
                price_band_key(filters.min_price, filters.max_price),
                price_range_label(filters.min_price, filters.max_price),
                filters.min_price,
                filters.max_price,
                True,
            )
        )
    thresholds = list(RATING_THRESHOLDS)
    if filters.min_rating is not None and filters.min_rating not in thresholds:
        thresholds.append(filters.min_rating)
        thresholds.sort(reverse=True)

    ticked = _ticked(filters)  # none ticked (most searches): every row passes every facet's test
    but_price = [r for r in rows if _passes(r, filters, "price")] if ticked else rows
    but_rating = [r for r in rows if _passes(r, filters, "rating")] if ticked else rows
    but_stock = [r for r in rows if _passes(r, filters, "stock")] if ticked else rows
    # Counted by bisection in the sorted values: a band holds the prices in [low, high].
    priced = sorted(r.price for r in but_price if r.price is not None)
    rated = sorted(r.rating for r in but_rating if r.rating is not None)
    prices = [
        FacetOption(
            key=key,
            label=label,
            count=len(but_price)  # no bounds at all: every row, priced or not (as _price_ok says)
            if low is None and high is None
            else (bisect_right(priced, high) if high is not None else len(priced))
            - (bisect_left(priced, low) if low is not None else 0),
            selected=selected,
        )
        for key, label, low, high, selected in options
    ]
    ratings = [
        FacetOption(
            key=_plain(t),
            label=f"{_plain(t)}★ & up",
            count=len(rated) - bisect_left(rated, t),
            selected=t == filters.min_rating,
        )
        for t in thresholds
    ]
    return {"prices": prices, "ratings": ratings, "in_stock": sum(1 for r in but_stock if r.stock > 0)}


def _ticked(filters: ProductFilters) -> bool:
    """Whether any box that ``_passes`` tests is ticked (brand, price, rating, stock)."""
    return bool(
        filters.brands
        or filters.min_price is not None
        or filters.max_price is not None
        or filters.min_rating is not None
        or filters.in_stock
    )


def _price_q(low: Decimal | None, high: Decimal | None) -> Q:
    q = Q()
    if low is not None:
        q &= Q(price__gte=low)
    if high is not None:
        q &= Q(price__lte=high)
    return q


def price_bands(qs: ProductQuerySet) -> list[tuple[Decimal | None, Decimal | None]]:
    """Bands for these products from their price quintiles, rounded to numbers people use.

    Shoes get "$25 – $50", laptops "$500 – $1,000": fixed bands would put a whole category in
    one band. Bands are computed over the category (not the brand/rating selection) so they
    stay put while the shopper ticks boxes. Each band is [low, high): the upper bound is
    exclusive, and a band's filter is ``max_price = high - 0.01`` so no product counts twice.
    """
    quantiles = qs.aggregate(q=_Percentiles("price", PRICE_QUANTILES))["q"]
    return _bands_from_quantiles(quantiles or [])


def _nice(value: Decimal) -> Decimal:
    """The nearest of 1, 2, 2.5, 5 × 10ⁿ (on a log scale): 23.70 → 25, 88 → 100, 160 → 200."""
    if value <= 0:
        return Decimal(0)
    exponent = math.floor(math.log10(value))
    candidates = [
        Decimal(m) * Decimal(10) ** e for e in (exponent - 1, exponent, exponent + 1) for m in ("1", "2", "2.5", "5")
    ]
    best = min(candidates, key=lambda c: abs(math.log(float(c) / float(value))))
    return best.quantize(CENT)


def _plain(value: Decimal) -> str:
    """25 rather than 25.00 or 2.5E+1, for query strings and labels."""
    return format(value.normalize(), "f")


def price_band_key(low: Decimal | None, high: Decimal | None) -> str:
    """ "25-49.99", "-24.99" (up to), "200-" (and up): readable in a URL, parsed by parse_price_band."""
    return f"{_plain(low) if low is not None else ''}-{_plain(high) if high is not None else ''}"


_BAND_RE = re.compile(r"^\s*(\d{0,10}(?:\.\d{1,2})?)\s*-\s*(\d{0,10}(?:\.\d{1,2})?)\s*$")


def parse_price(text: str | None) -> Decimal | None:
    """A non-negative amount within what a price can hold, or None for anything else."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        return None
    return value.quantize(CENT)


def parse_price_band(key: str | None) -> tuple[Decimal | None, Decimal | None] | None:
    """(low, high) from a band key, or None when the key is malformed or says nothing."""
    match = _BAND_RE.match(key or "")
    if match is None:
        return None
    low, high = (parse_price(g) if g else None for g in match.groups())
    if low is None and high is None:
        return None
    return low, high


# --- Categories and brands ------------------------------------------------------------------------


def category_by_slug(slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def category_roots() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).prefetch_related("children").order_by("name"))


def category_ancestors(category: Category) -> list[Category]:
    """Root first, the category itself last (one query through the materialised tree keys)."""
    parts = category.tree_key.strip("/").split("/")
    keys = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return list(Category.objects.filter(tree_key__in=keys).order_by("depth"))


def categories_with_counts() -> list[Category]:
    """Every category ordered by path, each with ``product_count``: active products in it and below it.

    One GROUP BY over products per leaf, rolled up the tree in Python through the tree keys, rather
    than a correlated count per category (thousands of categories × a million products).
    """
    categories = list(Category.objects.order_by("path"))
    direct = dict(
        Product.objects.active()
        .filter(category__isnull=False)
        .order_by()
        .values_list("category_id")
        .annotate(n=Count("id"))
    )
    by_key = {c.tree_key: c for c in categories}
    for category in categories:
        category.product_count = 0
    for category in categories:
        n = direct.get(category.pk, 0)
        if not n:
            continue
        parts = category.tree_key.strip("/").split("/")
        for i in range(len(parts)):
            ancestor = by_key.get("/" + "/".join(parts[: i + 1]) + "/")
            if ancestor is not None:
                ancestor.product_count += n
    return categories


def brands_with(q: Q | None = None) -> list[Brand]:
    return list(Brand.objects.filter(q or Q()).order_by("name"))
