"""API conventions shared by every app: JSON errors with a stable code, page-number pagination."""

from __future__ import annotations

import logging
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


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a path no API view answers is a JSON 404 under /api/ ("api/v1/nope", a missing version)."""
    if request.path.startswith("/api/"):
        return json_error("not_found", f"No API endpoint at {request.path}.", 404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request Django refuses before any view (a malformed host or body) is JSON under /api/."""
    if request.path.startswith("/api/"):
        return json_error("bad_request", "The request could not be read.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403, for plain Django views under /api/ (DRF views answer their own 403s)."""
    if request.path.startswith("/api/"):
        return json_error("permission_denied", "You do not have permission to do this.", 403)
    return defaults.permission_denied(request, exception)
