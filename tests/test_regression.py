"""The single-predictor regression against an independent implementation
(scipy.stats.linregress) and a hand calculation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csc_outcomes.analysis.regression import simple_regression


def test_hand_calculation():
    # x = 1..5, y = [2, 4, 5, 4, 5]: slope = 6/10 = 0.6, intercept = 4 - 0.6*3 = 2.2,
    # r = 6 / sqrt(10 * 6) = 0.7746, F = r^2/(1-r^2) * 3 = 0.6/0.4*3 = 4.5
    res = simple_regression(pd.Series([1, 2, 3, 4, 5.0]), pd.Series([2, 4, 5, 4, 5.0]))
    assert res["n"] == 5
    assert res["slope"] == pytest.approx(0.6) and res["intercept"] == pytest.approx(2.2)
    assert res["r"] == pytest.approx(6 / np.sqrt(60))
    assert res["f"] == pytest.approx(4.5)
    assert res["p"] == pytest.approx(stats.f.sf(4.5, 1, 3))


def test_matches_scipy_on_the_real_replication(store_path):
    from csc_outcomes.analysis.ratings import ratings
    from csc_outcomes.indicators import values

    rated = ratings(store_path, published_from=pd.Timestamp("2013-11-01").date(),
                    published_to=pd.Timestamp("2016-03-31").date())
    vals = values(set_name="study-2016", years=[2015], store=store_path)
    checked = 0
    for ind, g in vals[vals.status == "value"].groupby("indicator"):
        x = g.set_index("la_code").value
        res = simple_regression(x.reindex(rated.index), rated.rating)
        pairs = pd.concat({"x": x, "y": rated.rating}, axis=1).dropna()
        ref = stats.linregress(pairs.x, pairs.y)
        assert res["n"] == len(pairs)
        assert res["slope"] == pytest.approx(ref.slope, rel=1e-9)
        assert res["r"] == pytest.approx(ref.rvalue, rel=1e-9)
        assert res["multiple_r"] == pytest.approx(abs(ref.rvalue), rel=1e-9)
        assert res["p"] == pytest.approx(ref.pvalue, rel=1e-7)  # Significance F = slope's p
        checked += 1
    assert checked == 14


def test_too_few_or_constant():
    assert simple_regression(pd.Series([1.0, 2]), pd.Series([1.0, 2]))["r"] is None
    res = simple_regression(pd.Series([1.0, 2, 3]), pd.Series([2.0, 2, 2]))
    assert res["r"] is None and "variation" in res["reason"]
    # pairs with a missing side are dropped
    res = simple_regression(pd.Series([1.0, 2, 3, np.nan]), pd.Series([1.0, 3, 2, 4]))
    assert res["n"] == 3


PRINTED = [(0.026301635, 0.813412), (0.05072353, 0.652922), (0.010736985, 0.923729),
           (0.35181615, 0.001475), (0.187421372, 0.138075), (0.136037979, 0.336242),
           (0.011249889, 0.924211), (0.042843958, 0.700546), (0.158428602, 0.155141),
           (0.184723557, 0.094562), (0.112336769, 0.311959), (0.417130524, 0.000118)]


def _brute_force_n(r, p, n_max=400):
    """Every n from 3 to n_max: the one whose Significance F is nearest the printed p."""
    best = None
    for n in range(3, n_max + 1):
        f = r * r * (n - 2) / (1 - r * r)
        gap = abs(np.log(stats.f.sf(f, 1, n - 2)) - np.log(p))
        if best is None or gap < best[0]:
            best = (gap, n)
    return best[1]


@pytest.mark.parametrize("r, p", PRINTED)
def test_implied_n_agrees_with_a_brute_force_search(r, p):
    from csc_outcomes.analysis.regression import implied_n

    assert implied_n(r, p) == _brute_force_n(r, p)


def test_implied_n_round_trips_a_fit_and_refuses_what_it_cannot_solve():
    from csc_outcomes.analysis.regression import implied_n

    rng = np.random.default_rng(7)
    for n in (10, 47, 83, 150):
        x = rng.normal(size=n)
        fit = stats.linregress(x, 0.4 * x + rng.normal(size=n))
        assert implied_n(abs(fit.rvalue), fit.pvalue) == n
    assert implied_n(None, 0.5) is None and implied_n(0.0, 0.5) is None
    assert implied_n(0.9, 0.9) is None  # no n gives p = 0.9 with R = 0.9


def test_batch_regression_matches_scipy_on_the_real_replication(store_path):
    from csc_outcomes.analysis.ratings import ratings
    from csc_outcomes.analysis.regression import batch_regression
    from csc_outcomes.indicators import values

    every = ratings(store_path)
    vals = values(set_name="study-2016", years=[2015], store=store_path)
    wide = vals[vals.status == "value"].pivot_table(index="la_code", columns="indicator",
                                                    values="value")
    las = wide.index
    cutoffs = [pd.Timestamp(d).date() for d in ("2015-01-01", "2016-03-11", "2017-12-31")]
    weights = np.array([(every.published.reindex(las) <= d).to_numpy(bool) for d in cutoffs],
                       dtype=float)
    y = np.where(weights > 0, every.rating.reindex(las).to_numpy(float)[None, :], np.nan)
    y[1, 5] = 4.0  # one recoded rating
    got = batch_regression(wide.to_numpy(float), weights, y)
    for c in range(len(cutoffs)):
        for i, ind in enumerate(wide.columns):
            pairs = pd.DataFrame({"x": wide[ind].to_numpy(), "y": y[c]}).dropna()
            ref = stats.linregress(pairs.x, pairs.y)
            assert got["n"][c, i] == len(pairs)
            assert got["r"][c, i] == pytest.approx(ref.rvalue, abs=1e-10)
            assert got["p"][c, i] == pytest.approx(ref.pvalue, rel=1e-7)


def test_batch_regression_too_few_or_constant():
    from csc_outcomes.analysis.regression import batch_regression

    x = np.array([[1.0], [2.0], [3.0], [np.nan]])
    weights = np.array([[1, 1, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1]], dtype=float)
    y = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 1.0], [1.0, 3.0, 2.0, 9.0]])
    got = batch_regression(x, weights, y)
    assert got["n"][:, 0].tolist() == [2, 3, 3]
    assert np.isnan(got["r"][0, 0]) and np.isnan(got["r"][1, 0])  # 2 pairs; constant y
    assert got["r"][2, 0] == pytest.approx(stats.linregress([1, 2, 3], [1, 3, 2]).rvalue)
