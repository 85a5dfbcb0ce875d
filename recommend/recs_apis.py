"""Recommendations REST API: one view per surface, each item with the reasons it is there.

The engine (``recommend/recs/engine.py``) does the work; these views read the parameters, find the
caller's shopper (the account, else the browser session's; never created by a read) and shape the
answer. Reasons are the engine's words, the same the storefront shows under each card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.apis import ProductOutput
from catalog.models import Product
from orders import selectors as order_selectors
from profiles.services import shopper_for_request
from recommend.analytics.services import surface_impression_record
from recommend.apis import product_representation
from recommend.models import SurfaceImpression
from recommend.recs import engine

MAX_EXCLUDE = 200
TAGS = ["recommendations"]

# --- Input ----------------------------------------------------------------------------------------


@extend_schema_field(serializers.ListField(child=serializers.IntegerField(min_value=1)))
class ProductIdsField(serializers.Field):
    """Product ids, comma-separated and/or repeated (``exclude=3,5&exclude=8``), in order, without repeats."""

    default_error_messages = {
        "invalid": "expected product ids separated by commas, got {value!r}",
        "too_many": f"at most {MAX_EXCLUDE} product ids",
    }

    def get_value(self, dictionary: Any) -> Any:
        if hasattr(dictionary, "getlist"):  # a query string: every occurrence of the parameter
            return dictionary.getlist(self.field_name) or empty
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data: Any) -> list[int]:
        ids: list[int] = []
        for item in data if isinstance(data, list) else [data]:
            for part in str(item).split(","):
                part = part.strip()
                if not part:
                    continue
                if not (part.isascii() and part.isdigit()) or int(part) < 1:
                    self.fail("invalid", value=part[:40])
                ids.append(int(part))
        ids = list(dict.fromkeys(ids))
        if len(ids) > MAX_EXCLUDE:
            self.fail("too_many")
        return ids

    def to_representation(self, value: list[int]) -> list[int]:
        return value


class RecommendationsInput(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, default=12, min_value=1, max_value=engine.MAX_LIMIT, help_text="how many, 1–50"
    )
    exclude = ProductIdsField(
        required=False,
        default=list,
        help_text="product ids not to recommend (already on screen): comma-separated and/or repeated",
    )


class BoughtTogetherInput(RecommendationsInput):
    limit = serializers.IntegerField(
        required=False, default=4, min_value=1, max_value=engine.MAX_LIMIT, help_text="how many, 1–50"
    )


class CartRecommendationsInput(BoughtTogetherInput):
    pass


class TrendingInput(RecommendationsInput):
    category = serializers.SlugField(
        required=False, allow_unicode=True, help_text="category slug; includes its subcategories"
    )


# --- Output ---------------------------------------------------------------------------------------

REASON_KINDS = [
    "viewed", "similar", "taste", "trending", "bought_together", "goes_with", "also_viewed", "recent", "rated",
]  # fmt: skip
SURFACES = ["for_you", "trending", "recently_viewed", "similar", "bought_together", "complete_purchase"]


class RecommendationReasonOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REASON_KINDS)
    text = serializers.CharField(help_text="what the storefront shows under the card, e.g. “because you viewed …”")
    product_id = serializers.IntegerField(
        allow_null=True, help_text="the product the reason points at (“because you viewed X”), if any"
    )


class RecommendationOutput(serializers.Serializer):
    product = ProductOutput()
    score = serializers.FloatField(help_text="higher is better; comparable within one answer only")
    reasons = RecommendationReasonOutput(many=True)


class RecommendationListOutput(serializers.Serializer):
    results = RecommendationOutput(many=True)
    surface = serializers.ChoiceField(choices=SURFACES)


# --- Views ----------------------------------------------------------------------------------------


def _read(request: Request, form_class: type[serializers.Serializer]) -> dict[str, Any]:
    form = form_class(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form.validated_data


def recommendations_representation(surface: str, recs: list[engine.Recommendation]) -> dict[str, Any]:
    """What ``RecommendationListOutput`` renders, written out directly (as the search API does: DRF's per-field
    walk cost more than the rest of a request); tests hold the two equal."""
    return {
        "results": [
            {
                "product": product_representation(rec.product),
                "score": float(rec.score),
                "reasons": [
                    {"kind": str(r.kind), "text": str(r.text), "product_id": r.product_id} for r in rec.reasons
                ],
            }
            for rec in recs
        ],
        "surface": surface,
    }


def _answer(surface: str, recs: list[engine.Recommendation]) -> Response:
    if recs:  # analytics: every answer with products is one impression of the recommendation surface
        surface_impression_record(surface=SurfaceImpression.Surface.RECOMMENDATIONS, products=len(recs))
    return Response(recommendations_representation(surface, recs))


def _product(pk: int) -> Product:
    product = catalog_selectors.product_detail(pk=pk)
    if product is None:
        raise NotFound("No such product.")
    return product


def _schema(operation_id: str, parameters: type[serializers.Serializer]) -> Callable:
    return extend_schema(
        operation_id=operation_id, tags=TAGS, parameters=[parameters], responses={200: RecommendationListOutput}
    )


class RecommendationForYouApi(APIView):
    """The caller's "For you": what shoppers went on to after what they viewed, what is like it, their taste.

    Without a history (a new visitor, or one who paused personalisation) this is trending, with reason
    kind ``trending``. Products the caller already viewed or bought are left out.
    """

    permission_classes = [AllowAny]

    @_schema("recommendations_for_you", RecommendationsInput)
    def get(self, request: Request) -> Response:
        values = _read(request, RecommendationsInput)
        shopper = shopper_for_request(request, create=False)
        return _answer("for_you", engine.for_you(shopper=shopper, limit=values["limit"], exclude=values["exclude"]))


class RecommendationTrendingApi(APIView):
    """What many shoppers viewed, carted or bought lately (the best rated when nothing has happened yet)."""

    permission_classes = [AllowAny]

    @_schema("recommendations_trending", TrendingInput)
    def get(self, request: Request) -> Response:
        values = _read(request, TrendingInput)
        category = None
        if values.get("category"):
            category = catalog_selectors.category_by_slug(values["category"])
            if category is None:
                raise ValidationError({"category": f"unknown category {values['category']!r}"})
        recs = engine.trending(limit=values["limit"], exclude=values["exclude"], category=category)
        return _answer("trending", recs)


class RecommendationRecentlyViewedApi(APIView):
    """The caller's own recently viewed products, newest first (empty for a new visitor or a paused one)."""

    permission_classes = [AllowAny]

    @_schema("recommendations_recently_viewed", RecommendationsInput)
    def get(self, request: Request) -> Response:
        values = _read(request, RecommendationsInput)
        shopper = shopper_for_request(request, create=False)
        recs = engine.recently_viewed(shopper=shopper, limit=values["limit"], exclude=values["exclude"])
        return _answer("recently_viewed", recs)


