"""Load: the demo served as in production (gunicorn, production settings), a realistic mix, users stepped up.

    SHOPGUIDE_DATA_DIR=/work/main/.data .venv/bin/python bench/load.py            # the demo's data (make demo)
    .venv/bin/python bench/load.py --steps 1,2,4,8 --seconds 20 --baseline-users 4

Starts gunicorn (``shopguide/gunicorn.conf.py``: gthread, WEB_CONCURRENCY × GUNICORN_THREADS) with
``DJANGO_SETTINGS_MODULE=shopguide.settings_production`` on a loopback port. Loopback has no TLS proxy, so the
script plays the proxy: ``SECURE_SSL_REDIRECT=0`` and every request carries ``X-Forwarded-Proto: https``
(trusted through ``SECURE_PROXY_SSL_HEADER``), so the app sees HTTPS as behind the real proxy: HSTS, Secure
cookies and the HTTPS CSRF referer check all stay on. Secure cookies are not sent back over plain http by
an HTTP client, so visitors keep their session cookie by hand.

The per-address throttles are lifted for the run (``THROTTLE_*_RATE``): every user shares one loopback address.
Mix (locust task weights): search 50 % (a built-in list of shopper queries), product page 25 % (random demo
product ids), recommendations 15 % (similar, trending, for-you), events 10 % (POST /api/v1/events as an
anonymous visitor with its visitor cookie, a session cookie and a CSRF token). Users have no think time: each is one
connection sending its next request as soon as the last one answered, so the rate rises with the users
until the server saturates. Each step warms up for a few seconds, then counts for ``--seconds``.
A baseline at the end sends only a collected static file (whitenoise, no database, no model) at the
sustained step's user count (needs ``manage.py collectstatic`` with the same settings first).
Results print as a markdown table and land in bench/results/load-<date>.json.
"""

from __future__ import annotations

import gevent.monkey  # isort: skip

gevent.monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import HttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
HTTPS = {"X-Forwarded-Proto": "https"}

