"""Product query building blocks: each method only filters, annotates or prefetches."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q

if TYPE_CHECKING:
    from catalog.models import Category


class ProductQuerySet(models.QuerySet):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)

    def for_listing(self) -> ProductQuerySet:
        # The vector (384 floats) and the tsvector are never shown: loading them cost more than the rest.
        return self.select_related("brand", "category").defer("embedding", "title_embedding", "search_vector")

    def in_category(self, category: Category) -> ProductQuerySet:
        return self.filter(category__tree_key__startswith=category.tree_key)

    def price_between(self, low: Decimal | None, high: Decimal | None) -> ProductQuerySet:
        qs = self
        if low is not None:
            qs = qs.filter(price__gte=low)
        if high is not None:
            qs = qs.filter(price__lte=high)
        return qs

    def embedding_current(self, model: str) -> ProductQuerySet:
        return self.filter(
            embedding__isnull=False,
            title_embedding__isnull=False,
            embedding_model=model,
            embedding_hash=F("content_hash"),
        )

    def embedding_stale(self, model: str) -> ProductQuerySet:
        return self.filter(
            Q(embedding__isnull=True)
            | Q(title_embedding__isnull=True)
            | ~Q(embedding_model=model)
            | ~Q(embedding_hash=F("content_hash"))
        )
