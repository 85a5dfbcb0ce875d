"""The live rules and synonyms, held in each process and refreshed when a merchandiser saves.

A save bumps ``merchandising:version`` in the shared cache (``recommend.services.merchandising_changed``);
each process checks that version at most every few seconds, so a change is live everywhere within
``CHECK_EVERY`` seconds (at once in the process that saved it). Start and end times need no save: each
request filters by the current time. ``preview`` swaps in other rules and synonyms for one block of code
(the admin preview of an unsaved change) without touching what shoppers get.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.utils import timezone

from recommend.merchandising import synonyms as synonym_sets
from recommend.merchandising.rules import ActiveRule

logger = logging.getLogger(__name__)

VERSION_KEY = "merchandising:version"
CHECK_EVERY = 5.0


@dataclass
class Merchandising:
    rules: list[ActiveRule]
    synonym_rows: list[tuple[int | None, str, str, str, object, object]]  # id, terms, synonyms, kind, starts, ends
    version: str = "0"
    _live_synonyms: synonym_sets.SynonymSet | None = None
    _synonyms_valid_until: float = 0.0

    def synonyms(self, now=None) -> synonym_sets.SynonymSet:
        """The synonyms live now (rebuilt only when a start or end time has passed)."""
        now = now or timezone.now()
        stamp = now.timestamp()
        if self._live_synonyms is None or stamp >= self._synonyms_valid_until:
            live = [
                row[:4]
                for row in self.synonym_rows
                if (row[4] is None or row[4] <= now) and (row[5] is None or now < row[5])
            ]
            self._live_synonyms = synonym_sets.build(live)
            upcoming = [
                t.timestamp() for row in self.synonym_rows for t in (row[4], row[5]) if t is not None and t > now
            ]
            self._synonyms_valid_until = min(upcoming, default=float("inf"))
        return self._live_synonyms


_lock = threading.Lock()
_current: Merchandising | None = None
_checked_at = 0.0
_override: contextvars.ContextVar[Merchandising | None] = contextvars.ContextVar("merchandising", default=None)


def current() -> Merchandising:
    global _current, _checked_at
    override = _override.get()
    if override is not None:
        return override
    now = time.monotonic()
    if _current is not None and now - _checked_at < CHECK_EVERY:
        return _current
    with _lock:
        version = _shared_version()
        _checked_at = now
        if _current is None or _current.version != version:
            _current = load(version)
        return _current


def _shared_version() -> str:
    from django.core.cache import cache

    try:
        return str(cache.get(VERSION_KEY) or "0")
    except Exception:  # Redis down: keep serving with what this process holds
        return _current.version if _current else "0"


def bump() -> None:
    from django.core.cache import cache

    reset()
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    except Exception:
        logger.warning("merchandising version not bumped: cache unavailable; other processes follow when it returns")


def reset() -> None:
    global _current, _checked_at
    with _lock:
        _current = None
        _checked_at = 0.0


def load(version: str = "0") -> Merchandising:
    from recommend.models import Rule, Synonym

    now = timezone.now()
    rows = (
        Rule.objects.filter(enabled=True)
        .exclude(ends_at__lte=now)
        .select_related("category", "brand", "target_category")
        .order_by("-updated_at", "-id")
    )
    rules = [active_rule(r) for r in rows]
    synonym_rows = list(
        Synonym.objects.filter(enabled=True)
        .exclude(ends_at__lte=now)
        .order_by("id")
        .values_list("id", "terms", "synonyms", "kind", "starts_at", "ends_at")
    )
    return Merchandising(rules, synonym_rows, version)


def active_rule(rule) -> ActiveRule:
    """A ``recommend.Rule`` (saved or not) as the engines read it."""
    from recommend.merchandising.rules import query_key

    return ActiveRule(
        id=rule.pk,
        name=rule.name,
        action=rule.action,
        scope=rule.scope,
        query=query_key(rule.query or ""),
        match=rule.match,
        category_key=rule.category.tree_key if rule.category_id else None,
        product_id=rule.product_id,
        brand_id=rule.brand_id,
        brand_slug=rule.brand.slug if rule.brand_id else None,
        target_key=rule.target_category.tree_key if rule.target_category_id else None,
        position=rule.position,
        strength=rule.strength,
        url=rule.url,
        starts_at=rule.starts_at,
        ends_at=rule.ends_at,
    )


@contextlib.contextmanager
def preview(*, rules: Sequence[ActiveRule], synonym_rows: Sequence[tuple]) -> Iterator[Merchandising]:
    state = Merchandising(list(rules), list(synonym_rows), version="preview")
    token = _override.set(state)
    try:
        yield state
    finally:
        _override.reset(token)
