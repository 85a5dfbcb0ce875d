from __future__ import annotations

from django.core.management.base import BaseCommand

from recommend.recs import training


class Command(BaseCommand):
    help = (
        "Recompute the recommender's signals from all events now: item-to-item neighbours (what shoppers went on "
        "to, what was bought together) and trending. Celery beat does the same every 30 / 5 minutes."
    )

    def handle(self, *args, **options) -> None:
        try:
            report = training.signals_train()
        except training.SignalsBusy as error:
            self.stderr.write(str(error))
            return
        trending = training.popularity_refresh()
        self.stdout.write(
            f"{report.events:,} events of {report.shoppers:,} shoppers over {report.products:,} products, "
            f"{report.orders:,} orders: {report.next_rows:,} next-item rows, {report.bought_rows:,} bought-together "
            f"rows ({sum(report.seconds.values()):.1f}s); trending: {trending:,} products"
        )
