"""Storefront search: the results page (/search) and the suggestions under the search box (/search/suggest).

The page shows what was understood as removable chips, the reasons for every result, and the same
facets, sort and pagination as a category page (an htmx request gets only the results region).
A chip that stands for words of the query removes those words from ``q``; a chip for a filter picked
in the UI drops that filter's parameter.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from catalog.views import (
    SORT_CHOICES,
    FacetLink,
    HtmxHttpRequest,
    ListingParams,
    facet_toggle_links,
    storefront_context,
    wants_partial,
)
from profiles.models import Event
from profiles.services import EventInput, event_record_many, shopper_for_request
from recommend.search.engine import SearchFilters, SearchResult, search
from recommend.search.parser import MAX_QUERY_LENGTH, query_cost, query_too_long
from recommend.search.refine import constraint_spans, query_without
from recommend.search.suggest import Suggestions, popular_searches, search_url, suggest
from recommend.search.vocabulary import get_vocabulary
from shopguide.text import one_line
from shopguide.throttling import throttle

PAGE_SIZE = 24
MAX_QUERY = MAX_QUERY_LENGTH  # what the parser reads; a longer query is cut, and the page says so
MAX_PAGE = 1000
POPULAR_SHOWN = 8
SEARCH_SORT_CHOICES = [("relevance", "Best match"), *SORT_CHOICES[1:]]
_CATEGORY_RE = re.compile(r"^[-\w]{1,200}$")
_ID_UNSAFE = re.compile(r"[^\w-]")
# Which parameters a chip for a UI filter drops (ListingParams/SearchParams field changes).
FILTER_CHANGES: dict[str, dict[str, Any]] = {
    "category": {"category": None},
    "brand": {"brands": ()},
    "price": {"min_price": None, "max_price": None},
    "rating": {"min_rating": None},
    "stock": {"in_stock": False},
}


@dataclass(frozen=True)
class SearchParams(ListingParams):
    """The listing choices of a category page, plus the words and the category filter of a search."""

    q: str = ""
    category: str | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> SearchParams:
        listing = ListingParams.from_query(query)
        q = one_line(query.get("q", ""), limit=MAX_QUERY)
        category = query.get("category") or None
        # An unknown category would silently empty the page: drop it like any malformed value.
        if category is not None and (
            not _CATEGORY_RE.match(category) or category not in get_vocabulary().category_keys
        ):
            category = None
        return cls(**asdict(listing), q=q, category=category)

    def items(self, *, exclude: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        head = [("q", self.q)] if self.q else []
        if self.category:
            head.append(("category", self.category))
        return [(k, v) for k, v in head if k not in exclude] + super().items(exclude=exclude)

    @property
    def has_filters(self) -> bool:
        return super().has_filters or self.category is not None

    def search_filters(self) -> SearchFilters:
        return SearchFilters(
            category=self.category,
            brands=self.brands,
            min_price=self.min_price,
            max_price=self.max_price,
            min_rating=self.min_rating,
            in_stock=self.in_stock,
        )


@dataclass(frozen=True)
class Chip:
    """One understood constraint on the page, with the link that searches again without it."""

    kind: str
    label: str
    negated: bool
    source: str
    remove_href: str
    # Removing a UI filter keeps the words, so only the results region changes (htmx); removing words
    # changes the query itself, its heading and the search box, so that link loads the whole page.
    partial: bool


def _page_number(text: str | None) -> int:
    try:
        number = int(text or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def _session_key(request: HtmxHttpRequest) -> str:
    # The search log ties a visitor's searches together by session; a first visit has none yet.
    if request.session.session_key is None:
        request.session.save()
        request.session.modified = True  # so the middleware sends the cookie for the new session
    return request.session.session_key or ""


def _run_search(request: HtmxHttpRequest, params: SearchParams) -> SearchResult:
    page = _page_number(request.GET.get("page"))
    shopper = shopper_for_request(request)
    if page == 1 and not wants_partial(request):
        # A new query is a search event; paging or ticking a facet (htmx) refines the same one.
        event = EventInput(kind=Event.Kind.SEARCH, query=params.q, surface=Event.Surface.SEARCH)
        event_record_many(shopper=shopper, events=[event])
    kwargs: dict[str, Any] = {
        "q": params.q,
        "filters": params.search_filters(),
        "page_size": PAGE_SIZE,
        "sort": params.sort,
        # A shopper who paused personalisation is logged for the shop's statistics only, unnamed.
        "shopper_id": shopper.pk if shopper and not shopper.personalization_paused else None,
        "session_key": _session_key(request) if shopper and not shopper.personalization_paused else "",
    }
    result = search(page=page, **kwargs)
    if page > result.pages:
        # A stale or hand-made page number: show the last page rather than an empty one (logged once).
        result = search(page=result.pages, log=False, **kwargs)
    return result


def _chips(path: str, params: SearchParams, result: SearchResult) -> list[Chip]:
    chips = []
    brand_names = {option.key: option.label for option in result.facets.brands}
    # In the order the shopper wrote them; filters picked in the UI after the words.
    spans = {id(c): constraint_spans(result.parsed, c) for c in result.constraints}
    ordered = sorted(result.constraints, key=lambda c: spans[id(c)][0][0] if spans[id(c)] else MAX_QUERY + 1)
    for constraint in ordered:
        label = constraint.label
        if constraint.source == "query":
            href, partial = path + params.query(q=query_without(result.parsed, constraint)), False
        else:
            href, partial = path + params.query(**FILTER_CHANGES.get(constraint.kind, {})), True
            if constraint.kind == "brand":  # the engine labels picked brands by slug; a shopper reads names
                label = ", ".join(brand_names.get(slug, slug) for slug in params.brands)
        chips.append(Chip(constraint.kind, label, constraint.negated, constraint.source, href, partial))
    return chips


def _category_links(path: str, params: SearchParams, result: SearchResult) -> list[FacetLink]:
    """The picked category (to untick) and its subcategories (or the top categories) to narrow to."""
    links = []
    if params.category:
        name = get_vocabulary().category_keys.get(params.category, (None, params.category))[1]
        links.append(
            FacetLink(
                id="facet-category-" + _ID_UNSAFE.sub("_", params.category),
                label=name,
                count=result.total,  # every candidate lies in the picked category
                selected=True,
                href=path + params.query(category=None),
            )
        )
    for option in result.facets.categories:
        if option.count:
            links.append(
                FacetLink(
                    id="facet-category-" + _ID_UNSAFE.sub("_", option.key),
                    label=option.label,
                    count=option.count,
                    selected=False,
                    href=path + params.query(category=option.key),
                )
            )
    return links


def _results_context(path: str, params: SearchParams, result: SearchResult) -> dict[str, Any]:
    facets = result.facets
    # A Paginator over a range: the same elided page links as the category page, without a queryset.
    page: Page = Paginator(range(result.total), PAGE_SIZE).get_page(result.page)
    page_links = [
        {"number": n, "href": path + params.query(page=n) if isinstance(n, int) else None, "current": n == page.number}
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return {
        "result": result,
        "hits": result.hits,
        "page": page,
        "page_links": page_links,
        "prev_href": path + params.query(page=page.previous_page_number()) if page.has_previous() else None,
        "next_href": path + params.query(page=page.next_page_number()) if page.has_next() else None,
        "facets": facets,
        "chips": _chips(path, params, result),
        "did_you_mean_href": path + params.query(q=result.did_you_mean) if result.did_you_mean else None,
        "relaxed_labels": [c.label for c in result.relaxed],
        "child_links": _category_links(path, params, result),
        "brand_links": facet_toggle_links(path, params, "brand", facets.brands),
        "price_links": facet_toggle_links(path, params, "price", facets.prices),
        "rating_links": facet_toggle_links(path, params, "rating", facets.ratings),
        "in_stock_href": path + params.query(in_stock=not params.in_stock),
        "clear_href": path
        + params.query(category=None, brands=(), min_price=None, max_price=None, min_rating=None, in_stock=False),
        "sort_choices": SEARCH_SORT_CHOICES,
        "sort_hidden": params.items(exclude=frozenset({"sort"})),
        "price_hidden": params.items(exclude=frozenset({"price"})),
    }


@throttle("search", methods=("GET",), cost=lambda request: query_cost(request.GET.get("q", "")))  # as the API
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    params = SearchParams.from_query(request.GET)
    context: dict[str, Any] = {"params": params, "search_query": params.q, "max_query": MAX_QUERY}
    context["query_cut"] = query_too_long(one_line(request.GET.get("q", "")))
    if params.q:
        result = _run_search(request, params)
        # A merchandiser sent this query to a page: follow it, unless the shopper is already refining it.
        if result.redirect is not None and params.items() == [("q", params.q)] and request.GET.get("page", "1") == "1":
            url = result.redirect.url
            return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
        context |= _results_context(request.path, params, result)
        if not result.total:
            context["popular"] = popular_searches()[:POPULAR_SHOWN]
    else:
        context["popular"] = popular_searches()[:POPULAR_SHOWN]
    if wants_partial(request):
        response = render(request, "recommend/search.html#results", context)
    else:
        response = render(request, "recommend/search.html", context | storefront_context())
    # Same URL, two bodies: caches and the browser's back button must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _suggestion_groups(suggestions: Suggestions) -> list[dict[str, Any]]:
    """Listbox groups in display order; option ids run across groups (aria-activedescendant needs unique ids)."""
    groups: list[tuple[str, str, list[tuple[str, str]]]] = [
        (
            "corrected",
            "Did you mean",
            [(suggestions.corrected, search_url(suggestions.corrected))] if suggestions.corrected else [],
        ),
        ("products", "Products", [(p.title, p.url) for p in suggestions.products]),
        ("categories", "Categories", [(c.name, c.url) for c in suggestions.categories]),
        ("brands", "Brands", [(b.name, b.url) for b in suggestions.brands]),
        ("popular", "Popular searches", [(text, search_url(text)) for text in suggestions.popular]),
    ]
    rendered, counter = [], 0
    for key, label, items in groups:
        if not items:
            continue
        options = []
        for text, href in items:
            counter += 1
            options.append({"id": f"search-suggest-{counter}", "label": text, "href": href})
        rendered.append({"key": key, "label": label, "options": options})
    return rendered


@throttle("autocomplete", methods=("GET",))
def search_suggest(request: HtmxHttpRequest) -> HttpResponse:
    """The listbox under the search box (an htmx fragment); cheap enough for every pause in typing."""
    suggestions = suggest(request.GET.get("q", ""))
    context = {"suggestions": suggestions, "groups": _suggestion_groups(suggestions)}
    return render(request, "recommend/partials/_suggestions.html", context)
