"""The two limits Django puts on what a request may send, as API errors with a stable code.

A leaf module (Django settings and DRF's exceptions only): the JSON parser (shopguide/parsers.py), which DRF
imports while it defines APIView, and the exception handler (shopguide/api.py), which imports APIView's
module, both need these without importing each other.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


class TooManyFields(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_many_fields"
    default_detail = "The request has too many form fields."


def request_too_large_detail() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is larger than {limit:,} bytes." if limit else RequestTooLarge.default_detail


def too_many_fields_detail() -> str:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return f"The request has more than {limit:,} form fields." if limit else TooManyFields.default_detail
