"""Free text from a request (search boxes, chat messages), made safe to store and search.

Postgres text cannot hold a NUL character (psycopg2 refuses it outright), and other control characters
only confuse the parser and the logs; people never type them, so they are dropped rather than refused.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, and DEL; tab and newlines are whitespace and collapse to a space below.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(value: str, *, limit: int | None = None) -> str:
    """``value`` without control characters, its whitespace runs collapsed to single spaces, cut to ``limit``."""
    text = " ".join(_CONTROL.sub("", value).split())
    return text[:limit] if limit is not None else text
