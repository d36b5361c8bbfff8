"""analyse funnel: limits against the binomial and Poisson quantiles (computed here in pure
Python), the over-dispersion factor against a hand calculation, and the real 2015 and 2025
releases."""

import math

import numpy as np
import pytest

from csc_outcomes.analysis.funnel import (
    exact_limit,
    funnel_limits,
    overdispersion,
    rank_intervals,
)
from csc_outcomes.analysis.tell import funnel_report


def _binom_cdf(r, n, p):
    return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(0, r + 1))


def _poisson_cdf(r, mu):
    return sum(math.exp(-mu) * mu ** k / math.factorial(k) for k in range(0, r + 1))


def _hand_limit(q, n, theta, cdf):
    """Spiegelhalter (2005) A.1.1: the smallest r with F(r) >= q, then interpolate."""
    r = 0
    while cdf(r) < q:
        r += 1
    below = cdf(r - 1) if r > 0 else 0.0
    a = (cdf(r) - q) / (cdf(r) - below)
    return (r - a) / n, r


@pytest.mark.parametrize("n", [5, 23, 100, 457])
@pytest.mark.parametrize("theta", [0.06, 0.43, 0.8])
@pytest.mark.parametrize("q", [0.001, 0.025, 0.975, 0.999])
def test_exact_binomial_limits_are_the_interpolated_binomial_quantiles(n, theta, q):
    hand, r = _hand_limit(q, n, theta, lambda r: _binom_cdf(r, n, theta))
    got = float(exact_limit(q, np.array([n]), theta, "binomial")[0])
    assert got == pytest.approx(min(max(hand, 0), 1), abs=1e-9)
    # the limit lies between the quantile and the count below it
    assert (r - 1) / n - 1e-12 <= got <= r / n + 1e-12


@pytest.mark.parametrize("n", [800, 12_000])
def test_exact_poisson_limits_are_the_interpolated_poisson_quantiles(n):
    theta = 0.0031  # a rate of 31 per 10,000
    for q in (0.025, 0.975):
        hand, _ = _hand_limit(q, n, theta, lambda r: _poisson_cdf(r, n * theta))
        assert float(exact_limit(q, np.array([n]), theta, "poisson")[0]) == \
            pytest.approx(max(hand, 0), abs=1e-9)


def test_exact_limits_approach_the_normal_ones_for_large_n():
    n, theta = np.array([200_000]), 0.25
    low, high = funnel_limits(theta, n, 0.95)
    half = 1.959964 * math.sqrt(theta * (1 - theta) / n[0])
    assert low[0] == pytest.approx(theta - half, abs=2e-5)
    assert high[0] == pytest.approx(theta + half, abs=2e-5)


def test_overdispersion_factor_by_hand():
    z = np.array([-3.0, -1.5, -0.5, 0.0, 0.2, 0.4, 0.9, 1.1, 2.0, 6.0])
    # 10% of 10 is 1: the lowest (-3) becomes -1.5, the highest (6) becomes 2
    wins = [-1.5, -1.5, -0.5, 0.0, 0.2, 0.4, 0.9, 1.1, 2.0, 2.0]
    phi = sum(v * v for v in wins) / 10
    got = overdispersion(z)
    assert got["phi"] == pytest.approx(phi)
    assert got["statistic"] == pytest.approx(10 * phi) and got["df"] == 9
    from scipy.stats import chi2
    assert got["p"] == pytest.approx(chi2.sf(10 * phi, 9))


def test_widened_limits_are_sqrt_phi_times_the_normal_half_width():
    n = np.array([50, 400])
    low, high = funnel_limits(0.3, n, 0.95, phi=4.0)
    half = 1.959964 * np.sqrt(4.0 * 0.3 * 0.7 / n)
    assert np.allclose(high, 0.3 + half, atol=1e-6)
    assert np.allclose(low, np.clip(0.3 - half, 0, None), atol=1e-6)


def test_rank_intervals_are_wider_for_small_authorities():
    y = np.array([5, 50, 500, 2, 20, 200])
    n = np.array([10, 100, 1000, 10, 100, 1000])
    ranks = rank_intervals(y, n, draws=2000, seed=3)
    width = ranks.rank_high - ranks.rank_low
    assert width[0] > width[2] and width[3] >= width[5]
    assert ((ranks.rank_low >= 1) & (ranks.rank_high <= 6)).all()


@pytest.fixture(scope="module")
def funnel_2015(store_path):
    return funnel_report([2015], store=store_path, draws=300)


def test_real_2015_flags_follow_the_limits(funnel_2015):
    rows = funnel_2015.tables["authorities"]
    assert (rows.n_ranked >= 100).all()
    above = rows.value > rows.upper_95
    below = rows.value < rows.lower_95
    assert ((rows.flag_95 == "above") == above).all() and ((rows.flag_95 == "below") == below).all()
    for ind, part in rows.groupby("indicator"):
        target = 100 * part.numerator.sum() / part.denominator.sum()
        assert part.target.iloc[0] == pytest.approx(target)
    summary = funnel_2015.tables["indicators"].set_index("indicator")
    assert summary.loc["cla-missing", "n"] == len(rows[rows.indicator == "cla-missing"])
    assert (summary.adjusted == (summary.overdispersion_p < 0.05)).all()
    # a best-10% authority inside the 95% limits is reported as such
    best = rows[rows.raw_group == "best"]
    assert summary.best_within_95.sum() == (best.flag_95 == "within").sum() > 0
    assert any("csww-cin-per-sw" in n and "not a proportion" in n for n in funnel_2015.notes)
    assert funnel_2015.verdict[0].startswith("2015: of ")


def test_a_rounded_percentage_without_counts_is_declined(store_path):
    found = funnel_report([2025], ["cla-missing", "cin-rereferrals-12m"], store=store_path,
                          draws=50)
    assert set(found.tables["indicators"].indicator) == {"cin-rereferrals-12m"}
    assert any("cla-missing" in n and "no numerator or denominator" in n for n in found.notes)


def test_overdispersion_rule_never_gives_exact_limits(store_path):
    found = funnel_report([2015], ["cpp-second-subsequent"], store=store_path,
                          overdispersion="never", draws=50)
    summary = found.tables["indicators"].iloc[0]
    assert not summary.adjusted and summary.limits.startswith("exact binomial")
    rows = found.tables["authorities"]
    low, high = funnel_limits(rows.numerator.sum() / rows.denominator.sum(),
                              rows.denominator.to_numpy(), 0.95)
    assert np.allclose(rows.lower_95, 100 * low) and np.allclose(rows.upper_95, 100 * high)
