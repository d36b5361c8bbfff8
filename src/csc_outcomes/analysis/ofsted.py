"""Does any indicator track the Ofsted judgement? Done with an ordinal model, without
look-ahead, pooled over frameworks, adjusted for context and for multiplicity.

The 2016 study regressed a four-point grade on one indicator at a time with ordinary
least squares. Here each inspection is paired with the indicator values of the last data
year that ended before the inspection was published, every SIF and ILACS judgement can be
pooled (framework as a covariate, standard errors clustered by authority), the grade is
modelled as ordered (statsmodels ``OrderedModel``, proportional-odds logit), and the
family of indicators is corrected by Holm and Benjamini-Hochberg. The study's own
one-predictor linear regression is kept beside each row for comparison.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.multitest import multipletests

from .findings import Findings, fmt_p
from .ratings import CODINGS
from .regression import simple_regression

SELECTIONS = ("all", "first-sif", "latest")
PAIRINGS = ("before", "same-year")
#: the month and day each kind of period ends, for the reporting year it is labelled with
PERIOD_END = {"year-to-31-march": (3, 31), "31-march": (3, 31), "financial-year": (3, 31),
              "30-september": (9, 30), "academic-year": (8, 31), "snapshot": (6, 30)}


def period_end(kind: str, year: int) -> date:
    """The day a data year ends: 31 March for years to 31 March and financial years, 30
    September for the workforce census, 31 August for academic years, 30 June (mid-year)
    for population snapshots."""
    month, day = PERIOD_END[kind]
    return date(year, month, day)


def data_year(kind: str, published: date, pairing: str = "before") -> int:
    """The data year paired with an inspection published on ``published``.

    "before": the last data year that ended strictly before publication (no look-ahead).
    "same-year": the data year whose period contains the publication date (the first
    that ends on or after it), as the 2016 study paired 2015 data with 2013-16 ratings.

    >>> data_year("year-to-31-march", date(2015, 6, 22)), data_year("30-september", date(2015, 6, 22))
    (2015, 2014)
    >>> data_year("year-to-31-march", date(2015, 6, 22), "same-year")
    2016
    """
    if pairing not in PAIRINGS:
        raise ValueError(f"pairing must be one of {PAIRINGS}, not {pairing!r}")
    year = published.year
    if pairing == "before":
        return year if period_end(kind, year) < published else year - 1
    return year if period_end(kind, year) >= published else year + 1


def select_judgements(judgements: pd.DataFrame, selection: str = "all",
                      published_from: date | None = None,
                      published_to: date | None = None) -> pd.DataFrame:
    """SIF and ILACS overall judgements to analyse.

    ``all`` keeps every judgement in the window; ``first-sif`` each authority's first SIF
    judgement; ``latest`` each authority's most recent judgement in the window. Returns the
    rows of ``judgements`` (la_code, framework, inspection_type, published, overall ...)
    with ``published`` as dates, sorted by authority and date.
    """
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, not {selection!r}")
    j = judgements[judgements.framework.isin(["SIF", "ILACS"]) & judgements.overall.notna()]
    j = j.assign(published=pd.to_datetime(j.published).dt.date).sort_values(
        ["la_code", "published"])
    if selection == "first-sif":
        j = j[(j.framework == "SIF") & (j.inspection_type == "first")]
    if published_from:
        j = j[j.published >= published_from]
    if published_to:
        j = j[j.published <= published_to]
    if selection != "all":
        j = j.groupby("la_code").tail(1) if selection == "latest" else \
            j.groupby("la_code").head(1)
    return j.reset_index(drop=True)


def pair(judgements: pd.DataFrame, values: pd.DataFrame, period_kinds: dict, *,
         pairing: str = "before", carry_back: tuple = ()) -> pd.DataFrame:
    """Each judgement beside each indicator's value for its paired data year.

    Parameters
    ----------
    judgements : one row per inspection (la_code, framework, published, overall ...).
    values : tidy indicator values (la_code, period, indicator, value, status).
    period_kinds : indicator -> its period kind (``Indicator.period``).
    pairing : "before" (no look-ahead) or "same-year"; see :func:`data_year`.
    carry_back : indicators (slow-moving context) that take their latest published value
        at or before the paired year when that year has none.

    Returns
    -------
    One row per judgement and indicator: inspection (the judgement's row number), la_code,
    framework, inspection_type, published, overall, indicator, data_year, value (NaN when
    the authority has no published value for that year).
    """
    held = values[values.status == "value"][["la_code", "indicator", "period", "value"]]
    rows = []
    insp = judgements.reset_index(drop=True).rename_axis("inspection").reset_index()
    for ind, kind in period_kinds.items():
        years = [data_year(kind, p, pairing) for p in insp.published]
        part = insp.assign(indicator=ind, data_year=years)
        mine = held[held.indicator == ind]
        if ind in carry_back:
            part = _latest_at_or_before(part, mine)
        else:
            part = part.merge(mine.rename(columns={"period": "data_year"}),
                              on=["la_code", "indicator", "data_year"], how="left")
        rows.append(part)
    cols = ["inspection", "la_code", "framework", "inspection_type", "published", "overall",
            "indicator", "data_year", "value"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def _latest_at_or_before(part: pd.DataFrame, mine: pd.DataFrame) -> pd.DataFrame:
    right = mine.rename(columns={"period": "held_year"}).sort_values("held_year")
    left = part.sort_values("data_year").assign(
        held_year=lambda d: d.data_year.astype("int64"))
    right = right.assign(held_year=right.held_year.astype("int64"))
    out = pd.merge_asof(left, right.drop(columns="indicator"), on="held_year", by="la_code",
                        direction="backward")
    return out.drop(columns="held_year").sort_values("inspection")


class LogitOrderedModel(OrderedModel):
    """statsmodels' ``OrderedModel(distr="logit")`` with the logistic cdf and pdf computed
    by ``scipy.special`` directly: the same formulas scipy.stats' logistic uses, without its
    per-call argument checking, which was two thirds of the fit's time (a fit calls them
    about 900 times)."""

    def cdf(self, x):
        return special.expit(x)

    def pdf(self, x):
        e = np.exp(-np.abs(x))
        return e / (1.0 + e) ** 2


def ordinal_fit(y: np.ndarray, x: pd.DataFrame, groups: np.ndarray,
                model: type[OrderedModel] = LogitOrderedModel) -> dict:
    """Proportional-odds logit of the ordered codes ``y`` on ``x`` (no constant), with
    standard errors clustered by ``groups`` (statsmodels ``cov_type="cluster"``, with its
    small-sample correction; ``model`` is :class:`LogitOrderedModel` unless a test asks
    for statsmodels' own). Returns the first column's coefficient, se, z, p and 95% CI,
    ``converged`` and ``warnings`` (text of any warning statsmodels raised)."""
    codes = np.sort(np.unique(y))
    endog = pd.Series(pd.Categorical(y, categories=codes, ordered=True))
    model = model(endog, x.to_numpy(float), distr="logit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(method="bfgs", disp=False, maxiter=2000, cov_type="cluster",
                        cov_kwds={"groups": pd.factorize(groups)[0]})
    beta, se = float(fit.params.iloc[0]), float(fit.bse.iloc[0])
    z = beta / se if se > 0 else np.nan
    return {"coef": beta, "se": se, "z": z, "p": float(2 * stats.norm.sf(abs(z))),
            "ci_low": beta - 1.959963984540054 * se, "ci_high": beta + 1.959963984540054 * se,
            "converged": bool(fit.mle_retvals.get("converged", True)),
            "warnings": "; ".join(sorted({str(w.message).split("\n")[0] for w in caught}))}


def _design(d: pd.DataFrame, predictor: str, covariates: list[str],
            count_like: set) -> pd.DataFrame:
    cols = {}
    for c in [predictor, *covariates]:
        v = np.log(d[c]) if c in count_like else d[c]
        cols[c] = (v - v.mean()) / v.std(ddof=1)
    x = pd.DataFrame(cols, index=d.index)
    if d.framework.nunique() > 1:
        x["framework_ilacs"] = (d.framework == "ILACS").astype(float)
    return x


def association(paired: pd.DataFrame, predictor: str, covariates: list[str] = (), *,
                coding: str = "outstanding-1", min_n: int = 30,
                count_like: set = frozenset()) -> dict:
    """One indicator against the judgement: Spearman, the ordinal model, the study's OLS.

    ``paired`` is wide: one row per inspection with la_code, framework, overall and a
    column per indicator. Rows missing the predictor or any covariate are dropped; the
    predictor and covariates are standardised over the rows used (log first for
    ``count_like`` ones), so the odds ratio is per standard deviation; a framework
    indicator (ILACS = 1) joins whenever both frameworks are present.

    Returns dict: n, n_authorities, spearman_rho, spearman_p, odds_ratio, ci_low, ci_high,
    p, linear_r, linear_p, sd (the predictor's SD), converged, reason (why no estimate).
    """
    d = paired.dropna(subset=[predictor, *covariates, "overall"])
    code = d.overall.map(CODINGS[coding])
    out = {"n": len(d), "n_authorities": d.la_code.nunique(), "spearman_rho": np.nan,
           "spearman_p": np.nan, "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "p": np.nan, "linear_r": np.nan, "linear_p": np.nan,
           "sd": float(d[predictor].std(ddof=1)) if len(d) > 1 else np.nan,
           "converged": None, "reason": None}
    if len(d) < min_n or code.nunique() < 2 or d[predictor].nunique() < 2:
        out["reason"] = (f"too few inspections: {len(d)} with a value (at least {min_n} "
                         "needed)" if len(d) < min_n else "no variation to model")
        return out
    rho = stats.spearmanr(d[predictor], code)
    lin = simple_regression(d[predictor], code)
    fit = ordinal_fit(code.to_numpy(), _design(d, predictor, list(covariates), count_like),
                      d.la_code.to_numpy())
    out.update(spearman_rho=float(rho.statistic), spearman_p=float(rho.pvalue),
               odds_ratio=float(np.exp(fit["coef"])), ci_low=float(np.exp(fit["ci_low"])),
               ci_high=float(np.exp(fit["ci_high"])), p=fit["p"], linear_r=lin["r"],
               linear_p=lin["p"], converged=fit["converged"],
               reason=None if fit["converged"] else f"did not converge: {fit['warnings']}")
    return out


def adjust_pvalues(p: pd.Series) -> pd.DataFrame:
    """Holm and Benjamini-Hochberg adjusted p-values for one family (missing p left out).

    Returns columns p_holm and p_bh, aligned with ``p``.
    """
    out = pd.DataFrame({"p_holm": np.nan, "p_bh": np.nan}, index=p.index)
    ok = p.dropna()
    if len(ok):
        out.loc[ok.index, "p_holm"] = multipletests(ok.to_numpy(), method="holm")[1]
        out.loc[ok.index, "p_bh"] = multipletests(ok.to_numpy(), method="fdr_bh")[1]
    return out


def ofsted(values: pd.DataFrame, judgements: pd.DataFrame, *, indicators: list[str],
           period_kinds: dict, context: list[str] = (), units: dict | None = None,
           selection: str = "all", published_from: date | None = None,
           published_to: date | None = None, coding: str = "outstanding-1",
           pairing: str = "before", years: list[int] | None = None,
           min_n: int = 30) -> Findings:
    """Association of each indicator with the Ofsted overall judgement.

    Parameters
    ----------
    values : tidy indicator values (``indicators.values()``) for the indicators and the
        context measures, every year needed for the pairing.
    judgements : the inspection table's SIF and ILACS rows (``Store.judgements()``).
    indicators : the family tested (and corrected for multiplicity).
    period_kinds : indicator -> period kind (for the pairing), for indicators and context.
    context : context indicators adjusted for (each also tested alone, outside the family).
    units : indicator -> unit; count units enter the models as logarithms.
    selection, published_from, published_to : which judgements (:func:`select_judgements`).
    coding : "outstanding-1" (1 = Outstanding ... 4 = Inadequate) or "inadequate-1".
    pairing : "before" (no look-ahead, the default) or "same-year" (for comparison).
    years : only pairs whose data year (of the tested indicator) is one of these.
    min_n : fewer inspections than this: no estimate, and the row says so.

    Returns
    -------
    Findings with table ``associations``: one row per indicator and model, columns
    indicator, role ("indicator" or "context"), adjusted (bool), covariates, n
    (inspections), n_authorities, first_year and last_year (data years paired),
    spearman_rho, spearman_p, odds_ratio (per SD of the indicator, for a higher code),
    ci_low, ci_high, p (Wald, clustered by authority), p_holm and p_bh (within the
    indicators of the same ``adjusted``), linear_r and linear_p (the study's one-predictor
    OLS of the code on the indicator), higher_goes_with ("better rating" / "worse
    rating"), reason (why a row has no estimate); and ``inspections`` (framework, n).
    """
    if coding not in CODINGS:
        raise ValueError(f"coding must be one of {sorted(CODINGS)}, not {coding!r}")
    units, context = units or {}, list(context)
    chosen = select_judgements(judgements, selection, published_from, published_to)
    kinds = {i: period_kinds[i] for i in dict.fromkeys([*indicators, *context])}
    long = pair(chosen, values, kinds, pairing=pairing, carry_back=tuple(context))
    if years:
        outside = long.indicator.isin(indicators) & ~long.data_year.isin(list(years))
        long.loc[outside & ~long.indicator.isin(context), "value"] = np.nan
    wide = _wide(long, chosen)
    count_like = {i for i in kinds if units.get(i) == "count"}
    rows = []
    for ind in indicators:
        for covs in ([], [c for c in context if c != ind]) if context else ([],):
            rows.append(_row(wide, long, ind, covs, "indicator", coding, min_n, count_like))
    # context alone, over the same inspections as the indicators (those with any value)
    used_rows = sorted(set(long[long.indicator.isin(indicators) & long.value.notna()].inspection))
    in_use = long[long.inspection.isin(used_rows)]
    for c in context:
        rows.append(_row(wide.loc[used_rows], in_use, c, [], "context", coding, min_n,
                         count_like))
    table = _with_adjusted_p(pd.DataFrame(rows))
    params = {"selection": selection, "published_from": published_from,
              "published_to": published_to, "coding": coding, "pairing": pairing,
              "years": list(years) if years else None, "context": context, "min_n": min_n}
    used = chosen.iloc[used_rows]
    counts = used.groupby("framework").size().rename("n").reset_index()
    return Findings("ofsted", _verdict(table, used, context, pairing),
                    {"associations": table, "inspections": counts},
                    [f"{r.indicator}{' (adjusted)' if r.adjusted else ''}: {r.reason}"
                     for r in table.itertuples() if isinstance(r.reason, str)], params)


def _wide(long: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    values = long.pivot_table(index="inspection", columns="indicator", values="value",
                              aggfunc="first")
    base = chosen.reset_index(drop=True)[["la_code", "framework", "published", "overall"]]
    return base.join(values)


def _row(wide, long, ind, covs, role, coding, min_n, count_like) -> dict:
    if ind not in wide:
        wide = wide.assign(**{ind: np.nan})
    est = association(wide, ind, covs, coding=coding, min_n=min_n, count_like=count_like)
    used = long[(long.indicator == ind) & long.value.notna()].data_year
    sign = np.sign(np.log(est["odds_ratio"])) if np.isfinite(est["odds_ratio"]) else 0
    worse = (sign > 0) == (coding == "outstanding-1")
    return {"indicator": ind, "role": role, "adjusted": bool(covs),
            "covariates": ", ".join(covs) or None, "n": est["n"],
            "n_authorities": est["n_authorities"],
            "first_year": int(used.min()) if len(used) else None,
            "last_year": int(used.max()) if len(used) else None,
            **{k: est[k] for k in ("spearman_rho", "spearman_p", "odds_ratio", "ci_low",
                                   "ci_high", "p")},
            "linear_r": est["linear_r"], "linear_p": est["linear_p"],
            "higher_goes_with": None if sign == 0 else
            ("worse rating" if worse else "better rating"), "reason": est["reason"]}


def _with_adjusted_p(table: pd.DataFrame) -> pd.DataFrame:
    table = table.assign(p_holm=np.nan, p_bh=np.nan)
    for adjusted in (False, True):
        family = table[(table.role == "indicator") & (table.adjusted == adjusted)]
        table.loc[family.index, ["p_holm", "p_bh"]] = adjust_pvalues(family.p).to_numpy()
    order = ["indicator", "role", "adjusted", "covariates", "n", "n_authorities",
             "first_year", "last_year", "spearman_rho", "spearman_p", "odds_ratio", "ci_low",
             "ci_high", "p", "p_holm", "p_bh", "linear_r", "linear_p", "higher_goes_with",
             "reason"]
    return table[order].astype({"first_year": "Int64", "last_year": "Int64"})


def _verdict(table: pd.DataFrame, chosen: pd.DataFrame, context: list[str],
             pairing: str) -> list[str]:
    lines = []
    fam = table[table.role == "indicator"]
    adjusted = fam[fam.adjusted] if context else fam
    label = "adjustment for context and " if context else ""
    survivors = adjusted[adjusted.p_holm < 0.05]
    if len(survivors):
        verb = "carries" if len(survivors) == 1 else "carry"
        lines.append(f"{len(survivors)} of {len(adjusted)} indicators {verb} a signal that "
                     f"survives {label}Holm's correction: " + "; ".join(
                         _describe(r) for r in survivors.itertuples()) + ".")
    else:
        raw = int((fam[~fam.adjusted].p < 0.05).sum())
        lines.append(f"No indicator carries a signal that survives {label}Holm's correction "
                     f"({raw} of {int((~fam.adjusted).sum())} have p < 0.05 alone; "
                     f"{int((adjusted.p < 0.05).sum())} after adjustment; "
                     f"{int((adjusted.p_bh < 0.05).sum())} pass Benjamini-Hochberg).")
    short = fam[~fam.adjusted & fam.p.isna()].indicator.tolist()
    if short:
        lines.append(f"{len(short)} of {int((~fam.adjusted).sum())} indicators have no "
                     f"estimate (too few inspections with a value): {', '.join(short)}.")
    for r in table[table.role == "context"].itertuples():
        if pd.isna(r.p):
            lines.append(f"{r.indicator}: no estimate ({r.reason}).")
            continue
        lines.append(f"Context: {r.indicator} {'is' if r.p < 0.05 else 'is not'} associated "
                     f"with the rating; {_describe(r, named=False)}.")
    when = (f"{chosen.published.min()} to {chosen.published.max()}" if len(chosen) else "none")
    rule = ("the last data year that ended before publication" if pairing == "before" else
            "the data year in which it was published (look-ahead, for comparison)")
    frameworks = ", ".join(f"{k} {v}" for k, v in chosen.framework.value_counts().items())
    lines.append(f"{len(chosen)} judgements with an indicator value ({frameworks}) of "
                 f"{chosen.la_code.nunique()} authorities, published {when}; each paired with "
                 f"{rule}. Standard errors are clustered by authority.")
    return lines


def _describe(r, named: bool = True) -> str:
    return (f"{r.indicator + ', ' if named else ''}higher values go with a "
            f"{r.higher_goes_with} (odds ratio per SD "
            f"{r.odds_ratio:.2f}, 95% CI {r.ci_low:.2f}-{r.ci_high:.2f}, {fmt_p(r.p)}, "
            f"n = {r.n} inspections of {r.n_authorities} authorities)")
