from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from catalog import services
from catalog.models import Product
from shopguide import embedding


class Command(BaseCommand):
    help = "Embed, now and in this process, every product whose vector is missing or stale (progress bar)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=1024)

    def handle(self, *args, chunk_size: int, **options) -> None:
        model = embedding.model_name()
        stale = Product.objects.embedding_stale(model).count()
        if not stale:
            self.stdout.write(f"All {Product.objects.count()} products have current embeddings ({model}).")
            return
        written = services.product_embed(chunk_size=chunk_size, progress=True)
        self.stdout.write(self.style.SUCCESS(f"Embedded {written} products with {model}."))
