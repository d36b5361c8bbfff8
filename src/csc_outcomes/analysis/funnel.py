"""Denominator-aware comparison: funnel-plot limits and rank intervals.

A raw best/worst 10% list favours small authorities, whose percentages swing most by
chance. A funnel plot (Spiegelhalter 2005) compares each authority with the England value
using limits that widen as the denominator shrinks: exact binomial (proportions) or
Poisson (rates) limits, or, where the authorities vary more than chance allows, limits
widened by Spiegelhalter's multiplicative over-dispersion factor estimated from
winsorised z-scores. Ranks are shown with bootstrap intervals (resampling each
authority's numerator from its binomial or Poisson distribution).

References
----------
Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
Statistics in Medicine 24:1185-1202. Spiegelhalter DJ (2005). Handling over-dispersion of
performance indicators. Quality and Safety in Health Care 14:347-351.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.mstats import winsorize

from ..errors import AnalysisError
from .findings import Findings, one_period
from .ranking import extremes

#: unit -> (family, scale of the published value)
FAMILIES = {"percent": ("binomial", 100.0), "rate per 10,000 children": ("poisson", 1e4),
            "rate per 100,000": ("poisson", 1e5)}
COVERAGES = (0.95, 0.998)
OVERDISPERSION = ("auto", "always", "never")


def _variance(theta, family: str):
    return theta * (1 - theta) if family == "binomial" else theta


def _distribution(family: str, n, theta):
    return stats.binom(n, theta) if family == "binomial" else stats.poisson(n * theta)


def exact_limit(q: float, n: np.ndarray, theta: float, family: str = "binomial") -> np.ndarray:
    """The ``q`` quantile of y/n under the target, interpolated (Spiegelhalter 2005, A.1.1).

    With r the smallest count whose cumulative probability reaches q, the limit is
    (r - a) / n where a = (F(r) - q) / (F(r) - F(r - 1)): a smooth curve through the
    discrete binomial or Poisson quantiles.
    """
    n = np.asarray(n, dtype=float)
    dist = _distribution(family, n, theta)
    r = dist.ppf(q)
    f_r, f_below = dist.cdf(r), dist.cdf(r - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(f_r > f_below, (f_r - q) / (f_r - f_below), 0.0)
    return np.clip((r - a) / n, 0, 1 if family == "binomial" else None)


def funnel_limits(theta: float, n: np.ndarray, coverage: float = 0.95,
                  family: str = "binomial", phi: float | None = None) -> tuple:
    """Lower and upper control limits for y/n around the target ``theta``.

    Without ``phi``: exact (interpolated) binomial or Poisson limits. With ``phi``: the
    normal limits theta +/- z sqrt(phi V(theta) / n), V = theta (1 - theta) or theta.
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must be between 0 and 1, not {coverage}")
    q = (1 - coverage) / 2
    if phi is None:
        return exact_limit(q, n, theta, family), exact_limit(1 - q, n, theta, family)
    half = stats.norm.ppf(1 - q) * np.sqrt(phi * _variance(theta, family) / np.asarray(n, float))
    upper = theta + half
    return np.clip(theta - half, 0, None), np.minimum(upper, 1) if family == "binomial" else upper


def overdispersion(z: np.ndarray, winsor: float = 0.10) -> dict:
    """Spiegelhalter's multiplicative over-dispersion factor from winsorised z-scores.

    The lowest and highest floor(winsor * I) z-scores are set to the next value in
    (``scipy.stats.mstats.winsorize``); phi = mean of the squared z-scores. I phi is
    compared with chi-squared on I - 1 degrees of freedom (the target is estimated from
    the same authorities): ``p`` small means more spread than chance alone gives.

    Returns dict with n, phi, statistic (I phi), df and p.
    """
    z = np.asarray(z, dtype=float)
    z = z[np.isfinite(z)]
    if len(z) < 2:
        return {"n": len(z), "phi": np.nan, "statistic": np.nan, "df": 0, "p": np.nan}
    zw = np.asarray(winsorize(z, limits=(winsor, winsor)), dtype=float)
    phi = float(np.mean(zw ** 2))
    return {"n": len(z), "phi": phi, "statistic": len(z) * phi, "df": len(z) - 1,
            "p": float(stats.chi2.sf(len(z) * phi, len(z) - 1))}


