"""Abuse beside a normal shopper: is the shop still usable, and is nothing forged, while someone attacks it?

    SHOPGUIDE_DATA_DIR=/work/main/.data .venv/bin/python bench/abuse.py        # the demo's data (make demo)
    .venv/bin/python bench/abuse.py --seconds 30 --attackers 16

Serves the demo as in production (gunicorn, production settings, the default THROTTLE_* rates) like
bench/load.py, with ``NUM_PROXIES=1`` so that each simulated client sends its own address in
``X-Forwarded-For`` (the script plays the proxy, as load.py does for TLS). Two phases of ``--seconds`` each:

- **idle**: one normal shopper (address 10.0.0.1) searching with everyday queries, half a second apart;
- **abuse**: the same shopper, while from one other address (10.66.0.1)
  ``--attackers`` clients send expensive searches without pause: 1,000-character queries of 200 distinct
  words (refused by length) and 480-character ones of about 80 distinct words (read up to the term cap),
  and from further addresses clients forge purchase events (with and without a visitor cookie) and ask the
  assistant for a human with a fresh session each time (ticket spam).

Reported: the normal shopper's search p50 / p95 in both phases and their ratio (target: abuse p95 ≤ 2 × idle
p95), the attackers' status codes, and what got through: forged events stored, tickets opened. Results print as
a markdown table and land in bench/results/abuse-<date>.json.
"""

from __future__ import annotations

import gevent.monkey  # isort: skip

gevent.monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import string  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import HttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import HOST, HTTPS, QUERIES, _free_port, demo_product_ids, start_server  # noqa: E402

NORMAL_ADDRESS = "10.0.0.1"
SEARCH_ATTACKER = "10.66.0.1"
STATUSES: dict[str, Counter] = {}  # attacker kind → status code counts
FORGED_STORED: list[int] = [0]
TICKETS: list[int] = [0]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 8)))


