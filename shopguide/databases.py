"""Running project code against a database other than the shop's (evaluation sets, benchmarks)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.core.management import call_command
from django.db import connection, connections


@contextlib.contextmanager
def separate_database(name: str) -> Iterator[None]:
    """Point the default connection at database ``name`` (created and migrated when missing) on the
    same server, so the very code paths the shop uses run on data kept apart from its catalog."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    default = connections["default"]
    original = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        default.close()
        default.settings_dict["NAME"] = original
