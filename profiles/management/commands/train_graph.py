"""Train the shopper/product graph embeddings now, in this process: `manage.py train_graph`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from profiles import graph


class Command(BaseCommand):
    help = (
        "Train the knowledge-graph embeddings (shoppers, products, categories, brands, attribute values) "
        "on every product event and replace the stored Profile.graph_vector and ProductGraphVector rows. "
        "Idempotent: a rerun replaces the vectors. The Celery beat schedule runs the same every 6 hours."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--epochs",
            type=int,
            default=settings.GRAPH_TRAIN_EPOCHS,
            help="training epochs (default: GRAPH_TRAIN_EPOCHS)",
        )
        parser.add_argument(
            "--dim",
            type=int,
            default=settings.GRAPH_EMBEDDING_DIM,
            help="vector dimension; must equal GRAPH_EMBEDDING_DIM, the stored columns' size",
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="random seed (default: 0); same data + seed, same vectors"
        )
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = graph.graph_train(
                epochs=options["epochs"], dim=options["dim"], seed=options["seed"], progress=not options["no_progress"]
            )
        except graph.GraphTrainingError as error:
            raise CommandError(str(error)) from error
        style = self.style.WARNING if report.skipped else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