# What shoppers type: plain needs, brands-free, with the odd price, colour, negation or typo.
QUERIES = [
    "running shoes", "waterproof hiking boots for women", "wireless headphones", "noise cancelling headphones under 200",
    "cast iron pan", "non stick frying pan", "yoga mat", "kids rain jacket", "mens winter coat", "leather wallet",
    "coffee grinder", "espresso machine", "laptop backpack", "water bottle insulated", "bluetooth speaker waterproof",
    "gaming mouse", "mechanical keyboard", "desk lamp led", "office chair with lumbar support", "standing desk",
    "phone case", "usb c charger", "smart watch", "fitness tracker", "camping tent 4 person", "sleeping bag",
    "trail running shoes", "red dress", "black jeans", "white sneakers", "wool socks", "sunglasses polarized",
    "baby stroller", "dog bed large", "cat toys", "garden hose", "cordless drill", "kitchen knife set",
    "blender for smoothies", "air fryer", "rice cooker", "electric kettle", "towels cotton", "bed sheets queen",
    "pillow memory foam", "scented candles", "board games for family", "lego set", "headphones not wireless",
    "cheap running shoes under 50", "womens hiking boots size 8", "runing shoes", "hedphones", "gift for dad",
    "something warm for winter", "shoes for standing all day", "moisturizer for dry skin", "shampoo", "backpack",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Shopper(HttpUser):
    wait_time = constant(0)
    product_ids: list[int] = []

    def on_start(self) -> None:
        self.session_cookie = ""
        self.csrf = secrets.token_hex(16)  # what a page load would have set; Django accepts any 32-char token
        self.client.headers.update({**HTTPS, "Referer": f"https://{HOST}/"})
        # The signed visitor cookie a first page hands out (anonymous events need it); kept by hand (Secure).
        self.visitor = self.client.get("/api/v1/categories", name="first page").cookies.get("shopguide_visitor", "")

    def _product(self) -> int:
        return random.choice(self.product_ids)

    @task(50)
    def search(self) -> None:
        self.client.get("/api/v1/search", params={"q": random.choice(QUERIES)}, name="search")

    @task(25)
    def product_page(self) -> None:
        self.client.get(f"/api/v1/products/{self._product()}", name="product")

    @task(15)
    def recommendations(self) -> None:
        which = random.random()
        if which < 0.5:
            self.client.get(f"/api/v1/products/{self._product()}/similar", name="recs: similar")
        elif which < 0.8:
            self.client.get("/api/v1/recommendations/trending", name="recs: trending")
        else:
            self.client.get("/api/v1/recommendations/for-you", name="recs: for-you")

    @task(10)
    def event(self) -> None:
        cookie = f"csrftoken={self.csrf}; shopguide_visitor={self.visitor}"
        cookie += f"; sessionid={self.session_cookie}" if self.session_cookie else ""
        body = {"kind": random.choice(["view", "click"]), "product_id": self._product(), "surface": "search"}
        with self.client.post(
            "/api/v1/events", json=body, headers={"Cookie": cookie, "X-CSRFToken": self.csrf},
            name="events", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            sid = response.cookies.get("sessionid")
            if sid:
                self.session_cookie = sid


class Baseline(HttpUser):
    """The cheapest thing the same processes serve: the storefront stylesheet (whitenoise, no database)."""

    wait_time = constant(0)
    path = ""

    def on_start(self) -> None:
        self.client.headers.update(HTTPS)

    @task
    def static_file(self) -> None:
        self.client.get(self.path, name="static css")


def start_server(port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shopguide.settings_production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https",
        "GUNICORN_BIND": f"{HOST}:{port}",
        **(extra_env or {}),
    }
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "shopguide/gunicorn.conf.py"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # Not /healthz: it also asks for a Celery worker, which this benchmark does not start (503 without one).
            if requests.get(f"http://{HOST}:{port}/api/v1/categories", headers=HTTPS, timeout=5).ok:
                return server
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or its first request still loading
            pass
        time.sleep(1)
    server.terminate()
    raise SystemExit("gunicorn did not answer /api/v1/categories within 120 s")


def demo_product_ids(base: str, pages: int = 20) -> list[int]:
    first = requests.get(f"{base}/api/v1/products", headers=HTTPS, timeout=30).json()
    count, size = first["count"], len(first["results"])
    ids = {row["id"] for row in first["results"]}
    for page in random.sample(range(2, max(3, count // size)), min(pages, max(1, count // size - 2))):
        ids |= {
            row["id"]
            for row in requests.get(f"{base}/api/v1/products", params={"page": page}, headers=HTTPS, timeout=30).json()[
                "results"
            ]
        }
    return sorted(ids)


def run_step(base: str, user_class: type[HttpUser], users: int, warmup: float, seconds: float) -> dict:
    env = Environment(user_classes=[user_class], host=base)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(warmup)
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    total = env.stats.total
    elapsed = time.monotonic() - started
    row = {
        "users": users,
        "requests": total.num_requests,
        "rps": total.num_requests / elapsed,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "errors": total.num_failures,
        "per_endpoint": {
            name: {"n": s.num_requests, "p95_ms": s.get_response_time_percentile(0.95), "errors": s.num_failures}
            for (name, _method), s in env.stats.entries.items()
        },
        "error_samples": [str(e.error)[:200] for e in list(env.stats.errors.values())[:3]],
    }
    runner.quit()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1,2,4,6,8,12,16", help="user counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per step")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured seconds at the start of each step")
    parser.add_argument("--baseline-users", type=int, default=0, help="baseline users (default: the sustained step's)")
    parser.add_argument("--p95-ms", type=float, default=200)
    args = parser.parse_args()
    random.seed(42)

    port = _free_port()
    base = f"http://{HOST}:{port}"
    load_before = os.getloadavg()
    # Capacity, not abuse (bench/abuse.py): every user here comes from one loopback address, far above what one
    # person sends, so the per-address limits are lifted for this run.
    unthrottled = {f"THROTTLE_{scope}_RATE": "1000000/s" for scope in ("SEARCH", "AUTOCOMPLETE", "EVENTS")}
    server = start_server(port, extra_env=unthrottled)
    try:
        Shopper.product_ids = demo_product_ids(base)
        manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())["paths"]
        Baseline.path = "/static/" + manifest["shopguide.css"]
        assert requests.get(base + Baseline.path, headers=HTTPS, timeout=10).ok, "run collectstatic first"
        # Every worker loads the model on its first search: not part of any step.
        for query in QUERIES[:8]:
            requests.get(f"{base}/api/v1/search", params={"q": query}, headers=HTTPS, timeout=120)
        rows = []
        for users in [int(u) for u in args.steps.split(",")]:
            row = run_step(base, Shopper, users, args.warmup, args.seconds)
            row["load_avg_1m"] = os.getloadavg()[0]
            rows.append(row)
            print(f"users {users:3d}  rps {row['rps']:7.1f}  p50 {row['p50_ms']:5.0f} ms  p95 {row['p95_ms']:5.0f} ms  "
                  f"errors {row['errors']}  load {row['load_avg_1m']:.1f}", flush=True)  # fmt: skip
            if row["errors"]:
                print("   ", row["error_samples"], flush=True)
        ok = [r for r in rows if r["p95_ms"] <= args.p95_ms and r["errors"] == 0]
        sustained = max(ok, key=lambda r: r["rps"]) if ok else None
        baseline_users = args.baseline_users or (sustained["users"] if sustained else rows[0]["users"])
        baseline = run_step(base, Baseline, baseline_users, args.warmup, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\nload average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; products: {len(Shopper.product_ids)}"
    )
    print("\n| users | req/s | p50 ms | p95 ms | errors | load avg (1 min) |\n|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['users']} | {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['errors']} | {r['load_avg_1m']:.1f} |"
        )
    print(
        f"| static file ×{baseline['users']} | {baseline['rps']:.1f} | {baseline['p50_ms']:.0f} | {baseline['p95_ms']:.0f} | {baseline['errors']} | |"
    )
    if sustained:
        print(
            f"\nsustained: {sustained['rps']:.1f} req/s at {sustained['users']} users (p95 {sustained['p95_ms']:.0f} ms, 0 errors); "
            f"static file at the same concurrency: {baseline['rps']:.1f} req/s ({sustained['rps'] / baseline['rps']:.2f}×)"
        )
    else:
        print(f"\nno step kept p95 ≤ {args.p95_ms:.0f} ms with 0 errors")
    print("\nper endpoint at each step (p95 ms):")
    for r in rows:
        print(
            f"  {r['users']:3d} users: "
            + ", ".join(f"{k} {v['p95_ms']:.0f} (n={v['n']})" for k, v in sorted(r["per_endpoint"].items()))
        )
    out = ROOT / "bench" / "results" / f"load-{datetime.now(UTC):%Y-%m-%d-%H%M}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"load_avg_before": load_before, "steps": rows, "baseline": baseline,
                               "sustained": sustained}, indent=2, default=str))  # fmt: skip
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
