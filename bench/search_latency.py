"""Search latency through ``GET /api/v1/search``, beside BM25 alone, in one run.

    .venv/bin/python bench/search_latency.py                      # the demo catalog (make demo builds it)
    .venv/bin/python bench/search_latency.py --scale 1000000      # a 1,000,000-product copy of it

Each query goes through the whole server side (URL routing, middleware, the API view, parse,
retrieval, fusion, facets, serialisation), in this process, against the real Postgres + pgvector and
Redis, called as a WSGI server calls Django (gunicorn does the same): the handler, the body, then
``close()``. *API* is the time until the body is ready to send, what a shopper waits for; *worker busy*
adds what runs at ``close()`` after the body has gone out (the search log's INSERT,
shopguide/after_response.py), the time before the worker takes its next request. Two passes over the
queries:

- **cold**: the query's vector is not cached yet (the model encodes it, as for a query never seen);
- **warm**: the same queries again (vectors come from Redis, as for popular searches).

Stages are timed on their own after each request: the vector step (pgvector HNSW under the query's
constraints), the keyword step (Postgres full text, idf-weighted). BM25 alone is bm25s over the
same products' title + description, in memory, top 100: the baseline the issue asks for, which
does less (no filters, no facets, no reasons) and therefore sets the floor.

Queries: the dev queries of ``shared/data/search/*/queries.tsv`` (in a folder above the checkout) when it exists,
otherwise queries made from the catalog's own titles, so the script runs on any clone.

``--scale N`` builds (once) a database ``shopguide_bench_<N>`` holding the demo catalog N / 20,000
times over; copies get their source product's vector plus Gaussian noise (cosine ≈ 0.9 to it), so the
HNSW graph holds N distinct, realistically clustered vectors without embedding N texts (20 hours of CPU
on this machine). Only the vector step's figure is meaningful there (the issue's target); the others
are shown for completeness.
Results print as a markdown table and land in bench/results/search-latency-<date>.json.
"""

from __future__ import annotations

import argparse
import csv
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
# Hundreds of requests from one address in a few seconds: the per-address limits would refuse most of them.
for _scope in ("SEARCH", "AUTOCOMPLETE", "ASSISTANT"):
    os.environ.setdefault(f"THROTTLE_{_scope}_RATE", "1000000/s")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from bench.stats import percentiles, timed  # noqa: E402
from catalog.models import Brand, Category, Product  # noqa: E402
from recommend.search import engine, retrieval, vocabulary  # noqa: E402
from recommend.search.parser import parse  # noqa: E402
from recommend.search.relevance import BM25Baseline  # noqa: E402
from shopguide import embedding  # noqa: E402
from shopguide.databases import separate_database  # noqa: E402

# The first ``shared/data/search`` above the checkout: ``../shared`` from a clone, ``../../shared`` from a worktree.
SHARED = next(
    (p / "shared" / "data" / "search" for p in ROOT.parents if (p / "shared" / "data" / "search").is_dir()),
    ROOT.parent / "shared" / "data" / "search",
)


def load_queries(limit: int) -> tuple[list[str], str]:
    queries: list[str] = []
    sources = []
    for name in ("crowdflower", "homedepot"):
        path = SHARED / name / "queries.tsv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                rows = [r["query"] for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
            queries += rows
            sources.append(f"{name} dev ({len(rows)})")
    if not queries:
        titles = list(Product.objects.active().order_by("?").values_list("title", flat=True)[: limit or 500])
        rng = random.Random(7)
        queries = [" ".join(rng.sample(t.split(), min(3, len(t.split())))).lower() for t in titles]
        sources.append("made from catalog titles")
    rng = random.Random(42)
    rng.shuffle(queries)  # mix the sets, deterministically
    queries = list(dict.fromkeys(q.strip() for q in queries if q.strip()))
    return (queries[:limit] if limit else queries), ", ".join(sources)


