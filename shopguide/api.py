"""API conventions shared by every app: JSON errors with a stable code, page-number pagination, strict inputs.

Requests Django itself refuses before a view has read them (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, more
than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` form fields) get the same shape: JSON for API and htmx callers, a short
page for a person at a browser.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shopguide.limits import RequestTooLarge, TooManyFields, request_too_large_detail, too_many_fields_detail

logger = logging.getLogger(__name__)


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page-number pagination, refusing a malformed ``page`` or ``page_size`` (400 naming the parameter)
    instead of silently serving the first page. A ``page_size`` above the maximum is still served at the
    maximum, and a page number past the last page is still 404 ``not_found``, as DRF documents both."""

    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Any) -> int:
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        size = _whole_number(text)
        if size is None or size < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"must be a whole number from 1 to {self.max_page_size}"]}
            )
        return min(size, self.max_page_size)

    def get_page_number(self, request: Any, paginator: Any) -> int:
        text = request.query_params.get(self.page_query_param) or "1"
        if text in self.last_page_strings:
            return paginator.num_pages
        number = _whole_number(text)
        if number is None or number < 1:
            raise exceptions.ValidationError({self.page_query_param: ["must be a whole number from 1"]})
        return number


def _whole_number(text: str) -> int | None:
    """``text`` as a non-negative integer when it is only ASCII digits, else None. Past 18 digits it is larger
    than any page or page size, and read as 10**18 (int() of thousands of digits is slow, then refused)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= 18 else 10**18


class StrictCharField(serializers.CharField):
    """A CharField that takes only a JSON string: DRF's own turns ``5`` or ``1.5`` into ``"5"`` silently."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | HttpResponse | None:
    """Every API error as ``{"code": ..., "detail": ..., "errors"?: {...}}``."""
    from shopguide.outage import is_database_outage, outage_response

    if is_database_outage(exc):  # 503 database_unavailable, not a 500
        return outage_response(context["request"], exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's own limit, met while DRF reads the body
        exc = RequestTooLarge(request_too_large_detail())
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = TooManyFields(too_many_fields_detail())
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


def wants_json(request: HttpRequest) -> bool:
    """API, htmx and script callers read errors as JSON; a person at a browser gets a page."""
    if request.path.startswith("/api/") or request.headers.get("HX-Request") == "true":
        return True
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def request_error(request: HttpRequest, code: str, detail: str, status: int, *, title: str) -> HttpResponse:
    """A refusal of the request itself: ``json_error`` for JSON callers, else a short self-contained page.

    The page uses no base template: a request refused this early may not be readable enough for the
    context processors (the cart reads the session; the body may be what was refused).
    """
    if wants_json(request):
        return json_error(code, detail, status)
    page = render_to_string("request_error.html", {"title": title, "detail": detail})
    return HttpResponse(page, status=status)


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
_bad_request = _json_under_api(defaults.bad_request, "bad_request", "The request could not be read.", 400)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400. Django sends every SuspiciousOperation here; the two a client causes by sending too much
    (a body over the size limit, too many form fields) are named, the body one as 413."""
    if isinstance(exception, RequestDataTooBig):
        return request_error(request, "request_too_large", request_too_large_detail(), 413, title="Too large")
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return request_error(request, "too_many_fields", too_many_fields_detail(), 400, title="Too many fields")
    return _bad_request(request, exception)
