"""Profiles REST API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from profiles import privacy
from profiles.services import SESSION_SHOPPER_KEY, shopper_for_request

# --- Privacy: the signed-in shopper's own profile, export and erasure (issue 4 items 5 and 7) ------
# Every view here serves only request.user's own data: there is no id in these URLs to point at
# someone else, and staff get nothing more than any shopper (they see aggregates in the admin).

MAX_INTEREST_KEYS = 100


class InterestKeyField(serializers.CharField):
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


class MeDeleteApi(APIView):
    """Delete the signed-in account and every row about the person, then log out. 204 when done."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        anonymous = [request.session[SESSION_SHOPPER_KEY]] if request.session.get(SESSION_SHOPPER_KEY) else []
        try:
            privacy.user_erase(user=request.user, anonymous_shopper_ids=anonymous)
        except privacy.ErasureRefused as exc:
            raise PermissionDenied(str(exc), code="staff_account") from exc
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
