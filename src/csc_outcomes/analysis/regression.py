"""Single-predictor linear regression as the 2016 study reported it (Table A2a).

With one predictor, Multiple R is the absolute correlation and Significance F equals the
slope's p-value; the sign of r depends on how the rating is coded. Fitted with
statsmodels OLS; the tests check it against scipy.stats.linregress.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm


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
