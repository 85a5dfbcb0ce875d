"""Storefront recommendation rows: the home page's, a product page's and the cart's.

Catalog and orders pages hold an htmx slot that loads these URLs (``hx-trigger="load"``) and a plain link
to the same URL, which without JavaScript renders the same rows as a page of its own. One URL, two bodies
(``Vary: HX-Request``). Every card shows the engine's reasons, word for word as the API gives them, and
every row is marked ``data-surface="recommendations"`` so clicks are recorded as recommendation clicks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst

from catalog.selectors import product_detail
from catalog.views import HtmxHttpRequest, storefront_context, wants_partial
from orders.selectors import cart_product_ids
from profiles.models import Shopper
from profiles.services import shopper_for_request
from recommend.analytics.services import surface_impression_record
from recommend.models import SurfaceImpression
from recommend.recs import engine

ROW_LIMIT = 12
BECAUSE_ROWS = 2
BECAUSE_LIMIT = 8
SIMILAR_LIMIT = 8
COMPLEMENTS_LIMIT = 4
IMPERSONAL = {"trending", "rated"}


@dataclass(frozen=True)
class Row:
    key: str  # stable per kind of row: element ids, data-row, tests
    title: str
    recs: list[engine.Recommendation]


def home_rows(shopper: Shopper | None) -> list[Row]:
    """For you (Trending now for a shopper with no history), because you viewed X (≤ 2), recently viewed,
    trending (what the first row did not already show)."""
    history = engine.shopper_history(shopper)  # read once for every row
    for_you = engine.for_you(shopper=shopper, limit=ROW_LIMIT, history=history)
    personal = any(reason.kind not in IMPERSONAL for rec in for_you for reason in rec.reasons)
    rows = [Row("for-you", "For you" if personal else "Trending now", for_you)]
    because = engine.because_you_viewed(shopper=shopper, rows=BECAUSE_ROWS, limit=BECAUSE_LIMIT, history=history)
    for i, (_seed, recs) in enumerate(because, start=1):
        # The heading is the row's reason ("because you viewed …", or bought, or saved): the engine's words.
        rows.append(Row(f"because-{i}", capfirst(recs[0].reasons[0].text), recs))
    recent = engine.recently_viewed(shopper=shopper, limit=ROW_LIMIT, history=history)
    rows.append(Row("recently-viewed", "Recently viewed", recent))
    if personal:
        shown = [rec.product.pk for rec in for_you + recent]
        rows.append(Row("trending", "Trending", engine.trending(limit=ROW_LIMIT, exclude=shown)))
    return [row for row in rows if row.recs]


def _respond(request: HtmxHttpRequest, rows: list[Row], page: dict[str, Any]) -> HttpResponse:
    """Only the rows for htmx (the slot on a catalog or cart page); a page of their own for a plain link."""
    if rows:  # analytics: the rows shown are the recommendation surface's impressions
        surface_impression_record(
            surface=SurfaceImpression.Surface.RECOMMENDATIONS,
            lists=len(rows),
            products=sum(len(row.recs) for row in rows),
        )
    if wants_partial(request):
        response = render(request, "recommend/partials/_rows.html", {"rows": rows})
    else:
        response = render(request, "recommend/recommendations.html", {**storefront_context(), "rows": rows, **page})
    # Same URL, two bodies: caches and the browser's back button must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def home_recommendations(request: HtmxHttpRequest) -> HttpResponse:
    rows = home_rows(shopper_for_request(request, create=False))
    page = {"heading": "Recommended for you", "empty_text": "Nothing to recommend yet: have a look around the shop."}
    return _respond(request, rows, page)


def product_recommendations(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    product = product_detail(pk=pk)
    if product is None:
        raise Http404("No such product.")
    rows = [
        Row("similar", "Similar items", engine.similar_items(product=product, limit=SIMILAR_LIMIT)),
        Row("bought-together", "Bought together", engine.bought_together(product=product, limit=COMPLEMENTS_LIMIT)),
    ]
    page = {
        "heading": f"More like {product.title}",
        "back_href": reverse("catalog:product", args=[product.pk]),
        "back_label": f"Back to {product.title}",
        "empty_text": "Nothing to suggest for this product yet.",
    }
    return _respond(request, [row for row in rows if row.recs], page)


def cart_recommendations(request: HtmxHttpRequest) -> HttpResponse:
    shopper = shopper_for_request(request, create=False)
    recs = engine.complete_purchase(
        product_ids=cart_product_ids(shopper=shopper), shopper=shopper, limit=COMPLEMENTS_LIMIT
    )
    rows = [Row("complete-purchase", "Complete your purchase", recs)] if recs else []
    page = {
        "heading": "Complete your purchase",
        "back_href": reverse("orders:cart"),
        "back_label": "Back to your cart",
        "empty_text": "Add something to your cart to see what goes with it.",
    }
    return _respond(request, rows, page)
