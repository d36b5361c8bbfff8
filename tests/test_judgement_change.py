"""Indicators against judgements: the comparisons against independent implementations
(statsmodels' CompareMeans, numpy.polyfit) on a seeded synthetic set of changes, and the
pairing of inspections with reporting years on the real store."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from csc_outcomes.analysis import judgement_change as J


def synthetic(seed: int = 3) -> pd.DataFrame:
    """Synthetic: changes in an indicator for pairs whose rating rose, held or fell."""
    rng = np.random.default_rng(seed)
    rise = np.repeat([2, 1, 0, -1], [10, 30, 40, 15])
    return pd.DataFrame({"la_code": [f"L{i}" for i in range(len(rise))], "indicator": "x",
                         "rise": rise, "group": np.select([rise > 0, rise < 0], ["rose", "fell"],
                                                          "held"),
                         "change_better": 1.5 * rise + rng.normal(0, 3, len(rise))})


def test_compare_matches_statsmodels_and_polyfit():
    c = synthetic()
    out = J.compare(c).set_index("comparison")
    rose, held = c[c.group == "rose"].change_better, c[c.group == "held"].change_better
    cm = CompareMeans(DescrStatsW(rose.to_numpy()), DescrStatsW(held.to_numpy()))
    lo, hi = cm.tconfint_diff(usevar="unequal")
    r = out.loc["rose - held"]
    assert r.estimate == pytest.approx(rose.mean() - held.mean())
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi))
    assert r.p_value == pytest.approx(cm.ttest_ind(usevar="unequal")[1])
    assert r.n == 40 and r.n_reference == 40
    slope = np.polyfit(c.rise, c.change_better, 1)[0]
    assert out.loc["slope per grade", "estimate"] == pytest.approx(slope)
    assert out.loc["slope per grade", "n"] == len(c)


def test_reporting_year():
    got = J.reporting_year(pd.Series(pd.to_datetime(["2015-06-22", "2016-02-19", "2016-04-01"])))
    assert got.tolist() == [2015, 2015, 2016]


def test_paired_changes_on_the_real_store(store, store_path):
    from csc_outcomes.analysis import transitions as X
    from csc_outcomes.analysis import trends as T
    from csc_outcomes.indicators import load_registry, values

    reg = load_registry()
    pairs = X.transitions(X.histories(store.table("inspection"), store.table("la")))
    traj = T.trajectories(values(["cpp-second-subsequent"], store=store_path),
                          {i.id: i.unit for i in reg.indicators.values()})
    ch = J.paired_changes(pairs, traj, {"cpp-second-subsequent": "lower-is-better"})
    assert len(ch) > 200 and (ch.to_year > ch.from_year).all()
    one = ch.iloc[0]
    t = traj.set_index(["la_code", "period"]).value
    assert one.change == pytest.approx(t[(one.la_code, one.to_year)]
                                       - t[(one.la_code, one.from_year)])
    assert one.change_better == pytest.approx(-one.change)
