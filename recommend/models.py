"""What recommend stores: every search (analytics, profiles), impressions per surface, and the signals
recommendations are built from."""

from __future__ import annotations

from django.db import models


class SearchLog(models.Model):
    query = models.CharField(max_length=1000)
    parsed = models.JSONField(default=dict)
    intent = models.CharField(max_length=32, blank=True)
    result_ids = models.JSONField(default=list)  # the first page, in order
    total = models.PositiveIntegerField(default=0)
    relaxed = models.JSONField(default=list)
    # Products the full-text step found (capped at SEARCH_CANDIDATES): 0 = no product holds any of the words,
    # the results came by meaning only. Null: a query without words, or logged before this was recorded.
    keyword_matches = models.PositiveIntegerField(null=True, blank=True)
    # The query's words no product holds ("trainers" in a shop that says "sneakers"): synonym candidates.
    unknown_words = models.JSONField(default=list, blank=True)
    latency_ms = models.FloatField()
    # CASCADE: erasing a shopper erases their queries and session key too (no row may name an erased person).
    shopper = models.ForeignKey("profiles.Shopper", null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True)
    surface = models.CharField(max_length=20, default="search")  # "search" (box, API) or "assistant"
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["total", "-created_at"], name="searchlog_zero_results_idx")]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.total} results)"


class SurfaceImpression(models.Model):
    """How often a surface showed products on one day: the denominator of its click-through rate.

    Search impressions are the SearchLog rows; recommendation rows and assistant replies have no log of their
    own, so each rendered answer adds to this counter (recommend/analytics/services.py). ``lists``: rows or
    replies shown; ``products``: the product cards in them.
    """

    class Surface(models.TextChoices):
        RECOMMENDATIONS = "recommendations"
        ASSISTANT = "assistant"

    day = models.DateField()
    surface = models.CharField(max_length=20, choices=Surface.choices)
    lists = models.PositiveBigIntegerField(default=0)
    products = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "surface"], name="surfaceimpression_day_surface")]

    def __str__(self) -> str:
        return f"{self.surface} on {self.day}: {self.lists} lists, {self.products} products"


class ItemNeighbor(models.Model):
    """A product's strongest neighbours by what shoppers did, recomputed from events (recommend/recs/training.py).

    ``next``: what shoppers went on to view or buy after this product (recs/signals.transitions);
    ``bought``: what was bought in the same order (recs/signals.co_occurrence).
    """

    class Kind(models.TextChoices):
        NEXT = "next"
        BOUGHT = "bought"

    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    neighbor = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "neighbor"], name="itemneighbor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} -{self.kind}-> {self.neighbor_id} ({self.score:.3f})"


class ProductPopularity(models.Model):
    """Time-decayed popularity of a product (trending), recomputed from events every few minutes."""

    product = models.OneToOneField("catalog.Product", primary_key=True, related_name="+", on_delete=models.CASCADE)
    score = models.FloatField()
    # Distinct shoppers who viewed, carted or bought it in the last TRENDING_WINDOW_DAYS (what the reason says).
    recent_shoppers = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-score"], name="productpopularity_score_idx")]

    def __str__(self) -> str:
        return f"popularity of {self.product_id}: {self.score:.2f}"
