"""API conventions shared by every app: JSON errors with a stable code, page-number pagination."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | HttpResponse | None:
    """Every API error as ``{"code": ..., "detail": ..., "errors"?: {...}}``."""
    from shopguide.outage import is_database_outage, outage_response

    if is_database_outage(exc):  # 503 database_unavailable, not a 500
        return outage_response(context["request"], exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response({"code": "server_error", "detail": "An unexpected error occurred."}, status=500)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": _first_message(exc.detail), "errors": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"code": codes if isinstance(codes, str) else "error", "detail": str(exc.detail)}
    return response


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail) or "Invalid input."


def json_error(code: str, detail: str, status: int) -> JsonResponse:
    """The same error shape for plain Django views (404/500 handlers under /api/)."""
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _json_under_api(
    default: Callable[..., HttpResponse], code: str, detail: str, status: int
) -> Callable[..., HttpResponse]:
    """A Django error handler that answers ``json_error`` under /api/ and ``default``'s page elsewhere."""

    def handler(request: HttpRequest, exception: Exception) -> HttpResponse:
        if request.path.startswith("/api/"):
            return json_error(code, detail.format(path=request.path), status)
        return default(request, exception)

    return handler


# handler404: a path no API view answers ("api/v1/nope", a missing version); handler400: a request Django refuses
# before any view (an unknown host, a malformed body).
not_found = _json_under_api(defaults.page_not_found, "not_found", "No API endpoint at {path}.", 404)
bad_request = _json_under_api(defaults.bad_request, "bad_request", "The request could not be read.", 400)