def forget_query_vectors(queries: list[str]) -> None:
    keys = []
    for q in queries:
        parsed = parse(q, vocabulary.get_vocabulary())
        text = " ".join((parsed.search_text or "products").casefold().split())
        keys.append(retrieval.query_vector_key(text))
    cache.delete_many(keys)


class Server:
    """Django served as a WSGI server serves it: call the handler, take the body, then close the response
    (which runs the work left for after the response). One browser: the cookies of the first answer are sent
    with every later request, as a returning shopper's are."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.factory = RequestFactory()
        self.cookie = ""
        self.cpu_ms = 0.0

    def get(self, path: str, params: dict) -> tuple[float, float]:
        """(ms until the body is ready, ms until the response is closed); exits on an HTTP error.
        ``self.cpu_ms``: this process's CPU time until the body was ready (less swayed by other jobs)."""
        environ = self.factory.get(path, params).environ
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        status: list[str] = []
        started, cpu = time.perf_counter(), time.process_time()
        response = self.handler(environ, lambda line, headers: status.append(line))
        body = b"".join(response)
        sent = time.perf_counter()
        self.cpu_ms = (time.process_time() - cpu) * 1000
        response.close()
        closed = time.perf_counter()
        if not status[0].startswith("200"):
            raise SystemExit(f"{params}: HTTP {status[0]} {body[:200]!r}")
        if not self.cookie and response.cookies:
            self.cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in response.cookies.items())
        return (sent - started) * 1000, (closed - started) * 1000


def run(queries: list[str]) -> dict:
    server = Server()
    vocabulary.pin(vocabulary.catalog_vocabulary())
    server.get("/api/v1/search", {"q": "warm up"})
    forget_query_vectors(queries)

    api_cold, api_warm, worker_warm, cpu_warm, vector_step, keyword_step = [], [], [], [], [], []
    engine_ms = []
    for q in queries:
        api_cold.append(server.get("/api/v1/search", {"q": q})[0])
    for q in queries:
        sent, closed = server.get("/api/v1/search", {"q": q})
        api_warm.append(sent)
        worker_warm.append(closed)
        cpu_warm.append(server.cpu_ms)
        result = engine.search(q=q, log=False)
        engine_ms.append(result.latency_ms)
        where = engine._where(result.constraints)
        vector = retrieval.query_vector(result.parsed.search_text or "products")
        vector_step.append(timed(retrieval.dense_candidates, vector, where=where, k=engine.CANDIDATES))
        if result.parsed.search_text:
            keyword_step.append(
                timed(
                    retrieval.keyword_candidates_idf,
                    result.parsed.search_text,
                    where=where,
                    k=engine.CANDIDATES,
                    version=vocabulary.catalog_version(),
                )
            )

    rows = list(Product.objects.active().values_list("sku", "title", "description"))
    bm25 = BM25Baseline([r[0] for r in rows], [f"{r[1]} {r[2]}" for r in rows])
    bm25.rank("warm up")
    bm25_ms = [timed(bm25.rank, q) for q in queries]
    return {
        "products": len(rows),
        "api_cold": percentiles(api_cold),
        "api_warm": percentiles(api_warm),
        "worker_busy_warm": percentiles(worker_warm),
        "api_warm_cpu": percentiles(cpu_warm),
        "engine_warm": percentiles(engine_ms),
        "vector_step": percentiles(vector_step),
        "keyword_step": percentiles(keyword_step),
        "bm25_alone": percentiles(bm25_ms),
    }


# --- a large copy of the demo catalog -----------------------------------------------------------


