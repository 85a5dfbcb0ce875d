"""A database outage answers 503 (a short HTML page, or JSON under /api/) instead of a 500 traceback.

Postgres restarting, failing over or out of connections raises ``OperationalError`` / ``InterfaceError``
wherever the request happens to touch it (so do a statement timeout and a deadlock: transient too, and
worth the same "try again"). Views and templates are covered by the middleware, DRF views by
``shopguide.api.exception_handler``, and a middleware's own query (a session save) by ``server_error``, the
500 handler. Django closes a connection that raised once the request ends, so the next request connects
afresh (``CONN_HEALTH_CHECKS``) and serves normally as soon as the database is back: no restart needed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
DETAIL = "The database is unavailable; please try again in a few seconds."


def is_database_outage(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    logger.warning("database unavailable (%s: %s) for %s", exc.__class__.__name__, str(exc).strip(), request.path)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": "database_unavailable", "detail": DETAIL}, status=503)
    else:
        # No request context: context processors (the cart) would query the database that is down.
        response = HttpResponse(render_to_string("503.html", {"detail": DETAIL}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """Raised by a view or its template."""
        return outage_response(request, exc) if is_database_outage(exc) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so ``sys.exc_info()`` names it."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        return outage_response(request, exc)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": "An unexpected error occurred."}, status=500)
    return defaults.server_error(request)
