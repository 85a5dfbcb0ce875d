"""Work a request leaves for after its response has gone out: the search log's INSERT.

Django sends ``request_finished`` when the WSGI server closes the response, and servers close it
after writing the body to the client (gunicorn and wsgiref: write, then ``close()``). Work queued
with ``after_response(fn, ...)`` while a request is handled runs then, in the same thread: the
shopper does not wait for it; the worker still does it before it takes its next request, so
throughput is unchanged and nothing is left to a process that might die idle.

Outside a request (a Celery task, a management command, a test calling a service directly) the
work runs at once. A failure is logged and never reaches the shopper, whose answer has already gone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# The current request's queue; None outside a request. Set per request by the middleware: a WSGI worker
# thread handles one request at a time, and the server closes the response in that same thread.
_pending: ContextVar[list[Callable[[], Any]] | None] = ContextVar("after_response", default=None)


def after_response(work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run ``work(*args, **kwargs)`` once the current response has been sent; now, outside a request."""
    pending = _pending.get()
    if pending is None:
        work(*args, **kwargs)
    else:
        pending.append(functools.partial(work, *args, **kwargs))


class AfterResponseMiddleware:
    """Opens the queue for each request (outermost, so every view and middleware below can use it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _pending.set([])
        return self.get_response(request)


@receiver(request_finished, dispatch_uid="shopguide.after_response")
def run_pending(**kwargs: Any) -> None:
    pending = _pending.get()
    _pending.set(None)
    for work in pending or ():
        try:
            work()
        except Exception:
            logger.exception("after-response work failed: %r", work)
