"""What recommend stores: every search (analytics, profiles), impressions per surface, and the signals
recommendations are built from."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from shopguide.local_paths import validate_local_path


class PopularSearchBlock(models.Model):
    """A phrase a merchandiser keeps out of "Popular searches" (shown to every visitor): a popular search that
    contains it, as whole words, is not suggested. Searching for it still works."""

    phrase = models.CharField(max_length=80, unique=True, help_text="words; matched case-insensitively")
    note = models.CharField(max_length=200, blank=True, help_text="why, for the next merchandiser")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = "blocked popular search"

    def __str__(self) -> str:
        return self.phrase


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


class Rule(models.Model):
    """A merchandiser's rule: pin, boost, bury or hide products — or redirect a query to a page — for a query,
    a category or everywhere, between optional start and end times. Applied the same way by search (and so
    the assistant) and by recommendations (``recommend/merchandising/rules.py``); every result it moves
    names it in its reasons."""

    class Action(models.TextChoices):
        PIN = "pin", "pin to a position"
        BOOST = "boost", "boost (move up)"
        BURY = "bury", "bury (move down)"
        HIDE = "hide", "hide"
        REDIRECT = "redirect", "redirect the query to a page"

    class Scope(models.TextChoices):
        QUERY = "query", "a search query"
        CATEGORY = "category", "a category"
        EVERYWHERE = "everywhere", "everywhere"

    class Match(models.TextChoices):
        EXACT = "exact", "the query is exactly"
        CONTAINS = "contains", "the query contains"

    name = models.CharField(max_length=200, help_text="What merchandisers and shoppers' reasons call it.")
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.PIN)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.QUERY)
    query = models.CharField(max_length=200, blank=True, help_text="For a query rule: the words (case-insensitive).")
    match = models.CharField(max_length=10, choices=Match.choices, default=Match.EXACT)
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
        help_text="For a category rule: applies in this category and below.",
    )
    # What the rule acts on: one product (pin needs one), or every product of a brand or category.
    product = models.ForeignKey("catalog.Product", null=True, blank=True, related_name="+", on_delete=models.CASCADE)
    brand = models.ForeignKey("catalog.Brand", null=True, blank=True, related_name="+", on_delete=models.CASCADE)
    target_category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    position = models.PositiveSmallIntegerField(default=1, help_text="Pin: the place on the first page (1 = first).")
    strength = models.PositiveSmallIntegerField(default=10, help_text="Boost or bury: how many places to move.")
    url = models.CharField("URL", max_length=500, blank=True, help_text="Redirect: a path on this shop, e.g. /c/sale/.")
    enabled = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(position__gte=1) & models.Q(position__lte=100), name="rule_position_1_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.name}"

    def clean(self) -> None:
        # A redirect sends shoppers there from the search page and the API: this shop's own paths only.
        if self.action == self.Action.REDIRECT and self.url:
            try:
                validate_local_path(self.url)
            except ValidationError as error:
                raise ValidationError({"url": error.messages}) from error


class Synonym(models.Model):
    """Words a shopper may use for what the catalog calls otherwise. One-way: a query with ``terms`` also
    searches for the ``synonyms`` (not the reverse); two-way: every word of the group stands for the others."""

    class Kind(models.TextChoices):
        ONE_WAY = "one_way", "one-way (terms → synonyms)"
        TWO_WAY = "two_way", "two-way (all equivalent)"

    terms = models.CharField(max_length=200, help_text="Comma-separated words or phrases shoppers type.")
    synonyms = models.CharField(max_length=500, help_text="Comma-separated words or phrases they mean.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ONE_WAY)
    enabled = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["terms"]

    def __str__(self) -> str:
        arrow = "→" if self.kind == self.Kind.ONE_WAY else "="
        return f"{self.terms} {arrow} {self.synonyms}"


class OperationRun(models.Model):
    """One back-office operation a merchandiser started in admin (re-embed, retrain the graph, rebuild the
    query vocabulary): run by a Celery worker, its progress and result written here as it goes."""

    class Kind(models.TextChoices):
        REEMBED = "reembed", "re-embed every product"
        RETRAIN_GRAPH = "retrain_graph", "retrain the graph model"
        REBUILD_VOCABULARY = "rebuild_vocabulary", "rebuild the query vocabulary"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent done")
    message = models.CharField(max_length=500, blank=True)
    result = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One queued or running run per kind, even when two merchandisers click at the same moment.
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_operation_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status})"


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
