"""Receivers of other apps' signals."""

from __future__ import annotations

from typing import Any


def move_search_log_on_shopper_merge(sender: Any, source: Any, target: Any, **kwargs: Any) -> None:
    """A visitor who logs in keeps their searches: the log follows them to the account's shopper."""
    from recommend.models import SearchLog

    SearchLog.objects.filter(shopper=source).update(shopper=target)
