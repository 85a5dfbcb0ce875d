"""Throttles: per-scope rates for the APIs and the storefront, an address-based rate on login posts, axes' lockout.

Every refusal is a 429 with ``Retry-After`` (whole seconds): JSON ``{"code": "throttled", "detail": ...}``
for API, htmx and script callers, a readable page for a person at a browser. Rates:
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` ("<n>/<period>").

Counting is atomic: one Redis script per request (GCRA, a token bucket kept as one timestamp per key), so
concurrent requests cannot read the same count and all pass, as DRF's read-modify-write history list let
them. A request may cost more than one (a batch of 500 events costs 500). The bucket holds the scope's burst
(``THROTTLE_BURSTS``, by default the whole rate ``n``): that many at once, then one more every ``period / n``. Counters live in the
default (Redis) cache, shared by every web process; when Redis is unreachable requests pass (fail open).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from shopguide.api import wants_json

logger = logging.getLogger(__name__)

# KEYS[1]: the bucket. ARGV: burst window (s: how far ahead of now the bucket may run), emission interval (s),
# cost. The bucket is the "theoretical arrival
# time" (tat): the moment it would be empty again. A request is allowed when, after adding its cost, the tat
# is at most one burst window ahead of now. Redis's own clock, so every web process agrees.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
local new_tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now) + tonumber(ARGV[3]) * tonumber(ARGV[2])
local wait = new_tat - window - now
if wait > 0 then
  return {0, tostring(wait)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1)
return {1, '0'}
"""
_script: Any = None  # redis-py Script: its SHA, loaded into Redis on first use (and again after a restart)

# (method, path, address) → monotonic time until which this process refuses that address's cookie-less API and
# script requests to that path without running Django's middleware, the view or Redis (RefusedRecentlyMiddleware).
# A script hammering an endpoint past its limit then costs microseconds a request, not a full refusal's milliseconds.
_refused: dict[tuple[str, str, str], float] = {}
REFUSED_REMEMBERED = 10_000  # entries per process, at most


def client_address(request: HttpRequest) -> str:
    """The client's address for every limit here (throttles and axes): REMOTE_ADDR, or with NUM_PROXIES set,
    the address that many proxies back in X-Forwarded-For (a forged header cannot dodge the limits)."""
    return BaseThrottle().get_ident(request)


def scope_rate(scope: str) -> tuple[int, int] | None:
    """(requests, period in seconds) of a scope, None when it has no rate (unlimited)."""
    rate = SimpleRateThrottle.THROTTLE_RATES.get(scope)  # read per call: tests lower a rate for one test
    if not rate:
        return None
    num, period = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
    return int(num), int(period)


def _address(request: Any) -> str:
    return client_address(request) or "unknown"  # no REMOTE_ADDR: a WSGI caller without a socket (tests, tools)


def _ident(request: Any, *, by_address: bool) -> str:
    user = getattr(request, "user", None)
    if not by_address and user is not None and user.is_authenticated:
        return f"user{user.pk}"
    return _address(request)


def rate_take(request: Any, scope: str, *, cost: int = 1, by_address: bool = False) -> float | None:
    """Spend ``cost`` of the caller's budget for ``scope``: None when allowed, else the seconds to wait.

    The caller is the account, or the client address for anonymous callers (``by_address``: always the
    address, e.g. sign-in attempts whatever the username). Nothing is spent by a refused request.
    """
    rate = scope_rate(scope)
    if rate is None or cost <= 0:
        return None
    num, period = rate
    interval = period / num
    # The bucket holds the scope's burst (THROTTLE_BURSTS), by default the whole rate.
    burst = min(num, settings.THROTTLE_BURSTS.get(scope, num))
    window = interval * burst
    # A request dearer than the whole bucket (a 500-event batch against a rate set below 500) spends the whole
    # bucket: refused, it would be refused again after any wait, and the client would retry forever.
    cost = min(cost, burst)
    ident = _ident(request, by_address=by_address)
    key = cache.make_key(f"throttle_{scope}_{ident}")
    try:
        global _script
        client = cache._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        if _script is None:
            _script = client.register_script(_GCRA)
        allowed, wait = _script(keys=[key], args=[window, interval, cost], client=client)
    except (redis.RedisError, OSError) as exc:
        logger.warning("throttle %s not applied, its cache is unreachable: %s", scope, exc)
        return None
    if int(allowed):
        return None
    if not ident.startswith("user"):
        _remember_refusal((request.method, request.path, ident), float(wait))
    return float(wait)


def _remember_refusal(key: tuple[str, str, str], wait: float) -> None:
    now = time.monotonic()
    if len(_refused) >= REFUSED_REMEMBERED:
        for stale in [k for k, until in _refused.items() if until <= now]:
            del _refused[stale]
        if len(_refused) >= REFUSED_REMEMBERED:
            _refused.clear()  # a flood of addresses: forget (each is refused again, the slow way, once)
    _refused[key] = now + wait


class RefusedRecentlyMiddleware:
    """First in the chain: an API, htmx or script request (``wants_json``) without a session cookie (so nobody
    signed in) from an address this process refused for the same method and path moments ago gets its 429 at
    once. Everyone else goes the normal way, where the limits are counted: a person at a browser gets the
    readable page, a signed-in person is counted per account and never refused here for their address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _refused and settings.SESSION_COOKIE_NAME not in request.COOKIES and wants_json(request):
            key = (request.method or "", request.path, _address(request))
            until = _refused.get(key)
            if until is not None:
                wait = until - time.monotonic()
                if wait > 0:
                    seconds = retry_after_seconds(wait)
                    detail = f"Too many requests. Try again in {seconds} second{'s' if seconds != 1 else ''}."
                    response = JsonResponse({"code": "throttled", "detail": detail}, status=429)
                    response["Retry-After"] = str(seconds)
                    return response
                _refused.pop(key, None)
        return self.get_response(request)


class ScopedRateThrottle(BaseThrottle):
    """DRF throttle for a view's ``throttle_scope``: per account, or per address for anonymous callers."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = getattr(view, "throttle_scope", None)
        self._wait = rate_take(request, scope) if scope else None
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def charge(request: Any, scope: str, *, cost: int) -> None:
    """Inside a DRF view: spend ``cost`` more of the scope (a request carrying many items), or raise 429."""
    wait = rate_take(request, scope, cost=cost)
    if wait is not None:
        raise Throttled(wait=wait)


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


def throttle(
    scope: str,
    *,
    methods: Iterable[str] = ("POST",),
    by_address: bool = False,
    cost: Callable[[HttpRequest], int] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse a plain Django view's requests of ``methods`` beyond the scope's rate (by default only POSTs:
    showing the login form is not an attempt). ``cost``: what one request spends (default 1)."""
    methods = frozenset(methods)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                wait = rate_take(request, scope, by_address=by_address, cost=cost(request) if cost else 1)
                if wait is not None:
                    return throttled_response(request, wait=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def throttle_posts(
    scope: str, *, by_address: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    return throttle(scope, methods=("POST",), by_address=by_address)


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
