"""Recommendation latency: ``for-you`` and ``similar`` through the API, beside plain baselines, in one run.

    .venv/bin/python bench/recs_latency.py [--shoppers 300] [--products 300] [--rounds 2]

Against the demo catalog (``make demo`` builds it; ``manage.py train_recommendations`` and the graph
training fill the signals). Each request goes through the whole server side (URL routing,
middleware, session → shopper, the API view, the engine's SQL and pgvector queries, the blend,
serialisation) via Django's test client, in this process, against the real Postgres + pgvector.

Side by side, in the same run and on the same shoppers / products:

- ``engine``: the engine call alone (no HTTP, no serialisation);
- baselines, each a single plain query plus loading the products, what a shop without ShopGuide's
  hybrid would serve: **popularity** (the top of the trending table) for for-you, and **item kNN**
  (the stored neighbours of the shopper's last product / of the product) for both.

Every shopper and product is requested ``--rounds`` times; the first round warms Postgres' buffers
and is not counted. Results print as markdown and land in bench/results/recs-latency-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from bench.stats import percentiles, timed  # noqa: E402
from catalog.models import Product  # noqa: E402
from profiles.models import Event, Shopper  # noqa: E402
from profiles.services import SESSION_SHOPPER_KEY  # noqa: E402
from recommend.models import ItemNeighbor, ProductPopularity  # noqa: E402
from recommend.recs import engine  # noqa: E402

LIMIT = 12


def client_for(shopper: Shopper) -> Client:
    client = Client()
    if shopper.user_id:
        client.force_login(shopper.user)
    else:
        session = client.session
        session[SESSION_SHOPPER_KEY] = shopper.pk
        session.save()
    return client


def popularity_baseline() -> None:
    ids = list(ProductPopularity.objects.order_by("-score").values_list("product_id", flat=True)[:LIMIT])
    list(Product.objects.filter(pk__in=ids).for_listing())


def knn_baseline(product_id: int) -> None:
    ids = list(
        ItemNeighbor.objects.filter(product_id=product_id, kind=ItemNeighbor.Kind.NEXT)
        .order_by("-score")
        .values_list("neighbor_id", flat=True)[:LIMIT]
    )
    list(Product.objects.filter(pk__in=ids).for_listing())


def last_product(shopper: Shopper) -> int | None:
    return (
        Event.objects.filter(shopper=shopper, product__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("product_id", flat=True)
        .first()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=300)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="the first round warms up and is not counted")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shopper_ids = sorted(Shopper.objects.filter(events__product__isnull=False).values_list("pk", flat=True).distinct())
    shoppers = list(Shopper.objects.filter(pk__in=rng.sample(shopper_ids, min(args.shoppers, len(shopper_ids)))))
    product_ids = list(Product.objects.active().filter(embedding__isnull=False).values_list("pk", flat=True))
    products = list(Product.objects.filter(pk__in=rng.sample(product_ids, min(args.products, len(product_ids)))))
    if not shoppers or not products:
        sys.exit("no shoppers with events or no embedded products: run `make demo` (or generate_demo_catalog) first")
    signals = ItemNeighbor.objects.count()
    print(f"{len(shoppers)} shoppers, {len(products)} products, {signals:,} neighbour rows, {args.rounds} rounds")

    clients = {s.pk: client_for(s) for s in shoppers}
    lasts = {s.pk: last_product(s) for s in shoppers}
    times: dict[str, list[float]] = {k: [] for k in (
        "api_for_you", "engine_for_you", "baseline_popularity", "baseline_knn_last_item",
        "api_similar", "engine_similar", "baseline_knn_product",
    )}  # fmt: skip
    anonymous = Client()  # one visitor browsing product pages
    empty = 0
    for round_number in range(args.rounds):
        count = round_number > 0
        for shopper in shoppers:
            client = clients[shopper.pk]
            started = time.perf_counter()
            response = client.get("/api/v1/recommendations/for-you", {"limit": LIMIT})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"for-you answered {response.status_code}: {response.content[:300]!r}")
            if count:
                empty += not response.json()["results"]
                times["api_for_you"].append(elapsed)
                times["engine_for_you"].append(timed(engine.for_you, shopper=shopper, limit=LIMIT))
                times["baseline_popularity"].append(timed(popularity_baseline))
                if lasts[shopper.pk]:
                    times["baseline_knn_last_item"].append(timed(knn_baseline, lasts[shopper.pk]))
        for product in products:
            started = time.perf_counter()
            response = anonymous.get(f"/api/v1/products/{product.pk}/similar", {"limit": LIMIT})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"similar answered {response.status_code}: {response.content[:300]!r}")
            if count:
                times["api_similar"].append(elapsed)
                times["engine_similar"].append(timed(engine.similar_items, product=product, limit=LIMIT))
                times["baseline_knn_product"].append(timed(knn_baseline, product.pk))

    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "products": Product.objects.count(),
        "shoppers": len(shoppers),
        "empty_for_you": empty,
        "figures": {k: percentiles(v) for k, v in times.items() if v},
    }
    print("\n| surface | path | p50 ms | p95 ms | n |")
    print("|---|---|---:|---:|---:|")
    for key, figure in results["figures"].items():
        surface = "for-you" if ("for_you" in key or "popularity" in key or "last_item" in key) else "similar"
        print(f"| {surface} | {key} | {figure['p50_ms']} | {figure['p95_ms']} | {figure['n']} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"recs-latency-{datetime.date.today().isoformat()}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nsaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
