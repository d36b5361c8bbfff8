"""Is the recurrence of the same authorities in the best (or worst) 10% more than chance?

The 2016 study counted how many indicators put each authority in the best 10% and read
the counts without a yardstick. Here the yardstick is a permutation null: within each
indicator, the group labels are shuffled among the authorities that have a value, so each
indicator keeps its missing pattern and its group size (ties at the cut-off included)
while any link between indicators is broken. The indicator correlations (Spearman, with
the n of each pair) and Kendall's W say how far the indicators agree at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AnalysisError
from .findings import Findings, fmt_p, one_period, wide
from .ranking import extremes

SIDES = ("best", "worst")


def memberships(table: pd.DataFrame, directions: dict, **rule) -> dict[str, pd.DataFrame]:
    """Boolean authorities x indicators frames: who is in the best and worst group.

    ``rule`` is passed to :func:`ranking.extremes` (share, k_rule, ties, method, base_n).
    Indicators without a direction are left out.
    """
    ranked = [i for i in table.columns if directions.get(i)]
    out = {s: pd.DataFrame(False, index=table.index, columns=ranked) for s in SIDES}
    for ind in ranked:
        best, worst = extremes(table[ind], directions[ind], **rule)
        out["best"][ind] = table.index.isin(sorted(best))
        out["worst"][ind] = table.index.isin(sorted(worst))
    return out


def null_counts(member: np.ndarray, available: np.ndarray, draws: int = 10_000,
                seed: int = 2016) -> np.ndarray:
    """Counts per authority under the permutation null, one row per draw.

    Parameters
    ----------
    member : bool array, authorities x indicators: in the group.
    available : bool array of the same shape: has a value (only these are shuffled).
    draws, seed : number of permutations and the generator's seed.

    Returns
    -------
    int array, draws x authorities. Vectorised over draws: each indicator draws one
    uniform key per authority and draw, and the group is the ``g`` authorities with the
    smallest keys (``np.partition``), a uniformly random ``g``-subset of those available.
    """
    rng = np.random.default_rng(seed)
    counts = np.zeros((draws, member.shape[0]), dtype=np.int16)
    for j in range(member.shape[1]):
        idx = np.flatnonzero(available[:, j])
        g = int(member[idx, j].sum())
        if g == 0:
            continue
        keys = rng.random((draws, len(idx)))
        kth = np.partition(keys, g - 1, axis=1)[:, g - 1:g]
        counts[:, idx] += keys <= kth
    return counts


def _histograms(counts: np.ndarray, top: int) -> np.ndarray:
    """Per draw, the number of authorities with each count 0..top."""
    draws = counts.shape[0]
    flat = np.minimum(counts, top) + (top + 1) * np.arange(draws)[:, None]
    return np.bincount(flat.ravel(), minlength=draws * (top + 1)).reshape(draws, top + 1)


def recurrence_null(member: pd.DataFrame, available: pd.DataFrame, *, draws: int = 10_000,
                    seed: int = 2016) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observed recurrence beside the permutation null, for one group (best or worst).

    Returns
    -------
    (distribution, test).
    distribution: one row per count k = 0..max with ``indicators`` (k), ``observed``
    (authorities with exactly k), ``expected`` (mean under the null), ``null_low`` and
    ``null_high`` (2.5th and 97.5th percentiles), ``observed_at_least`` and
    ``expected_at_least`` (authorities with k or more) and ``p_at_least`` (chance of as
    many authorities with k or more, one-sided). test: one row per statistic:
    ``concentration`` (sum of squared counts: large when the same authorities recur; the
    total number of memberships is fixed by the design) and ``maximum`` (the highest
    count), each with ``observed``, ``null_mean``, ``null_low``, ``null_high``, ``p``.
    p-values are (1 + draws at least as extreme) / (1 + draws).
    """
    m = member.to_numpy(bool)
    observed = m.sum(axis=1).astype(int)
    null = null_counts(m, available.to_numpy(bool), draws, seed)
    top = int(max(observed.max(initial=0), null.max(initial=0)))
    hist_null = _histograms(null, top)
    hist_obs = np.bincount(observed, minlength=top + 1)
    at_least_null = hist_null[:, ::-1].cumsum(axis=1)[:, ::-1]
    at_least_obs = hist_obs[::-1].cumsum()[::-1]
    last = int(observed.max(initial=0))
    dist = pd.DataFrame({
        "indicators": np.arange(last + 1), "observed": hist_obs[:last + 1],
        "expected": hist_null.mean(axis=0)[:last + 1],
        "null_low": np.percentile(hist_null, 2.5, axis=0)[:last + 1],
        "null_high": np.percentile(hist_null, 97.5, axis=0)[:last + 1],
        "observed_at_least": at_least_obs[:last + 1],
        "expected_at_least": at_least_null.mean(axis=0)[:last + 1],
        "p_at_least": _p_upper(at_least_null, at_least_obs)[:last + 1]})
    dist.loc[0, "p_at_least"] = np.nan  # everyone has 0 or more: no test
    rows = []
    for name, obs, sim in (("concentration", float((observed.astype(float) ** 2).sum()),
                            (null.astype(float) ** 2).sum(axis=1)),
                           ("maximum", float(last), null.max(axis=1).astype(float))):
        rows.append({"statistic": name, "observed": obs, "null_mean": float(sim.mean()),
                     "null_low": float(np.percentile(sim, 2.5)),
                     "null_high": float(np.percentile(sim, 97.5)),
                     "p": float(_p_upper(sim[:, None], np.array([obs]))[0])})
    return dist, pd.DataFrame(rows)


