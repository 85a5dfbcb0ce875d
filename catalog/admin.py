from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog import services
from catalog.models import Brand, Category, Product
from catalog.tasks import embed_products


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "slug", "depth"]
    list_filter = ["depth"]
    search_fields = ["name", "path", "slug"]
    readonly_fields = ["path", "tree_key", "depth"]
    autocomplete_fields = ["parent"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class EmbeddingStatusFilter(admin.SimpleListFilter):
    title = "embedding"
    parameter_name = "embedding"

    def lookups(self, request, model_admin):
        return [("current", "current"), ("stale", "missing or stale")]

    def queryset(self, request, queryset):
        from shopguide.embedding import model_name

        if self.value() == "current":
            return queryset.embedding_current(model_name())
        if self.value() == "stale":
            return queryset.embedding_stale(model_name())
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "title", "brand", "category", "price", "currency", "rating", "stock", "is_active"]
    list_filter = ["is_active", EmbeddingStatusFilter, "category__depth", "currency", "brand"]
    list_select_related = ["brand", "category"]
    search_fields = ["sku", "title", "brand__name"]
    autocomplete_fields = ["category", "brand"]
    readonly_fields = ["search_terms", "content_hash", "embedding_hash", "embedding_model", "created_at", "updated_at"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["reembed"]
    # Image URLs typed without a scheme are https (Django 6's default; 5.2 warns about its http default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Product, form, change: bool) -> None:
        # Search terms and the content hash derive from the edited fields; an edit re-embeds on commit.
        services.product_refresh_derived(product=obj)

    @admin.action(description="Re-embed selected products")
    def reembed(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        queryset.update(embedding_hash="")
        embed_products.delay_on_commit(product_ids=ids)
        self.message_user(request, f"Queued {len(ids)} products for embedding.", messages.SUCCESS)
