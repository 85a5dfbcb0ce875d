"""shopguide/after_response.py: work queued during a request runs when its response is closed, once."""

from __future__ import annotations

import logging

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory

from shopguide.after_response import AfterResponseMiddleware, after_response


@pytest.fixture(autouse=True)
def _signal_without_closing_connections():
    """request_finished also closes stale database connections (none here): as the test Client does, off."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response(done.append, "now")
    assert done == ["now"]


def test_inside_a_request_the_work_waits_for_the_response_to_close_and_runs_once():
    done = []

    def view(request):
        after_response(done.append, "logged")
        assert done == []  # not while the view is still answering
        return HttpResponse("ok")

    response = AfterResponseMiddleware(view)(RequestFactory().get("/"))
    assert response.content == b"ok" and done == []
    request_finished.send(sender=None)
    assert done == ["logged"]
    request_finished.send(sender=None)  # the next request's end does not replay it
    after_response(done.append, "later, outside a request")
    assert done == ["logged", "later, outside a request"]


def test_a_failing_piece_of_work_is_logged_and_the_rest_still_runs(caplog):
    done = []

    def view(request):
        after_response(lambda: 1 / 0)
        after_response(done.append, "second")
        return HttpResponse("ok")

    AfterResponseMiddleware(view)(RequestFactory().get("/"))
    with caplog.at_level(logging.ERROR, logger="shopguide.after_response"):
        request_finished.send(sender=None)
    assert done == ["second"]
    assert "after-response work failed" in caplog.text and "ZeroDivisionError" in caplog.text


def test_each_request_starts_with_an_empty_queue():
    done = []

    def first(request):
        after_response(done.append, "first")
        return HttpResponse("ok")

    AfterResponseMiddleware(first)(RequestFactory().get("/"))
    # The server never closed the first response (a crash between the two): its work is dropped, not run
    # at the end of someone else's request.
    AfterResponseMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    request_finished.send(sender=None)
    assert done == []
