"""`manage.py generate_demo_analytics`: the demo shoppers' searches and impressions, for the analytics page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recommend.analytics.demo import generate_demo_analytics


class Command(BaseCommand):
    help = (
        "Replay the demo shoppers' searches (events from generate_demo_catalog) through the search engine and "
        "write them as search logs at their own times, with impression counts for recommendation rows and "
        "assistant replies, so the admin's analytics page shows the demo's history. Run after the catalog is "
        "embedded. Idempotent: what is already logged or counted is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = generate_demo_analytics(progress=not options["no_progress"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo searches: {summary.search_events} ({summary.logs_written} logged now, "
                f"{summary.logs_present} already logged); {summary.queries_replayed} distinct queries replayed, "
                f"{summary.unmatched_queries} of them unmatched (no result, relaxed, or words no product holds)\n"
                f"Impression counters: {summary.impression_days_written} day/surface rows written\n"
                f"in {summary.seconds:.1f}s"
            )
        )
