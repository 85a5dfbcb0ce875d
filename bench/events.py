"""Behaviour events: ingestion through the batch API (events/s, nothing lost) and event → profile latency.

    SHOPGUIDE_DATA_DIR=.data/bench .venv/bin/python bench/events.py [--events 100000] [--clients 4] [--trials 40]

Runs against real processes, as ``make demo`` runs them (helpers from shopguide/demo.py): embedded
Postgres and Redis, gunicorn (shopguide/gunicorn.conf.py: WEB_CONCURRENCY workers × GUNICORN_THREADS)
and a Celery worker on every queue (threads pool, concurrency 2). The catalog is 2,000 demo products
whose embeddings are random unit vectors written straight to the table: this measures events and
profile refreshes, not the model (bench/ingest.py does that).

1. ingestion: ``--clients`` threads POST batches of 500 events (mixed kinds, unique client_event_id)
   for ``--shoppers`` browser sessions to /api/v1/events over keep-alive HTTP; events/s is the number
   sent over the wall time; then the rows in the database are counted (must equal the number sent),
   and a few batches are sent again (each event must come back as a duplicate);
2. baseline, same run: the same number of events through ``Event.objects.bulk_create`` (batches of
   500) from this process, the floor of what any API can add;
3. latency: ``--trials`` times, one event is POSTed for a shopper whose profile is current, and the
   time until ``Profile.last_event_id`` covers it is measured (polling the database every 10 ms), with
   the worker refreshing as it would in the shop (coalescing delay PROFILE_REFRESH_DELAY included).
Results print as a markdown table and land in bench/results/events-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")
os.environ.setdefault("SHOPGUIDE_DATA_DIR", str(ROOT / ".data" / "bench"))

from shopguide import demo  # noqa: E402

# What clients may send: cart and purchase events come from the cart and checkout code, not from this API.
KINDS = ["view"] * 55 + ["click"] * 28 + ["wishlist"] * 7 + ["search"] * 10
BATCH = 500


def spawn(port: int) -> list[subprocess.Popen]:
    from django.conf import settings

    # A throughput test from one address: the per-address events limit (THROTTLE_EVENTS_RATE) is lifted.
    env = {**os.environ, "THROTTLE_EVENTS_RATE": "1000000/s"}
    commands = [
        [str(demo.BIN / "gunicorn"), "shopguide.wsgi", "--config", str(ROOT / "shopguide" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}"],
        [str(demo.BIN / "celery"), "-A", "shopguide", "worker", "--queues", ",".join(settings.CELERY_QUEUES_ALL),
         "--pool", "threads", "--concurrency", "2", "--loglevel", "WARNING", "--hostname", "bench@%h"],
    ]  # fmt: skip
    return [subprocess.Popen(c, cwd=ROOT, env=env) for c in commands]


def prepare(products: int) -> list[int]:
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    from catalog import services
    from catalog.demo import generate_products
    from catalog.models import Product
    from profiles.models import Event, Profile, Shopper

    call_command("migrate", interactive=False, verbosity=0)
    Event.objects.all().delete()
    Profile.objects.all().delete()
    Shopper.objects.all().delete()
    if Product.objects.count() < products:
        demo.log(f"generating {products} demo products")
        services.product_upsert_many(items=list(generate_products(products, seed=42)), embed=False)
    rng = np.random.default_rng(7)
    ids = list(Product.objects.filter(embedding__isnull=True).values_list("pk", flat=True))
    if ids:
        vectors = rng.normal(size=(len(ids), 384))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with connection.cursor() as cursor:
            for pk, v in zip(ids, vectors, strict=True):
                cursor.execute(
                    "UPDATE catalog_product SET embedding = %s WHERE id = %s",
                    ["[" + ",".join(f"{x:.6f}" for x in v) + "]", pk],
                )
    connection.close()
    return list(Product.objects.values_list("pk", flat=True))


class Session:
    """One browser: a keep-alive connection and the session cookie the server gave it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.visitor = ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def first_page(self) -> None:
        """The signed visitor cookie a browser gets with its first page (anonymous events need it)."""
        self.conn.request("GET", "/api/v1/categories")
        response = self.conn.getresponse()
        response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("shopguide_visitor="):
                self.visitor = value.split(";", 1)[0]

    def post(self, body: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        cookies = "; ".join(c for c in (self.visitor, self.cookie) if c)
        if cookies:
            headers["Cookie"] = cookies
        for attempt in range(3):
            try:
                self.conn.request("POST", "/api/v1/events", json.dumps(body), headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        cookie = response.getheader("Set-Cookie")
        if cookie and "sessionid=" in cookie:
            self.cookie = cookie.split(";", 1)[0]
        if response.status not in (200, 201):
            raise RuntimeError(f"{response.status}: {data[:300]!r}")
        return json.loads(data)


def make_event(rng: random.Random, product_ids: list[int]) -> dict:
    kind = rng.choice(KINDS)
    event: dict = {"kind": kind, "client_event_id": uuid.uuid4().hex}
    if kind == "search":
        event["query"] = rng.choice(["running shoes", "wireless headphones", "cast iron pan", "red dress"])
    else:
        event["product_id"] = rng.choice(product_ids)
    if kind == "click":
        event |= {"surface": rng.choice(["search", "category", "recommendations"]), "position": rng.randint(1, 24)}
    return event


def ingest(port: int, product_ids: list[int], total: int, clients: int, shoppers: int) -> dict:
    rng = random.Random(42)
    batches = [[make_event(rng, product_ids) for _ in range(BATCH)] for _ in range(total // BATCH)]
    sessions = [Session(port) for _ in range(shoppers)]
    for s in sessions:  # each browser gets its visitor cookie and session (and shopper) before the clock starts
        s.first_page()
        s.post({"events": []})
    for s in sessions:
        s.conn.close()
    created = duplicates = 0
    lock = threading.Lock()
    work = list(enumerate(batches))

    def client() -> None:
        nonlocal created, duplicates
        conns: dict[int, Session] = {}
        while True:
            with lock:
                if not work:
                    break
                index, batch = work.pop()
            template = sessions[index % shoppers]
            session = conns.setdefault(index % shoppers, Session(port))
            session.cookie, session.visitor = template.cookie, template.visitor
            result = session.post({"events": batch})
            with lock:
                created += result["created"]
                duplicates += result["duplicates"]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    sent = len(batches) * BATCH

    from profiles.models import Event

    stored = Event.objects.count()
    retry = Session(port)
    retry.cookie = sessions[0].cookie
    retried = [retry.post({"events": batches[i]}) for i in range(0, len(batches), max(1, len(batches) // 5))]
    return {
        "sent": sent,
        "seconds": round(elapsed, 2),
        "events_per_s": round(sent / elapsed),
        "created_reported": created,
        "stored": stored,
        "lost": sent - stored,
        "retried_batches": len(retried),
        "retry_created": sum(r["created"] for r in retried),
        "retry_duplicates": sum(r["duplicates"] for r in retried),
        "cookies": [s.cookie for s in sessions],
    }


def baseline(product_ids: list[int], total: int) -> dict:
    from django.utils import timezone

    from profiles.models import Event, Shopper

    rng = random.Random(43)
    shopper = Shopper.objects.create(session_key="bench-baseline-" + uuid.uuid4().hex[:8])
    rows = []
    for _ in range(total):
        e = make_event(rng, product_ids)
        rows.append(
            Event(shopper=shopper, kind=e["kind"], product_id=e.get("product_id"), query=e.get("query", ""),
                  surface=e.get("surface", "direct"), position=e.get("position"), order_id=e.get("order_id", ""),
                  client_event_id=e["client_event_id"], created_at=timezone.now())
        )  # fmt: skip
    started = time.perf_counter()
    for i in range(0, total, BATCH):
        Event.objects.bulk_create(rows[i : i + BATCH], ignore_conflicts=True)
    elapsed = time.perf_counter() - started
    stored = Event.objects.filter(shopper=shopper).count()
    shopper.delete()
    return {"events_per_s": round(total / elapsed), "seconds": round(elapsed, 2), "stored": stored}


def wait_profiles_current(timeout: float = 120) -> float:
    from profiles import selectors

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not selectors.shoppers_with_stale_profiles(limit=1):
            return time.monotonic() - started
        time.sleep(0.2)
    return -1


def latency(port: int, product_ids: list[int], cookies: list[str], trials: int) -> dict:
    from profiles.models import Event, Profile

    rng = random.Random(44)
    samples = []
    for i in range(trials):
        session = Session(port)
        session.cookie = cookies[i % len(cookies)]
        client_event_id = uuid.uuid4().hex
        started = time.perf_counter()
        session.post({"kind": "view", "product_id": rng.choice(product_ids), "client_event_id": client_event_id})
        event_id, shopper_id = Event.objects.values_list("pk", "shopper_id").get(client_event_id=client_event_id)
        while not Profile.objects.filter(shopper_id=shopper_id, last_event_id__gte=event_id).exists():
            if time.perf_counter() - started > 30:
                raise RuntimeError("profile not refreshed within 30 s")
            time.sleep(0.01)
        samples.append(time.perf_counter() - started)
        session.conn.close()
        time.sleep(rng.uniform(0.1, 0.4))
    samples.sort()
    q = statistics.quantiles(samples, n=20, method="inclusive")
    return {
        "trials": trials,
        "p50_s": round(statistics.median(samples), 3),
        "p95_s": round(q[18], 3),
        "max_s": round(samples[-1], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--shoppers", type=int, default=40)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    demo.ensure_services()
    product_ids = prepare(args.products)
    from django.conf import settings

    children = spawn(args.port)
    try:
        if not demo.wait_until_up(f"http://127.0.0.1:{args.port}/healthz", children):
            demo.log("the web server did not come up")
            return 1
        demo.log(f"ingesting {args.events} events with {args.clients} clients")
        ingested = ingest(args.port, product_ids, args.events, args.clients, args.shoppers)
        cookies = ingested.pop("cookies")
        demo.log("waiting for the worker to bring every profile up to date")
        settle = wait_profiles_current()
        demo.log("baseline: ORM bulk_create")
        base = baseline(product_ids, args.events)
        demo.log(f"latency: {args.trials} single events")
        lat = latency(args.port, product_ids, cookies, args.trials)
    finally:
        demo.stop(children)

    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "web": f"gunicorn {os.environ.get('WEB_CONCURRENCY', '2')} workers × {os.environ.get('GUNICORN_THREADS', '4')} threads",
        "refresh_delay_s": settings.PROFILE_REFRESH_DELAY,
        "args": vars(args),
        "ingest": ingested,
        "profiles_settled_s": round(settle, 2),
        "baseline_bulk_create": base,
        "latency": lat,
    }
    print("\n| measure | value |\n|---|---:|")
    print(f"| API ingestion, batches of {BATCH}, {args.clients} clients | **{ingested['events_per_s']:,} events/s** |")
    print(f"| ORM bulk_create baseline (same run) | {base['events_per_s']:,} events/s |")
    print(f"| sent / stored / lost | {ingested['sent']:,} / {ingested['stored']:,} / {ingested['lost']} |")
    print(f"| retried batches: created / duplicates | {ingested['retry_created']} / {ingested['retry_duplicates']:,} |")
    print(f"| event → profile p50 / p95 / max | {lat['p50_s']} s / {lat['p95_s']} s / {lat['max_s']} s |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"events-{datetime.date.today()}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
