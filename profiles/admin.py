from __future__ import annotations

from django.contrib import admin

from profiles.models import Event, Shopper


@admin.register(Shopper)
class ShopperAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "session_key", "personalization_paused", "created_at"]
    list_filter = ["personalization_paused"]
    search_fields = ["user__username", "user__email", "session_key"]
    raw_id_fields = ["user"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "shopper", "product", "surface", "query"]
    list_filter = ["kind", "surface"]
    search_fields = ["query", "order_id", "product__sku"]
    raw_id_fields = ["shopper", "product"]
    date_hierarchy = "created_at"
    list_select_related = ["shopper__user", "product"]
    show_full_result_count = False
