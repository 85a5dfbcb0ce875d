"""Profiles REST API: behaviour events (from the storefront's own script or any client), and the
signed-in shopper's own profile, export and erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from profiles import privacy, services
from profiles.models import Event
from profiles.services import anonymous_shopper_ids, shopper_for_request
from profiles.visitors import visitor_known
from shopguide.api import StrictCharField
from shopguide.parsers import JSONParser, JsonTooDeep, json_loads
from shopguide.throttling import charge

# --- Privacy: the signed-in shopper's own profile, export and erasure (issue 4 items 5 and 7) ------
# Every view here serves only request.user's own data: there is no id in these URLs to point at
# someone else, and staff get nothing more than any shopper (they see aggregates in the admin).

MAX_INTEREST_KEYS = 100


class InterestKeyField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=300, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        key = super().to_internal_value(data)
        try:
            kind, value = privacy.interest_parse(key)
        except privacy.InterestError as exc:
            raise ValidationError(str(exc)) from exc
        return f"{kind}:{value}"


class InterestOutput(serializers.Serializer):
    key = serializers.CharField(help_text='what remove_interests/restore_interests take: "brand:acme"')
    kind = serializers.ChoiceField(choices=privacy.INTEREST_KINDS)
    value = serializers.CharField()
    label = serializers.CharField(help_text="as the shopper reads it")
    weight = serializers.FloatField(allow_null=True)


class RecentProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class MeProfileOutput(serializers.Serializer):
    paused = serializers.BooleanField(help_text="personalisation paused: the profile is neither used nor updated")
    refreshed_at = serializers.DateTimeField(allow_null=True)
    affinities = serializers.DictField(
        child=serializers.DictField(child=serializers.FloatField()),
        help_text="kind → {value: weight in [0, 1]}; removed interests are not in it",
    )
    interests = InterestOutput(many=True, source="all_interests", help_text="the affinities with labels, best first")
    recent_product_ids = serializers.ListField(child=serializers.IntegerField(), help_text="newest first")
    recent_products = RecentProductOutput(many=True)
    removed_interests = serializers.ListField(child=serializers.CharField())


class MeProfileUpdateInput(serializers.Serializer):
    paused = serializers.BooleanField(required=False)
    remove_interests = serializers.ListField(child=InterestKeyField(), required=False, max_length=MAX_INTEREST_KEYS)
    restore_interests = serializers.ListField(child=InterestKeyField(), required=False, max_length=MAX_INTEREST_KEYS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise ValidationError({name: "not a field you can change" for name in unknown})
        if not attrs:
            raise ValidationError("Send at least one of paused, remove_interests, restore_interests.")
        both = sorted(set(attrs.get("remove_interests", ())) & set(attrs.get("restore_interests", ())))
        if both:
            raise ValidationError({"restore_interests": f"{', '.join(both)}: both removed and restored"})
        return attrs


class MeExportOutput(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    account = serializers.JSONField(help_text="account fields; never the password hash")
    shopper = serializers.JSONField(allow_null=True)
    profile = serializers.JSONField(allow_null=True, help_text="affinities, recent items, vectors as lists")
    events = serializers.ListField(child=serializers.JSONField())
    related = serializers.JSONField(help_text='rows other apps keep about you, by model: "orders.order", ...')


class MeProfileApi(APIView):
    """The signed-in shopper's profile: read it (GET) or change what it may hold (PATCH)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeProfileOutput)
    def get(self, request: Request) -> Response:
        shopper = shopper_for_request(request)
        return Response(MeProfileOutput(privacy.interests_summary(shopper=shopper, limit=None)).data)

    @extend_schema(request=MeProfileUpdateInput, responses=MeProfileOutput)
    def patch(self, request: Request) -> Response:
        data = MeProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        shopper = privacy.profile_update(shopper=shopper_for_request(request), **data.validated_data)
        return Response(MeProfileOutput(privacy.interests_summary(shopper=shopper, limit=None)).data)


class MeExportApi(APIView):
    """Everything ShopGuide holds about the signed-in person."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeExportOutput)
    def get(self, request: Request) -> Response:
        return Response(MeExportOutput(privacy.user_data_export(user=request.user)).data)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class MeDeleteApi(APIView):
    """Delete the signed-in account and every row about the person, then log out. 204 when done.

    Open orders are cancelled and their stock returned; orders stay for the shop's accounts without the
    person. 409 ``order_in_transit`` while an order is on its way; 403 ``staff_account`` for staff.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        anonymous = anonymous_shopper_ids(request._request)
        try:
            privacy.user_erase(user=request.user, anonymous_shopper_ids=anonymous)
        except privacy.ErasureRefused as exc:
            if exc.code == "staff_account":
                raise PermissionDenied(str(exc), code=exc.code) from exc
            raise Conflict(str(exc), code=exc.code) from exc
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_ERRORS_REPORTED = 20
# Cart and purchase events are written by the cart and checkout code (orders/services.py) when the cart or
# order really changes; a client could otherwise invent revenue, conversions and "bought together" pairs.
SERVER_KINDS = frozenset({Event.Kind.CART_ADD, Event.Kind.CART_REMOVE, Event.Kind.PURCHASE})
CLIENT_KINDS = [(value, label) for value, label in Event.Kind.choices if value not in SERVER_KINDS]


class EventItemInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CLIENT_KINDS)
    product_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    query = StrictCharField(required=False, allow_blank=True, max_length=500, default="")
    surface = serializers.ChoiceField(choices=Event.Surface.choices, required=False, default=Event.Surface.DIRECT)
    position = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100_000)
    client_event_id = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        help_text="makes retries idempotent: unique per shopper",
    )
    created_at = serializers.DateTimeField(
        required=False, help_text="when it happened (default: now); at most EVENT_MAX_AGE_MINUTES ago"
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") in SERVER_KINDS:
            kind = data["kind"]
            source = "checkout" if kind == Event.Kind.PURCHASE else "the cart"
            raise ValidationError({"kind": [f"{kind} events are recorded by {source}, not sent by clients"]})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["kind"]
        if kind == Event.Kind.SEARCH:
            if not attrs.get("query", "").strip():
                raise ValidationError({"query": "a search event needs the query"})
        elif attrs.get("product_id") is None:
            raise ValidationError({"product_id": f"a {kind} event needs a product"})
        created_at = attrs.get("created_at")
        if created_at is not None:
            now = timezone.now()
            if created_at > now + MAX_CLOCK_SKEW:
                raise ValidationError({"created_at": "is in the future"})
            # Late events would rewrite analytics of days already reported (and old ones are not news to a profile).
            if created_at < now - settings.EVENT_MAX_AGE:
                minutes = int(settings.EVENT_MAX_AGE.total_seconds() // 60)
                raise ValidationError({"created_at": f"is more than {minutes} minutes ago"})
        return attrs


class EventsRecordedOutput(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField(help_text="events stored by this request")
    duplicates = serializers.IntegerField(help_text="events whose client_event_id was already stored")


def _events_from(data: Any) -> list[Any]:
    """The events of a body: one event object, or {"events": [...]}; a form body (the storefront's
    beacon) carries the same JSON in its ``payload`` field."""
    if hasattr(data, "getlist"):  # form-encoded
        try:
            data = json_loads(data.get("payload") or "")
        except JsonTooDeep:
            raise
        except ParseError:
            raise ValidationError({"payload": 'must be a JSON event or {"events": [...]}'}) from None
    if isinstance(data, dict) and "events" in data:
        events = data["events"]
        if not isinstance(events, list):
            raise ValidationError({"events": "must be a list"})
        if len(events) > services.MAX_BATCH:
            raise ValidationError({"events": f"at most {services.MAX_BATCH} events per batch, got {len(events)}"})
        return events
    if isinstance(data, dict):
        return [data]
    raise ValidationError({"events": 'send one event object or {"events": [...]}'})


def _named_errors(errors: Any) -> dict[str, list[str]]:
    """DRF's per-item errors as {"events[3].product_id": [...]}, so a client sees index and field."""
    # A list with {} for valid items, or (recent DRF) a dict keyed by the index of each invalid item.
    per_item = sorted(errors.items()) if isinstance(errors, dict) else list(enumerate(errors))
    named: dict[str, list[str]] = {}
    for index, item in per_item:
        if not isinstance(item, dict):
            named[f"events[{index}]"] = [str(m) for m in (item if isinstance(item, list) else [item])]
            continue
        for field, messages in item.items():
            name = "" if field == "non_field_errors" else f".{field}"
            named[f"events[{index}]{name}"] = [str(m) for m in messages]
            if len(named) >= MAX_ERRORS_REPORTED:
                return named
    return named


class EventRecordApi(APIView):
    """Record what a shopper did: one event, or ``{"events": [...]}`` (at most 500), all or nothing.

    The events belong to the caller: the logged-in account's shopper, or this browser session's
    anonymous shopper (which needs the visitor cookie any shop page sets). Clients send views, clicks, searches
    and wishlist adds; cart and purchase events come from the cart and checkout themselves. A retried batch
    stores each event once (``client_event_id``, unique per shopper). For logged-in
    sessions the CSRF token is required, in the ``X-CSRFToken`` header or, from the storefront's
    beacon (a form body with the events as JSON in ``payload``), in ``csrfmiddlewaretoken``.
    """

    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]
    throttle_classes: list = []  # counted per event in post() (THROTTLE_EVENTS_RATE)
    throttle_scope = "events"

    @extend_schema(
        request=EventItemInput,
        responses={201: EventsRecordedOutput, 200: EventsRecordedOutput},
        examples=[
            OpenApiExample(
                "batch",
                value={
                    "events": [
                        {
                            "kind": "click",
                            "product_id": 12,
                            "surface": "search",
                            "position": 3,
                            "client_event_id": "c1",
                        },
                        {"kind": "search", "query": "trail shoes", "client_event_id": "c2"},
                    ]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        if not request.user.is_authenticated and not visitor_known(request._request):
            # A visitor id comes with the first page of the shop: a request without one is a script, which
            # would otherwise create a new anonymous shopper with every call.
            raise PermissionDenied(
                "Anonymous events need this browser's visitor cookie: it is set by any page of the shop.",
                code="no_visitor",
            )
        try:
            items = _events_from(request.data)
        except APIException:
            charge(request, "events", cost=1)  # a body that is not events costs one, like a single event
            raise
        # The rate counts events, not requests: a batch of 500 spends 500, all at once or (429) none of it.
        charge(request, "events", cost=max(1, len(items)))
        form = EventItemInput(data=items, many=True)
        if not form.is_valid():
            raise ValidationError(_named_errors(form.errors))
        events = [services.EventInput(**values) for values in form.validated_data]
        shopper = services.shopper_for_request(request._request)
        try:
            result = services.event_record_many(shopper=shopper, events=events)
        except services.EventRejected as error:
            raise ValidationError({f"events[{error.index}].{error.field}": [error.detail]}) from None
        body = EventsRecordedOutput(
            {"received": len(events), "created": result.created, "duplicates": result.duplicates}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
