"""One scorer for every recommendation surface: candidates from several sources, blended, explained.

Sources, each giving candidates with a score in ``[0, 1]``-ish ranges:

* ``transitions``: what shoppers went on to after the items in this shopper's recent history
  (``signals.transitions``); the history's items weigh ``HISTORY_DECAY ** k`` (k = 0 for the newest).
  Normalised by the best candidate's score. Remembers which history item contributed most (the
  "because you viewed X").
* ``content``: cosine between a product's embedding and the recent-history vector (the same decayed
  mean of the history's embeddings), cubed so only close neighbours count; a new product with no
  events gets here on content alone (cold start).
* ``graph``: dot product of the shopper's and the product's graph vectors (profiles/graph.py),
  normalised by the best candidate's.
* ``popularity``: time-decayed popularity (trending), normalised by the most popular: the cold-start
  source for a shopper with no history, and a tie-breaker otherwise.

Weights were tuned on the Beauty histories with ``manage.py evaluate_recommendations`` (BENCHMARKS.md).
The same function ranks the offline evaluation and the shop's surfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

HISTORY_LENGTH = 5  # the newest distinct items that steer "for you"
HISTORY_DECAY = 0.5
CONTENT_POWER = 3
CANDIDATES_PER_SOURCE = 100


@dataclass(frozen=True)
class Weights:
    transitions: float = 1.0
    content: float = 1.0
    graph: float = 0.4
    popularity: float = 0.02


DEFAULT_WEIGHTS = Weights()
SOURCES = ("transitions", "content", "graph", "popularity")


@dataclass
class Scored:
    item: int
    score: float
    parts: dict[str, float] = field(default_factory=dict)  # source → weighted contribution
    because: int | None = None  # the history item behind the strongest personal source
    notes: list[str] = field(default_factory=list)  # what merchandising rules did to it, in words

    @property
    def main_source(self) -> str:
        return max(self.parts.items(), key=lambda kv: kv[1])[0] if self.parts else "popularity"


def history_weights(length: int) -> np.ndarray:
    return HISTORY_DECAY ** np.arange(length, dtype=np.float64)


def recent_history(items_newest_first: Iterable[int], length: int = HISTORY_LENGTH) -> list[int]:
    """The newest ``length`` distinct items, newest first."""
    seen: list[int] = []
    for item in items_newest_first:
        if item not in seen:
            seen.append(item)
            if len(seen) == length:
                break
    return seen


def aggregate_transitions(
    history: Sequence[int], neighbours: Callable[[int], Iterable[tuple[int, float]]]
) -> dict[int, tuple[float, int]]:
    """Σ_k w_k · T[h_k, j] for every neighbour j of the history; with the h_k that gave j the most."""
    out: dict[int, tuple[float, int]] = {}
    best: dict[int, float] = {}
    for weight, item in zip(history_weights(len(history)), history, strict=True):
        for neighbour, score in neighbours(item):
            contribution = weight * score
            total, because = out.get(neighbour, (0.0, item))
            if contribution > best.get(neighbour, 0.0):
                best[neighbour] = contribution
                because = item
            out[neighbour] = (total + contribution, because)
    return out


def history_vector(vectors: np.ndarray) -> np.ndarray | None:
    """The decayed mean of the history's embeddings (rows newest first), unit length; None if empty."""
    if not len(vectors):
        return None
    mean = history_weights(len(vectors)) @ np.asarray(vectors, dtype=np.float64)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm else None


def blend(
    *,
    transitions: Mapping[int, tuple[float, int]] | None = None,
    content: Mapping[int, tuple[float, int | None]] | None = None,
    graph: Mapping[int, float] | None = None,
    popularity: Mapping[int, float] | None = None,
    exclude: Iterable[int] = (),
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Scored]:
    """All candidates, best first (ties: lower item first).

    ``transitions``: item → (aggregated score, history item); ``content``: item → (cosine, history item);
    ``graph``: item → dot product; ``popularity``: item → decayed popularity.
    """
    excluded = set(exclude)
    scored: dict[int, Scored] = {}

    anchors: dict[tuple[int, str], int] = {}

    def add(source: str, item: int, value: float, because: int | None = None) -> None:
        if value <= 0 or item in excluded:
            return
        entry = scored.get(item)
        if entry is None:
            entry = scored[item] = Scored(item, 0.0)
        entry.parts[source] = value
        entry.score += value
        if because is not None:
            anchors[item, source] = because

    if transitions:
        top = max(score for score, _ in transitions.values())
        for item, (score, because) in transitions.items():
            add("transitions", item, weights.transitions * score / top, because)
    if content:
        for item, (cosine, because) in content.items():
            add("content", item, weights.content * max(cosine, 0.0) ** CONTENT_POWER, because)
    if graph:
        top = max(graph.values())
        if top > 0:
            for item, score in graph.items():
                add("graph", item, weights.graph * score / top)
    if popularity:
        top = max(popularity.values())
        if top > 0:
            for item, score in popularity.items():
                add("popularity", item, weights.popularity * score / top)
    for entry in scored.values():
        # "Because you viewed X": X from whichever personal source contributed more.
        personal = [(entry.parts[source], source) for source in ("transitions", "content") if source in entry.parts]
        if personal:
            entry.because = anchors.get((entry.item, max(personal)[1]))
    return sorted(scored.values(), key=lambda s: (-s.score, s.item))


def diversify(
    ranked: Sequence[Scored], *, limit: int, group_of: Callable[[int], Hashable | None], cap: int
) -> list[Scored]:
    """The first ``limit`` of ``ranked`` with at most ``cap`` per group (e.g. leaf category); an item over its
    group's cap waits until nothing else is left, so the list is still full when the candidates allow."""
    chosen: list[Scored] = []
    waiting: list[Scored] = []
    counts: dict[Hashable, int] = {}
    for entry in ranked:
        if len(chosen) == limit:
            break
        group = group_of(entry.item)
        if group is not None and counts.get(group, 0) >= cap:
            waiting.append(entry)
            continue
        if group is not None:
            counts[group] = counts.get(group, 0) + 1
        chosen.append(entry)
    return chosen + waiting[: limit - len(chosen)]
