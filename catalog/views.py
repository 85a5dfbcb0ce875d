"""Storefront pages: home, category listing with facets, product detail.

Views translate the query string into ProductFilters, call selectors and render. An htmx request
for a listing gets only the results partial; every link it swaps also works as a plain link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

from catalog.models import Category
from catalog.selectors import (
    SORTS,
    FacetOption,
    ProductFilters,
    category_ancestors,
    category_by_slug,
    category_roots,
    parse_price,
    parse_price_band,
    price_band_key,
    product_detail,
    product_facets,
    product_list,
)


class HtmxHttpRequest(HttpRequest):
    """HttpRequest as HtmxMiddleware leaves it (django-htmx documents this pattern; it ships no such class)."""

    htmx: HtmxDetails


PAGE_SIZE = 24
TOP_RATED_COUNT = 8
DEFAULT_SORT = "relevance"
SORT_CHOICES = [
    ("relevance", "Featured"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("rating", "Customer rating"),
    ("newest", "Newest"),
]
# Bounds on what a query string may ask for: a hand-made URL must not become a huge IN list.
MAX_BRANDS = 30
_SLUG_RE = re.compile(r"^[-\w]{1,140}$")
# Element ids are looked up with CSS selectors (htmx restores focus by id); "." would break them.
_ID_UNSAFE = re.compile(r"[^\w-]")


def storefront_context() -> dict[str, Any]:
    """What base.html needs on every page: the top categories for the nav, fetched once per request."""
    return {"nav_categories": category_roots()}


def wants_partial(request: HtmxHttpRequest) -> bool:
    # A history restore (back button after the local cache was evicted) swaps the whole page.
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- Query string ⇄ filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListingParams:
    """The shopper's listing choices as read from the query string, malformed values dropped."""

    brands: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: Decimal | None = None
    in_stock: bool = False
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, query: QueryDict) -> ListingParams:
        brands = tuple(dict.fromkeys(b for b in query.getlist("brand") if _SLUG_RE.match(b)))[:MAX_BRANDS]
        band = parse_price_band(query.get("price"))
        low, high = (
            band if band is not None else (parse_price(query.get("min_price")), parse_price(query.get("max_price")))
        )
        if low is not None and high is not None and low > high:
            low, high = high, low
        sort = query.get("sort", DEFAULT_SORT)
        return cls(
            brands=brands,
            min_price=low,
            max_price=high,
            min_rating=_parse_rating(query.get("rating")),
            in_stock=query.get("in_stock", "") in {"1", "true", "on"},
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    def filters(self, *, category: Category | None) -> ProductFilters:
        return ProductFilters(
            category=category,
            brands=self.brands,
            min_price=self.min_price,
            max_price=self.max_price,
            min_rating=self.min_rating,
            in_stock=self.in_stock,
            sort=self.sort,
        )

    @property
    def has_filters(self) -> bool:
        return bool(
            self.brands or self.min_price is not None or self.max_price is not None or self.min_rating or self.in_stock
        )

    def items(self, *, exclude: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        """The canonical query parameters (price always as one band key), minus ``exclude``."""
        items = [("brand", b) for b in self.brands]
        if self.min_price is not None or self.max_price is not None:
            items.append(("price", price_band_key(self.min_price, self.max_price)))
        if self.min_rating is not None:
            items.append(("rating", format(self.min_rating.normalize(), "f")))
        if self.in_stock:
            items.append(("in_stock", "1"))
        if self.sort != DEFAULT_SORT:
            items.append(("sort", self.sort))
        return [(k, v) for k, v in items if k not in exclude]

    def query(self, *, page: int | None = None, **changes: Any) -> str:
        """ "?brand=a&price=25-49.99" for these choices with ``changes``; the page resets unless given."""
        items = replace(self, **changes).items() if changes else self.items()
        if page is not None and page > 1:
            items.append(("page", str(page)))
        return "?" + urlencode(items) if items else ""


def _parse_rating(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or not 0 < value <= 5:
        return None
    return value.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class FacetLink:
    """A facet option as the page shows it: a link that toggles the option (href works without JS)."""

    id: str
    label: str
    count: int
    selected: bool
    href: str


def facet_toggle_links(path: str, params: ListingParams, name: str, options: list[FacetOption]) -> list[FacetLink]:
    links = []
    for option in options:
        if option.count == 0 and not option.selected:
            continue
        if name == "brand":
            brands = (
                tuple(b for b in params.brands if b != option.key) if option.selected else (*params.brands, option.key)
            )
            changes: dict[str, Any] = {"brands": brands}
        elif name == "price":
            low, high = parse_price_band(option.key) or (None, None)
            changes = (
                {"min_price": None, "max_price": None} if option.selected else {"min_price": low, "max_price": high}
            )
        else:  # rating
            changes = {"min_rating": None if option.selected else Decimal(option.key)}
        links.append(
            FacetLink(
                id=f"facet-{name}-{_ID_UNSAFE.sub('_', option.key)}",
                label=option.label,
                count=option.count,
                selected=option.selected,
                href=path + params.query(**changes),
            )
        )
    return links


def _listing_context(request: HtmxHttpRequest, params: ListingParams, filters: ProductFilters) -> dict[str, Any]:
    """The results region: facets, sort, product grid and pagination."""
    path = request.path
    facets = product_facets(filters=filters)
    page = Paginator(product_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    page_links = [
        {"number": n, "href": path + params.query(page=n) if isinstance(n, int) else None, "current": n == page.number}
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return {
        "params": params,
        "page": page,
        "products": page.object_list,
        "page_links": page_links,
        "prev_href": path + params.query(page=page.previous_page_number()) if page.has_previous() else None,
        "next_href": path + params.query(page=page.next_page_number()) if page.has_next() else None,
        "facets": facets,
        "child_links": [
            {
                "label": option.label,
                "count": option.count,
                "href": reverse("catalog:category", args=[option.key]) + params.query(),
            }
            for option in facets.categories
            if option.count
        ],
        "brand_links": facet_toggle_links(path, params, "brand", facets.brands),
        "price_links": facet_toggle_links(path, params, "price", facets.prices),
        "rating_links": facet_toggle_links(path, params, "rating", facets.ratings),
        "in_stock_href": path + params.query(in_stock=not params.in_stock),
        "clear_href": path + params.query(brands=(), min_price=None, max_price=None, min_rating=None, in_stock=False),
        "sort_choices": SORT_CHOICES,
        "sort_hidden": params.items(exclude=frozenset({"sort"})),
        "price_hidden": params.items(exclude=frozenset({"price"})),
    }


# --- Pages ----------------------------------------------------------------------------------------


def home(request: HtmxHttpRequest) -> HttpResponse:
    top_rated = list(product_list(filters=ProductFilters(sort="rating"))[:TOP_RATED_COUNT])
    return render(request, "catalog/home.html", {**storefront_context(), "top_rated": top_rated})


def category_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    category = category_by_slug(slug)
    if category is None:
        raise Http404("No such category.")
    params = ListingParams.from_query(request.GET)
    context = {"category": category, **_listing_context(request, params, params.filters(category=category))}
    if wants_partial(request):
        response = render(request, "catalog/category.html#results", context)
    else:
        ancestors = category_ancestors(category)
        context |= storefront_context() | {"ancestors": ancestors, "current_root": ancestors[0] if ancestors else None}
        response = render(request, "catalog/category.html", context)
    # Same URL, two bodies: caches and the browser's back button must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def product_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    product = product_detail(pk=pk)
    if product is None:
        raise Http404("No such product.")
    ancestors = category_ancestors(product.category) if product.category else []
    rows, features = attribute_rows(product.attributes or {})
    context = {
        **storefront_context(),
        "product": product,
        "ancestors": ancestors,
        "current_root": ancestors[0] if ancestors else None,
        "attribute_rows": rows,
        "features": features,
    }
    return render(request, "catalog/product.html", context)


# --- Product attributes, for people ---------------------------------------------------------------

ATTRIBUTE_ORDER = ["color", "material", "sizes", "size", "gender", "style"]
# Keys whose capitalised form would read wrong.
ATTRIBUTE_LABELS = {"ram": "RAM", "cpu": "CPU", "gpu": "GPU", "usb": "USB", "hdmi": "HDMI", "ssd": "SSD", "spf": "SPF"}


def _label(key: str) -> str:
    key = str(key)
    return ATTRIBUTE_LABELS.get(key.lower()) or key.replace("_", " ").strip().capitalize()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(v)}" for k, v in value.items())
    return str(value)


def attribute_rows(attributes: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """(label, value) rows for the attributes table and the features as a list.

    Sizes read "S, M, L"; each spec (``specs``: storage, ram, ...) gets its own row; features,
    being sentences, are shown as a bulleted list rather than squeezed into a cell.
    """
    rows: list[tuple[str, str]] = []
    features: list[str] = []
    keys = sorted(
        attributes, key=lambda k: (ATTRIBUTE_ORDER.index(k) if k in ATTRIBUTE_ORDER else len(ATTRIBUTE_ORDER), k)
    )
    for key in keys:
        value = attributes[key]
        if value in (None, "", [], {}):
            continue
        if key == "features":
            features = [str(f) for f in (value if isinstance(value, list) else [value]) if f not in (None, "")]
        elif isinstance(value, dict):
            rows += [(_label(k), _value(v)) for k, v in value.items() if v not in (None, "", [], {})]
        else:
            rows.append((_label(key), _value(value)))
    return rows, features
