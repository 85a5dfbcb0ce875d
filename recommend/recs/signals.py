"""Item-to-item signals learned from shopper histories: pure numpy/scipy, no database.

Items are dense indices ``0..n-1`` here; ``recommend/recs/training.py`` maps product ids onto them
for the shop, ``recommend/recs/evaluation.py`` maps the item ids of an offline data set. Both call
the same functions with the same parameters, so what the offline evaluation measures is what the
shop serves.

* **Transitions** (what shoppers go on to next): for each pair of items at most ``window`` steps
  apart in one history, ``decay ** (steps - 1)`` forward and ``backward`` times that backward (the
  order of events close in time is weak evidence: a review, an order line and a page view of the same
  day do not always arrive in the order they happened). Rows are damped by ``out_degree ** alpha``
  (``alpha < 1`` keeps some of the popularity a full row normalisation would erase) and cut to the
  ``top_k`` strongest neighbours, which is what the shop stores per product.
* **Co-occurrence in baskets** (bought together): items in the same order (or the same shopper's
  purchases), cosine-normalised counts, ``top_k`` per item.
* **Popularity** with exponential time decay (trending).

Parameters were tuned on the Amazon Beauty histories (``manage.py evaluate_recommendations``,
BENCHMARKS.md): window 3, decay 0.7, backward 0.3, alpha 0.4.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class TransitionParams:
    window: int = 3
    decay: float = 0.7
    backward: float = 0.3
    alpha: float = 0.4
    top_k: int = 50


def _pairs(sequences: Iterable[Sequence[int]], params: TransitionParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for sequence in sequences:
        items = np.asarray(sequence, dtype=np.int64)
        for step in range(1, params.window + 1):
            if len(items) <= step:
                break
            weight = params.decay ** (step - 1)
            head, tail = items[:-step], items[step:]
            keep = head != tail  # an item does not lead to itself
            head, tail = head[keep], tail[keep]
            rows += [head, tail]
            cols += [tail, head]
            vals += [np.full(len(head), weight), np.full(len(head), weight * params.backward)]
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def transitions(
    sequences: Iterable[Sequence[int]], *, n_items: int, params: TransitionParams | None = None
) -> sp.csr_matrix:
    """Item → next-item scores, ``top_k`` per row (CSR, float32). Each sequence is one shopper's items in time order."""
    params = params or TransitionParams()
    rows, cols, vals = _pairs(sequences, params)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n_items, n_items), dtype=np.float64)
    matrix.sum_duplicates()
    out_degree = np.asarray(matrix.sum(axis=1)).ravel()
    damp = np.zeros(n_items)
    damp[out_degree > 0] = out_degree[out_degree > 0] ** -params.alpha
    return top_k_rows(sp.diags(damp) @ matrix, params.top_k)


def co_occurrence(
    baskets: Iterable[Sequence[int]], *, n_items: int, top_k: int = 50, min_count: int = 1
) -> sp.csr_matrix:
    """Item → items found in the same basket, cosine-normalised counts (``count / sqrt(n_i n_j)``), ``top_k`` per row."""
    rows: list[int] = []
    cols: list[int] = []
    for basket_index, basket in enumerate(baskets):
        for item in set(basket):
            rows.append(basket_index)
            cols.append(item)
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    incidence = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(max(rows) + 1, n_items))
    counts = (incidence.T @ incidence).tocsr()
    counts.setdiag(0)
    counts.data[counts.data < min_count] = 0
    counts.eliminate_zeros()
    frequency = np.asarray(incidence.sum(axis=0)).ravel()
    inv = np.zeros(n_items)
    inv[frequency > 0] = frequency[frequency > 0] ** -0.5
    return top_k_rows(sp.diags(inv) @ counts @ sp.diags(inv), top_k)


def top_k_rows(matrix: sp.spmatrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of every row (ties: lower column first), as float32 CSR."""
    matrix = sp.csr_matrix(matrix)
    matrix.eliminate_zeros()
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end]
        if len(vals) > k:
            order = np.lexsort((cols, -vals))[:k]
            cols, vals = cols[order], vals[order]
        indices.append(cols)
        data.append(vals)
        indptr.append(indptr[-1] + len(cols))
    return sp.csr_matrix(
        (np.concatenate(data).astype(np.float32), np.concatenate(indices), np.asarray(indptr)),
        shape=matrix.shape,
    )


def decayed_popularity(
    items: np.ndarray, ages_days: np.ndarray, weights: np.ndarray, *, n_items: int, half_life_days: float
) -> np.ndarray:
    """Σ weight · 0.5^(age / half-life) per item: what is popular *now*."""
    return np.bincount(items, weights=weights * 0.5 ** (ages_days / half_life_days), minlength=n_items)
