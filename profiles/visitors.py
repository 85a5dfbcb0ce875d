"""The visitor cookie: one anonymous id per browser, set on its first response, before any session exists.

A first visit sends several requests at once (the product page's view beacon and an add-to-cart click
leave together). None of them carries a session cookie yet, so each used to create its own anonymous
shopper and session, and the browser kept whichever cookie arrived last: the other request's cart line
or events were orphaned. The first page now hands out a random visitor id (no database write), every
later request carries it, and the anonymous shopper is keyed by it (``Shopper.session_key`` is unique,
so concurrent creators agree on one row). The session still remembers the shopper's id: the visitor id
is how requests that raced the session agree.

Signing in folds the visitor's shopper into the account's; signing out rotates the id, so the next person
at a shared computer starts as a stranger.

The cookie is signed (SECRET_KEY): an id this shop never handed out is not a visitor, so a script cannot
invent visitors, and a request without a known visitor (``visitor_known``) may read the shop but not
record behaviour (profiles/apis.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

COOKIE_NAME = "shopguide_visitor"
_VALID = re.compile(r"[0-9a-f]{32}")
_SIGNER = signing.Signer(salt="shopguide.visitor")


def visitor_id(request: HttpRequest) -> str | None:
    """This browser's visitor id (None for a request that did not pass through the middleware)."""
    return getattr(request, "visitor_id", None)


def visitor_known(request: HttpRequest) -> bool:
    """The request came with a visitor id this shop handed out earlier (not one minted for this response)."""
    return getattr(request, "visitor_id", None) is not None and not getattr(request, "visitor_changed", True)


def visitor_from_cookie(cookie: str) -> str | None:
    """The visitor id a cookie value carries, None unless this shop signed it."""
    try:
        value = _SIGNER.unsign(cookie)
    except signing.BadSignature:
        return None
    return value if _VALID.fullmatch(value) else None


def visitor_rotate(request: HttpRequest) -> None:
    """A fresh id for this browser from this response on (after sign-out or account deletion)."""
    request.visitor_id = uuid.uuid4().hex  # type: ignore[attr-defined]
    request.visitor_changed = True  # type: ignore[attr-defined]


class VisitorCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie = visitor_from_cookie(request.COOKIES.get(COOKIE_NAME, ""))
        if cookie is not None:
            request.visitor_id, request.visitor_changed = cookie, False  # type: ignore[attr-defined]
        else:
            visitor_rotate(request)
        response = self.get_response(request)
        if request.visitor_changed:  # type: ignore[attr-defined]
            response.set_cookie(
                COOKIE_NAME,
                _SIGNER.sign(request.visitor_id),  # type: ignore[attr-defined]
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            # A response that hands out an id must never be served from a shared cache to someone else.
            patch_vary_headers(response, ["Cookie"])
            patch_cache_control(response, private=True)
        return response
