"""Clustering for the typology, and whether its types are real.

Wraps scikit-learn: k-means (``KMeans``) and Gaussian mixtures (``GaussianMixture``).
The number of types k is chosen by a stated criterion (the silhouette for k-means, the
BIC for mixtures). Two checks say whether the types are real:

* **stability**: refit on bootstrap resamples of the authorities, predict every
  authority's type, and compare with the full-data types by the adjusted Rand index
  (ARI; 1 = identical, 0 = chance). Types are *stable* when the median ARI reaches
  ``stable_ari`` (default 0.75).
* **against no structure**: the same procedure (best k over the same range) on data
  drawn from one multivariate normal with the data's own mean and covariance (a single
  cloud with no types). The types stand out when the data's criterion beats the 95th
  percentile of these draws.

Verdict: ``real`` (stable, beyond chance and separated: silhouette at least 0.25),
``weak`` (stable and beyond chance, but with a silhouette below 0.25, where Kaufman and
Rousseeuw (1990) find no substantial structure: broad groups that shade into each
other), ``continuum`` (stable but no better than one cloud: the types slice a continuum)
or ``unstable`` (an artefact of the sample).
"""

from __future__ import annotations

import threading
from functools import wraps

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

METHODS = ("kmeans", "gmm")
#: silhouette below which Kaufman and Rousseeuw (1990) find no substantial structure
SEPARATED = 0.25
CRITERION = {"kmeans": "silhouette", "gmm": "bic"}
#: random starts per fit (k-means keeps the best of them; a mixture starts from k-means)
N_INIT = {"kmeans": 4, "gmm": 1}
SUMMARY_COLUMNS = ["method", "k", "criterion", "criterion_value", "n_authorities",
                   "n_features", "silhouette", "draws", "ari_median", "ari_low", "ari_high",
                   "ari_between_runs", "stable", "null_draws", "statistic", "null_p95", "null_p",
                   "beyond_chance", "verdict"]


_LIMITED = threading.local()


def _one_thread(func):
    """Run with one BLAS/OpenMP thread: hundreds of small fits are many times faster
    without thread start-up, and the machine is shared. The limit is set once, by the
    outermost call (setting it looks up every loaded library: done per fit it was a
    fifth of the typology's time)."""
    @wraps(func)
    def run(*args, **kwargs):
        if getattr(_LIMITED, "on", False):
            return func(*args, **kwargs)
        with threadpool_limits(limits=1):
            _LIMITED.on = True
            try:
                return func(*args, **kwargs)
            finally:
                _LIMITED.on = False
    return run


def _model(method: str, k: int, seed: int, covariance: str = "diag"):
    if method == "kmeans":
        return KMeans(n_clusters=k, n_init=N_INIT["kmeans"], random_state=seed)
    if method == "gmm":
        return GaussianMixture(n_components=k, covariance_type=covariance, n_init=N_INIT["gmm"],
                               random_state=seed, reg_covar=1e-3)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


@_one_thread
def fit(X: pd.DataFrame | np.ndarray, method: str, k: int, *, seed: int = 2016,
        covariance: str = "diag"):
    """Fit ``method`` with ``k`` types; returns (fitted model, labels 0..k-1)."""
    model = _model(method, k, seed, covariance).fit(np.asarray(X, float))
    return model, model.predict(np.asarray(X, float))


