"""gunicorn's threaded worker, answering the request lines and headers it cannot read in JSON, as the app does.

gunicorn refuses a request line over ``limit_request_line`` (8,190 bytes, its maximum short of "unlimited") or
too many or too large headers before Django sees the request, with an HTML page of its own. Clients of /api/ are
promised JSON errors with a stable ``code``; a browser shows the JSON as text, which is readable enough for a
URL nobody types. Everything else gunicorn answers is left as it is.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

ANSWERS: dict[type[Exception], tuple[int, str, str, str]] = {
    LimitRequestLine: (
        414,
        "URI Too Long",
        "uri_too_long",
        "The address is too long. A search query may have at most 1,000 characters.",
    ),
    LimitRequestHeaders: (
        431,
        "Request Header Fields Too Large",
        "headers_too_large",
        "The request's headers are too many or too large.",
    ),
}


class JsonErrorThreadWorker(ThreadWorker):
    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        answer = next((a for kind, a in ANSWERS.items() if isinstance(exc, kind)), None)
        if answer is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason, code, detail = answer
        self.log.debug("refused before the app: %s", exc)
        body = json.dumps({"code": code, "detail": detail}).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        try:
            util.write_nonblock(client, head + body)
        except OSError:
            self.log.debug("could not answer a refused request: the client went away")
