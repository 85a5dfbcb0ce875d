"""Import and embedding throughput on the demo catalog (products/s), every backend in one run.

    .venv/bin/python bench/ingest.py [--products 20000] [--sample 2000] [--no-full-embed]

1. writes the deterministic demo catalog (seed 42) to a CSV file, as a merchant's export would be;
2. imports it with the real importer into a database of its own (``shopguide_bench``), timed;
3. encodes the same sample of product texts with each embedding backend (torch, onnx, onnx-int8),
   timed after a warm-up, with min/mean cosine against torch;
4. embeds the whole catalog with the configured backend through ``product_embed`` (model + database
   writes), timed.
Results print as a markdown table and land in bench/results/ingest-<date>.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import override_settings  # noqa: E402

from catalog import importers, services  # noqa: E402
from catalog.demo import generate_products  # noqa: E402
from catalog.models import Product  # noqa: E402
from shopguide import embedding  # noqa: E402
from shopguide.databases import separate_database  # noqa: E402

COLUMNS = ["sku", "title", "description", "category", "brand", "price", "currency", "rating", "review_count",
           "stock", "is_active", "image_url", "attributes"]  # fmt: skip


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for p in generate_products(n, 42):
            writer.writerow([p.sku, p.title, p.description, p.category_path, p.brand, p.price, p.currency, p.rating,
                             p.review_count, p.stock, p.is_active, p.image_url, json.dumps(p.attributes)])  # fmt: skip


def encode_rate(texts: list[str], backend: str) -> tuple[float, np.ndarray]:
    with override_settings(EMBEDDING_BACKEND=backend):
        embedding.get_model.cache_clear()
        embedding.encode(texts[:64])  # load (and, the first time on this machine, export) + warm up
        started = time.perf_counter()
        vectors = embedding.encode(texts)
        elapsed = time.perf_counter() - started
    embedding.get_model.cache_clear()
    return len(texts) / elapsed, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--no-full-embed", action="store_true")
    args = parser.parse_args()
    results: dict = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "products": args.products,
    }
    with tempfile.TemporaryDirectory() as tmp, separate_database("shopguide_bench"):
        path = Path(tmp) / "catalog.csv"
        write_csv(path, args.products)
        Product.objects.all().delete()

        started = time.perf_counter()
        parsed = importers.parse_file(path)
        assert not parsed.errors, parsed.errors[:3]
        services.product_upsert_many(items=parsed.items, embed=False)
        results["import_products_per_s"] = round(args.products / (time.perf_counter() - started), 1)

        sample = list(Product.objects.select_related("brand", "category").order_by("?")[: args.sample])
        texts = [services.embedding_text(p) for p in sample]
        results["sample_words_mean"] = round(float(np.mean([len(t.split()) for t in texts])), 1)
        reference = None
        results["backends"] = {}
        for backend in args.backends.split(","):
            rate, vectors = encode_rate(texts, backend)
            row = {"products_per_s": round(rate, 1)}
            if reference is None:
                reference = vectors
                results["backends"]["baseline"] = backend
            else:
                cosines = np.sum(reference * vectors, axis=1)
                row |= {"min_cosine": round(float(cosines.min()), 4), "mean_cosine": round(float(cosines.mean()), 4)}
            results["backends"][backend] = row

        if not args.no_full_embed:
            embedding.get_model.cache_clear()
            embedding.encode(["warm up"])
            started = time.perf_counter()
            written = services.product_embed()
            results["full_embed"] = {
                "backend": settings.EMBEDDING_BACKEND,
                "products": written,
                "products_per_s": round(written / (time.perf_counter() - started), 1),
            }

    print(f"\n{results['products']} demo products, {results['machine']}, {results['date']}")
    print(f"import (parse + upsert, no embedding): {results['import_products_per_s']} products/s")
    print(
        f"\n| backend | products/s | vs {results['backends']['baseline']} | min cos | mean cos |\n|---|---:|---:|---:|---:|"
    )
    base_rate = results["backends"][results["backends"]["baseline"]]["products_per_s"]
    for backend in args.backends.split(","):
        row = results["backends"][backend]
        print(f"| {backend} | {row['products_per_s']} | {row['products_per_s'] / base_rate:.2f}x | "
              f"{row.get('min_cosine', 1.0)} | {row.get('mean_cosine', 1.0)} |")  # fmt: skip
    if "full_embed" in results:
        full = results["full_embed"]
        print(f"\nfull catalog through product_embed ({full['backend']}): {full['products_per_s']} products/s")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ingest-{results['date'][:10]}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
