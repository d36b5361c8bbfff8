"""Rating summaries, the RAND/UCLA disagreement index and the tests, each against a hand
calculation on a small panel (or a published worked example)."""

import math

import pytest
from scipy import stats as sps

from csc_outcomes.consensus.stats import (
    disagreement,
    kruskal_groups,
    mann_whitney,
    summarise,
    wilcoxon_paired,
)


def _linear_percentile(sorted_values, q):
    """Hand percentile: linear interpolation at position q x (n - 1) (R type 7)."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (pos - lo) * (sorted_values[hi] - sorted_values[lo])


def test_median_iqr_and_shares_by_hand():
    # sorted: 2 3 5 7 7 8 9 9 (n = 8)
    s = summarise([7, 9, 2, 5, 8, 3, 9, 7])
    assert s["n"] == 8
    assert s["median"] == 7.0  # (7 + 7) / 2
    assert s["q1"] == pytest.approx(4.5)  # position 1.75: 3 + 0.75 x (5 - 3)
    assert s["q3"] == pytest.approx(8.25)  # position 5.25: 8 + 0.25 x (9 - 8)
    assert s["iqr"] == pytest.approx(3.75)
    assert s["share_7_9"] == 5 / 8 and s["share_1_3"] == 2 / 8 and s["share_4_6"] == 1 / 8


def test_missing_ratings_are_ignored_and_no_ratings_give_none():
    assert summarise([float("nan"), 8, 9])["n"] == 2
    empty = summarise([])
    assert empty["n"] == 0 and empty["median"] is None and empty["ipras"] is None


def test_ratings_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="1-9"):
        summarise([0, 5])


@pytest.mark.parametrize("low", [[4, 5, 6], [1, 2, 3]])
def test_ipras_reproduces_the_published_worked_example(low):
    """BMJ Open 2012;2:e001431, Table 1: 15 panellists, counts 1, 1, 1, 5, 5, 2 ending at
    rating 9; median 7, P30 7, P70 8, IPR 1, IPRCP 7.5, AI 2.5, IPRAS 6.1, no disagreement.
    (The table prints the symmetric constant as 2.5; 2.35 + 1.5 x 2.5 = 6.1 is its result,
    the manual's 2.35.) Where the three lowest ratings sit does not change the percentiles."""
    ratings = low + [7] * 5 + [8] * 5 + [9] * 2
    d, s = disagreement(ratings), summarise(ratings)
    assert s["median"] == 7
    assert (d["p30"], d["p70"], d["ipr"], d["iprcp"], d["ai"]) == (7, 8, 1, 7.5, 2.5)
    assert d["ipras"] == pytest.approx(6.1)
    assert d["disagreement"] is False


def test_ipras_by_hand_on_a_polarised_panel():
    ratings = sorted([1, 1, 1, 2, 5, 8, 9, 9, 9])
    p30, p70 = _linear_percentile(ratings, 0.3), _linear_percentile(ratings, 0.7)
    assert (p30, p70) == pytest.approx((1.4, 8.6))  # positions 2.4 and 5.6
    d = disagreement(ratings)
    assert d["p30"] == pytest.approx(p30) and d["p70"] == pytest.approx(p70)
    assert d["ipr"] == pytest.approx(7.2)
    assert d["ai"] == pytest.approx(0.0)  # central point 5.0
    assert d["ipras"] == pytest.approx(2.35) and d["disagreement"] is True
    assert d["di"] == pytest.approx(7.2 / 2.35)


def test_ipras_widens_with_asymmetry():
    ratings = [5, 6, 7, 7, 8, 9, 9, 9, 9, 9]  # skewed to the top
    d = disagreement(ratings)
    centre = (d["p30"] + d["p70"]) / 2
    assert d["ipras"] == pytest.approx(2.35 + 1.5 * abs(5 - centre))
    assert d["ipras"] > 2.35


def _ranks(values):
    """Hand mid-ranks."""
    ordered = sorted(values)
    return {v: (ordered.index(v) + 1 + len(ordered) - ordered[::-1].index(v)) / 2
            for v in set(values)}


def test_kruskal_wallis_without_ties_by_hand():
    # ranks: A 1 2 3 (sum 6), B 4 5 6 (sum 15); N = 6
    h = 12 / (6 * 7) * (6 ** 2 / 3 + 15 ** 2 / 3) - 3 * 7
    kw = kruskal_groups({"A": [1, 2, 3], "B": [4, 5, 6]})
    assert kw["h"] == pytest.approx(h) == pytest.approx(27 / 7)
    assert kw["df"] == 1 and kw["p"] == pytest.approx(sps.chi2.sf(h, 1))
    assert kw["n_by_group"] == {"A": 3, "B": 3} and kw["n"] == 6


def test_kruskal_wallis_with_ties_by_hand():
    groups = {"young people": [7, 8, 8, 9], "practitioners": [5, 7, 7], "DfE": [3, 5, 5, 6, 8]}
    allv = [v for g in groups.values() for v in g]
    n = len(allv)
    rank = _ranks(allv)
    h = 12 / (n * (n + 1)) * sum(sum(rank[v] for v in g) ** 2 / len(g)
                                 for g in groups.values()) - 3 * (n + 1)
    ties = sum(allv.count(v) ** 3 - allv.count(v) for v in set(allv))
    h /= 1 - ties / (n ** 3 - n)
    kw = kruskal_groups(groups)
    assert kw["h"] == pytest.approx(h, rel=1e-12)
    assert kw["p"] == pytest.approx(sps.chi2.sf(h, 2), rel=1e-12)


def test_kruskal_wallis_says_why_it_cannot_run():
    assert kruskal_groups({"A": [5, 5], "B": [5]})["reason"] == "every rating is the same"
    one = kruskal_groups({"A": [5, 6], "B": []})
    assert one["h"] is None and "fewer than two groups" in one["reason"]
    assert one["n_by_group"] == {"A": 2, "B": 0}


def test_wilcoxon_exact_by_hand():
    # differences 1 2 3 -4 5: W+ = 11, W- = 4; exact two-sided p = 2 x P(W <= 4) with n = 5:
    # 7 of the 32 sign patterns have a negative rank sum of 4 or less -> p = 14/32
    w = wilcoxon_paired([5, 5, 5, 5, 3], [6, 7, 8, 1, 8])
    assert (w["n"], w["n_changed"], w["statistic"]) == (5, 5, 4.0)
    assert w["p"] == pytest.approx(14 / 32)


def test_wilcoxon_normal_approximation_with_ties_by_hand():
    before = [5] * 16
    diffs = [1, 1, 1, 1, 2, 2, 2, -1, -1, 3, 3, -2, 1, 2, 4, -3]  # 16 non-zero, tied
    after = [b + d for b, d in zip(before, diffs)]
    rank = _ranks([abs(d) for d in diffs])
    w_plus = sum(rank[abs(d)] for d in diffs if d > 0)
    n = len(diffs)
    mean = n * (n + 1) / 4
    absd = [abs(d) for d in diffs]
    var = n * (n + 1) * (2 * n + 1) / 24 - sum(absd.count(t) ** 3 - absd.count(t)
                                               for t in set(absd)) / 48
    p = 2 * sps.norm.sf(abs(w_plus - mean) / math.sqrt(var))
    w = wilcoxon_paired(before, after)
    assert w["statistic"] == pytest.approx(min(w_plus, n * (n + 1) / 2 - w_plus))
    assert w["p"] == pytest.approx(p, rel=1e-9)


def test_wilcoxon_pairs_only_complete_pairs_and_explains_no_change():
    nan = float("nan")
    w = wilcoxon_paired([7, 8, nan, 5], [7, 8, 6, nan])
    assert w["n"] == 2 and w["p"] is None and w["reason"] == "no panellist changed their rating"


def test_mann_whitney_exact_small_case_by_hand():
    # x entirely below y: U(x) = 0; exact two-sided p = 2 x 1 / C(4, 2) = 1/3
    mw = mann_whitney([1, 2], [3, 4])
    assert (mw["n1"], mw["n2"], mw["u"]) == (2, 2, 0.0)
    assert mw["p"] == pytest.approx(1 / 3)
