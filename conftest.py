"""Test-wide fixtures: the real Postgres (pytest-django test database), the real model, a real worker."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_merchandising():
    """Each process holds the live rules and synonyms for a few seconds: every test starts from the database."""
    from recommend.merchandising import state

    state.reset()
    yield
    state.reset()


@pytest.fixture(scope="session")
def embedding_model():
    """The real sentence-transformers model, loaded once per test session."""
    from shopguide import embedding

    return embedding.get_model()


@pytest.fixture
def celery_worker_thread(transactional_db, embedding_model):
    """A real Celery worker consuming the real Redis broker, in a thread of this process.

    Tests using it must commit (transactional_db) so the worker's own connection sees their rows.
    """
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from shopguide.celery import app

    app.control.purge()
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=list(settings.CELERY_QUEUES_ALL), shutdown_timeout=30
    ):
        yield app


def pytest_report_header(config) -> list[str]:
    """Which Postgres and Redis this run uses (the external-server run in CI shows it is not the embedded ones)."""
    from urllib.parse import urlsplit

    from django.conf import settings

    database = settings.DATABASES["default"]
    redis_url = urlsplit(settings.REDIS_URL)
    db_at = f"{database['HOST']}:{database['PORT']}" if database["HOST"] else "a unix socket"
    redis_at = f"{redis_url.hostname}:{redis_url.port}" if redis_url.hostname else f"a unix socket ({redis_url.path})"
    return [f"database: postgresql at {db_at}, database {database['NAME']!r}", f"redis: at {redis_at}"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate-limit counters live in the shared Redis cache and outlive a test: each test starts with none."""
    import redis
    from django.core.cache import cache

    from shopguide import throttling  # lazily, like the imports above: conftest loads before Django is set up

    try:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("throttle_") + "*", count=1000))
        if keys:
            client.delete(*keys)
    except (redis.ConnectionError, redis.TimeoutError):
        pass  # a test that takes Redis away; nothing of ours to clear then
    throttling._refused.clear()  # this process's memory of recent refusals (RefusedRecentlyMiddleware)
    yield