def copy_demo_catalog(scale: int, name: str) -> None:
    categories = list(Category.objects.order_by("depth", "id"))
    brands = list(Brand.objects.all())
    source = list(Product.objects.active().filter(embedding__isnull=False).order_by("id"))
    if not source:
        raise SystemExit("the demo catalog is not embedded yet: run `make demo` (or generate + embed) first")
    copies = max(1, -(-scale // len(source)))
    with separate_database(name):
        have = Product.objects.count()
        if have >= scale:
            print(f"{name} already holds {have:,} products")
            return
        print(f"building {name}: {len(source):,} demo products × {copies} (noise on the vectors)")
        Product.objects.all().delete()
        Category.objects.all().delete()
        Brand.objects.all().delete()
        Category.objects.bulk_create(categories, batch_size=1000)
        Brand.objects.bulk_create(brands, batch_size=1000)
        Product.objects.bulk_create(source, batch_size=2000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("catalog_category", "catalog_brand", "catalog_product"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
            cursor.execute("DROP INDEX IF EXISTS product_embedding_hnsw")
            cursor.execute("DROP INDEX IF EXISTS product_search_vector_gin")
            cursor.execute("DROP INDEX IF EXISTS product_attributes_gin")
            columns = (
                "title, description, category_id, brand_id, price, currency, attributes, rating, review_count, "
                "stock, is_active, image_url, search_terms, content_hash, embedding_hash, embedding_model, "
                "created_at, updated_at"
            )
            for copy in range(1, copies):
                # Noise of σ = 0.025 per dimension on a unit vector of 384 dims: cosine ≈ 0.9 to the source.
                cursor.execute(
                    f"""
                    INSERT INTO catalog_product (sku, embedding, {columns})
                    SELECT p.sku || '-C' || %s,
                           (SELECT array_agg(e + 0.025 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
                              FROM unnest(p.embedding::real[]) AS e)::vector,
                           {columns}
                      FROM catalog_product p WHERE p.sku NOT LIKE '%%-C%%' ORDER BY p.id LIMIT %s
                    """,
                    [copy, min(len(source), scale - copy * len(source))],
                )
                print(f"  copy {copy + 1}/{copies} ({time.perf_counter() - started:.0f} s)", flush=True)
            print("  indexing (HNSW + GIN)…", flush=True)
            cursor.execute("SET maintenance_work_mem = '4GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            t = time.perf_counter()
            cursor.execute(
                "CREATE INDEX product_embedding_hnsw ON catalog_product "
                "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            )
            hnsw_s = time.perf_counter() - t
            cursor.execute("CREATE INDEX product_search_vector_gin ON catalog_product USING gin (search_vector)")
            cursor.execute(
                "CREATE INDEX product_attributes_gin ON catalog_product USING gin (attributes jsonb_path_ops)"
            )
            cursor.execute("ANALYZE catalog_product")
        print(f"  built in {time.perf_counter() - started:.0f} s (HNSW {hnsw_s:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000, help="how many dev queries (0: all)")
    parser.add_argument("--scale", type=int, default=0, help="also measure a copy of the catalog this big")
    args = parser.parse_args()
    queries, source = load_queries(args.queries)
    embedding.get_model()
    results: dict = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "queries": len(queries),
        "query_source": source,
        "catalogs": {},
    }
    print(f"{len(queries)} queries ({source})")
    results["catalogs"]["demo"] = run(queries)
    if args.scale:
        name = f"shopguide_bench_{args.scale}"
        copy_demo_catalog(args.scale, name)
        with separate_database(name):
            vocabulary.reset()
            results["catalogs"][name] = run(queries)
        vocabulary.reset()

    print()
    print("| catalog | products | step | p50 ms | p95 ms |")
    print("|---|---:|---|---:|---:|")
    for catalog, figures in results["catalogs"].items():
        for step in (
            "api_cold",
            "api_warm",
            "worker_busy_warm",
            "api_warm_cpu",
            "engine_warm",
            "vector_step",
            "keyword_step",
            "bm25_alone",
        ):
            f = figures[step]
            print(f"| {catalog} | {figures['products']:,} | {step} | {f['p50_ms']} | {f['p95_ms']} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"search-latency-{datetime.date.today().isoformat()}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nsaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
