"""Admin for merchandisers: aggregates and behaviour, not people.

Shoppers and profiles are read-only here and show no name, email or session key: a merchandiser
tunes the shop from patterns, and a shopper's own data is theirs to see, change, export and erase
(profiles/privacy.py), not staff's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from profiles.models import Event, Profile, Shopper


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Shopper)
class ShopperAdmin(ReadOnlyAdmin):
    list_display = ["id", "has_account", "personalization_paused", "created_at"]
    list_filter = ["personalization_paused", ("user", admin.EmptyFieldListFilter)]
    fields = ["id", "has_account", "personalization_paused", "created_at"]
    readonly_fields = fields
    search_fields = ["=id"]
    show_full_result_count = False

    @admin.display(boolean=True, description="account")
    def has_account(self, obj: Shopper) -> bool:
        return obj.user_id is not None


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    list_display = ["shopper_id", "event_count", "refreshed_at", "graph_trained_at"]
    list_filter = [("refreshed_at", admin.EmptyFieldListFilter)]
    # Vectors are hundreds of numbers that mean nothing to a person; affinities are what a profile says.
    fields = ["shopper_id", "affinities", "removed_interests", "event_count", "refreshed_at", "graph_trained_at"]
    readonly_fields = fields
    search_fields = ["=shopper__id"]
    date_hierarchy = "refreshed_at"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("vector", "graph_vector")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    # shopper_id, not the shopper: its str is the account's username.
    list_display = ["created_at", "kind", "shopper_id", "product", "surface", "query"]
    list_filter = ["kind", "surface"]
    search_fields = ["query", "order_id", "product__sku"]
    raw_id_fields = ["shopper", "product"]
    date_hierarchy = "created_at"
    list_select_related = ["product"]
    show_full_result_count = False
