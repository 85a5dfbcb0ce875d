"""Receivers of Django's own signals; each translates the signal into one service call."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles import services
from profiles.models import Shopper


def merge_session_shopper_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Fold what this browser did before logging in into the account's shopper."""
    session = getattr(request, "session", None)
    if session is None:
        return
    source_id = session.pop(services.SESSION_SHOPPER_KEY, None)
    if not source_id:
        return
    source = Shopper.objects.filter(pk=source_id, user__isnull=True).first()
    if source is None:
        return
    # The user argument, not request.user: login() sets the latter only when the request had one.
    target = services.shopper_for_user(user)
    if target is not None:
        services.shopper_merge(source=source, target=target)
