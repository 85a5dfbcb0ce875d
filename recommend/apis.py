"""Search REST API: hybrid product search with what was understood and why each result is there; autocomplete."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.apis import ProductOutput
from profiles.services import shopper_for_request
from recommend.search.engine import SORTS, Hit, SearchFilters, SearchResult, search
from recommend.search.parser import MAX_QUERY_LENGTH, query_cost, query_too_long
from recommend.search.suggest import suggest
from shopguide.api import StrictCharField
from shopguide.throttling import ScopedRateThrottle, charge

MAX_QUERY = MAX_QUERY_LENGTH
MAX_BRANDS = 30
MAX_PAGE_SIZE = 100

# --- Input ----------------------------------------------------------------------------------------


class QueryTooLong(APIException):
    status_code = 400
    default_code = "query_too_long"


def refuse_long_query(params: Any) -> None:
    """400 ``query_too_long`` for a ``q`` longer than a search reads, before anything else is looked at."""
    q = params.get("q") or ""
    if query_too_long(q):
        raise QueryTooLong(f"q: at most {MAX_QUERY_LENGTH} characters, got {len(q)}.")


class SearchInput(serializers.Serializer):
    q = StrictCharField(max_length=MAX_QUERY, help_text="what the shopper typed, in their own words")
    category = serializers.SlugField(
        required=False, allow_unicode=True, help_text="category slug; includes its subcategories"
    )
    brand = serializers.ListField(
        child=serializers.SlugField(allow_unicode=True),
        required=False,
        max_length=MAX_BRANDS,
        help_text="brand slug, repeatable (brands are OR-ed)",
    )
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=Decimal(0))
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=Decimal(0))
    min_rating = serializers.DecimalField(max_digits=2, decimal_places=1, required=False, min_value=0, max_value=5)
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="relevance")
    page = serializers.IntegerField(required=False, default=1, min_value=1, help_text="page number, from 1")
    page_size = serializers.IntegerField(
        required=False, default=24, min_value=1, max_value=MAX_PAGE_SIZE, help_text="results per page, at most 100"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError({"min_price": "must not be greater than max_price"})
        return attrs


def _log_identity(request: Request) -> dict[str, Any]:
    """Who the search log names: the caller's shopper (and session), unless they paused personalisation."""
    shopper = shopper_for_request(request, create=False)
    if shopper is not None and shopper.personalization_paused:
        return {"shopper_id": None, "session_key": ""}
    return {"shopper_id": shopper.pk if shopper else None, "session_key": request.session.session_key or ""}


class AutocompleteInput(serializers.Serializer):
    q = StrictCharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=MAX_QUERY,
        help_text="what has been typed so far; empty for popular searches only",
    )


# --- Output ---------------------------------------------------------------------------------------


class SlotOutput(serializers.Serializer):
    type = serializers.CharField(
        help_text="category, brand, color, material, department, feature, style, size, price, rating, uom, quantity, term"
    )
    value = serializers.JSONField(help_text="the normalised value: a string, or {min, max, hint} for a price")
    text = serializers.CharField(help_text="the words of the query this slot was read from")
    start = serializers.IntegerField(help_text="character offset of the words in query.raw")
    end = serializers.IntegerField()
    negated = serializers.BooleanField()
    hard = serializers.BooleanField(
        help_text="true: a filter on the results; false: evidence the catalog vocabulary does not know (it only "
        "stays in the words the retrievers read)"
    )


class CorrectionOutput(serializers.Serializer):
    original = serializers.CharField()
    corrected = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class ConstraintOutput(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(help_text="what a shopper reads on a chip: “under $120”, “not leather”")
    negated = serializers.BooleanField()
    source = serializers.ChoiceField(
        choices=["query", "filter"], help_text="from the words, or from a filter parameter"
    )


class SynonymUseOutput(serializers.Serializer):
    term = serializers.CharField(help_text="the shopper's words")
    alternatives = serializers.ListField(child=serializers.CharField(), help_text="what they also searched for")
    synonym_ids = serializers.ListField(child=serializers.IntegerField(), help_text="the merchandising synonyms used")


class RedirectOutput(serializers.Serializer):
    url = serializers.CharField(help_text="the page a merchandiser sends this query to")
    rule_id = serializers.IntegerField()
    rule = serializers.CharField(help_text="the rule's name")


class QueryOutput(serializers.Serializer):
    raw = serializers.CharField()
    intent = serializers.CharField()
    slots = SlotOutput(many=True)
    corrected = serializers.CharField(allow_null=True, help_text="the query with typos fixed, when any were")
    corrections = CorrectionOutput(many=True)
    price_min = serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=True)
    price_max = serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=True)
    min_rating = serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=True)
    price_hint = serializers.ChoiceField(
        choices=["cheap", "premium"], allow_null=True, help_text="price in words ('cheap', 'less expensive', 'premium')"
    )
    product_type = serializers.CharField(allow_null=True, help_text="the words read as the product type (head noun)")
    free_text = serializers.CharField(allow_blank=True)
    constraints = ConstraintOutput(many=True, help_text="what every result satisfies")
    relaxed = serializers.ListField(
        child=serializers.CharField(), help_text="labels of constraints dropped because nothing matched them all"
    )
    synonyms = SynonymUseOutput(many=True, help_text="merchandising synonyms that widened the query")


