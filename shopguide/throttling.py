"""Throttles: DRF scoped rates for the APIs, an address-based rate on login posts, and axes' lockout.

Every refusal is a 429 with ``Retry-After`` (whole seconds): JSON ``{"code": "throttled", "detail": ...}``
for API, htmx and script callers, a readable page for a person at a browser. Counters live in the
default (Redis) cache, so every web process shares them. Rates: ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

import redis
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import throttling
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from shopguide.api import wants_json

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address for every limit here (throttles and axes): REMOTE_ADDR, or with NUM_PROXIES set,
    the address that many proxies back in X-Forwarded-For (a forged header cannot dodge the limits)."""
    return BaseThrottle().get_ident(request)


class FailOpen:
    """A throttle that lets requests through when its counters (Redis) cannot be reached: a cache outage must not
    turn away shoppers or lose behaviour events (they are stored in Postgres first, DESIGN.md)."""

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (redis.RedisError, OSError) as exc:
            logger.warning("throttle %s not applied, its cache is unreachable: %s", getattr(self, "scope", ""), exc)
            return True


class ScopedRateThrottle(FailOpen, throttling.ScopedRateThrottle):
    """DRF's per-view scope (``throttle_scope``), per account or, for anonymous callers, per address."""


class PostThrottle(FailOpen, SimpleRateThrottle):
    """A scope's rate for plain Django views, counted like DRF's ScopedRateThrottle (same cache keys).

    ``by_address``: count per client address even for signed-in callers (login attempts, whatever the
    username: axes already locks username + address pairs); otherwise per account, or address when anonymous.
    """

    def __init__(self, scope: str, *, by_address: bool = False) -> None:
        self.scope = scope
        self.by_address = by_address
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        if not self.by_address and user is not None and user.is_authenticated:
            ident = str(user.pk)
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def retry_after_seconds(wait: float | timedelta | None) -> int:
    if isinstance(wait, timedelta):
        wait = wait.total_seconds()
    return max(1, math.ceil(wait or 1))


def throttled_response(request: HttpRequest, *, wait: float | timedelta | None, detail: str = "") -> HttpResponse:
    """A 429 saying when to retry: JSON for API/htmx/script callers, a page for people."""
    seconds = retry_after_seconds(wait)
    detail = detail or f"Too many requests. Try again in {seconds} second{'s' if seconds != 1 else ''}."
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"code": "throttled", "detail": detail}, status=429)
    else:
        response = render(request, "429.html", {"detail": detail, "retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttle_posts(
    scope: str, *, by_address: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse a view's POSTs beyond the scope's rate (GETs, e.g. showing the login form, are not counted)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                throttle = PostThrottle(scope, by_address=by_address)
                if not throttle.allow_request(request, None):
                    return throttled_response(request, wait=throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


throttle_login_posts = throttle_posts("login", by_address=True)


def login_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: axes' lockout (username + address) as a 429 with the time left to wait."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request) or timedelta(minutes=15)
    remaining = cool_off
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    # The lockout runs from the last failure axes recorded (refused attempts while locked are not recorded).
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is not None:
        remaining = max(last + cool_off - timezone.now(), timedelta(seconds=1))
    minutes = math.ceil(remaining.total_seconds() / 60)
    detail = (
        "Too many failed sign-in attempts for this account from this address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
    return throttled_response(request, wait=remaining, detail=detail)
