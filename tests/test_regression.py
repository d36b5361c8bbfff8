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
