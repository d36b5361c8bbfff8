"""A typology of authorities: features from indicator profiles, trajectories and
inspection history, and the long-format feature table they come from.

Plain functions over tidy frames. The clustering itself and the check of whether its
types are real are in :mod:`.clusters`. Missing values follow one stated rule, never a
fill: a feature held for fewer than ``min_coverage`` of the authorities is dropped, then
an authority missing any remaining feature is left out; both are listed with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .transitions import SCORE
from .trends import trends

BLOCKS = ("profile", "trajectory", "inspection")
#: indicators profiled by default: outcomes and workforce with near-complete coverage
#: from 2018, one of each part of the service (front door, protection, care, leaving care,
#: workforce)
DEFAULT_INDICATORS = ("cin-rereferrals-12m", "cpp-second-subsequent", "cla-placements-3plus",
                      "cla-long-term-stability", "care-leavers-19-21-eet",
                      "care-leavers-19-21-accommodation", "csww-turnover-rate",
                      "csww-agency-rate", "csww-caseload")
FEATURE_COLUMNS = ["la_code", "block", "feature", "indicator", "value", "n_years"]
LEFT_OUT_COLUMNS = ["what", "name", "reason"]
#: inspection features: name -> (how it is computed, which end is better)
INSPECTION_FEATURES = {"latest Ofsted grade": "lower", "worst Ofsted grade": "lower",
                       "Ofsted grades risen (first to latest)": "higher"}


def indicator_features(trajectory: pd.DataFrame, from_year: int, to_year: int, *,
                       min_years_profile: int = 2, min_years_trend: int = 3) -> pd.DataFrame:
    """Profile (mean level) and trajectory (trend per year) of each authority's
    indicators over a span of years.

    Parameters
    ----------
    trajectory : frame from :func:`csc_outcomes.analysis.trends.trajectories`.
    from_year, to_year : the span (inclusive).
    min_years_profile : fewest years with a value for a profile.
    min_years_trend : fewest years with a value for a trend.

    Returns
    -------
    Long frame with la_code, block (``profile`` or ``trajectory``), feature (``<id>`` or
    ``<id> trend``), indicator, value (mean of the years, or the slope per year from
    :func:`~csc_outcomes.analysis.trends.trends`) and n_years. Only the definition version
    in force in an indicator's latest year of the span is used, so no mean or trend
    crosses a change of definition.
    """
    t = trajectory[trajectory["period"].between(from_year, to_year)
                   & trajectory["value"].notna()]
    latest = t.sort_values("period").groupby("indicator")["version"].last()
    t = t[t["version"] == t["indicator"].map(latest)]
    g = t.groupby(["la_code", "indicator"])["value"]
    prof = g.agg(value="mean", n_years="size").reset_index()
    prof = prof[prof["n_years"] >= min_years_profile]
    prof["block"], prof["feature"] = "profile", prof["indicator"]
    tr = trends(t, min_years=min_years_trend)
    trend = pd.DataFrame({"la_code": tr["la_code"], "indicator": tr["indicator"],
                          "value": tr["slope"], "n_years": tr["n_years"],
                          "block": "trajectory", "feature": tr["indicator"] + " trend"})
    out = pd.concat([prof, trend], ignore_index=True)
    return out[FEATURE_COLUMNS].sort_values(["block", "feature", "la_code"],
                                            ignore_index=True)


def inspection_features(summary: pd.DataFrame) -> pd.DataFrame:
    """Inspection history as features, from
    :func:`csc_outcomes.analysis.transitions.authority_summary` (overall judgement).

    Returns
    -------
    Long frame (same columns as :func:`indicator_features`, block ``inspection``) with
    the latest grade and the worst grade (1 = Outstanding ... 4 = Inadequate) and the
    grades risen from first to latest; n_years holds the number of inspections.
    """
    s = summary.set_index("la_code")
    parts = {"latest Ofsted grade": s["latest_grade"].map(SCORE),
             "worst Ofsted grade": s["worst_grade"].map(SCORE),
             "Ofsted grades risen (first to latest)": s["net_rise"]}
    rows = [pd.DataFrame({"la_code": s.index, "block": "inspection", "feature": name,
                          "indicator": None, "value": col.astype(float).to_numpy(),
                          "n_years": s["n_inspections"].to_numpy()})
            for name, col in parts.items()]
    return pd.concat(rows, ignore_index=True)[FEATURE_COLUMNS]


def feature_matrix(features: pd.DataFrame, authorities, *, min_coverage: float = 0.9,
                   block_weights: dict | None = None):
    """The matrix the clustering runs on.

    Parameters
    ----------
    features : long frame from :func:`indicator_features` and :func:`inspection_features`.
    authorities : the authorities to type (la_codes).
    min_coverage : a feature held for fewer than this share of the authorities is
        dropped; then an authority missing any remaining feature is left out.
    block_weights : block -> weight (default 1 each). Each feature is z-scored and then
        multiplied by sqrt(weight / features in its block), so each block carries the
        same total variance whatever its number of features.

    Returns
    -------
    (X, z, info, left_out): X the weighted matrix (authorities x features, no missing
    values), z the same before block weighting (z-scores, for describing types), info
    one row per feature kept (feature, block, indicator, coverage, mean, sd, scale) and
    left_out (what: ``feature`` or ``authority``, name, reason).
    """
    if not 0 < min_coverage <= 1:
        raise ValueError(f"min_coverage must be in (0, 1], not {min_coverage}")
    weights = {b: 1.0 for b in BLOCKS} | dict(block_weights or {})
    rows = pd.Index(sorted(set(authorities)), name="la_code")
    wide = features.pivot_table(index="la_code", columns="feature", values="value",
                                aggfunc="first").reindex(rows)
    meta = features.drop_duplicates("feature").set_index("feature")
    wide = wide[[f for f in wide.columns if weights.get(meta.at[f, "block"], 0) > 0]]
    coverage = wide.notna().mean()
    left = [("feature", f, f"held for {c:.0%} of authorities, below {min_coverage:.0%}")
            for f, c in coverage.items() if c < min_coverage]
    wide = wide.loc[:, coverage >= min_coverage]
    missing = wide.isna()
    for la in wide.index[missing.any(axis=1)]:
        left.append(("authority", la, "no value for " + ", ".join(wide.columns[missing.loc[la]])))
    wide = wide[~missing.any(axis=1)]
    sd = wide.std(ddof=1)
    z = (wide - wide.mean()) / sd.where(sd > 0)
    z = z.loc[:, sd > 0]
    block = meta.loc[z.columns, "block"]
    scale = np.sqrt(block.map(weights) / block.map(block.value_counts()))
    info = pd.DataFrame({"feature": z.columns, "block": block.to_numpy(),
                         "indicator": meta.loc[z.columns, "indicator"].to_numpy(),
                         "coverage": coverage[z.columns].to_numpy(),
                         "mean": wide[z.columns].mean().to_numpy(),
                         "sd": sd[z.columns].to_numpy(), "scale": scale.to_numpy()})
    return z * scale, z, info, pd.DataFrame(left, columns=LEFT_OUT_COLUMNS)


def better_end(info: pd.DataFrame, polarity: dict[str, str]) -> pd.Series:
    """Per feature, which end is better: ``higher``, ``lower`` or None (contested or
    unknown). A trend is better in the direction its indicator is."""
    out = {}
    for r in info.itertuples():
        if r.block == "inspection":
            out[r.feature] = INSPECTION_FEATURES.get(r.feature)
        else:
            out[r.feature] = {"higher-is-better": "higher", "lower-is-better": "lower"}.get(
                polarity.get(r.indicator))
    return pd.Series(out, name="better")


def describe(z: pd.DataFrame, labels: pd.Series, better: pd.Series, *, top: int = 5,
             min_sd: float = 0.4, titles: dict | None = None):
    """What distinguishes each type, in numbers and plain words.

    Parameters
    ----------
    z : z-scored features (authorities x features) from :func:`feature_matrix`.
    labels : type per authority (index la_code).
    better : from :func:`better_end`.
    top : features named per type.
    min_sd : a feature is named only when the type's mean is at least this many SDs
        from the average authority.
    titles : feature -> words to use (default the feature name).

    Returns
    -------
    (profile, sentences): profile has type, n, feature, mean_z (type mean in SDs from
    the average authority), sd_z and reading (``better``, ``worse`` or ``higher``/
    ``lower`` where the direction is contested); sentences one per type.
    """
    titles = titles or {}
    long = z.assign(type=labels.reindex(z.index)).melt(
        id_vars="type", var_name="feature", value_name="z")
    prof = long.groupby(["type", "feature"])["z"].agg(mean_z="mean", sd_z="std").reset_index()
    prof["n"] = prof["type"].map(labels.value_counts())
    prof["reading"] = [_reading(m, better.get(f)) for m, f in zip(prof["mean_z"],
                                                                   prof["feature"])]
    sentences = []
    for t, p in prof.groupby("type"):
        p = p.reindex(p["mean_z"].abs().sort_values(ascending=False).index)
        named = p[p["mean_z"].abs() >= min_sd].head(top)
        words = "; ".join(f"{titles.get(r.feature, r.feature)} {r.mean_z:+.1f} SD"
                          f" ({r.reading})" for r in named.itertuples())
        sentences.append(f"Type {t} ({int(p['n'].iloc[0])} authorities): "
                         + (words if words else "close to the average authority on every "
                            f"feature (no mean {min_sd:g} SD or more from it)") + ".")
    cols = ["type", "n", "feature", "mean_z", "sd_z", "reading"]
    return prof[cols].sort_values(["type", "feature"], ignore_index=True), sentences


def _reading(mean_z: float, better: str | None) -> str:
    side = "higher" if mean_z > 0 else "lower"
    if better is None:
        return side
    return "better" if side == better else "worse"