def _p_upper(null: np.ndarray, observed: np.ndarray) -> np.ndarray:
    return (1 + (null >= observed[None, :] - 1e-9).sum(axis=0)) / (1 + null.shape[0])


def indicator_correlations(table: pd.DataFrame, directions: dict | None = None) -> pd.DataFrame:
    """Spearman's rho for every pair of indicators, over authorities with both values.

    Returns columns indicator_a, indicator_b, n, rho, p and ``rho_aligned`` (rho with each
    indicator oriented so that higher is better: positive means the two agree on which
    authorities do well; missing where either has no direction).
    """
    sign = {i: {"higher": 1.0, "lower": -1.0}.get((directions or {}).get(i), np.nan)
            for i in table.columns}
    rows = []
    cols = list(table.columns)
    for a_i, a in enumerate(cols):
        for b in cols[a_i + 1:]:
            pair = table[[a, b]].dropna()
            rho = p = np.nan
            if len(pair) >= 3 and pair[a].nunique() > 1 and pair[b].nunique() > 1:
                res = stats.spearmanr(pair[a], pair[b])
                rho, p = float(res.statistic), float(res.pvalue)
            rows.append({"indicator_a": a, "indicator_b": b, "n": len(pair), "rho": rho,
                         "p": p, "rho_aligned": rho * sign[a] * sign[b]})
    return pd.DataFrame(rows, columns=["indicator_a", "indicator_b", "n", "rho", "p",
                                       "rho_aligned"])


def kendall_w(table: pd.DataFrame, directions: dict) -> pd.DataFrame:
    """Kendall's W: how far the indicators (raters) agree in ranking the authorities.

    Over authorities with a value on every indicator that has a direction, each indicator
    oriented so that higher is better. Computed from scipy's Friedman statistic
    (tie-corrected): W = chi2 / (m (n - 1)), p from chi2 with n - 1 degrees of freedom.

    Returns one row: n_authorities, n_indicators (m), w, chi2, df, p and mean_rho (the
    mean pairwise Spearman among indicators, (m W - 1) / (m - 1)); statistics are NaN
    with fewer than 3 authorities or 2 indicators.
    """
    ranked = [i for i in table.columns if directions.get(i)]
    oriented = pd.DataFrame({i: table[i] if directions[i] == "higher" else -table[i]
                             for i in ranked}).dropna()
    n, m = oriented.shape
    row = {"n_authorities": n, "n_indicators": m, "w": np.nan, "chi2": np.nan,
           "df": max(n - 1, 0), "p": np.nan, "mean_rho": np.nan}
    if n >= 3 and m >= 2:
        chi2, p = stats.friedmanchisquare(*oriented.to_numpy(float))
        w = chi2 / (m * (n - 1))
        row.update(w=float(w), chi2=float(chi2), p=float(p), mean_rho=(m * w - 1) / (m - 1))
    return pd.DataFrame([row])


