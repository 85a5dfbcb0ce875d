"""Cache keys scoped to the database they describe.

Several databases may share one Redis: the demo and the test run on a developer's machine, or two shops on
one managed Redis. Cached derivatives of a database (the search vocabulary, the merchandising and ranking
versions, throttle counters) must never be read by a process serving another database, or a search would
parse against another catalog's words. The key carries the database name, read at call time (a test run
renames its database after settings load).
"""

from __future__ import annotations

from django.db import connection


def database_scoped_key(key: str, key_prefix: str, version: int) -> str:
    return f"{key_prefix}:{connection.settings_dict['NAME']}:{version}:{key}"