def rank_intervals(y: np.ndarray, n: np.ndarray, higher_first: bool = True,
                   family: str = "binomial", draws: int = 1000, seed: int = 2016,
                   level: float = 0.95) -> pd.DataFrame:
    """Ranks (1 = first) with bootstrap intervals.

    Each draw resamples every authority's numerator, binomial(n, p) for proportions or
    Poisson(n p) for rates, and re-ranks the resulting rates (ties share the average
    rank); the interval holds the central ``level`` share of the draws' ranks. p is
    (y + 1/2) / (n + 1) for proportions and (y + 1/2) / n for rates: with the plain y / n
    an authority at 0% or 100% would never move and its rank would look certain.

    Returns columns rank, rank_low, rank_high (in the order given).
    """
    y, n = np.asarray(y, float), np.asarray(n, float)
    rng = np.random.default_rng(seed)
    if family == "binomial":
        p = (y + 0.5) / (n + 1)
        sim = rng.binomial(n.astype(np.int64), p, size=(draws, len(y))) / n
    else:
        sim = rng.poisson(y + 0.5, size=(draws, len(y))) / n
    sign = -1.0 if higher_first else 1.0
    ranks = stats.rankdata(sign * sim, axis=1)
    tail = 100 * (1 - level) / 2
    return pd.DataFrame({"rank": stats.rankdata(sign * y / n),
                         "rank_low": np.floor(np.percentile(ranks, tail, axis=0)),
                         "rank_high": np.ceil(np.percentile(ranks, 100 - tail, axis=0))})


def funnel(values: pd.DataFrame, directions: dict, units: dict, *, authorities=None,
           overdispersion_rule: str = "auto", winsor: float = 0.10, share: float = 0.10,
           min_authorities: int = 10, draws: int = 1000, seed: int = 2016) -> Findings:
    """Funnel limits, flags and rank intervals for each proportion or rate indicator.

    Parameters
    ----------
    values : tidy indicator values of one year (``indicators.values()``); the funnel uses
        each authority's ``numerator`` and ``denominator``.
    directions : indicator -> "higher" / "lower" / None (which end is better).
    units : indicator -> unit ("percent" is binomial; "rate per ..." is Poisson; any other
        unit is declined with a note).
    authorities : the authorities to compare (those existing in the year).
    overdispersion_rule : "auto" widens the limits when the over-dispersion test gives
        p < 0.05; "always" or "never" force the choice.
    winsor : share winsorised at each end for the over-dispersion factor.
    share : the raw best/worst group shown beside the flags (the study's 10% rule).
    min_authorities : fewer authorities with counts than this: declined.
    draws, seed : bootstrap draws for the rank intervals and their seed.

    Returns
    -------
    Findings with tables ``authorities`` (period, indicator, la_code, numerator,
    denominator, value (scale x numerator / denominator, in the indicator's unit), target,
    lower_95, upper_95, lower_998, upper_998, z (divided by sqrt(phi) when adjusted),
    flag_95 and flag_998 (above / within / below), assessment (better / worse / no
    different, with the strength, or above / below without a direction), raw_group
    (best / worst / None by the 10% rule), rank, rank_low, rank_high, n_ranked) and
    ``indicators`` (period, indicator, family, n, target, phi, overdispersion_p, adjusted,
    limits, n_best, best_within_95, n_worst, worst_within_95, above_95, below_95,
    above_998, below_998, median_rank_width).
    """
    if overdispersion_rule not in OVERDISPERSION:
        raise ValueError(f"overdispersion_rule must be one of {OVERDISPERSION}, "
                         f"not {overdispersion_rule!r}")
    period = one_period(values)
    if authorities is not None:
        values = values[values["la_code"].isin(authorities)]
    rows, summaries, notes = [], [], []
    opts = dict(rule=overdispersion_rule, winsor=winsor, share=share, draws=draws, seed=seed)
    for ind, part in values.groupby("indicator", sort=False):
        why = _decline(part, units.get(ind), min_authorities)
        if why:
            notes.append(f"{period}: {ind}: {why}")
            continue
        if not np.allclose(part.denominator.dropna(), part.denominator.dropna().round()):
            notes.append(f"{period}: {ind}: the counts are full-time equivalents, not "
                         "whole people; rounded to whole numbers for the limits.")
        table, summary = _one_indicator(part, ind, units[ind], directions.get(ind), **opts)
        rows.append(table)
        summaries.append(summary)
    if not rows:
        raise AnalysisError(f"no indicator could be drawn on a funnel for {period}: "
                            + "; ".join(notes))
    authorities_t = pd.concat(rows, ignore_index=True).assign(period=period)
    indicators_t = pd.DataFrame(summaries).assign(period=period)
    return Findings("funnel", _verdict(indicators_t, period, share),
                    {"authorities": _period_first(authorities_t),
                     "indicators": _period_first(indicators_t)}, notes,
                    {"period": period, "overdispersion": overdispersion_rule,
                     "winsor": winsor, "share": share, "draws": draws, "seed": seed})


def _period_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["period", *[c for c in frame.columns if c != "period"]]]