def consistency(values: pd.DataFrame, directions: dict, *, authorities=None,
                share: float = 0.10, k_rule: str = "round", base: str = "universe",
                ties: str = "include",
                method: str = "rank", draws: int = 10_000, seed: int = 2016) -> Findings:
    """Is the recurrence of authorities in the best/worst groups more than chance?

    Parameters
    ----------
    values : tidy indicator values of one year (``indicators.values()``: la_code, period,
        indicator, value, status); only published values (status 'value') are ranked.
    directions : indicator -> "higher" / "lower" (which end is better) or None; indicators
        with None are correlated but not ranked.
    authorities : the authorities counted (those existing in the year); default every
        la_code in ``values``. Authorities without a value are never ranked (nothing is
        imputed) but count as 0 in the distribution, as in the study.
    share, k_rule, ties, method : the best/worst rule (:func:`ranking.extremes`).
    base : "universe" takes the share of every authority counted (15 of 152, as the study
        did), "with-data" of those with a value for the indicator.
    draws, seed : permutations of the null and the generator's seed.

    Returns
    -------
    Findings with tables ``distribution`` (columns: period, side, then those of
    :func:`recurrence_null`), ``test`` (period, side, statistic, observed, null_mean,
    null_low, null_high, p, draws, n_authorities, n_indicators), ``correlation``
    (period + :func:`indicator_correlations`) and ``concordance`` (period +
    :func:`kendall_w`).
    """
    if draws < 1:
        raise ValueError(f"draws must be at least 1, not {draws}")
    period = one_period(values)
    ids = list(dict.fromkeys(values["indicator"]))
    table = wide(values, ids, authorities)
    if base not in ("universe", "with-data"):
        raise ValueError(f"base must be 'universe' or 'with-data', not {base!r}")
    groups = memberships(table, directions, share=share, k_rule=k_rule, ties=ties,
                         method=method, base_n=len(table) if base == "universe" else None)
    ranked = list(groups["best"].columns)
    if len(ranked) < 2:
        raise AnalysisError(f"{period}: recurrence needs at least two indicators with a better "
                            f"direction; {len(ranked)} of {len(ids)} have one.")
    available = table[ranked].notna()
    dists, tests, verdict = [], [], []
    for side in SIDES:
        dist, test = recurrence_null(groups[side], available, draws=draws, seed=seed)
        dists.append(dist.assign(side=side))
        tests.append(test.assign(side=side, draws=draws, n_authorities=len(table),
                                 n_indicators=len(ranked)))
        verdict.append(_side_verdict(side, share, dist, test, period, len(ranked), draws))
    corr = indicator_correlations(table, directions)
    w = kendall_w(table, directions)
    verdict.append(_w_verdict(w.iloc[0], corr))
    front = ["period", "side"]
    return Findings(
        "consistency", verdict,
        {"distribution": _front(pd.concat(dists), period, front),
         "test": _front(pd.concat(tests), period, front),
         "correlation": corr.assign(period=period)[["period", *corr.columns]],
         "concordance": w.assign(period=period)[["period", *w.columns]]},
        notes=[f"{period}: {i} has no direction and is not ranked" for i in ids
               if i not in ranked] + near_duplicates(corr.assign(period=period)),
        parameters={"period": period, "share": share, "k_rule": k_rule, "base": base,
                    "ties": ties,
                    "method": method, "draws": draws, "seed": seed, "indicators": ranked})


def _front(frame: pd.DataFrame, period: int, front: list[str]) -> pd.DataFrame:
    frame = frame.assign(period=period).reset_index(drop=True)
    return frame[front + [c for c in frame.columns if c not in front]]


def _side_verdict(side, share, dist, test, period, m, draws) -> str:
    conc = test.set_index("statistic").loc["concentration"]
    top = dist.iloc[-1]
    more = conc.p < 0.05
    return (f"{period}, {side} {share:.0%}: the same authorities recur "
            f"{'more often than' if more else 'no more often than'} chance would give "
            f"({fmt_p(conc.p)}, {draws:,} permutations, "
            f"{m} indicators). {_n(int(top.observed), 'authority', 'authorities')} "
            f"{'reaches' if int(top.observed) == 1 else 'reach'} {int(top.indicators)} "
            f"indicators where chance gives {top.expected:.2f} on average "
            f"({fmt_p(top.p_at_least)} for {int(top.indicators)} or more).")


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def near_duplicates(corr: pd.DataFrame, threshold: float = 0.8) -> list[str]:
    """Notes on indicator pairs so closely related that they count the same thing twice."""
    close = corr[corr.rho_aligned.abs() >= threshold]
    return [f"{r.period}: {r.indicator_a} and {r.indicator_b} are near-duplicates (Spearman "
            f"{r.rho:+.2f}, n = {r.n}); authorities at the top of one are at the top of the "
            "other by construction, which adds to the recurrence." for r in close.itertuples()]


def _w_verdict(w, corr) -> str:
    if np.isnan(w.w):
        return "Too few authorities have a value on every indicator to measure agreement."
    aligned = corr.rho_aligned.dropna()
    agree = (aligned > 0).sum()
    how = ("agree no more than chance" if w.p >= 0.05 else
           "barely agree" if w.mean_rho < 0.1 else "agree")
    return (f"The indicators {how} on which authorities do well: Kendall's W = {w.w:.3f} over the {int(w.n_authorities)} authorities "
            f"with all {int(w.n_indicators)} (mean pairwise Spearman {w.mean_rho:+.3f}, "
            f"{fmt_p(w.p)}); {agree} of {len(aligned)} indicator pairs point the same way.")
