"""Receivers of Django's own signals; each translates the signal into one service call."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from profiles import services
from profiles.models import Shopper
from profiles.visitors import visitor_rotate


def merge_session_shopper_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Fold what this browser did before logging in into the account's shopper."""
    session = getattr(request, "session", None)
    if request is None or session is None:
        return
    sources = list(Shopper.objects.filter(pk__in=services.anonymous_shopper_ids(request), user__isnull=True))
    session.pop(services.SESSION_SHOPPER_KEY, None)
    if not sources:
        return
    # The user argument, not request.user: login() sets the latter only when the request had one.
    target = services.shopper_for_user(user)
    if target is not None:
        for source in sources:
            services.shopper_merge(source=source, target=target)


def rotate_visitor_on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """After signing out this browser is a new visitor: nothing of the account's follows the next person."""
    if request is not None:
        visitor_rotate(request)
