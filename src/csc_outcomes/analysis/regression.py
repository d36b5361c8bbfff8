"""Single-predictor linear regression as the 2016 study reported it (Table A2a).

With one predictor, Multiple R is the absolute correlation and Significance F equals the
slope's p-value; the sign of r depends on how the rating is coded. Fitted with
statsmodels OLS; the tests check it against scipy.stats.linregress. ``implied_n`` solves
a printed (Multiple R, Significance F) pair for its n; ``batch_regression`` fits many
candidate samples at once for the forensic search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats


def simple_regression(x: pd.Series, y: pd.Series) -> dict:
    """Regress ``y`` on ``x`` over the pairs where both are present.

    Returns
    -------
    dict with n, slope, intercept, r (signed correlation), multiple_r (|r|), r_squared,
    f (the F statistic, 1 and n-2 degrees of freedom) and p (Significance F). With fewer
    than 3 pairs, or no variation in either variable, the statistics are None and
    ``reason`` says why.
    """
    pairs = pd.concat({"x": x, "y": y}, axis=1).dropna()
    n = len(pairs)
    empty = {"n": n, "slope": None, "intercept": None, "r": None, "multiple_r": None,
             "r_squared": None, "f": None, "p": None}
    if n < 3:
        return {**empty, "reason": f"only {n} authorities have both a value and a rating"}
    if pairs.x.nunique() < 2 or pairs.y.nunique() < 2:
        return {**empty, "reason": "no variation in the indicator or the rating"}
    fit = sm.OLS(pairs.y.to_numpy(float), sm.add_constant(pairs.x.to_numpy(float))).fit()
    r = float(np.sign(fit.params[1]) * np.sqrt(fit.rsquared))
    return {"n": n, "slope": float(fit.params[1]), "intercept": float(fit.params[0]),
            "r": r, "multiple_r": abs(r), "r_squared": float(fit.rsquared),
            "f": float(fit.fvalue), "p": float(fit.f_pvalue), "reason": None}


def implied_n(multiple_r: float, p: float, n_max: int = 10_000) -> int | None:
    """The number of pairs a one-predictor regression's (Multiple R, Significance F) implies.

    With one predictor, F = R^2 (n - 2) / (1 - R^2) on 1 and n - 2 degrees of freedom,
    and Significance F = F.sf(F, 1, n - 2) falls as n grows, so a printed pair fixes n.
    Solved as a root in continuous n (Brent's method on log p), then the nearer of the two
    integers either side is returned. None if R or p is missing, R is 0 or 1, or no n up to
    ``n_max`` comes near.

    >>> implied_n(0.41713052, 0.000118)  # the study's agency-rate row
    80
    """
    if multiple_r is None or p is None or not (0 < multiple_r < 1) or not (0 < p < 1):
        return None
    r2 = multiple_r ** 2

    def log_p(n: float) -> float:
        return float(stats.f.logsf(r2 * (n - 2) / (1 - r2), 1, n - 2))

    lo, hi = 3.0, float(n_max)
    target = np.log(p)
    if not (log_p(lo) >= target >= log_p(hi)):
        return None
    root = optimize.brentq(lambda n: log_p(n) - target, lo, hi)
    candidates = [c for c in (int(np.floor(root)), int(np.ceil(root))) if c >= 3]
    return min(candidates, key=lambda n: abs(log_p(n) - target))


def batch_regression(x: np.ndarray, weights: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Many one-predictor regressions at once: every candidate sample against every indicator.

    Parameters
    ----------
    x : (authorities, indicators) indicator values; NaN where an authority has none.
    weights : (candidates, authorities) 1 where the authority is in a candidate's sample.
    y : (candidates, authorities) each candidate's ratings; NaN where it has none.

    Returns
    -------
    dict of (candidates, indicators) arrays: ``n`` (pairs with both values), ``r`` (the
    signed correlation of y on x), ``multiple_r`` (|r|) and ``p`` (Significance F); NaN
    where n < 3 or either side has no variation. Sums of products over the pairs, so one
    matrix product per statistic replaces a fit per candidate; the tests check it against
    scipy.stats.linregress.
    """
    have = ~np.isnan(x)
    xz = np.where(have, x, 0.0)
    h = have.astype(float)
    m = weights * ~np.isnan(y)
    yz = np.where(np.isnan(y), 0.0, y) * m
    n = m @ h
    sx, sxx = m @ xz, m @ (xz * xz)
    sy, syy, sxy = yz @ h, (yz * np.where(np.isnan(y), 0.0, y)) @ h, yz @ xz
    with np.errstate(divide="ignore", invalid="ignore"):
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        cov = sxy - sx * sy / n
        ok = (n >= 3) & (vx > 1e-9 * np.maximum(sxx, 1)) & (vy > 1e-9 * np.maximum(syy, 1))
        r = np.where(ok, cov / np.sqrt(vx * vy), np.nan)
        r = np.clip(r, -1.0, 1.0)
        f = r * r * (n - 2) / (1 - r * r)
        p = np.where(ok, stats.f.sf(f, 1, n - 2), np.nan)
    return {"n": n.astype(int), "r": r, "multiple_r": np.abs(r), "p": p}
