"""What recommend stores: every search, for analytics and shopper profiles."""

from __future__ import annotations

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
