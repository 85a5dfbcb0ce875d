"""Who may keep a copy of a response: nobody but the browser for anything about one person.

- ``personal`` wraps every route that serves or changes one person's data (the PERSONAL routes of
  tests/security/test_route_inventory.py: account, orders, cart, checkout, interests, export, the assistant,
  personal recommendations and the ``me`` APIs): ``Cache-Control: private, no-store``, for every caller. An
  anonymous visitor's cart or conversation is theirs too (keyed by the session and visitor cookies).
- ``PrivateWhenSignedInMiddleware`` marks every other response to a signed-in request ``private``: the
  header says "Account" and "Sign out" and counts that person's cart, so no shared cache may hand it on.

Anonymous visitors' catalog pages and APIs keep their own headers (Vary: Cookie where they read the
session), so a shared cache may still hold those.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control

personal = cache_control(private=True, no_store=True)


class PrivateWhenSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Without a session there is nobody signed in: do not load one (that would add Vary: Cookie to every
        # anonymous response). After a sign-in the session has its new key by now.
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            patch_cache_control(response, private=True)
        return response
