"""What recommend stores: every search (analytics, profiles) and the signals recommendations are built from."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class SearchLog(models.Model):
    query = models.CharField(max_length=1000)
    parsed = models.JSONField(default=dict)
    intent = models.CharField(max_length=32, blank=True)
    result_ids = models.JSONField(default=list)  # the first page, in order
    total = models.PositiveIntegerField(default=0)
    relaxed = models.JSONField(default=list)
    latency_ms = models.FloatField()
    # CASCADE: erasing a shopper erases their queries and session key too (no row may name an erased person).
    shopper = models.ForeignKey("profiles.Shopper", null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True)
    surface = models.CharField(max_length=20, default="search")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["total", "-created_at"], name="searchlog_zero_results_idx")]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.total} results)"


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


# --- Ranking settings and experiments (recommend/experiments/) -------------------------------


def default_dense_weight() -> float:
    from django.conf import settings

    return float(settings.SEARCH_FUSION_WEIGHTS["dense"])


def default_keyword_weight() -> float:
    from django.conf import settings

    return float(settings.SEARCH_FUSION_WEIGHTS["keyword"])


def new_salt() -> str:
    return secrets.token_hex(8)


class RankingKnobs(models.Model):
    """The knobs an experiment can turn; their defaults are today's behaviour (the fusion weights from the
    environment: SEARCH_DENSE_WEIGHT / SEARCH_KEYWORD_WEIGHT)."""

    dense_weight = models.FloatField(
        default=default_dense_weight,
        validators=[MinValueValidator(0.0), MaxValueValidator(10.0)],
        help_text="fusion weight of the meaning (vector) retriever; 0 = rank by words alone",
    )
    keyword_weight = models.FloatField(
        default=default_keyword_weight,
        validators=[MinValueValidator(0.0), MaxValueValidator(10.0)],
        help_text="fusion weight of the full-text (keyword) retriever; 0 = rank by meaning alone",
    )
    personalization = models.FloatField(
        "personalisation strength",
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(3.0)],
        help_text="multiplier on the personal lift in search: 0 = off, 1 = a result rises at most 3 places",
    )
    recs_diversity = models.PositiveSmallIntegerField(
        "recommendation diversity",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="at most 1/N of a recommendation row from one leaf category: 1 = no cap, 3 = a third",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.dense_weight == 0 and self.keyword_weight == 0:
            raise ValidationError("At least one fusion weight must be above 0.")


class RankingSettings(RankingKnobs):
    """The live ranking configuration: one row (pk 1); no row means the defaults."""

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ranking settings"
        verbose_name_plural = "ranking settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="rankingsettings_single_row")]

    def __str__(self) -> str:
        return "live ranking settings"


class Experiment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        RUNNING = "running"
        ENDED = "ended"

    name = models.CharField(max_length=200)
    description = models.TextField("hypothesis", blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # Part of every shopper's hash: a new experiment reshuffles who lands where.
    salt = models.CharField(max_length=32, default=new_salt, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    promoted_variant = models.ForeignKey(
        "recommend.Variant", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="running"), name="experiment_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class Variant(RankingKnobs):
    experiment = models.ForeignKey(Experiment, related_name="variants", on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    is_control = models.BooleanField(
        "control", default=False, help_text="the live settings (its knobs are copied from them at the start)"
    )
    weight = models.PositiveSmallIntegerField(
        "traffic weight", default=50, validators=[MaxValueValidator(1000)], help_text="share of shoppers, relative"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment"], condition=models.Q(is_control=True), name="variant_one_control"
            ),
            models.UniqueConstraint(fields=["experiment", "name"], name="variant_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name + (" (control)" if self.is_control else "")