class ReasonOutput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["attribute", "excluded", "keyword", "semantic", "relaxed", "personal", "rule"],
        help_text="rule: a merchandising rule or synonym, named in the text",
    )
    text = serializers.CharField()


class HitOutput(serializers.Serializer):
    product = ProductOutput()
    score = serializers.FloatField()
    reasons = ReasonOutput(many=True)


class FacetOptionOutput(serializers.Serializer):
    key = serializers.CharField(help_text="the value to pass back: category/brand slug, price band, rating")
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class FacetsOutput(serializers.Serializer):
    categories = FacetOptionOutput(many=True)
    brands = FacetOptionOutput(many=True)
    prices = FacetOptionOutput(many=True, help_text="price bands; key “25-49.99” means min_price=25&max_price=49.99")
    ratings = FacetOptionOutput(many=True)
    in_stock = serializers.IntegerField(help_text="results that would remain with in_stock=true")


class SearchOutput(serializers.Serializer):
    query = QueryOutput()
    redirect = RedirectOutput(allow_null=True, help_text="when set, a storefront shows this page instead")
    results = HitOutput(many=True)
    facets = FacetsOutput()
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    latency_ms = serializers.FloatField()


class ProductSuggestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class LinkSuggestionOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()


class AutocompleteOutput(serializers.Serializer):
    query = serializers.CharField(allow_blank=True)
    corrected = serializers.CharField(allow_null=True)
    products = ProductSuggestionOutput(many=True)
    categories = LinkSuggestionOutput(many=True)
    brands = LinkSuggestionOutput(many=True, help_text="url: a search for the brand")
    popular = serializers.ListField(child=serializers.CharField())


# --- Representation: what SearchOutput describes, without its per-field machinery ------------------
#
# DRF walks ~900 fields a search (24 hits × a product, its brand, its category and reasons; ~40 facet
# options), each through get_attribute and to_representation, and builds the nested serializers'
# fields (ModelSerializer: from the model's meta) on every instantiation: ~3 ms a request. The hits
# and facets are written out here instead, key for key and value for value as SearchOutput renders
# them (decimals through ProductOutput's own fields); tests/recommend/test_search_api.py holds the
# two equal. The query part stays with DRF: one instance, its fields built once (``to_representation``
# keeps no state), serves every request and thread.

_QUERY_OUTPUT = QueryOutput()
_PRODUCT_FIELDS = ProductOutput().fields
_PRICE, _RATING = _PRODUCT_FIELDS["price"], _PRODUCT_FIELDS["rating"]


def product_representation(product: Any) -> dict[str, Any]:
    brand, category = product.brand, product.category
    return {
        "id": int(product.id),
        "sku": str(product.sku),
        "title": str(product.title),
        "description": str(product.description),
        "brand": None if brand is None else {"id": int(brand.id), "name": str(brand.name), "slug": str(brand.slug)},
        "category": None
        if category is None
        else {
            "id": int(category.id),
            "name": str(category.name),
            "slug": str(category.slug),
            "path": str(category.path),
        },
        "price": None if product.price is None else _PRICE.to_representation(product.price),
        "currency": str(product.currency),
        "attributes": product.attributes,
        "rating": None if product.rating is None else _RATING.to_representation(product.rating),
        "review_count": int(product.review_count),
        "stock": int(product.stock),
        "image_url": str(product.image_url),
        "url": f"/p/{product.pk}/",
    }


def _hit_representation(hit: Hit) -> dict[str, Any]:
    return {
        "product": product_representation(hit.product),
        "score": float(hit.score),
        "reasons": [{"kind": str(r.kind), "text": str(r.text)} for r in hit.reasons],
    }


