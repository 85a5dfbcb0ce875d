"""Abuse beside a normal shopper: is the shop still usable, and is nothing forged, while someone attacks it?

    SHOPGUIDE_DATA_DIR=/work/main/.data .venv/bin/python bench/abuse.py        # the demo's data (make demo)
    .venv/bin/python bench/abuse.py --seconds 30 --attackers 16

Serves the demo as in production (gunicorn, production settings, the default THROTTLE_* rates) like
bench/load.py, with ``NUM_PROXIES=1`` so that each simulated client sends its own address in
``X-Forwarded-For`` (the script plays the proxy, as load.py does for TLS). Three phases of ``--seconds`` each,
a minute apart (every budget refills):

- **idle**: one normal shopper (address 10.0.0.1) searching with everyday queries, half a second apart;
- **abuse, attack generator niced**: the same shopper, while a separate process at the lowest CPU priority (as a
  remote attacker's machine would be: its CPU is not the server's) runs the attack below;
- **abuse, attack generator in the measuring process**: the same attack from this process, so the load generator
  (20 greenlets sending without pause) competes with the server and with the measuring greenlet for 2 cores.

The attack: from one address (10.66.0.1) ``--attackers`` clients send expensive searches without pause:
1,000-character queries of 200 distinct words and 480-character ones of about 80 (read up to the term cap);
from further addresses clients forge purchase events (with and without a visitor cookie) and ask the assistant
for a human with a fresh session each time (ticket spam).

Reported: the normal shopper's search p50 / p95 per phase and its ratio to idle (target: p95 ≤ 2 × idle), the
attackers' status codes, and what got through: forged events stored, tickets opened. Results print as
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
import subprocess  # noqa: E402
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


ATTACK = [(ExpensiveSearcher, None), (Forger, 2), (TicketSpammer, 2)]


def attack_classes(attackers: int) -> list[tuple[type[HttpUser], int]]:
    return [(c, attackers if n is None else n) for c, n in ATTACK]


def attack_only(base: str, attackers: int, seconds: float, out: Path) -> None:
    """``--role attack``: the attackers alone for ``seconds`` (run by the main process as a separate, niced
    process); their answers are written to ``out`` as JSON."""
    Forger.product_ids = json.loads(os.environ["ABUSE_PRODUCT_IDS"])
    row = run_phase(base, attack_classes(attackers), 0, seconds)
    out.write_text(json.dumps({"attackers": row["attackers"], "forged": FORGED_STORED[0], "tickets": TICKETS[0]}))


def abuse_in_another_process(base: str, args: argparse.Namespace, product_ids: list[int]) -> dict:
    """The attack from a separate process at the lowest CPU priority, as a remote attacker's load generator would
    be (its CPU is not the server's); the normal shopper is measured here meanwhile."""
    out = ROOT / "bench" / "results" / f"abuse-attackers-{os.getpid()}.json"
    out.parent.mkdir(exist_ok=True)
    command = ["nice", "-n", "19", sys.executable, __file__, "--role", "attack", "--base", base,
               "--attackers", str(args.attackers), "--seconds", str(args.seconds + 2 * args.warmup), "--out", str(out)]  # fmt: skip
    attack = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "ABUSE_PRODUCT_IDS": json.dumps(product_ids)})
    try:
        gevent.sleep(args.warmup)  # the attackers start and use up their bursts
        row = run_phase(base, [(NormalShopper, 1)], 0, args.seconds)
    finally:
        attack.wait(timeout=args.seconds + 120)
    found = json.loads(out.read_text())
    out.unlink()
    return {**row, "attackers": found["attackers"], "forged": found["forged"], "tickets": found["tickets"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds at the start of each phase")
    parser.add_argument("--attackers", type=int, default=16, help="parallel expensive searchers (one address)")
    parser.add_argument("--role", choices=["main", "attack"], default="main", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    random.seed(42)
    if args.role == "attack":
        attack_only(args.base, args.attackers, args.seconds, args.out)
        return

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
        gevent.sleep(65)  # every budget refills (the longest rate here is per minute)
        remote = abuse_in_another_process(base, args, Forger.product_ids)
        print(
            f"abuse, attackers niced: p50 {remote['normal_p50_ms']:.0f} ms, p95 {remote['normal_p95_ms']:.0f} ms",
            flush=True,
        )
        gevent.sleep(65)
        FORGED_STORED[0] = TICKETS[0] = 0
        same = run_phase(base, [(NormalShopper, 1), *attack_classes(args.attackers)], args.warmup, args.seconds)
        same |= {"forged": FORGED_STORED[0], "tickets": TICKETS[0]}
        print(
            f"abuse, same process: p50 {same['normal_p50_ms']:.0f} ms, p95 {same['normal_p95_ms']:.0f} ms", flush=True
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"\nload average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print("\n| phase | normal searches | p50 ms | p95 ms | p95 / idle | errors | load avg (1 min) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    phases = (("idle", idle), ("abuse, attack generator niced (another process)", remote),
              ("abuse, attack generator in the measuring process", same))  # fmt: skip
    for name, row in phases:
        ratio = row["normal_p95_ms"] / max(1.0, idle["normal_p95_ms"])
        print(
            f"| {name} | {row['normal_requests']} | {row['normal_p50_ms']:.0f} | {row['normal_p95_ms']:.0f} "
            f"| {ratio:.2f}× | {row['normal_errors']} | {row['load_avg_1m']:.1f} |"
        )
    for name, row in phases[1:]:
        print(f"\n{name}: attackers' answers (status: count):")
        for kind, counts in row["attackers"].items():
            print(f"  {kind}: " + ", ".join(f"{status}: {n}" for status, n in counts.items()))
        print(f"  forged events stored: {row['forged']}; tickets opened: {row['tickets']}")
    out = ROOT / "bench" / "results" / f"abuse-{datetime.now(UTC):%Y-%m-%d-%H%M}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "load_avg_before": load_before,
                "idle": idle,
                "abuse_niced": remote,
                "abuse_same_process": same,
                "attackers": args.attackers,
            },
            indent=2,
            default=str,
        )  # fmt: skip
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
