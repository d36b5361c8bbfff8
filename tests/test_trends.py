"""Trends, changes beyond noise and segment breaks: checked against statsmodels, numpy and
a simulated series with a planted step."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats import proportion

from csc_outcomes.analysis import trends as T
from csc_outcomes.indicators import load_registry, values

REG = load_registry()
UNITS = {i.id: i.unit for i in REG.indicators.values()}
POLARITY = {i.id: i.polarity for i in REG.indicators.values()}


@pytest.fixture(scope="module")
def study(store_path):
    v = values(set_name="study-2016", store=store_path, variants=())
    return T.trajectories(v, UNITS)


def _one(traj, indicator, la="E08000025"):
    s = traj[(traj.indicator == indicator) & (traj.la_code == la) & traj.value.notna()]
    return s[s.version == s.version.max()]


@pytest.mark.parametrize("overdispersion", [False, True])
def test_wls_trend_matches_statsmodels_and_polyfit(study, overdispersion):
    s = _one(study, "cpp-second-subsequent")
    assert len(s) >= 10
    got = T.trends(s, overdispersion=overdispersion).iloc[0]
    x, y, se = s.period.to_numpy(float), s.value.to_numpy(), s.se.to_numpy()
    fit = sm.WLS(y, sm.add_constant(x), weights=1 / se**2).fit(cov_type="fixed scale")
    assert got.slope == pytest.approx(fit.params[1], rel=1e-9)
    scale = max(1.0, sm.WLS(y, sm.add_constant(x), weights=1 / se**2).fit().scale)
    expected_se = fit.bse[1] * (np.sqrt(scale) if overdispersion else 1.0)
    assert got.slope_se == pytest.approx(expected_se, rel=1e-9)
    slope, cov = np.polyfit(x, y, 1, w=1 / se, cov="unscaled")
    assert got.slope == pytest.approx(slope[0], rel=1e-9)
    assert got.n_years == len(s) and got.n_children == s.denominator.sum()


def test_ols_trend_without_counts_matches_linregress(study):
    s = _one(study, "csww-cin-per-sw")  # a ratio: no sampling-noise model
    got = T.trends(s).iloc[0]
    ref = stats.linregress(s.period, s.value)
    assert got.method == "ols"
    assert got.slope == pytest.approx(ref.slope) and got.slope_se == pytest.approx(ref.stderr)
    assert got.p_value == pytest.approx(ref.pvalue)


def test_z_test_matches_statsmodels_two_proportion_wald(study):
    s = _one(study, "cpp-second-subsequent")
    ch = T.change(s, POLARITY, from_year=int(s.period.min()), adjust=None).iloc[0]
    a, b = s.iloc[0], s.iloc[-1]
    ref = proportion.test_proportions_2indep(b.numerator, b.denominator, a.numerator, a.denominator,
                                  method="wald", compare="diff")
    # ours adds half a child to each count in the variance only
    assert ch.z == pytest.approx(ref.statistic, rel=0.02)
    assert ch.change == pytest.approx(100 * (b.numerator / b.denominator
                                             - a.numerator / a.denominator), rel=1e-6)


def simulated(seed: int = 11, step: float = 0.12, n: int = 400) -> pd.DataFrame:
    """Synthetic (the real data have no known planted step): 40 authorities whose rate
    steps from 30% to 30% + step in 2020, and 40 whose rate stays at 30%."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(80):
        for year in range(2015, 2026):
            p = 0.30 + (step if i < 40 and year >= 2020 else 0.0)
            x = rng.binomial(n, p)
            rows.append((f"S{i:03d}", year, "sim", 100 * x / n, x, n, "value"))
    v = pd.DataFrame(rows, columns=["la_code", "period", "indicator", "value", "numerator",
                                    "denominator", "status"])
    v.attrs["versions"] = {f"sim:{y}": 1 for y in range(2015, 2026)}
    return v


def test_noise_test_finds_a_planted_step_and_little_else():
    traj = T.trajectories(simulated(), {"sim": "percent"})
    ch = T.change(traj, {"sim": "higher-is-better"}, from_year=2015)
    stepped = ch[ch.la_code < "S040"]
    flat = ch[ch.la_code >= "S040"]
    assert stepped.beyond_noise.mean() >= 0.9
    assert flat.beyond_noise.mean() <= 0.1
    assert set(stepped.loc[stepped.beyond_noise, "direction"]) == {"improved"}
    top = T.most_changed(ch, top=5)
    assert set(top.la_code) <= set(stepped.la_code)


def test_trend_and_change_never_cross_a_definition_change(study):
    trend = T.trends(study)
    for r in trend.itertuples():
        ind = REG.get(r.indicator)
        assert ind.version_for(r.first_year).version == r.version
        assert ind.version_for(r.last_year).version == r.version
    ch = T.change(study, POLARITY, from_year=2015)
    both = ch.dropna(subset=["from_year"])
    for r in both.itertuples():
        ind = REG.get(r.indicator)
        assert ind.version_for(int(r.from_year)).version == ind.version_for(r.to_year).version
    # cla-missing's 2025 value is a rounded LAIT percentage (its own version): no span
    assert ch[(ch.indicator == "cla-missing")].from_year.isna().all()


def test_pooled_dispersion_widens_the_test():
    traj = T.trajectories(simulated(step=0.0), {"sim": "percent"})
    trend = T.trends(traj)
    disp = T.pooled_dispersion(trend)
    assert disp["sim"] >= 1
    plain = T.change(traj, {"sim": "higher-is-better"}, from_year=2015)
    wide = T.change(traj, {"sim": "higher-is-better"}, from_year=2015, dispersion={"sim": 4.0})
    assert (wide.se / plain.se).round(9).eq(2.0).all()