class ProductSimilarApi(APIView):
    """Alternatives to a product, within its top-level category; a product nobody has seen yet still gets its
    content neighbours."""

    permission_classes = [AllowAny]

    @_schema("product_similar", RecommendationsInput)
    def get(self, request: Request, pk: int) -> Response:
        values = _read(request, RecommendationsInput)
        recs = engine.similar_items(product=_product(pk), limit=values["limit"], exclude=values["exclude"])
        return _answer("similar", recs)


class ProductBoughtTogetherApi(APIView):
    """What goes with a product: complements from other categories, bought in the same orders first."""

    permission_classes = [AllowAny]

    @_schema("product_bought_together", BoughtTogetherInput)
    def get(self, request: Request, pk: int) -> Response:
        values = _read(request, BoughtTogetherInput)
        recs = engine.bought_together(product=_product(pk), limit=values["limit"], exclude=values["exclude"])
        return _answer("bought_together", recs)


class CartRecommendationsApi(APIView):
    """The cart's "Complete your purchase": complements of the caller's cart lines (the newest weighs most),
    none already in the cart or bought before; empty for an empty cart."""

    permission_classes = [AllowAny]

    @_schema("cart_recommendations", CartRecommendationsInput)
    def get(self, request: Request) -> Response:
        values = _read(request, CartRecommendationsInput)
        shopper = shopper_for_request(request, create=False)
        recs = engine.complete_purchase(
            product_ids=order_selectors.cart_product_ids(shopper=shopper),
            shopper=shopper,
            limit=values["limit"],
            exclude=values["exclude"],
        )
        return _answer("complete_purchase", recs)