def long_query(rng: random.Random, words: int, chars: int) -> str:
    text = " ".join(_word(rng) for _ in range(words))
    return (text * (chars // max(1, len(text)) + 1))[:chars]


class Client(HttpUser):
    abstract = True
    address = ""

    def on_start(self) -> None:
        self.client.headers.update({**HTTPS, "X-Forwarded-For": self.address, "Referer": f"https://{HOST}/"})

    def count(self, kind: str, status: int) -> None:
        STATUSES.setdefault(kind, Counter())[status] += 1


class NormalShopper(Client):
    wait_time = constant(0.5)
    address = NORMAL_ADDRESS

    @task
    def search(self) -> None:
        self.client.get("/api/v1/search", params={"q": random.choice(QUERIES)}, name="normal search")


class ExpensiveSearcher(Client):
    wait_time = constant(0)
    address = SEARCH_ATTACKER

    def on_start(self) -> None:
        super().on_start()
        self.rng = random.Random(secrets.randbits(32))

    @task
    def search(self) -> None:
        if self.rng.random() < 0.5:
            q = long_query(self.rng, words=200, chars=1000)
        else:
            q = long_query(self.rng, words=80, chars=480)
        with self.client.get("/api/v1/search", params={"q": q}, name="attack: search", catch_response=True) as r:
            self.count("expensive search", r.status_code)
            r.success()


class Forger(Client):
    """Purchase events: first as a cookie-less script, then with a real visitor cookie from a page."""

    wait_time = constant(0.05)
    product_ids: list[int] = []

    def on_start(self) -> None:
        self.address = f"10.66.1.{random.randint(1, 250)}"
        super().on_start()
        page = self.client.get("/api/v1/categories", name="attack: page")
        self.visitor = page.cookies.get("shopguide_visitor", "")
        self.csrf = secrets.token_hex(16)

    @task
    def forge(self) -> None:
        body = {
            "kind": "purchase",
            "product_id": random.choice(self.product_ids),
            "order_id": "forged",
            "price": "0.01",
        }
        cookie = f"csrftoken={self.csrf}" + (f"; shopguide_visitor={self.visitor}" if random.random() < 0.5 else "")
        headers = {"Cookie": cookie, "X-CSRFToken": self.csrf}
        with self.client.post(
            "/api/v1/events", json=body, headers=headers, name="attack: events", catch_response=True
        ) as r:
            self.count("forged purchase event", r.status_code)
            if r.status_code in (200, 201):
                FORGED_STORED[0] += r.json().get("created", 0)
            r.success()


class TicketSpammer(Client):
    wait_time = constant(0.05)

    def on_start(self) -> None:
        self.address = f"10.66.2.{random.randint(1, 250)}"
        super().on_start()

    @task
    def spam(self) -> None:
        csrf = secrets.token_hex(16)  # a fresh browser each time: no session, no conversation
        headers = {"Cookie": f"csrftoken={csrf}", "X-CSRFToken": csrf}
        body = {"text": f"I want to talk to a human now {secrets.token_hex(3)}"}
        with self.client.post(
            "/api/v1/assistant/messages", json=body, headers=headers, name="attack: tickets", catch_response=True
        ) as r:
            self.count("ticket spam", r.status_code)
            if r.status_code == 200 and r.json().get("ticket_id"):
                TICKETS[0] += 1
            r.success()


def run_phase(base: str, classes: list[tuple[type[HttpUser], int]], warmup: float, seconds: float) -> dict:
    for user_class, n in classes:
        user_class.fixed_count = n  # exactly n of each (locust spawns fixed counts before weighted ones)
    env = Environment(user_classes=[c for c, _ in classes], host=base)
    runner = env.create_local_runner()
    total = sum(n for _, n in classes)
    runner.start(total, spawn_rate=total)
    gevent.sleep(warmup)
    env.stats.reset_all()
    for counter in STATUSES.values():
        counter.clear()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    normal = env.stats.get("normal search", "GET")
    row = {
        "seconds": elapsed,
        "normal_requests": normal.num_requests,
        "normal_p50_ms": normal.get_response_time_percentile(0.5),
        "normal_p95_ms": normal.get_response_time_percentile(0.95),
        "normal_errors": normal.num_failures,
        "attackers": {kind: dict(sorted(c.items())) for kind, c in STATUSES.items()},
        "load_avg_1m": os.getloadavg()[0],
    }
    runner.quit()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds at the start of each phase")
    parser.add_argument("--attackers", type=int, default=16, help="parallel expensive searchers (one address)")
    args = parser.parse_args()
    random.seed(42)

    port = _free_port()
    base = f"http://{HOST}:{port}"
    load_before = os.getloadavg()
    server = start_server(port, extra_env={"NUM_PROXIES": "1"})
    try:
        Forger.product_ids = demo_product_ids(base)
        # Every worker loads the model on its first search: not part of any phase (a warm-up address).
        for query in QUERIES[:8]:
            requests.get(
                f"{base}/api/v1/search",
                params={"q": query},
                headers={**HTTPS, "X-Forwarded-For": "10.1.1.1"},
                timeout=120,
            )
        idle = run_phase(base, [(NormalShopper, 1)], args.warmup, args.seconds)
        print(
            f"idle:  normal search p50 {idle['normal_p50_ms']:.0f} ms, p95 {idle['normal_p95_ms']:.0f} ms", flush=True
        )
        abuse = run_phase(
            base,
            [(NormalShopper, 1), (ExpensiveSearcher, args.attackers), (Forger, 2), (TicketSpammer, 2)],
            args.warmup,
            args.seconds,
        )
        print(
            f"abuse: normal search p50 {abuse['normal_p50_ms']:.0f} ms, p95 {abuse['normal_p95_ms']:.0f} ms", flush=True
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    ratio = abuse["normal_p95_ms"] / max(1.0, idle["normal_p95_ms"])
    print(f"\nload average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print("\n| phase | normal searches | p50 ms | p95 ms | errors | load avg (1 min) |\n|---|---:|---:|---:|---:|---:|")
    for name, row in (("idle", idle), ("abuse", abuse)):
        print(
            f"| {name} | {row['normal_requests']} | {row['normal_p50_ms']:.0f} | {row['normal_p95_ms']:.0f} "
            f"| {row['normal_errors']} | {row['load_avg_1m']:.1f} |"
        )
    print(f"\nnormal shopper's p95 under abuse / idle: {ratio:.2f}× (target ≤ 2×)")
    print("\nattackers' answers (status: count):")
    for kind, counts in abuse["attackers"].items():
        print(f"  {kind}: " + ", ".join(f"{status}: {n}" for status, n in counts.items()))
    print(f"forged events stored: {FORGED_STORED[0]}; tickets opened: {TICKETS[0]}")
    out = ROOT / "bench" / "results" / f"abuse-{datetime.now(UTC):%Y-%m-%d-%H%M}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "load_avg_before": load_before,
                "idle": idle,
                "abuse": abuse,
                "p95_ratio": ratio,
                "forged_events_stored": FORGED_STORED[0],
                "tickets_opened": TICKETS[0],
                "attackers": args.attackers,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
