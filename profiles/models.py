"""Shoppers and their behaviour. Events are append-only and written before anything is queued."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from pgvector.django import HnswIndex, VectorField


class Shopper(models.Model):
    """A person shopping: an account (user) or an anonymous browser session (session_key)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="shopper", on_delete=models.CASCADE
    )
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    personalization_paused = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(session_key__isnull=False),
                name="shopper_has_user_or_session",
            )
        ]

    def __str__(self) -> str:
        # No username or session key: a shopper's str lands in the admin, logs and error reports.
        return f"shopper {self.pk}" + (" (account)" if self.user_id else "")


class Event(models.Model):
    class Kind(models.TextChoices):
        VIEW = "view"
        CLICK = "click"
        CART_ADD = "cart_add"
        CART_REMOVE = "cart_remove"
        PURCHASE = "purchase"
        SEARCH = "search"
        WISHLIST = "wishlist"

    class Surface(models.TextChoices):
        DIRECT = "direct"
        SEARCH = "search"
        RECOMMENDATIONS = "recommendations"
        ASSISTANT = "assistant"
        CATEGORY = "category"

    shopper = models.ForeignKey(Shopper, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, related_name="events", on_delete=models.SET_NULL
    )
    query = models.CharField(max_length=500, blank=True)
    surface = models.CharField(max_length=20, choices=Surface.choices, default=Surface.DIRECT)
    position = models.PositiveIntegerField(null=True, blank=True)
    order_id = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Set by clients so a retried batch is stored once: unique per shopper (every client may count from "c1").
    client_event_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (NULL: no id; NULLs never collide)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["shopper", "-created_at"], name="event_shopper_recent_idx"),
            models.Index(fields=["product", "kind"], name="event_product_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shopper", "client_event_id"], name="event_client_id_per_shopper"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.shopper_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Profile(models.Model):
    """What ShopGuide has learned about one shopper, recomputed from their events by a Celery task.

    Derived data only: deleting it loses nothing that the events cannot rebuild (except
    ``removed_interests``, which the shopper set by hand).
    """

    shopper = models.OneToOneField(Shopper, primary_key=True, related_name="profile", on_delete=models.CASCADE)
    # Time-decayed, event-weighted mean of the embeddings of the products involved (unit length).
    vector = VectorField(dimensions=settings.EMBEDDING_DIM, null=True, blank=True)
    # {"category": {slug: weight}, "brand": {slug: weight}, "price_band": {"25-50": weight},
    #  "attribute": {"color:red": weight}}: weights in [0, 1], best first.
    affinities = models.JSONField(default=dict, blank=True)
    recent_product_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    # Interests the shopper removed ("brand:acme"); a recompute never brings them back.
    removed_interests = models.JSONField(default=list, blank=True)
    # The highest Event.id folded in: a refresh that finds nothing newer does nothing (idempotent).
    last_event_id = models.BigIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # Graph embedding of the shopper (profiles/graph.py), trained periodically.
    graph_vector = VectorField(dimensions=settings.GRAPH_EMBEDDING_DIM, null=True, blank=True)
    graph_trained_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile of {self.shopper}"


class ProductGraphVector(models.Model):
    """A product's node in the shopper–product–category–brand–attribute graph, trained with the shoppers'."""

    product = models.OneToOneField(
        "catalog.Product", primary_key=True, related_name="graph_vector", on_delete=models.CASCADE
    )
    vector = VectorField(dimensions=settings.GRAPH_EMBEDDING_DIM)
    trained_at = models.DateTimeField()

    class Meta:
        indexes = [
            HnswIndex(
                name="product_graph_vector_hnsw",
                fields=["vector"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"graph vector of product {self.product_id}"
