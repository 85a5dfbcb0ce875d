"""A whole ShopGuide on its own Postgres and Redis, for tests that stop and start those servers.

Never the test session's servers: stopping those would take the rest of the suite down with them. The
stack is what a deployment runs, as separate processes reached by URL: a Postgres 16 + pgvector and a
redis-server on TCP with passwords (tests/servers.py), gunicorn, one Celery worker on every queue and
Celery beat, the latter with short sweep intervals so that recoveries the beat drives happen within a
test. It lives for the tests of this folder (package scope) and is torn down after them.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.conf import settings

from tests.servers import PostgresServer, RedisServer, free_port

BIN = Path(sys.executable).parent
CATALOG_SIZE = 200  # products: a few hundred embedded in chunks, so a kill lands mid-run
CHUNK_SIZE = 8  # EMBEDDING_CHUNK_SIZE of the stack: each chunk is committed on its own, 25 in the catalog
DEADLINE = 240.0  # generous: CI machines are shared, and the model runs on two cores


class Http:
    """A browser-like client: keeps cookies (the anonymous shopper's session), never raises on a status."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], str]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def get_json(self, path: str) -> tuple[int, Any]:
        status, _, text = self.get(path)
        return status, json.loads(text)

    def post_json(self, path: str, body: Any) -> tuple[int, Any]:
        status, _, text = self.request("POST", path, body)
        return status, json.loads(text)


def process_command(name: str, *, port: int, folder: Path) -> list[str]:
    """The command line of a stack process: "web", "beat", or a worker of that name on every queue."""
    return {
        "web": [str(BIN / "gunicorn"), "shopguide.wsgi", "--config", str(settings.BASE_DIR / "shopguide" / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}"],
        "beat": [str(BIN / "celery"), "-A", "shopguide", "beat", "--loglevel", "INFO",
                 "--schedule", str(folder / "celerybeat-schedule")],
    }.get(name) or [
        str(BIN / "celery"), "-A", "shopguide", "worker", "--queues", ",".join(settings.CELERY_QUEUES_ALL),
        "--pool", "solo", "--loglevel", "INFO", "--hostname", f"{name}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip


@dataclass
class Stack:
    folder: Path
    postgres: PostgresServer
    redis: RedisServer
    port: int = 0
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "EMBEDDING_CHUNK_SIZE": str(CHUNK_SIZE),
            "PROFILE_SWEEP_SECONDS": "2",
            "EMBED_SWEEP_SECONDS": "3",
            "PROFILE_REFRESH_DELAY": "0",
            "WEB_CONCURRENCY": "1",  # one web process: the Postgres test checks it recovers without a restart
            "GUNICORN_THREADS": "4",
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    # --- processes -------------------------------------------------------------------------------

    def command(self, name: str) -> list[str]:
        return process_command(name, port=self.port, folder=self.folder)

    def start(self, name: str, **env: str) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                self.command(name), cwd=settings.BASE_DIR, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the process group (kill -9 by default: no warm shutdown, nothing handed back)."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def manage(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=self.env(**env),
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} (last lines)\n" + "\n".join(path.read_text(errors="replace").splitlines()[-25:])
            for path in sorted(self.folder.glob("*.log"))
        )

    # --- the database, read directly (this process's Django is on the test session's database) ----

    def sql(self, query: str, params: Any = None) -> list[tuple]:
        with psycopg2.connect(self.postgres.url, connect_timeout=5) as conn, conn.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall() if cursor.description else []
        conn.close()
        return rows

    def embedding_counts(self) -> tuple[int, int]:
        """(products, products whose vector is current: made from their present text by the present model)."""
        [(total, current)] = self.sql(
            "SELECT count(*), count(*) FILTER (WHERE embedding IS NOT NULL AND embedding_hash = content_hash"
            " AND embedding_model = %s) FROM catalog_product",
            [settings.EMBEDDING_MODEL],
        )
        return total, current

    def wait_for(
        self, predicate: Callable[[], bool], what: str, *, needs: tuple[str, ...] = (), interval: float = 0.2
    ) -> None:
        deadline = time.monotonic() + DEADLINE
        while not predicate():
            dead = [n for n in needs if n not in self.procs or self.procs[n].poll() is not None]
            if dead or time.monotonic() > deadline:
                reason = f"{', '.join(dead)} not running" if dead else f"not within {DEADLINE:.0f} s"
                pytest.fail(f"{what}: {reason}\n{self.logs()}")
            time.sleep(interval)

    def wait_until_served(self) -> None:
        def up() -> bool:
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v1/products?page_size=1", timeout=5) as response:
                    return response.status == 200
            except (OSError, urllib.error.HTTPError):
                return False

        self.wait_for(up, "the web server answers", needs=("web",))

    def http(self) -> Http:
        return Http(self.base_url)


@pytest.fixture(scope="package")
def stack(embedding_model) -> Iterator[Stack]:
    """Servers up, migrated, a small catalog embedded by the worker; web, worker and beat running."""
    # Not under pytest's tmp_path: every pytest session on the machine resets /tmp/pytest-of-<user> to 0700,
    # which locks out the `pgserver` user Postgres runs as when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="shopguide-faults-"))
    stack = Stack(folder=folder, postgres=PostgresServer(folder / "pg"), redis=RedisServer(folder / "redis"))
    stack.port = free_port()
    try:
        stack.postgres.start()
        stack.redis.start()
        stack.manage("migrate", "--verbosity", "0")
        stack.manage("generate_demo_catalog", "--products", str(CATALOG_SIZE), "--shoppers", "0", "--no-progress")
        stack.start("web")
        stack.start("worker")
        stack.start("beat")
        # The beat's stale-embedding sweep hands the new catalog to the worker.
        stack.wait_for(
            lambda: stack.embedding_counts() == (CATALOG_SIZE, CATALOG_SIZE),
            "the catalog is embedded",
            needs=("worker", "beat"),
        )
        stack.wait_until_served()
        yield stack
    finally:
        for name in list(stack.procs):
            stack.kill(name)  # kill -9: the servers and everything on them are thrown away next
        stack.redis.stop()
        stack.postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def services_up(stack: Stack) -> Iterator[Stack]:
    """Each test leaves both servers and every process running, whatever it stopped."""
    yield stack
    if not stack.redis.is_running():
        stack.redis.start()
    if not stack.postgres.is_running():
        stack.postgres.start()
    for name in ("web", "worker", "beat"):
        if name not in stack.procs or stack.procs[name].poll() is not None:
            stack.procs.pop(name, None)
            stack.start(name)