def _options(options: list[selectors.FacetOption]) -> list[dict[str, Any]]:
    return [
        {"key": str(o.key), "label": str(o.label), "count": int(o.count), "selected": bool(o.selected)} for o in options
    ]


def _facets_representation(facets: selectors.Facets) -> dict[str, Any]:
    return {
        "categories": _options(facets.categories),
        "brands": _options(facets.brands),
        "prices": _options(facets.prices),
        "ratings": _options(facets.ratings),
        "in_stock": int(facets.in_stock),
    }


def search_representation(result: SearchResult) -> dict[str, Any]:
    """``SearchOutput(_search_payload(result)).data``, several times faster."""
    payload = _search_payload(result)
    return {
        "query": _QUERY_OUTPUT.to_representation(payload["query"]),
        "redirect": payload["redirect"],
        "results": [_hit_representation(hit) for hit in result.hits],
        "facets": _facets_representation(result.facets),
        "total": int(payload["total"]),
        "page": int(payload["page"]),
        "pages": int(payload["pages"]),
        "latency_ms": float(payload["latency_ms"]),
    }


# --- Views ----------------------------------------------------------------------------------------


def _redirect(result: SearchResult) -> dict[str, Any] | None:
    rule = result.redirect
    return None if rule is None else {"url": str(rule.url), "rule_id": int(rule.id or 0), "rule": str(rule.name)}


def _search_payload(result: SearchResult) -> dict[str, Any]:
    parsed = result.parsed
    return {
        "query": {
            "raw": parsed.raw,
            "intent": parsed.intent,
            "slots": parsed.slots,
            "corrected": parsed.corrected,
            "corrections": parsed.corrections,
            "price_min": parsed.price_min,
            "price_max": parsed.price_max,
            "min_rating": parsed.min_rating,
            "price_hint": parsed.price_hint,
            "product_type": parsed.product_type,
            "free_text": parsed.free_text,
            "constraints": result.constraints,
            "relaxed": [c.label for c in result.relaxed],
            "synonyms": parsed.synonyms,
        },
        "redirect": _redirect(result),
        "results": result.hits,
        "facets": result.facets,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "latency_ms": round(result.latency_ms, 2),
    }


class ProductSearchApi(APIView):
    """Products for a query in a shopper's own words.

    The query is understood (intent, slots with their character spans, price and rating bounds,
    negations, typo fixes); what it asks for holds for every result, unless nothing matched it all, in
    which case the least essential constraint is dropped and named in ``query.relaxed``. Each result
    says why it is there (``reasons``), the same reasons the storefront shows.
    """

    permission_classes = [AllowAny]
    throttle_classes: list = []  # counted in get(): a long query costs more (parser.query_cost)
    throttle_scope = "search"

    @extend_schema(operation_id="search", tags=["search"], parameters=[SearchInput], responses={200: SearchOutput})
    def get(self, request: Request) -> Response:
        charge(request, "search", cost=query_cost(request.query_params.get("q", "")))
        refuse_long_query(request.query_params)
        form = SearchInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        values = form.validated_data
        if values.get("category") and selectors.category_by_slug(values["category"]) is None:
            raise ValidationError({"category": f"unknown category {values['category']!r}"})
        result = search(
            q=values["q"],
            filters=SearchFilters(
                category=values.get("category"),
                brands=tuple(dict.fromkeys(values.get("brand") or ())),
                min_price=values.get("min_price"),
                max_price=values.get("max_price"),
                min_rating=values.get("min_rating"),
                in_stock=values["in_stock"],
            ),
            page=values["page"],
            page_size=values["page_size"],
            sort=values["sort"],
            **_log_identity(request),
        )
        if values["page"] > result.pages:
            raise NotFound("Invalid page.")
        return Response(search_representation(result))


class SearchAutocompleteApi(APIView):
    """Suggestions while a shopper types: products, categories and brands, the typo fix, popular searches.

    Answers in a few milliseconds: no embedding and no ranking, only the vocabulary and indexed prefix queries.
    """

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "autocomplete"

    @extend_schema(
        operation_id="autocomplete",
        tags=["search"],
        parameters=[AutocompleteInput],
        responses={200: AutocompleteOutput},
    )
    def get(self, request: Request) -> Response:
        refuse_long_query(request.query_params)
        form = AutocompleteInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        return Response(AutocompleteOutput(suggest(form.validated_data["q"])).data)