@_one_thread
def criteria(X, method: str, ks=range(2, 9), *, seed: int = 2016,
             covariance: str = "diag", min_size: int = 5) -> pd.DataFrame:
    """Each candidate k with its silhouette (both methods), BIC (mixtures; k = 1 too)
    and within-type sum of squares (k-means).

    Returns
    -------
    DataFrame with method, k, silhouette, bic, inertia, smallest (authorities in the
    smallest type), eligible (smallest >= ``min_size``: a mixture can buy a much lower
    BIC with a component fitted to one or two outlying authorities) and chosen (among
    eligible k, or all if none is: highest silhouette for k-means, lowest BIC for
    mixtures).
    """
    X = np.asarray(X, float)
    ks = [k for k in ks if 2 <= k < len(X)]
    if not ks:
        raise ValueError("need at least one k between 2 and the number of authorities - 1")
    rows = []
    for k in ([1] if method == "gmm" else []) + ks:
        model, labels = fit(X, method, k, seed=seed, covariance=covariance)
        sil = silhouette_score(X, labels) if 1 < len(set(labels)) < len(X) else np.nan
        rows.append({"method": method, "k": k, "silhouette": sil,
                     "bic": model.bic(X) if method == "gmm" else np.nan,
                     "inertia": model.inertia_ if method == "kmeans" else np.nan,
                     "smallest": int(np.bincount(labels, minlength=k).min())})
    out = pd.DataFrame(rows)
    out["eligible"] = (out["k"] >= 2) & (out["smallest"] >= min_size)
    pick = out[out["eligible"]] if out["eligible"].any() else out[out["k"] >= 2]
    best = (pick.loc[pick["silhouette"].idxmax(), "k"] if method == "kmeans"
            else pick.loc[pick["bic"].idxmin(), "k"])
    out["chosen"] = out["k"] == best
    return out


def _statistic(table: pd.DataFrame) -> float:
    """The criterion the null is compared on, at the chosen k: its silhouette (k-means)
    or its BIC gain over one component (mixtures)."""
    row = table[table["chosen"]].iloc[0]
    if row["method"] == "kmeans":
        return float(row["silhouette"])
    return float(table.loc[table["k"] == 1, "bic"].iloc[0] - row["bic"])


def ordered(labels: np.ndarray, X) -> np.ndarray:
    """Relabel types 1..k by size (largest first; ties by the mean of the first feature)."""
    X = np.asarray(X, float)
    keys = sorted(set(labels), key=lambda c: (-np.sum(labels == c), X[labels == c, 0].mean()))
    return np.array([keys.index(c) + 1 for c in labels])


