"""Trajectories, trend estimates and changes beyond noise, one definition at a time.

Every function takes the tidy frame :func:`csc_outcomes.indicators.values` returns
(la_code, period, indicator, value, numerator, denominator, status) and returns a tidy
frame. A series is cut wherever the indicator's definition version changes: a segment is
one version, and no trend or change is ever computed across two versions.

Sampling noise comes from each year's counts: a percentage of ``n`` children is a
binomial proportion, a rate per 10,000 (or 100,000) is a Poisson count. Indicators
without counts, or in other units, get no noise model and are never flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: noise model per unit; units not listed have none
NOISE = {"percent": "binomial", "rate per 10,000 children": "poisson",
         "rate per 100,000": "poisson"}
_PER = {"rate per 10,000 children": 1e4, "rate per 100,000": 1e5}

TRAJECTORY_COLUMNS = ["la_code", "indicator", "version", "period", "value", "numerator",
                      "denominator", "status", "se", "noise"]
TREND_COLUMNS = ["la_code", "indicator", "version", "first_year", "last_year", "n_years",
                 "n_children", "slope", "slope_se", "ci_low", "ci_high", "p_value", "dispersion",
                 "method"]
CHANGE_COLUMNS = ["la_code", "indicator", "version", "from_year", "to_year", "value_from",
                  "value_to", "change", "se", "z", "p_value", "p_adjusted", "beyond_noise",
                  "direction", "n_from", "n_to", "note"]


def with_versions(values: pd.DataFrame, versions: dict[str, int] | None = None) -> pd.DataFrame:
    """``values`` with a ``version`` column from ``versions`` (default ``values.attrs``).

    ``versions`` maps ``"indicator:year"`` to the definition version that year used.
    """
    versions = versions if versions is not None else values.attrs.get("versions")
    if not versions:
        raise ValueError("no definition versions: pass the frame from indicators.values() "
                         "(its attrs['versions']) or a versions mapping")
    key = values["indicator"].astype(str) + ":" + values["period"].astype(int).astype(str)
    out = values.copy()
    out["version"] = key.map(versions).astype("Int64")
    return out


def trajectories(values: pd.DataFrame, units: dict[str, str], *,
                 versions: dict[str, int] | None = None) -> pd.DataFrame:
    """Every authority's series per indicator and definition version, with each year's
    sampling standard error.

    Parameters
    ----------
    values : frame from :func:`csc_outcomes.indicators.values`.
    units : indicator id -> unit (``percent``, ``rate per 10,000 children`` ...).
    versions : ``"indicator:year"`` -> version (default ``values.attrs["versions"]``).

    Returns
    -------
    DataFrame with columns la_code, indicator, version (the segment: a new definition
    version starts a new one), period, value, numerator, denominator, status, se (the
    standard error of the value from its counts; NaN without a noise model) and noise
    (``binomial``, ``poisson`` or ``none``).

    Notes
    -----
    Binomial: se = 100 * sqrt(p(1 - p) / n) with p = (x + 0.5) / (n + 1), so that a rate of
    0 or 100% still has a positive variance. Poisson: se = per * sqrt(x + 0.5) / n, per = 10,000 or 100,000.
    """
    out = with_versions(values, versions)
    noise = out["indicator"].map(units).map(NOISE).fillna("none")
    counts = out["numerator"].notna() & out["denominator"].gt(0) & out["status"].eq("value")
    noise = noise.where(counts, "none")
    x, n = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (x + 0.5) / (n + 1)
        se_binom = 100 * np.sqrt(p * (1 - p) / n)
        per = out["indicator"].map(units).map(_PER).to_numpy(float)
        se_pois = per * np.sqrt(x + 0.5) / n
    out["se"] = np.select([noise.eq("binomial"), noise.eq("poisson")], [se_binom, se_pois],
                          np.nan)
    out["noise"] = noise
    out = out.sort_values(["indicator", "la_code", "version", "period"], kind="stable")
    out = out[TRAJECTORY_COLUMNS].reset_index(drop=True)
    out.attrs = {}
    return out


def trends(trajectory: pd.DataFrame, *, min_years: int = 3, overdispersion: bool = True,
           alpha: float = 0.05) -> pd.DataFrame:
    """A straight-line trend per authority, indicator and definition version.

    Parameters
    ----------
    trajectory : frame from :func:`trajectories`.
    min_years : fewer years with a value in a segment give no trend.
    overdispersion : scale the sampling variance by the Pearson dispersion of the
        segment's own residuals when it exceeds 1 (quasi-binomial), so that real
        year-to-year wobble beyond sampling noise widens the interval.
    alpha : 1 - confidence level of the interval.

    Returns
    -------
    DataFrame with la_code, indicator, version, first_year, last_year, n_years (years
    with a value), n_children (sum of the denominators), slope (change per year, in the
    indicator's unit), slope_se, ci_low, ci_high, p_value (slope = 0), dispersion (the
    factor applied; 1 for none) and method (``wls`` weighted by 1/se^2 where there is a
    noise model, else ``ols``).

    Notes
    -----
    Weighted least squares with known variances: slope = sum w (x - xbar)(y - ybar) /
    Sxx with Sxx = sum w (x - xbar)^2 and var(slope) = dispersion / Sxx; the interval uses
    the normal distribution. Without a noise model, ordinary least squares with
    var(slope) = s^2 / Sxx and a t interval on n - 2 degrees of freedom.
    """
    d = trajectory[trajectory["value"].notna()].copy()
    use_w = d["se"].gt(0) & d["noise"].ne("none")
    keys = ["la_code", "indicator", "version"]
    d["wls"] = use_w.groupby([d[k] for k in keys]).transform("all")
    d["w"] = np.where(d["wls"], 1 / d["se"].where(d["se"] > 0) ** 2, 1.0)
    d["x"] = d["period"].astype(float)
    g = d.groupby(keys, sort=True)
    d["k"] = g["x"].transform("size")
    d = d[d["k"] >= min_years]
    if d.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    g = d.groupby(keys, sort=True)
    sw = g["w"].transform("sum")
    xbar = (d["w"] * d["x"]).groupby([d[k] for k in keys]).transform("sum") / sw
    ybar = (d["w"] * d["value"]).groupby([d[k] for k in keys]).transform("sum") / sw
    d["sxx"] = d["w"] * (d["x"] - xbar) ** 2
    d["sxy"] = d["w"] * (d["x"] - xbar) * (d["value"] - ybar)
    agg = d.groupby(keys, sort=True).agg(
        first_year=("period", "min"), last_year=("period", "max"), n_years=("x", "size"),
        n_children=("denominator", "sum"), n_counted=("denominator", "count"),
        sxx=("sxx", "sum"), sxy=("sxy", "sum"), wls=("wls", "first"))
    agg["n_children"] = agg["n_children"].where(agg.pop("n_counted") > 0)
    agg["slope"] = agg["sxy"] / agg["sxx"]
    d = d.join(agg[["slope"]], on=keys)
    resid = d["value"] - (ybar + d["slope"] * (d["x"] - xbar))
    agg["rss"] = (d["w"] * resid ** 2).groupby([d[k] for k in keys]).sum()
    return _trend_inference(agg.reset_index(), overdispersion, alpha)


def _trend_inference(agg: pd.DataFrame, overdispersion: bool, alpha: float) -> pd.DataFrame:
    df = agg["n_years"] - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(df > 0, agg["rss"] / df, np.nan)
    wls = agg["wls"].astype(bool)
    disp = np.where(wls, np.where(overdispersion, np.fmax(1.0, np.nan_to_num(pearson, nan=1.0)),
                                  1.0), pearson)
    agg["dispersion"] = np.where(wls, disp, np.nan)
    agg["slope_se"] = np.sqrt(disp / agg["sxx"])
    crit = np.where(wls, stats.norm.ppf(1 - alpha / 2),
                    stats.t.ppf(1 - alpha / 2, df.clip(lower=1)))
    agg["ci_low"] = agg["slope"] - crit * agg["slope_se"]
    agg["ci_high"] = agg["slope"] + crit * agg["slope_se"]
    zt = agg["slope"] / agg["slope_se"]
    agg["p_value"] = np.where(wls, 2 * stats.norm.sf(np.abs(zt)),
                              2 * stats.t.sf(np.abs(zt), df.clip(lower=1)))
    agg.loc[~wls & (df < 1), ["slope_se", "ci_low", "ci_high", "p_value"]] = np.nan
    agg["method"] = np.where(wls, "wls", "ols")
    return agg[TREND_COLUMNS]


def change(trajectory: pd.DataFrame, polarity: dict[str, str], *, from_year: int,
           to_year: int | None = None, alpha: float = 0.05,
           adjust: str | None = "fdr_bh",
           dispersion: dict[str, float] | None = None) -> pd.DataFrame:
    """The change in each authority's value between two years of one definition, and
    whether it is larger than sampling noise explains.

    Parameters
    ----------
    trajectory : frame from :func:`trajectories`.
    polarity : indicator id -> ``higher-is-better``, ``lower-is-better`` or ``contested``.
    from_year : start of the span. When the definition changed after it, the span starts
        at the first year of the version in force in ``to_year`` instead (see ``note``).
    to_year : end of the span (default: each indicator's latest year with values).
    alpha : significance level of the flag, after adjustment.
    adjust : ``statsmodels.stats.multitest.multipletests`` method applied per indicator
        across authorities (``None`` for none): with ~150 authorities, about 7 would pass an
        unadjusted 5% test by chance alone.
    dispersion : indicator id -> factor (>= 1) multiplying both sampling variances, for
        year-to-year variation beyond sampling noise (see :func:`pooled_dispersion`);
        default none (pure sampling noise).

    Returns
    -------
    DataFrame with la_code, indicator, version, from_year, to_year, value_from, value_to,
    change (to - from, in the indicator's unit), se, z, p_value, p_adjusted, beyond_noise,
    direction (``improved``, ``declined``, ``up``, ``down`` for contested indicators, or
    ``no clear change``), n_from, n_to (denominators) and note.

    Notes
    -----
    The test is a two-sample z test of the two years' values with their sampling
    variances: z = (v_to - v_from) / sqrt(se_from^2 + se_to^2) (for percentages, the
    unpooled two-proportion test). Rows without a noise model get no test.
    """
    t = trajectory[trajectory["value"].notna()]
    if t.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    out = _spans(t, from_year, to_year, dispersion or {})
    if out.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    out["p_adjusted"] = _adjust(out, adjust)
    out["beyond_noise"] = out["p_adjusted"].lt(alpha)
    out["direction"] = _direction(out, polarity)
    return out[CHANGE_COLUMNS]


def _spans(t: pd.DataFrame, from_year: int, to_year: int | None,
           dispersion: dict[str, float]) -> pd.DataFrame:
    """Every indicator's spans at once: per (indicator, authority), from the first year
    since ``from_year`` of the version in force at the end to the end year (``to_year``,
    or the indicator's latest year with values). Rows by indicator, then in the order
    the end years appear in ``t``."""
    t = t.reset_index(drop=True)
    key = ["indicator", "la_code"]
    period = t["period"].astype("int64")
    last = (pd.Series(to_year, index=t.index) if to_year is not None
            else period.groupby(t["indicator"]).transform("max"))
    ends = t[period.eq(last)]
    ends = ends.iloc[np.argsort(ends["indicator"].to_numpy(), kind="stable")]
    seg = t.merge(ends[[*key, "version"]].rename(columns={"version": "v_end"}), on=key)
    seg = seg[seg["version"].eq(seg["v_end"]) & seg["period"].ge(from_year)
              & seg["period"].lt(seg["indicator"].map(last.groupby(t["indicator"]).first()))]
    start = seg.sort_values("period", kind="stable").drop_duplicates(key).set_index(key)
    start = start.reindex(pd.MultiIndex.from_frame(ends[key]))
    phi = ends["indicator"].map(lambda i: max(1.0, dispersion.get(i, 1.0))).to_numpy(float)
    out = pd.DataFrame({"la_code": ends["la_code"].to_numpy(),
                        "indicator": ends["indicator"].to_numpy(),
                        "version": ends["version"].to_numpy()})
    out["from_year"] = start["period"].to_numpy()
    out["to_year"] = ends["period"].to_numpy()
    out["value_from"] = start["value"].to_numpy()
    out["value_to"] = ends["value"].to_numpy()
    out["n_from"] = start["denominator"].to_numpy()
    out["n_to"] = ends["denominator"].to_numpy()
    out["change"] = out["value_to"] - out["value_from"]
    out["se"] = np.sqrt(phi * (start["se"].to_numpy() ** 2 + ends["se"].to_numpy() ** 2))
    out["z"] = out["change"] / out["se"]
    out["p_value"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["note"] = np.select(
        [out["from_year"].isna(), out["from_year"] > from_year, out["se"].isna()],
        [f"no earlier value of this definition since {from_year}",
         "definition changed: span starts at the current version's first year with a value",
         "no counts: change not tested against noise"], "")
    return out


def pooled_dispersion(trend: pd.DataFrame) -> dict[str, float]:
    """Per indicator, the median over authorities of their segments' Pearson dispersion
    (from :func:`trends` with ``overdispersion=True``), floored at 1.

    One authority's few years estimate its own dispersion poorly; the median across
    authorities is a stable estimate of how much more authorities' values wobble from year
    to year than sampling alone explains (multiplicative overdispersion, as in funnel
    plots: Spiegelhalter 2005).
    """
    wls = trend[trend["method"].eq("wls") & trend["n_years"].ge(4)]
    return {k: max(1.0, float(v)) for k, v in
            wls.groupby("indicator")["dispersion"].median().items()}


def _adjust(out: pd.DataFrame, method: str | None) -> pd.Series:
    if method is None:
        return out["p_value"]
    from statsmodels.stats.multitest import multipletests

    adjusted = pd.Series(np.nan, index=out.index)
    for _, idx in out[out["p_value"].notna()].groupby("indicator").groups.items():
        adjusted[idx] = multipletests(out.loc[idx, "p_value"], method=method)[1]
    return adjusted


def _direction(out: pd.DataFrame, polarity: dict[str, str]) -> pd.Series:
    pol = out["indicator"].map(polarity).fillna("contested")
    up = out["change"] > 0
    better = np.where(pol.eq("higher-is-better"), up, ~up)
    label = np.where(pol.eq("contested"), np.where(up, "up", "down"),
                     np.where(better, "improved", "declined"))
    return pd.Series(np.where(out["beyond_noise"], label, "no clear change"), index=out.index)


def most_changed(changes: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """Per indicator, the authorities that improved most and declined most, naming only
    those whose change is beyond noise.

    Returns
    -------
    DataFrame with indicator, list (``most improved`` or ``most declined``), rank,
    la_code, from_year, to_year, value_from, value_to, change, p_adjusted, n_from, n_to.
    An indicator where no authority passes the test has no rows.
    """
    cols = ["indicator", "list", "rank", "la_code", "from_year", "to_year", "value_from",
            "value_to", "change", "p_adjusted", "n_from", "n_to"]
    parts = []
    for label, direction in (("most improved", "improved"), ("most declined", "declined")):
        sel = changes[changes["direction"] == direction].copy()
        sel["size"] = sel["change"].abs()
        sel = sel.sort_values(["indicator", "size", "la_code"], ascending=[True, False, True])
        sel = sel.groupby("indicator").head(top)
        sel["list"] = label
        sel["rank"] = sel.groupby("indicator").cumcount() + 1
        parts.append(sel)
    return pd.concat(parts, ignore_index=True)[cols]
