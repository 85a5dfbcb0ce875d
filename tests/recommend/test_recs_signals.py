"""The recommender's pure arithmetic: item-to-item signals, blending, history weighting, diversity.

No database: items are dense indices, as ``recommend/recs/training.py`` and the offline evaluation
hand them to these functions.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recommend.recs import blend, signals
from recommend.recs.blend import Scored
from recommend.recs.signals import TransitionParams

# --------------------------------------------------------------------------------------------
# transitions
# --------------------------------------------------------------------------------------------


def test_going_from_a_to_b_says_more_about_a_then_b_than_about_b_then_a():
    matrix = signals.transitions([[0, 1]], n_items=2).toarray()
    assert matrix[0, 1] > matrix[1, 0] > 0  # the backward link is weak evidence, not none


def test_backward_weight_zero_leaves_only_forward_links():
    matrix = signals.transitions([[0, 1, 2]], n_items=3, params=TransitionParams(backward=0.0)).toarray()
    assert matrix[0, 1] > 0 and matrix[1, 2] > 0 and matrix[0, 2] > 0
    assert matrix[1, 0] == matrix[2, 1] == matrix[2, 0] == 0


def test_links_decay_with_distance_and_stop_at_the_window():
    params = TransitionParams(window=3, decay=0.7, backward=0.3)
    matrix = signals.transitions([[0, 1, 2, 3, 4]], n_items=5, params=params).toarray()
    # Item 0 is never a later item, so its row holds only forward links, damped by one common factor.
    assert matrix[0, 2] / matrix[0, 1] == pytest.approx(0.7)
    assert matrix[0, 3] / matrix[0, 1] == pytest.approx(0.49)
    assert matrix[0, 4] == 0  # four steps away, the window is three


def test_a_narrower_window_drops_the_farther_links():
    matrix = signals.transitions([[0, 1, 2, 3]], n_items=4, params=TransitionParams(window=1)).toarray()
    assert matrix[0, 1] > 0
    assert matrix[0, 2] == matrix[0, 3] == 0


def test_an_item_never_leads_to_itself():
    matrix = signals.transitions([[0, 0, 1, 0, 2, 2]], n_items=3)
    assert not matrix.diagonal().any()
    assert matrix[0, 1] > 0 and matrix[0, 2] > 0 and matrix[1, 2] > 0


def test_more_shoppers_taking_a_path_makes_it_stronger():
    matrix = signals.transitions([[0, 1], [0, 1], [0, 2]], n_items=3).toarray()
    assert matrix[0, 1] > matrix[0, 2] > 0


def test_a_busy_item_keeps_some_popularity_under_the_row_damping():
    # alpha < 1: the row is not fully normalised, so a path taken by more shoppers from a busier item
    # stays stronger than the single path out of a quiet one.
    matrix = signals.transitions([[0, 1]] * 4 + [[2, 3]], n_items=4, params=TransitionParams(alpha=0.4)).toarray()
    assert matrix[0, 1] > matrix[2, 3]
    normalised = signals.transitions([[0, 1]] * 4 + [[2, 3]], n_items=4, params=TransitionParams(alpha=1.0)).toarray()
    assert normalised[0, 1] == pytest.approx(normalised[2, 3])


def test_transitions_keep_only_the_top_k_strongest_per_row():
    # From 0: to 1 by three shoppers, 2 by two, 3 by one.
    sequences = [[0, 1]] * 3 + [[0, 2]] * 2 + [[0, 3]]
    matrix = signals.transitions(sequences, n_items=4, params=TransitionParams(top_k=2)).toarray()
    assert matrix[0, 1] > matrix[0, 2] > 0
    assert matrix[0, 3] == 0


def test_an_empty_history_gives_an_empty_matrix():
    matrix = signals.transitions([[], [3]], n_items=4)
    assert matrix.shape == (4, 4) and matrix.nnz == 0


# --------------------------------------------------------------------------------------------
# top_k_rows
# --------------------------------------------------------------------------------------------


def test_top_k_keeps_the_strongest_and_breaks_ties_by_the_lower_column():
    matrix = sp.csr_matrix(np.array([[0.5, 0.9, 0.5, 0.1, 0.5], [0.0, 0.0, 0.3, 0.0, 0.0]]))
    kept = signals.top_k_rows(matrix, 2).toarray()
    assert kept[0].tolist() == pytest.approx([0.5, 0.9, 0.0, 0.0, 0.0])  # 0.9, then the first 0.5
    assert kept[1].tolist() == pytest.approx([0.0, 0.0, 0.3, 0.0, 0.0])  # short rows untouched
    assert kept.dtype == np.float32


def test_top_k_drops_stored_zeros_before_counting():
    matrix = sp.csr_matrix((np.array([0.0, 0.2, 0.4]), np.array([0, 1, 2]), np.array([0, 3])), shape=(1, 3))
    kept = signals.top_k_rows(matrix, 2)
    assert kept.nnz == 2
    assert kept.toarray()[0].tolist() == pytest.approx([0.0, 0.2, 0.4])


# --------------------------------------------------------------------------------------------
# co_occurrence
# --------------------------------------------------------------------------------------------


def test_co_occurrence_is_cosine_normalised_and_symmetric():
    # 0 is in three baskets, 1 in two, 2 in one; 0 and 1 share two, 0 and 2 share one.
    matrix = signals.co_occurrence([[0, 1], [0, 1], [0, 2]], n_items=3).toarray()
    assert matrix[0, 1] == pytest.approx(2 / np.sqrt(3 * 2))
    assert matrix[0, 2] == pytest.approx(1 / np.sqrt(3 * 1))
    assert matrix[1, 2] == 0
    assert np.allclose(matrix, matrix.T)
    assert not matrix.diagonal().any()


def test_an_item_twice_in_one_basket_counts_once():
    once = signals.co_occurrence([[0, 1]], n_items=2).toarray()
    twice = signals.co_occurrence([[0, 0, 1, 1]], n_items=2).toarray()
    assert twice[0, 1] == pytest.approx(once[0, 1]) == pytest.approx(1.0)


def test_co_occurrence_min_count_and_top_k():
    baskets = [[0, 1], [0, 1], [0, 2], [0, 3], [0, 3]]
    matrix = signals.co_occurrence(baskets, n_items=4, min_count=2).toarray()
    assert matrix[0, 1] > 0 and matrix[0, 3] > 0
    assert matrix[0, 2] == 0  # bought together once only
    top1 = signals.co_occurrence(baskets, n_items=4, top_k=1).toarray()
    assert np.count_nonzero(top1[0]) == 1


def test_no_baskets_gives_an_empty_matrix():
    matrix = signals.co_occurrence([], n_items=3)
    assert matrix.shape == (3, 3) and matrix.nnz == 0


# --------------------------------------------------------------------------------------------
# decayed_popularity
# --------------------------------------------------------------------------------------------


def test_popularity_halves_at_one_half_life_and_sums_per_item():
    popularity = signals.decayed_popularity(
        np.array([0, 1, 2, 2]),
        np.array([0.0, 3.0, 6.0, 0.0]),
        np.array([1.0, 1.0, 4.0, 1.0]),
        n_items=4,
        half_life_days=3.0,
    )
    assert popularity.tolist() == pytest.approx([1.0, 0.5, 4 * 0.25 + 1.0, 0.0])


# --------------------------------------------------------------------------------------------
# recent_history, aggregate_transitions, history_vector
# --------------------------------------------------------------------------------------------


def test_recent_history_is_the_newest_distinct_items():
    assert blend.recent_history([5, 5, 3, 5, 2, 9, 8, 7], length=4) == [5, 3, 2, 9]
    assert blend.recent_history([]) == []


def test_newer_history_weighs_more_in_the_transitions():
    # Both history items lead to one product each with the same strength; the newer item's wins.
    neighbours = {10: [(1, 1.0)], 20: [(2, 1.0)]}
    scores = blend.aggregate_transitions([10, 20], lambda item: neighbours[item])
    assert scores[1] == pytest.approx((1.0, 10))
    assert scores[2] == pytest.approx((blend.HISTORY_DECAY, 20))


def test_aggregate_transitions_sums_and_names_the_strongest_contributor():
    neighbours = {10: [(1, 0.2), (2, 1.0)], 20: [(1, 1.0), (2, 1.0)], 30: [(3, 1.0)]}
    scores = blend.aggregate_transitions([10, 20, 30], lambda item: neighbours[item])
    d = blend.HISTORY_DECAY
    total, because = scores[1]
    assert total == pytest.approx(0.2 + d)
    assert because == 20  # 0.5 from the older item beats 0.2 from the newest
    assert scores[2] == pytest.approx((1.0 + d, 10))
    assert scores[3] == pytest.approx((d * d, 30))


def test_history_vector_is_unit_length_and_leans_to_the_newest():
    vectors = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # newest first
    vector = blend.history_vector(vectors)
    assert vector is not None
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-6)
    assert vector[0] > vector[1] > 0
    assert vector[0] / vector[1] == pytest.approx(1.0 / blend.HISTORY_DECAY, rel=1e-5)
    single = blend.history_vector(np.array([[0.0, 3.0, 4.0]]))
    assert single is not None and single.tolist() == pytest.approx([0.0, 0.6, 0.8])


def test_history_vector_of_nothing_is_none():
    assert blend.history_vector(np.zeros((0, 3))) is None
    assert blend.history_vector(np.zeros((2, 3))) is None


# --------------------------------------------------------------------------------------------
# blend
# --------------------------------------------------------------------------------------------


def test_each_source_is_normalised_by_its_best_candidate():
    ranked = blend.blend(
        transitions={1: (4.0, 10), 2: (2.0, 10)},
        graph={3: 8.0, 4: 2.0},
        popularity={5: 300.0, 6: 150.0},
    )
    parts = {entry.item: entry.parts for entry in ranked}
    w = blend.DEFAULT_WEIGHTS
    assert parts[1] == pytest.approx({"transitions": w.transitions})
    assert parts[2] == pytest.approx({"transitions": w.transitions * 0.5})
    assert parts[3] == pytest.approx({"graph": w.graph})
    assert parts[4] == pytest.approx({"graph": w.graph * 0.25})
    assert parts[5] == pytest.approx({"popularity": w.popularity})
    assert parts[6] == pytest.approx({"popularity": w.popularity * 0.5})
    # Content is a cosine already: not normalised, cubed so only close neighbours count.
    content = blend.blend(content={7: (0.5, 10)})
    assert content[0].parts == pytest.approx({"content": w.content * 0.125})


def test_scores_add_up_across_sources_and_rank_best_first():
    ranked = blend.blend(
        transitions={1: (1.0, 10), 2: (0.5, 10)},
        content={2: (0.9, 10), 3: (0.6, 10)},
        popularity={3: 10.0, 4: 5.0},
    )
    w = blend.DEFAULT_WEIGHTS
    scores = {entry.item: entry.score for entry in ranked}
    assert scores[2] == pytest.approx(w.transitions * 0.5 + w.content * 0.9**3)
    assert scores[3] == pytest.approx(w.content * 0.6**3 + w.popularity)
    assert [entry.item for entry in ranked] == [2, 1, 3, 4]


def test_excluded_items_never_come_back_from_any_source():
    ranked = blend.blend(
        transitions={1: (1.0, 10), 2: (0.5, 10)},
        content={1: (0.9, 10), 3: (0.8, 10)},
        graph={1: 1.0, 4: 0.5},
        popularity={1: 100.0, 5: 1.0},
        exclude=[1],
    )
    assert 1 not in {entry.item for entry in ranked}
    assert {entry.item for entry in ranked} == {2, 3, 4, 5}


def test_equal_scores_rank_the_lower_item_first():
    ranked = blend.blend(popularity={9: 1.0, 3: 1.0, 7: 1.0, 1: 0.5})
    assert [entry.item for entry in ranked] == [3, 7, 9, 1]


def test_non_positive_scores_are_not_candidates():
    ranked = blend.blend(content={1: (-0.4, 10), 2: (0.0, 10), 3: (0.5, 10)}, graph={4: -1.0, 5: 1.0})
    assert {entry.item for entry in ranked} == {3, 5}


def test_because_names_the_history_item_of_the_stronger_personal_source():
    ranked = blend.blend(
        # Item 1: transitions (normalised 1.0, from 10) beat content (0.5³, closest to 11).
        # Item 2: content (0.9³ ≈ 0.73, closest to 11) beats transitions (0.1, from 10).
        transitions={1: (1.0, 10), 2: (0.1, 10)},
        content={1: (0.5, 11), 2: (0.9, 11)},
        graph={3: 1.0},
        popularity={1: 5.0, 3: 5.0},
    )
    by_item = {entry.item: entry for entry in ranked}
    assert by_item[1].because == 10
    assert by_item[1].main_source == "transitions"
    assert by_item[2].because == 11
    assert by_item[2].main_source == "content"
    assert by_item[3].because is None  # graph and popularity point at no history item


# --------------------------------------------------------------------------------------------
# diversify
# --------------------------------------------------------------------------------------------


def _ranked(*items: int) -> list[Scored]:
    return [Scored(item, float(100 - position)) for position, item in enumerate(items)]


GROUPS = {0: "a", 1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: None, 7: None}


def test_diversify_caps_each_group_when_there_are_alternatives():
    chosen = blend.diversify(_ranked(0, 1, 2, 3, 4, 5), limit=4, group_of=GROUPS.get, cap=2)
    assert [entry.item for entry in chosen] == [0, 1, 4, 5]


def test_diversify_still_fills_the_list_with_items_over_the_cap():
    chosen = blend.diversify(_ranked(0, 1, 2, 3, 4), limit=5, group_of=GROUPS.get, cap=2)
    assert [entry.item for entry in chosen] == [0, 1, 4, 2, 3]


def test_items_without_a_group_are_never_capped():
    chosen = blend.diversify(_ranked(6, 7, 0, 1, 2), limit=4, group_of=GROUPS.get, cap=1)
    assert [entry.item for entry in chosen] == [6, 7, 0, 1]


def test_diversify_returns_fewer_only_when_candidates_run_out():
    chosen = blend.diversify(_ranked(0, 1, 2), limit=10, group_of=GROUPS.get, cap=1)
    assert [entry.item for entry in chosen] == [0, 1, 2]
