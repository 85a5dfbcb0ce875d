"""Events older than EVENT_RETENTION_DAYS are deleted by a periodic task, in batches."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from profiles import services, tasks
from profiles.models import Event
from shopguide.celery import app
from tests.factories import EventFactory, ShopperFactory


def test_old_events_are_deleted_and_recent_ones_kept(db, settings):
    settings.EVENT_RETENTION_DAYS = 30
    shopper = ShopperFactory()
    now = timezone.now()
    old = [EventFactory(shopper=shopper, created_at=now - timedelta(days=31 + i)) for i in range(5)]
    kept = [EventFactory(shopper=shopper, created_at=now - timedelta(days=d)) for d in (0, 10, 29)]

    assert services.event_delete_expired(batch_size=2) == 5
    assert set(Event.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not Event.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert services.event_delete_expired(batch_size=2) == 0


def test_the_task_uses_the_setting(db, settings):
    settings.EVENT_RETENTION_DAYS = 7
    EventFactory(created_at=timezone.now() - timedelta(days=8))
    recent = EventFactory(created_at=timezone.now() - timedelta(days=6))
    assert tasks.delete_expired_events() == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]


def test_retention_and_profile_sweeps_are_scheduled():
    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"profiles.tasks.delete_expired_events", "profiles.tasks.refresh_stale_profiles"} <= tasks_scheduled
