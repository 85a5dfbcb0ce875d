"""A path on this site, and nothing a browser could read as another site.

Where a merchandiser's redirect rule may send shoppers (recommend.models.Rule.url): the search page answers
it with a 302 / HX-Redirect and the search API hands it to every client, so it must not be an open redirect.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

LOCAL_PATH_HELP = (
    "Give a path on this shop that starts with a single / (e.g. /c/sale/): no other site or scheme, "
    "no // or backslash, no spaces or control characters."
)


def is_local_path(url: str) -> bool:
    """True for ``/c/sale/`` or ``/search?q=boots#top``. False for ``https://x``, ``//x``, ``/\\x`` (browsers
    read a backslash as a slash), ``javascript:``, and anything with whitespace or a control character (browsers
    drop tabs and newlines inside a URL, so ``/<TAB>/x`` is ``//x``)."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return False
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def validate_local_path(url: str) -> None:
    if not is_local_path(url):
        raise ValidationError(LOCAL_PATH_HELP, code="not_local_path")
