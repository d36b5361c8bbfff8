"""Do indicators move with Ofsted judgements? A within-authority comparison.

For each pair of successive inspections (:func:`.transitions.transitions`), the change in
an indicator over the same span is set against the change in grade. Differencing within
an authority removes everything about it that does not change between the two dates
(its size, deprivation, recording habits), so only changes are compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ["indicator", "comparison", "estimate", "ci_low", "ci_high", "p_value", "n",
           "n_reference", "method"]


def reporting_year(published: pd.Series) -> pd.Series:
    """The last reporting year (to 31 March) complete before each publication date: an
    inspection published in June 2015 is compared with data for the year to March 2015,
    one published in February 2016 also with 2015."""
    d = pd.to_datetime(published)
    return (d.dt.year - (d.dt.month <= 3).astype(int)).astype(int)


def paired_changes(pairs: pd.DataFrame, trajectory: pd.DataFrame,
                   polarity: dict[str, str]) -> pd.DataFrame:
    """The indicator change over each inspection pair's span, one row per pair and
    indicator.

    Parameters
    ----------
    pairs : frame from :func:`.transitions.transitions` (one judgement).
    trajectory : frame from :func:`.trends.trajectories`.
    polarity : indicator id -> polarity; ``change_better`` is the change signed so that
        positive is better (NaN for contested indicators).

    Returns
    -------
    DataFrame with la_code, indicator, from_year, to_year, rise (grades), group
    (``rose``, ``held``, ``fell``), change (to - from value), change_better. Spans where
    the two years fall under different definition versions, or either value is missing,
    are left out.
    """
    p = pairs.assign(from_year=reporting_year(pairs["from_published"]),
                     to_year=reporting_year(pairs["to_published"]))
    p = p[p["to_year"] > p["from_year"]]
    t = trajectory[trajectory["value"].notna()][["la_code", "indicator", "version", "period",
                                                  "value"]]
    a = p.merge(t, left_on=["la_code", "from_year"], right_on=["la_code", "period"])
    ab = a.merge(t, left_on=["la_code", "indicator", "to_year"],
                 right_on=["la_code", "indicator", "period"], suffixes=("_a", "_b"))
    ab = ab[ab["version_a"] == ab["version_b"]]
    sign = ab["indicator"].map(polarity).map({"higher-is-better": 1.0, "lower-is-better": -1.0})
    out = pd.DataFrame({"la_code": ab["la_code"], "indicator": ab["indicator"],
                        "from_year": ab["from_year"], "to_year": ab["to_year"],
                        "rise": ab["rise"],
                        "group": np.select([ab["rise"] > 0, ab["rise"] < 0], ["rose", "fell"],
                                           "held"),
                        "change": ab["value_b"] - ab["value_a"]})
    out["change_better"] = out["change"] * sign.to_numpy()
    return out.reset_index(drop=True)


def compare(changes: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Authorities whose rating rose or fell against those whose rating held, per indicator.

    Returns
    -------
    DataFrame with indicator, comparison (``rose - held``, ``fell - held``, ``slope per
    grade``, or ``mean in <group>``), estimate (in the indicator's unit, signed so that
    positive is better), ci_low, ci_high, p_value, n (pairs in the group, or in the slope),
    n_reference (pairs whose rating held) and method.

    Notes
    -----
    Group differences: Welch's two-sample t test (``scipy.stats.ttest_ind`` with
    ``equal_var=False``) and its confidence interval. Slope: ordinary least squares of the
    better-signed change on the rise in grades (``statsmodels`` OLS), t interval.
    Contested indicators have no "better" and are left out.
    """
    rows = []
    for ind, c in changes[changes["change_better"].notna()].groupby("indicator", sort=True):
        held = c.loc[c["group"] == "held", "change_better"]
        for group in ("rose", "held", "fell"):
            x = c.loc[c["group"] == group, "change_better"]
            rows.append(_mean_row(ind, group, x, len(held), alpha))
        for group in ("rose", "fell"):
            x = c.loc[c["group"] == group, "change_better"]
            rows.append(_welch_row(ind, group, x, held, alpha))
        rows.append(_slope_row(ind, c, len(held), alpha))
    return pd.DataFrame(rows, columns=COLUMNS)


def _mean_row(ind, group, x, n_ref, alpha):
    n = len(x)
    if n < 2:
        return [ind, f"mean in {group}", x.mean() if n else np.nan, np.nan, np.nan, np.nan,
                n, n_ref, "too few pairs"]
    res = stats.ttest_1samp(x, 0.0)
    ci = res.confidence_interval(1 - alpha)
    return [ind, f"mean in {group}", x.mean(), ci.low, ci.high, res.pvalue, n, n_ref,
            "one-sample t"]


def _welch_row(ind, group, x, held, alpha):
    if len(x) < 2 or len(held) < 2:
        return [ind, f"{group} - held", np.nan, np.nan, np.nan, np.nan, len(x), len(held),
                "too few pairs"]
    res = stats.ttest_ind(x, held, equal_var=False)
    ci = res.confidence_interval(1 - alpha)
    return [ind, f"{group} - held", x.mean() - held.mean(), ci.low, ci.high, res.pvalue,
            len(x), len(held), "Welch t"]


def _slope_row(ind, c, n_ref, alpha):
    if len(c) < 3 or c["rise"].nunique() < 2:
        return [ind, "slope per grade", np.nan, np.nan, np.nan, np.nan, len(c), n_ref,
                "too few pairs"]
    import statsmodels.api as sm

    fit = sm.OLS(c["change_better"].to_numpy(float),
                 sm.add_constant(c["rise"].to_numpy(float))).fit()
    lo, hi = fit.conf_int(alpha)[1]
    return [ind, "slope per grade", fit.params[1], lo, hi, fit.pvalues[1], len(c), n_ref,
            "OLS"]
