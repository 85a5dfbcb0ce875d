"""What a merchandiser sees before publishing: one query's ranking with its score breakdown, and how an
unsaved rule or synonym would move the most frequent logged queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

from recommend.merchandising import state
from recommend.merchandising.rules import ActiveRule

REPLAY_QUERIES = 50
REPLAY_DAYS = 30
TOP = 10


@dataclass
class QueryChange:
    query: str
    searches: int
    before: list[int]  # top ids
    after: list[int]
    total_before: int
    total_after: int

    @property
    def entered(self) -> list[int]:
        return [pk for pk in self.after if pk not in self.before]

    @property
    def left(self) -> list[int]:
        return [pk for pk in self.before if pk not in self.after]

    @property
    def moved(self) -> int:
        return sum(1 for i, pk in enumerate(self.after) if pk in self.before and self.before.index(pk) != i)

    @property
    def changed(self) -> bool:
        return self.before != self.after or (self.total_before == 0) != (self.total_after == 0)


@dataclass
class Replay:
    changes: list[QueryChange] = field(default_factory=list)

    @property
    def queries(self) -> int:
        return len(self.changes)

    @property
    def searches(self) -> int:
        return sum(c.searches for c in self.changes)

    def zero_rate(self, *, after: bool) -> float:
        """Share of the replayed searches (weighted by how often each query was searched) with no result."""
        if not self.searches:
            return 0.0
        zero = sum(c.searches for c in self.changes if (c.total_after if after else c.total_before) == 0)
        return zero / self.searches

    @property
    def affected(self) -> list[QueryChange]:
        return [c for c in self.changes if c.changed]


def frequent_queries(*, limit: int = REPLAY_QUERIES, days: int = REPLAY_DAYS) -> list[tuple[str, int]]:
    from recommend.models import SearchLog

    since = timezone.now() - timedelta(days=days)
    rows = (
        SearchLog.objects.filter(created_at__gte=since, surface="search")
        .exclude(query="")
        .annotate(q=Lower("query"))
        .values("q")
        .annotate(n=Count("id"))
        .order_by("-n", "q")[:limit]
    )
    return [(row["q"], row["n"]) for row in rows]


def replay(
    *,
    rule: ActiveRule | None = None,
    synonym: tuple | None = None,
    replaces: tuple[str, int] | None = None,
    queries: list[tuple[str, int]] | None = None,
) -> Replay:
    """Run the frequent queries with the live rules, then with ``rule`` / ``synonym`` (unsaved; it replaces
    the saved one ``replaces`` = ("rule"|"synonym", id) when editing), and compare the first pages."""
    from recommend.search.engine import search

    live = state.current()
    rules = list(live.rules)
    synonym_rows = list(live.synonym_rows)
    if replaces is not None:
        kind, pk = replaces
        if kind == "rule":
            rules = [r for r in rules if r.id != pk]
        else:
            synonym_rows = [row for row in synonym_rows if row[0] != pk]
    if rule is not None:
        rules.insert(0, rule)
    if synonym is not None:
        synonym_rows.append(synonym)

    out = Replay()
    for text, searches in queries if queries is not None else frequent_queries():
        before = search(q=text, page_size=TOP, log=False, personalize=False)
        with state.preview(rules=rules, synonym_rows=synonym_rows):
            after = search(q=text, page_size=TOP, log=False, personalize=False)
        out.changes.append(
            QueryChange(
                query=text,
                searches=searches,
                before=[h.product.pk for h in before.hits],
                after=[h.product.pk for h in after.hits],
                total_before=before.total,
                total_after=after.total,
            )
        )
    return out
