"""Assistant latency through ``POST /api/v1/assistant/messages``, beside ``GET /api/v1/search`` for the
same words, in one run.

    SHOPGUIDE_DATA_DIR=../main/.data .venv/bin/python bench/assistant_latency.py [--rounds 5]

Each turn goes through the whole server side (routing, middleware, the API view, the conversation row
lock, intent classification, the engines, storage of both messages, serialisation) via Django's test
client, in this process, against the real Postgres + pgvector and Redis, without an LLM. Every
conversation is a short script of turns of one kind (search and its refinements, a product question,
a comparison, customer service, chit-chat); each script runs ``--rounds`` times (the first round
encodes the new texts, later rounds find their vectors in Redis, as for common phrasings).

Read-only: everything runs inside one transaction that is rolled back at the end (the FAQ loaded, the
conversations, the search log), so the demo database is left as it was.
Results print as a markdown table and land in bench/results/assistant-latency-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")
# Hundreds of requests from one address in a few seconds: the per-address limits would refuse most of them.
for _scope in ("SEARCH", "AUTOCOMPLETE", "ASSISTANT"):
    os.environ.setdefault(f"THROTTLE_{_scope}_RATE", "1000000/s")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.models import Product  # noqa: E402

SCRIPTS: dict[str, list[str]] = {
    "search": [
        "running shoes",
        "waterproof hiking boots for women",
        "wireless headphones",
        "a gift for a coffee lover",
    ],
    "refinement": ["cheaper", "in blue", "not {brand}", "show more", "more like the second one"],
    "product_question": ["is it waterproof?", "what is it made of?", "what sizes does it come in?"],
    "comparison": ["compare the first two"],
    "customer_service": ["how long does delivery take?", "can I pay with paypal?", "how do I return an item?"],
    "chit_chat": ["hello", "thanks!"],
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def run(rounds: int) -> dict:
    client = Client()
    product = Product.objects.active().filter(attributes__has_key="features").order_by("id").first()
    brand = Product.objects.active().exclude(brand=None).select_related("brand").order_by("id").first().brand.name
    timings: dict[str, list[float]] = {kind: [] for kind in SCRIPTS}
    baseline: list[float] = []

    def post(text: str, conversation: str | None, **extra) -> tuple[dict, float]:
        body = {"text": text, **({"conversation_id": conversation} if conversation else {}), **extra}
        started = time.perf_counter()
        response = client.post("/api/v1/assistant/messages", body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content
        return response.json(), elapsed

    def search(text: str) -> float:
        started = time.perf_counter()
        response = client.get("/api/v1/search", {"q": text, "page_size": 12})
        assert response.status_code == 200
        return (time.perf_counter() - started) * 1000

    post("hello", None)  # the model and the classifier's head load once, outside the figures
    for _ in range(rounds):
        for text in SCRIPTS["search"]:
            turn, ms = post(text, None)
            timings["search"].append(ms)
            baseline.append(search(text))
            conversation = turn["conversation_id"]
            for refinement in SCRIPTS["refinement"]:
                _, ms = post(refinement.format(brand=brand), conversation)
                timings["refinement"].append(ms)
            _, ms = post(SCRIPTS["comparison"][0], conversation)
            timings["comparison"].append(ms)
        for text in SCRIPTS["product_question"]:
            _, ms = post(text, None, product_id=product.pk)
            timings["product_question"].append(ms)
        for kind in ("customer_service", "chit_chat"):
            for text in SCRIPTS[kind]:
                _, ms = post(text, None)
                timings[kind].append(ms)
    every = [ms for values in timings.values() for ms in values]
    rows = {kind: values for kind, values in timings.items()} | {
        "all turns": every,
        "baseline: GET /api/v1/search": baseline,
    }
    return {
        kind: {
            "n": len(values),
            "p50": round(statistics.median(values), 1),
            "p95": round(percentile(values, 95), 1),
            "max": round(max(values), 1),
        }
        for kind, values in rows.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    products = Product.objects.active().count()
    with transaction.atomic():
        call_command("load_faq", "--embed", stdout=io.StringIO())
        figures = run(args.rounds)
        transaction.set_rollback(True)  # leave the demo database as it was
    print(
        f"\nAssistant latency, {products:,} products, {args.rounds} rounds, no LLM ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs)\n"
    )
    print("| turns | n | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
    for kind, row in figures.items():
        print(f"| {kind} | {row['n']} | {row['p50']} | {row['p95']} | {row['max']} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"assistant-latency-{datetime.date.today():%Y-%m-%d}.json"
    path.write_text(json.dumps({"products": products, "rounds": args.rounds, "figures": figures}, indent=2))
    print(f"\n{path}")


if __name__ == "__main__":
    main()