def _decline(part: pd.DataFrame, unit: str | None, minimum: int) -> str | None:
    if unit not in FAMILIES:
        return f"its unit ({unit}) is not a proportion or a rate, so it has no funnel."
    has_value = part[part.status == "value"]
    counted = has_value.dropna(subset=["numerator", "denominator"])
    if has_value.empty:
        return "no authority has a published value."
    if counted.empty:
        return ("only a published (rounded) percentage is held, with no numerator or "
                "denominator, so no funnel can be drawn; declined rather than guess a "
                "denominator.")
    if len(counted) < minimum:
        return f"too few authorities with counts ({len(counted)}; at least {minimum} needed)."
    return None


def _one_indicator(part, ind, unit, direction, *, rule, winsor, share, draws, seed):
    family, scale = FAMILIES[unit]
    d = part[part.status == "value"].dropna(subset=["numerator", "denominator"])
    d = d[d.denominator > 0]
    y, n = d.numerator.to_numpy(float).round(), d.denominator.to_numpy(float).round()
    theta = y.sum() / n.sum()
    z = (y / n - theta) / np.sqrt(_variance(theta, family) / n)
    od = overdispersion(z, winsor)
    adjusted = rule == "always" or (rule == "auto" and od["p"] < 0.05)
    phi = max(od["phi"], 1.0) if adjusted else None
    out = pd.DataFrame({"indicator": ind, "la_code": d.la_code.to_numpy(), "numerator": y,
                        "denominator": n, "value": scale * y / n, "target": scale * theta})
    for cov, tag in zip(COVERAGES, ("95", "998")):
        low, high = funnel_limits(theta, n, cov, family, phi)
        out[f"lower_{tag}"], out[f"upper_{tag}"] = scale * low, scale * high
        out[f"flag_{tag}"] = np.where(out.value > out[f"upper_{tag}"], "above", np.where(
            out.value < out[f"lower_{tag}"], "below", "within"))
    out["z"] = z / np.sqrt(phi or 1.0)
    out["assessment"] = [_assess(a, b, direction) for a, b in zip(out.flag_95, out.flag_998)]
    best, worst = (extremes(d.set_index("la_code").value, direction, share=share)
                   if direction else (set(), set()))
    out["raw_group"] = [("best" if la in best else "worst" if la in worst else None)
                        for la in out.la_code]
    ranks = rank_intervals(y, n, direction != "lower", family, draws, seed)
    out = pd.concat([out, ranks], axis=1).assign(n_ranked=len(out))
    return out, _summary(out, ind, family, theta * scale, od, adjusted, phi)


def _assess(flag_95: str, flag_998: str, direction: str | None) -> str:
    if flag_95 == "within":
        return "no different"
    strength = "99.8%" if flag_998 != "within" else "95%"
    word = flag_95 if direction is None else (
        "better" if (flag_95 == "above") == (direction == "higher") else "worse")
    return f"{word} ({strength})"


def _summary(out, ind, family, target, od, adjusted, phi) -> dict:
    best, worst = out[out.raw_group == "best"], out[out.raw_group == "worst"]
    limits = (f"normal, widened for over-dispersion (phi = {phi:.2f})" if adjusted else
              f"exact {family} (no adjustment)")
    return {"indicator": ind, "family": family, "n": len(out), "target": target,
            "phi": od["phi"], "overdispersion_p": od["p"], "adjusted": adjusted,
            "limits": limits, "n_best": len(best),
            "best_within_95": int((best.flag_95 == "within").sum()), "n_worst": len(worst),
            "worst_within_95": int((worst.flag_95 == "within").sum()),
            "above_95": int((out.flag_95 == "above").sum()),
            "below_95": int((out.flag_95 == "below").sum()),
            "above_998": int((out.flag_998 == "above").sum()),
            "below_998": int((out.flag_998 == "below").sum()),
            "median_rank_width": float((out.rank_high - out.rank_low).median())}


def _verdict(summary: pd.DataFrame, period: int, share: float) -> list[str]:
    nb, bw = int(summary.n_best.sum()), int(summary.best_within_95.sum())
    nw, ww = int(summary.n_worst.sum()), int(summary.worst_within_95.sum())
    adj = summary[summary.adjusted]
    lines = [
        f"{period}: of {nb} best-{share:.0%} places across {len(summary)} indicators, {bw} "
        f"are within the 95% funnel limits: chance alone, given the authority's size, could "
        f"put them there. Of {nw} worst-{share:.0%} places, {ww} are within the limits.",
        f"{len(adj)} of {len(summary)} indicators vary between authorities more than chance "
        "allows (over-dispersion test p < 0.05); their limits are widened by Spiegelhalter's "
        "multiplicative factor" + (f" ({', '.join(adj.indicator)})." if len(adj) else "."),
        f"Ranks are uncertain: the median 95% rank interval spans "
        f"{summary.median_rank_width.median():.0f} places (of about "
        f"{int(summary.n.median())} authorities ranked)."]
    return lines
