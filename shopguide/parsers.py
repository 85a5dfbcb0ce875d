"""JSON request bodies with limits: the body's size and its nesting depth are checked before it is decoded.

DRF's own JSONParser hands the body to ``json.load``, which recurses once per level: ten thousand ``[`` raise
RecursionError (a 500), and a body streamed from the server is read whole, whatever its size (Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` only guards ``request.body`` and forms). Here the body is read up to that limit
(413 ``request_too_large`` beyond it), and its depth is measured by a linear scan of the brackets outside strings
(400 ``json_too_deep`` beyond ``MAX_JSON_DEPTH``), so neither the parser nor the scan recurses.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.utils import json

from shopguide.limits import RequestTooLarge, request_too_large_detail

# No request of this API nests beyond 4 levels (an event batch: {"events": [{"...": ...}]}); 32 leaves room for
# any honest client while keeping every decode far from Python's recursion limit.
MAX_JSON_DEPTH = 32

# A JSON string: its brackets are text, not structure. Unrolled ("[^"\\]*" runs between escapes) so the regex
# engine walks a long string in one step rather than one alternation per character.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonTooDeep(exceptions.ParseError):
    default_code = "json_too_deep"
    default_detail = f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."


def json_depth(text: str) -> int:
    """How deep ``text``'s arrays and objects nest (0 for a scalar), without recursing."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def json_loads(text: str, *, strict: bool = True) -> Any:
    """``text`` decoded, refused with JsonTooDeep when it nests too deep and ParseError when it is not JSON."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise JsonTooDeep()
    try:
        return json.loads(text, parse_constant=json.strict_constant if strict else None)
    except RecursionError:  # unreachable below MAX_JSON_DEPTH; a 400 all the same should the limit be raised
        raise JsonTooDeep() from None
    except ValueError as exc:
        raise exceptions.ParseError(f"JSON parse error - {exc}") from None


class JSONParser(parsers.JSONParser):
    """DEFAULT_PARSER_CLASSES' JSON parser: DRF's, with the size and depth limits above."""

    def parse(self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})  # text codecs only: bz2_codec would inflate the body
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(request_too_large_detail())
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        return json_loads(text, strict=self.strict)
