"""The Celery app. Periodic schedules live here, in one place."""

from __future__ import annotations

import os

import environ
from celery import Celery
from celery.schedules import crontab

from shopguide import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")

broker.install()  # workers survive a Redis restart (shopguide/broker.py)

app = Celery("shopguide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Read here, not in settings.py, so the schedule stays in this one place (README configuration table).
_env = environ.Env()
EMBED_SWEEP_SECONDS = _env.float("EMBED_SWEEP_SECONDS", default=300.0)
PROFILE_SWEEP_SECONDS = _env.float("PROFILE_SWEEP_SECONDS", default=60.0)

app.conf.beat_schedule = {
    # Sweep for products whose embedding is missing or stale (catches anything a lost message missed).
    "embed-stale-products": {"task": "catalog.tasks.embed_stale_products", "schedule": EMBED_SWEEP_SECONDS},
    # Refresh profiles behind their newest event (a refresh message lost with a broker outage).
    "refresh-stale-profiles": {"task": "profiles.tasks.refresh_stale_profiles", "schedule": PROFILE_SWEEP_SECONDS},
    # Retention: delete behaviour events older than EVENT_RETENTION_DAYS.
    "delete-expired-events": {"task": "profiles.tasks.delete_expired_events", "schedule": crontab(hour=3, minute=17)},
    # Retrain the shopper/product graph embeddings on all events (routed to the `training` queue).
    "train-graph-embeddings": {
        "task": "profiles.tasks.train_graph_embeddings",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    # Item-to-item signals (next / bought together) from all events (routed to the `training` queue).
    "train-recommendation-signals": {"task": "recommend.tasks.train_recommendation_signals", "schedule": 1800.0},
    # Trending: time-decayed popularity, one SQL statement.
    "refresh-trending": {"task": "recommend.tasks.refresh_trending", "schedule": 300.0},
}
