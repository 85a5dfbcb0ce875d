"""A NUL character in the path or a cookie is refused before any view sees it.

Postgres text cannot hold NUL, so a path parameter that reaches a query (an order number, a category slug, a
primary key in the admin) turned ``%00`` into a 500, and so did a session cookie holding one (a quoted cookie
may spell it ``\\000``). No name or cookie of this shop holds one, so the request is refused as a whole:
400 ``nul_character`` (JSON for API and htmx callers, a short page for people).

Values in query strings and bodies are checked where they are read: DRF's and Django's form CharFields
refuse NUL and name the field, and free text from the storefront (the search box, the chat) drops control
characters (shopguide/text.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shopguide.api import request_error

PATH_DETAIL = "The address contains a NUL character (%00)."
COOKIE_DETAIL = "A cookie contains a NUL character."


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return request_error(request, "nul_character", PATH_DETAIL, 400, title="Bad address")
        if any("\x00" in value for value in request.COOKIES.values()):
            return request_error(request, "nul_character", COOKIE_DETAIL, 400, title="Bad cookie")
        return self.get_response(request)
