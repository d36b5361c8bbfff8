"""How much of the eligible population each authority's return covers, and which
authorities to leave out of an analysis because of it.

Coverage comes from the ``completeness`` indicator set (their values, from
:func:`csc_outcomes.indicators.values`): the share of looked-after children aged 5-16 with
an SDQ score returned, the share of care leavers whose activity and whose accommodation
are known, the share in touch, the share with a health assessment. Cell completeness (how
many of an authority's indicator values are published rather than suppressed or missing)
comes from any values frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: coverage measure -> (completeness indicator, is the indicator the *uncovered* share?)
COVERAGE = {
    "sdq-returns": ("cla-sdq-completion", False),
    "care-leaver-activity-known": ("care-leavers-19-21-activity-not-known", True),
    "care-leaver-accommodation-known": ("care-leavers-19-21-accommodation-not-known", True),
    "care-leavers-in-touch": ("care-leavers-19-21-not-in-touch", True),
    "health-assessments": ("cla-health-assessment", False),
}
#: indicator id prefix -> the coverage measures that govern whether its values are trusted
GOVERNS = {
    "cla-sdq-": ("sdq-returns",),
    "care-leavers-19-21-eet": ("care-leaver-activity-known",),
    "care-leavers-21-eet": ("care-leaver-activity-known",),
    "care-leavers-17-18-eet": ("care-leaver-activity-known",),
    "care-leavers-19-21-accommodation": ("care-leaver-accommodation-known",),
    "care-leavers-21-accommodation": ("care-leaver-accommodation-known",),
}
#: below this coverage (percent) a value is flagged as too incomplete to trust: fewer than
#: half the eligible children are in it, so it describes a minority who may differ from the rest
DEFAULT_THRESHOLD = 50.0
COLUMNS = ["la_code", "period", "measure", "indicator", "coverage", "covered", "eligible",
           "status", "low"]


def coverage(values: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Coverage of the eligible population per authority, year and coverage measure.

    Parameters
    ----------
    values : values of the ``completeness`` indicator set.
    threshold : coverage (percent) below which ``low`` is True.

    Returns
    -------
    DataFrame with la_code, period, measure (a key of :data:`COVERAGE`), indicator (the
    definition it comes from), coverage (percent of the eligible population covered),
    covered and eligible (the counts), status (``value``, or why there is none: a
    suppressed "not known" count is 1 to 5 children, so coverage is then high but not
    published) and low (coverage below ``threshold``).
    """
    parts = []
    for measure, (ind, inverted) in COVERAGE.items():
        v = values[values["indicator"] == ind]
        if v.empty:
            continue
        cov = 100 - v["value"] if inverted else v["value"]
        covered = v["denominator"] - v["numerator"] if inverted else v["numerator"]
        parts.append(pd.DataFrame({"la_code": v["la_code"], "period": v["period"],
                                   "measure": measure, "indicator": ind, "coverage": cov,
                                   "covered": covered, "eligible": v["denominator"],
                                   "status": v["status"]}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["low"] = out["coverage"].lt(threshold)
    return out.sort_values(["measure", "la_code", "period"]).reset_index(drop=True)[COLUMNS]


def cells(values: pd.DataFrame) -> pd.DataFrame:
    """Per authority and year, how many indicator values are published and why the
    others are not.

    Returns
    -------
    DataFrame with la_code, period, indicators, published, suppressed, missing, other
    (any other special status) and share_published (percent).
    """
    s = values["status"]
    d = pd.DataFrame({"la_code": values["la_code"], "period": values["period"],
                      "published": s.eq("value"), "suppressed": s.eq("suppressed"),
                      "missing": s.isin(["missing", "not_available"])})
    d["other"] = ~(d["published"] | d["suppressed"] | d["missing"])
    out = d.groupby(["la_code", "period"]).agg(
        indicators=("published", "size"), published=("published", "sum"),
        suppressed=("suppressed", "sum"), missing=("missing", "sum"), other=("other", "sum"))
    out["share_published"] = 100 * out["published"] / out["indicators"]
    return out.reset_index()


def governing(indicator: str) -> tuple[str, ...]:
    """The coverage measures that decide whether ``indicator``'s values are trusted
    (empty if none: completeness does not limit it)."""
    return next((m for prefix, m in GOVERNS.items() if indicator.startswith(prefix)), ())


def eligible(frame: pd.DataFrame, cover: pd.DataFrame,
             min_completeness: float | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the rows of ``frame`` whose authority's coverage that year is below
    ``min_completeness`` on a measure that governs the row's indicator.

    Parameters
    ----------
    frame : any frame with la_code, period and indicator columns (indicator values,
        trajectories ...).
    cover : frame from :func:`coverage`.
    min_completeness : percent; ``None`` keeps everything.

    Returns
    -------
    (kept, left_out): the kept rows (with ``frame``'s attrs), and one row per authority,
    year and indicator left out (la_code, period, indicator, measure, coverage). A row whose
    coverage is unknown (not published) is kept: it cannot be shown to be incomplete.
    Indicators with no governing measure (see :data:`GOVERNS`) are never left out.
    """
    empty = pd.DataFrame(columns=["la_code", "period", "indicator", "measure", "coverage"])
    if min_completeness is None or frame.empty:
        return frame, empty
    low = cover[cover["coverage"] < min_completeness][["la_code", "period", "measure",
                                                       "coverage"]]
    gov = pd.DataFrame([(ind, m) for ind in frame["indicator"].unique() for m in governing(ind)],
                       columns=["indicator", "measure"])
    hits = frame[["la_code", "period", "indicator"]].drop_duplicates().merge(gov).merge(
        low, on=["la_code", "period", "measure"])
    drop = pd.MultiIndex.from_frame(hits[["la_code", "period", "indicator"]])
    mask = pd.MultiIndex.from_frame(frame[["la_code", "period", "indicator"]]).isin(drop)
    kept = frame[~np.asarray(mask)]
    kept.attrs = dict(frame.attrs)
    return kept, hits[empty.columns].reset_index(drop=True)


def least_complete(cover: pd.DataFrame, measure: str, *, years: list[int] | None = None,
                   n: int = 5) -> pd.DataFrame:
    """The ``n`` authorities with the lowest mean coverage on ``measure`` over ``years``
    (default every year with values): la_code, years (with a value), mean_coverage,
    min_coverage, eligible (children over those years)."""
    c = cover[(cover["measure"] == measure) & cover["coverage"].notna()]
    if years:
        c = c[c["period"].isin(years)]
    out = c.groupby("la_code").agg(years=("period", "size"), mean_coverage=("coverage", "mean"),
                                   min_coverage=("coverage", "min"), eligible=("eligible", "sum"))
    return out.sort_values(["mean_coverage", "min_coverage"]).head(n).reset_index()
