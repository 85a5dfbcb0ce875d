"""Profile background work: thin, idempotent tasks that take ids and call one service."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
