"""Summaries of ratings on the 1-9 Delphi scale, and the tests between stakeholder groups
and between rounds (each a thin wrapper over scipy that also reports its n).

Shares are of the panellists who gave a 1-9 rating; "unable to score" and blank answers
are counted separately and never enter a median, a share or a test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as sps

#: numpy's default percentile rule (linear interpolation between order statistics:
#: Excel's PERCENTILE.INC, R's type 7). It reproduces the published RAND/UCLA worked example
#: (see :func:`disagreement`).
PERCENTILE_METHOD = "linear"

#: RAND/UCLA constants (Fitch et al. 2001): the IPR required for disagreement when the
#: ratings are symmetric about 5, and the correction factor for asymmetry.
IPR_SYMMETRIC = 2.35
ASYMMETRY_FACTOR = 1.5


def _clean(ratings: Sequence[float]) -> np.ndarray:
    arr = np.asarray(ratings, dtype=float)
    arr = arr[~np.isnan(arr)]
    if ((arr < 1) | (arr > 9)).any():
        raise ValueError(f"ratings must lie in 1-9, got {sorted(set(arr[(arr < 1) | (arr > 9)]))}")
    return arr


def summarise(ratings: Sequence[float], method: str = PERCENTILE_METHOD) -> dict:
    """Median, quartiles and shares of a set of 1-9 ratings (NaN values are ignored).

    Parameters
    ----------
    ratings : the 1-9 ratings (no "unable to score").
    method : percentile rule passed to :func:`numpy.percentile`.

    Returns
    -------
    dict with n, median, q1, q3, iqr, share_7_9, share_4_6, share_1_3 (shares of n, 0-1),
    and the RAND/UCLA fields of :func:`disagreement`. Every statistic is None when n = 0.

    Examples
    --------
    >>> s = summarise([1, 5, 7, 7, 8, 9])
    >>> s["n"], s["median"], s["share_7_9"], round(s["share_1_3"], 3)
    (6, 7.0, 0.6666666666666666, 0.167)
    """
    arr = _clean(ratings)
    n = int(arr.size)
    out = {"n": n}
    if n == 0:
        return out | dict.fromkeys(["median", "q1", "q3", "iqr", "share_7_9", "share_4_6",
                                    "share_1_3"]) | disagreement([], method)
    q1, q3 = np.percentile(arr, [25, 75], method=method)
    out |= {"median": float(np.median(arr)), "q1": float(q1), "q3": float(q3),
            "iqr": float(q3 - q1), "share_7_9": float((arr >= 7).sum() / n),
            "share_4_6": float(((arr >= 4) & (arr <= 6)).sum() / n),
            "share_1_3": float((arr <= 3).sum() / n)}
    return out | disagreement(arr, method)


def disagreement(ratings: Sequence[float], method: str = PERCENTILE_METHOD) -> dict:
    """The RAND/UCLA disagreement index: IPR against IPRAS.

    IPR is the 70th minus the 30th percentile; its central point IPRCP = (P30 + P70) / 2;
    the asymmetry index AI = |5 - IPRCP|; IPRAS = 2.35 + 1.5 x AI. The panel disagrees
    when IPR > IPRAS; the disagreement index DI = IPR / IPRAS (> 1 means disagreement).

    Returns
    -------
    dict with p30, p70, ipr, iprcp, ai, ipras, di and disagreement (bool), or Nones when
    there are no ratings.

    References
    ----------
    Fitch K, Bernstein SJ, Aguilar MD et al. (2001) *The RAND/UCLA Appropriateness Method
    User's Manual*. Santa Monica: RAND, MR-1269, chapter 8. Worked example: BMJ Open
    2012;2:e001431, Table 1 (n = 15, P30 = 7, P70 = 8, IPR = 1, AI = 2.5, IPRAS = 6.1).

    Examples
    --------
    >>> d = disagreement([1, 1, 2, 2, 5, 8, 8, 9, 9])
    >>> d["p30"], d["p70"], round(d["ipras"], 2), d["disagreement"]
    (2.0, 8.0, 2.35, True)
    """
    arr = _clean(ratings)
    if arr.size == 0:
        return dict.fromkeys(["p30", "p70", "ipr", "iprcp", "ai", "ipras", "di",
                              "disagreement"])
    p30, p70 = (float(v) for v in np.percentile(arr, [30, 70], method=method))
    ipr, iprcp = p70 - p30, (p30 + p70) / 2
    ai = abs(5 - iprcp)
    ipras = IPR_SYMMETRIC + ASYMMETRY_FACTOR * ai
    return {"p30": p30, "p70": p70, "ipr": ipr, "iprcp": iprcp, "ai": ai, "ipras": ipras,
            "di": ipr / ipras, "disagreement": bool(ipr > ipras)}


def kruskal_groups(groups: Mapping[str, Sequence[float]]) -> dict:
    """Kruskal-Wallis test of whether the stakeholder groups rate an item differently.

    Groups without a rating are left out (and so named in ``n_by_group`` with n = 0).

    Returns
    -------
    dict with h, df, p (scipy.stats.kruskal, tie-corrected chi-squared approximation),
    n (all ratings), n_by_group ({group: n}) and reason (why h and p are None: fewer than
    two groups with ratings, or every rating identical).
    """
    arrays = {g: _clean(v) for g, v in groups.items()}
    n_by_group = {g: int(a.size) for g, a in arrays.items()}
    rated = [a for a in arrays.values() if a.size]
    out = {"h": None, "df": None, "p": None, "n": sum(n_by_group.values()),
           "n_by_group": n_by_group, "reason": None}
    if len(rated) < 2:
        return out | {"reason": "fewer than two groups rated the item"}
    if np.unique(np.concatenate(rated)).size == 1:
        return out | {"reason": "every rating is the same"}
    res = sps.kruskal(*rated)
    return out | {"h": float(res.statistic), "df": len(rated) - 1, "p": float(res.pvalue)}


def wilcoxon_paired(before: Sequence[float], after: Sequence[float]) -> dict:
    """Wilcoxon signed-rank test of the change in one item's rating between two rounds.

    Pairs are the panellists who gave a 1-9 rating in both rounds. Zero differences are
    dropped (scipy's ``zero_method="wilcox"``); scipy's ``method="auto"`` gives the exact
    p-value for up to 50 untied differences, a permutation p-value for up to 13 with ties,
    and the tie-corrected normal approximation otherwise.

    Returns
    -------
    dict with n (pairs), n_changed (non-zero differences), statistic (the smaller of the
    signed rank sums), p and reason (why statistic and p are None).
    """
    b, a = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if b.shape != a.shape:
        raise ValueError("before and after must be paired (the same length)")
    keep = ~(np.isnan(b) | np.isnan(a))
    b, a = _clean(b[keep]), _clean(a[keep])
    d = a - b
    out = {"n": int(d.size), "n_changed": int((d != 0).sum()), "statistic": None, "p": None,
           "reason": None}
    if d.size == 0:
        return out | {"reason": "no panellist rated the item in both rounds"}
    if out["n_changed"] == 0:
        return out | {"reason": "no panellist changed their rating"}
    res = sps.wilcoxon(a, b, zero_method="wilcox")
    return out | {"statistic": float(res.statistic), "p": float(res.pvalue)}


def mann_whitney(first: Sequence[float], second: Sequence[float]) -> dict:
    """Mann-Whitney U test (two-sided) between two sets of ratings, such as the round-1
    ratings of panellists who left and of those who stayed.

    Returns
    -------
    dict with n1, n2, u (of the first set), p and reason (why u and p are None).
    """
    x, y = _clean(first), _clean(second)
    out = {"n1": int(x.size), "n2": int(y.size), "u": None, "p": None, "reason": None}
    if not x.size or not y.size:
        return out | {"reason": "one of the two sets has no ratings"}
    if np.unique(np.concatenate([x, y])).size == 1:
        return out | {"reason": "every rating is the same"}
    res = sps.mannwhitneyu(x, y, alternative="two-sided")
    return out | {"u": float(res.statistic), "p": float(res.pvalue)}
