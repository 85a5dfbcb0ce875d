"""Load the deterministic demo catalog and shoppers: `manage.py generate_demo_catalog --products N --shoppers S`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from catalog.demo import generate_products
from catalog.models import Brand, Category, Product
from catalog.services import ProductInput, product_upsert_many
from profiles.demo import DEMO_PASSWORD, generate_shoppers
from shopguide import embedding

CHUNK_SIZE = 10_000


def _aware_datetime(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"not an ISO 8601 date-time: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _chunks(items: Iterable[ProductInput], size: int) -> Iterator[list[ProductInput]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Command(BaseCommand):
    help = (
        "Create or refresh the deterministic demo catalog (SKUs DEMO-0000000…) and demo shoppers "
        "(shopper001…, password 'shopguide-demo') with 60 days of coherent behaviour. Idempotent: "
        "the same arguments leave the database as it was. Products are saved without embeddings; "
        "run the embedding sweep afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products", type=int, default=settings.DEMO_PRODUCTS, help="number of products (default: DEMO_PRODUCTS)"
        )
        parser.add_argument(
            "--shoppers", type=int, default=settings.DEMO_SHOPPERS, help="number of shoppers (default: DEMO_SHOPPERS)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed for products and behaviour (default: 42)")
        parser.add_argument(
            "--now",
            type=_aware_datetime,
            default=None,
            help="ISO date-time the generated history ends at (default: start of today, UTC, so reruns that day match)",
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="products saved per transaction")
        parser.add_argument("--no-progress", action="store_true", help="hide progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        products, shoppers, seed = options["products"], options["shoppers"], options["seed"]
        chunk_size = options["chunk_size"]
        if products < 0 or shoppers < 0 or chunk_size < 1:
            raise CommandError("--products and --shoppers must be >= 0 and --chunk-size >= 1")
        now = options["now"] or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        progress = not options["no_progress"]

        categories_before, brands_before = Category.objects.count(), Brand.objects.count()
        created = updated = 0
        started = time.monotonic()
        bar = tqdm(total=products, unit="product", desc="Products", disable=not progress)
        # Streamed in chunks, each its own transaction: a million ProductInputs never sit in memory together.
        for chunk in _chunks(generate_products(products, seed), chunk_size):
            result = product_upsert_many(items=chunk, embed=False)
            created += result.created
            updated += result.updated
            bar.update(len(chunk))
        bar.close()
        products_seconds = time.monotonic() - started

        started = time.monotonic()
        summary = generate_shoppers(count=shoppers, seed=seed, now=now, progress=progress)
        shoppers_seconds = time.monotonic() - started

        stale = Product.objects.embedding_stale(embedding.model_name()).count()
        categories, brands = Category.objects.count(), Brand.objects.count()
        lines = [
            f"Products: {created} created, {updated} updated ({products} demo products, seed {seed}) in {products_seconds:.1f}s",
            f"Categories: {categories} ({categories - categories_before} new)",
            f"Brands: {brands} ({brands - brands_before} new)",
            f"Shoppers: {summary.shoppers} ({summary.users_created} users and {summary.shoppers_created} shoppers new, "
            f"{summary.shoppers_rewritten} with rewritten history), password {DEMO_PASSWORD!r}",
            f"Events: {summary.events} ({summary.events_created} written, {summary.events_deleted} replaced), "
            f"ending {now.isoformat()}, in {shoppers_seconds:.1f}s",
            f"Products awaiting embedding: {stale}",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
