"""Where a warm search's time goes: each engine step's wall time, the SQL inside it, and SQL by statement.

    .venv/bin/python bench/search_profile.py [--queries 300]

The same dev queries as ``bench/search_latency.py``, each sent once to warm the caches (query vectors,
stems, document frequencies), then once more through ``GET /api/v1/search`` (Django's test client, so
the search log written after the response is included) with:

- the *step timer*: the engine's steps wrapped in timers; each step's SQL is the time spent inside
  ``cursor.execute`` while it runs (Django's ``execute_wrapper``), its Python the rest;
- the *SQL timer*: every statement classified (the HNSW walk, an exact scan, full text, re-ranking
  features, ...) with its mean time per query and calls per query.

Run it on a quiet machine and compare its rows before and after a change; absolute times drift with
the machine's load (BENCHMARKS.md, "Search latency").
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import re
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.search_latency import load_queries  # noqa: E402
from catalog import selectors  # noqa: E402
from catalog.querysets import ProductQuerySet  # noqa: E402
from recommend import apis  # noqa: E402
from recommend.search import engine, rerank, retrieval, vocabulary  # noqa: E402

STEPS = [
    (apis, "search"),  # the API view calls the engine through its own import
    (engine, "parse"),
    (engine.QueryContext, "of"),
    (engine, "_retrieve"),
    (retrieval, "dense_candidates"),
    (retrieval, "_estimated_rows"),
    (retrieval, "keyword_candidates_idf"),
    (engine, "_rerank"),
    (rerank, "features_and_facet_rows"),
    (ProductQuerySet, "in_bulk"),
    (engine, "_hit"),
    (engine, "search_facets"),
    (selectors, "product_facets_for_ids"),
    (apis, "search_representation"),
    (engine, "_log"),
]


def statement_kind(sql: str) -> str:
    text = " ".join(sql.split())
    if text.startswith("EXPLAIN"):
        return "planner estimate (EXPLAIN)"
    if text.startswith("SET hnsw"):
        return "SET hnsw.ef_search"
    if "LATERAL" in text:
        return "re-ranking features + facet rows"
    if "<=>" in text and ") + " in text:
        return "vector: exact scan"
    if "<=>" in text:
        return "vector: HNSW walk"
    if "ts_rank" in text:
        return "keyword (full text)"
    if text.startswith('INSERT INTO "recommend_searchlog"'):
        return "search log INSERT"
    match = re.match(r'SELECT .*? FROM "(\w+)"', text)
    return f"SELECT {match.group(1)}" if match else text[:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    queries, source = load_queries(args.queries)
    client = Client()
    vocabulary.pin(vocabulary.catalog_vocabulary())
    for q in queries:
        client.get("/api/v1/search", {"q": q})

    wall: dict[str, float] = collections.defaultdict(float)
    inside: dict[str, float] = collections.defaultdict(float)
    statements: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    running: list[str] = []

    def timed(name, fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            running.append(name)
            started = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                wall[name] += time.perf_counter() - started
                running.pop()

        return wrapper

    for owner, name in STEPS:
        # On a class, its own attribute (a classmethod stays one) or the inherited method.
        original = owner.__dict__.get(name, getattr(owner, name)) if isinstance(owner, type) else getattr(owner, name)
        if isinstance(original, classmethod):
            setattr(owner, name, classmethod(timed(name, original.__func__)))
        else:
            setattr(owner, name, timed(name, original))

    def sql_timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            for name in set(running):
                inside[name] += spent
            entry = statements[statement_kind(sql)]
            entry[0] += 1
            entry[1] += spent

    request_wall, request_cpu = [], []
    with connection.execute_wrapper(sql_timer):
        for q in queries:
            started, cpu = time.perf_counter(), time.process_time()
            client.get("/api/v1/search", {"q": q})
            request_wall.append((time.perf_counter() - started) * 1000)
            request_cpu.append((time.process_time() - cpu) * 1000)

    n = len(queries)
    print(f"{n} warm queries ({source})")
    print(
        f"request wall p50 {statistics.median(request_wall):.1f} ms (mean {statistics.mean(request_wall):.1f}), "
        f"CPU p50 {statistics.median(request_cpu):.1f} ms"
    )
    print("\n| step | wall ms/query | SQL | Python |\n|---|---:|---:|---:|")
    for name, spent in sorted(wall.items(), key=lambda item: -item[1]):
        print(
            f"| {name} | {spent / n * 1000:.2f} | {inside[name] / n * 1000:.2f} | {(spent - inside[name]) / n * 1000:.2f} |"
        )
    print("\n| statement | ms/query | calls/query |\n|---|---:|---:|")
    total = 0.0
    for kind, (calls, spent) in sorted(statements.items(), key=lambda item: -item[1][1]):
        total += spent
        print(f"| {kind} | {spent / n * 1000:.2f} | {calls / n:.2f} |")
    print(f"| all SQL | {total / n * 1000:.2f} | |")


if __name__ == "__main__":
    main()
