"""The weighted Spearman correlation of Musgrave et al. (2022) against independent
derivations: with equal weights it is SciPy's Spearman (ties included); with their rank
weights it matches a small case computed by hand; bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from dalearn.tables.weighted_spearman import rank_weights, weighted_ranks, weighted_spearman


@pytest.mark.parametrize("seed", range(5))
def test_equal_weights_give_scipys_spearman_with_ties(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, size=40).astype(float)  # many ties
    accuracies = np.round(rng.random(40), 1)
    expected = spearmanr(scores, accuracies).statistic
    assert weighted_spearman(scores, accuracies, power=0.0) == pytest.approx(expected, abs=1e-12)


def test_the_rank_weights_are_the_squared_normalised_dense_ranks():
    expected = [(2 / 3) ** 2, (1 / 3) ** 2, (2 / 3) ** 2, 1.0]
    np.testing.assert_allclose(rank_weights(np.array([0.5, -1.0, 0.5, 2.0])), expected)


def test_a_small_weighted_case_computed_by_hand():
    # weights (1/3)², (2/3)², 1 → ×9: 1, 4, 9. Weighted ranks ×9: scores 1, 5, 14; accuracies
    # (order 0.1, 0.2, 0.3 = rows 1, 0, 2) 5, 4, 14. Weighted means 147/14 = 10.5 for both.
    # cov = 1·(−9.5)(−5.5) + 4·(−5.5)(−6.5) + 9·3.5·3.5 = 305.5; var 321.5 and 309.5.
    got = weighted_spearman([1.0, 2.0, 3.0], [0.2, 0.1, 0.3])
    assert got == pytest.approx(305.5 / np.sqrt(321.5 * 309.5), abs=1e-12)
    assert got != pytest.approx(spearmanr([1.0, 2.0, 3.0], [0.2, 0.1, 0.3]).statistic)  # 0.5: the weights matter


def test_tied_values_share_the_mid_rank_of_their_weight():
    # values 1, 1, 2 with weights 1, 3, 2: the tie group weighs 4, mean 2 → (2 + 1)/2 · 2 = 3; then 4 + 2 · 1 = 6.
    np.testing.assert_allclose(weighted_ranks(np.array([1.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])), [3.0, 3.0, 6.0])


def test_a_swap_at_the_top_costs_more_than_one_at_the_bottom():
    accuracies = np.arange(10, dtype=float)
    bottom, top = accuracies.copy(), accuracies.copy()
    bottom[[0, 1]] = bottom[[1, 0]]
    top[[8, 9]] = top[[9, 8]]
    assert spearmanr(accuracies, bottom).statistic == pytest.approx(spearmanr(accuracies, top).statistic)
    assert weighted_spearman(top, accuracies) < weighted_spearman(bottom, accuracies) < 1.0


def test_non_finite_scores_rank_lowest_and_bad_input_is_refused():
    assert weighted_spearman([np.nan, 1.0, 2.0], [0.0, 0.5, 1.0]) == pytest.approx(
        weighted_spearman([1.0, 1.0, 2.0], [0.0, 0.5, 1.0])
    )
    assert np.isnan(weighted_spearman([1.0, 1.0, 1.0], [0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="every validator score is NaN"):
        weighted_spearman([np.nan, np.inf], [0.1, 0.2])
    with pytest.raises(ValueError, match="one length"):
        weighted_spearman([1.0, 2.0], [0.1, 0.2, 0.3])
