"""Cache keys carry the database name: two databases on one Redis never read each other's cached state."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from recommend.search import vocabulary


@pytest.mark.django_db
def test_a_process_serving_another_database_does_not_see_this_ones_cache(monkeypatch):
    probe = f"probe-{uuid.uuid4().hex}"
    cache.set(probe, "this database's")
    version = cache.get(vocabulary.VERSION_KEY)
    cache.set(vocabulary.VERSION_KEY, 41)
    assert cache.get(probe) == "this database's"
    assert connection.settings_dict["NAME"] in cache.make_key(probe)

    # The same code, the same Redis, another database (another shop, or the demo next to a test run).
    monkeypatch.setitem(connection.settings_dict, "NAME", connection.settings_dict["NAME"] + "_other")
    assert cache.get(probe) is None
    assert cache.get(vocabulary.VERSION_KEY) is None
    cache.set(probe, "the other's")
    assert cache.get(probe) == "the other's"
    cache.delete(probe)
    monkeypatch.undo()
    assert cache.get(probe) == "this database's"
    assert cache.get(vocabulary.VERSION_KEY) == 41
    cache.delete(probe)
    if version is None:
        cache.delete(vocabulary.VERSION_KEY)
    else:
        cache.set(vocabulary.VERSION_KEY, version)