def matched(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``other``'s labels renamed to the reference labels they overlap most (Hungarian
    assignment on the contingency table); unmatched labels become -1."""
    ref, oth = np.unique(reference), np.unique(other)
    table = np.array([[np.sum((reference == r) & (other == o)) for o in oth] for r in ref])
    rows, cols = linear_sum_assignment(-table)
    rename = {oth[c]: ref[r] for r, c in zip(rows, cols)}
    return np.array([rename.get(o, -1) for o in other])


@_one_thread
def stability(X, method: str, k: int, labels: np.ndarray, *, draws: int = 100,
              seed: int = 2016, covariance: str = "diag"):
    """Bootstrap stability of a clustering.

    Each draw refits on a resample of the authorities (with replacement) and predicts
    the type of every authority.

    Returns
    -------
    (runs, agreement): runs has draw, ari (with the full-data types) and ari_previous
    (with the previous draw's types; NaN for the first); agreement is, per authority,
    the share of draws that put it in the same type as the full data (after matching
    type labels).
    """
    X = np.asarray(X, float)
    rng = np.random.default_rng(seed)
    preds, rows = [], []
    for b in range(draws):
        idx = rng.choice(len(X), size=len(X), replace=True)
        model = _model(method, k, int(rng.integers(2**31 - 1)), covariance).fit(X[idx])
        pred = model.predict(X)
        rows.append({"draw": b + 1, "ari": adjusted_rand_score(labels, pred),
                     "ari_previous": (adjusted_rand_score(preds[-1], pred) if preds
                                      else np.nan)})
        preds.append(pred)
    same = np.mean([matched(labels, p) == labels for p in preds], axis=0)
    return pd.DataFrame(rows), same


@_one_thread
def null_statistics(X, method: str, ks=range(2, 9), *, draws: int = 20, seed: int = 2016,
                    covariance: str = "diag", min_size: int = 5) -> np.ndarray:
    """The criterion statistic on ``draws`` data sets of the same size drawn from one
    multivariate normal with X's mean and covariance (no types by construction)."""
    X = np.asarray(X, float)
    rng = np.random.default_rng(seed)
    mean, cov = X.mean(axis=0), np.cov(X, rowvar=False)
    out = []
    for _ in range(draws):
        sim = rng.multivariate_normal(mean, cov, size=len(X), method="eigh")
        out.append(_statistic(criteria(sim, method, ks, seed=int(rng.integers(2**31 - 1)),
                                       covariance=covariance, min_size=min_size)))
    return np.array(out)


@_one_thread
def typology(X: pd.DataFrame, method: str = "kmeans", *, k: int | None = None,
             ks=range(2, 9), draws: int = 100, null_draws: int = 50, seed: int = 2016,
             stable_ari: float = 0.75, covariance: str = "diag", min_size: int = 5):
    """Types of authorities, and whether they are real.

    Parameters
    ----------
    X : authorities x features (index la_code), no missing values.
    method : ``kmeans`` or ``gmm``.
    k : number of types (default: chosen by the method's criterion over ``ks``).
    ks : candidate numbers of types.
    draws : bootstrap resamples for the stability check.
    null_draws : no-structure data sets for the check against chance (0 skips it).
    seed : random seed (every random step derives from it).
    stable_ari : median ARI from which the types count as stable.
    covariance : covariance type of the mixture (``diag``, ``full``, ``tied``,
        ``spherical``).
    min_size : smallest type a chosen k may have (see :func:`criteria`).

    Returns
    -------
    dict with ``labels`` (Series: type 1..k per la_code, largest type first),
    ``agreement`` (Series: share of bootstrap draws agreeing), ``criteria`` (from
    :func:`criteria`), ``runs`` (from :func:`stability`), ``null`` (the null
    statistics) and ``summary`` (one-row frame with :data:`SUMMARY_COLUMNS`).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if draws < 2:
        raise ValueError(f"draws must be at least 2, not {draws}")
    table = criteria(X, method, ks, seed=seed, covariance=covariance, min_size=min_size)
    if k is not None:  # a k given: the check against chance uses that k too
        ks = [int(k)]
        table = table.assign(chosen=table["k"] == int(k))
        if not table["chosen"].any():
            extra = criteria(X, method, ks, seed=seed, covariance=covariance, min_size=0)
            table = pd.concat([table, extra[extra["k"] == ks[0]].assign(chosen=True)],
                              ignore_index=True)
    k = int(table.loc[table["chosen"], "k"].iloc[0])
    _, raw = fit(X, method, k, seed=seed, covariance=covariance)
    labels = ordered(raw, X)
    runs, same = stability(X, method, k, labels, draws=draws, seed=seed,
                           covariance=covariance)
    null = (null_statistics(X, method, ks, draws=null_draws, seed=seed, covariance=covariance,
                            min_size=min_size) if null_draws else np.array([]))
    stat = _statistic(table)
    p95 = float(np.quantile(null, 0.95)) if len(null) else np.nan
    null_p = (1 + np.sum(null >= stat)) / (1 + len(null)) if len(null) else np.nan
    ari = runs["ari"]
    stable = bool(ari.median() >= stable_ari)
    beyond = bool(stat > p95) if len(null) else None
    row = table.loc[table["k"] == k].iloc[0]
    verdict = ("unstable" if not stable else "continuum" if beyond is False else
               "weak" if row["silhouette"] < SEPARATED else "real" if beyond else "stable")
    summary = pd.DataFrame([{
        "method": method, "k": k, "criterion": CRITERION[method],
        "criterion_value": row["silhouette"] if method == "kmeans" else row["bic"],
        "n_authorities": len(X), "n_features": X.shape[1],
        "silhouette": row["silhouette"], "draws": draws,
        "ari_median": ari.median(), "ari_low": ari.quantile(0.05),
        "ari_high": ari.quantile(0.95), "ari_between_runs": runs["ari_previous"].median(),
        "stable": stable, "null_draws": len(null), "statistic": stat, "null_p95": p95,
        "null_p": null_p,
        "beyond_chance": beyond, "verdict": verdict}])[SUMMARY_COLUMNS]
    index = getattr(X, "index", pd.RangeIndex(len(labels)))
    return {"labels": pd.Series(labels, index=index, name="type"),
            "agreement": pd.Series(same, index=index, name="agreement"),
            "criteria": table, "runs": runs, "null": null, "summary": summary}
