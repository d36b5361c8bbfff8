"""Choosing authorities for a study: matched pairs and stratified samples, seeded, with
the balance achieved.

Plain functions over tidy frames. Every random step draws from
``numpy.random.default_rng(seed)``, so the same inputs and seed give the same sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .neighbours import is_category

PAIR_COLUMNS = ["pair", "treated_code", "control_code", "distance", "draw"]
UNMATCHED_COLUMNS = ["treated_code", "draw", "reason"]
BALANCE_COLUMNS = ["stage", "variable", "level", "n_treated", "n_control", "mean_treated",
                   "mean_control", "smd"]
STRATIFIED_COLUMNS = ["la_code", "stratum", "stratum_size", "allocated", "draw"]


ORDERS = ("random", "closest")


def matched_pairs(treated: list[str], control: list[str], distances: pd.DataFrame, *,
                  n: int, caliper: float, seed: int = 2016, order: str = "random"):
    """Greedy nearest-neighbour matching without replacement, within a caliper.

    With ``order="random"`` the treated authorities are put in a random order (seeded)
    and each in turn takes the nearest control not yet taken whose distance is at most
    ``caliper`` (ties: lower code), until ``n`` pairs are formed or the treated run out:
    every improver has the same chance of being studied. With ``order="closest"`` the
    treated are taken in order of the distance to their nearest control (closest first,
    recomputed after each pair): the best-matched pairs, no randomness.

    Parameters
    ----------
    treated, control : la_codes of the two groups (e.g. improvers and stuck).
    distances : square frame from :func:`csc_outcomes.analysis.neighbours.distance_matrix`.
    n : pairs wanted.
    caliper : largest distance allowed within a pair (same units as ``distances``).
    seed : random seed of the order.
    order : ``random`` or ``closest``.

    Returns
    -------
    (pairs, unmatched): pairs has pair (1..), treated_code, control_code, distance and
    draw (the treated authority's place in the order); unmatched lists the
    treated authorities reached in the order that found no control, with the reason.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    if not caliper > 0:
        raise ValueError(f"caliper must be positive, not {caliper}")
    if set(treated) & set(control):
        raise ValueError("an authority cannot be in both groups")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    free = sorted(c for c in control if c in distances.columns)
    if order == "random":
        queue = list(np.random.default_rng(seed).permutation(np.array(sorted(treated),
                                                                      dtype=object)))
    else:
        queue = sorted(treated)
    pairs, unmatched = [], []
    draw = 0
    while queue and len(pairs) < n:
        t = queue.pop(0) if order == "random" else _closest(queue, free, distances)
        if order == "closest":
            queue.remove(t)
        draw += 1
        d = (distances.loc[t, free] if t in distances.index and free
             else pd.Series(dtype=float)).dropna()
        near = d[d <= caliper]
        if near.empty:
            unmatched.append((t, draw, _why(t, d, distances, control, caliper)))
            continue
        best = near.index[np.argmin(near.to_numpy())]  # first minimum: lowest code
        pairs.append((len(pairs) + 1, t, best, float(near[best]), draw))
        free.remove(best)
    return (pd.DataFrame(pairs, columns=PAIR_COLUMNS),
            pd.DataFrame(unmatched, columns=UNMATCHED_COLUMNS))


def _closest(queue, free, distances) -> str:
    """The treated authority nearest to any free control (ties: lower code)."""
    best, gap = queue[0], np.inf
    for t in queue:
        if t in distances.index and free:
            d = distances.loc[t, free].min()
            if d < gap:
                best, gap = t, d
    return best


def _why(t, d, distances, control, caliper) -> str:
    if t not in distances.index:
        return "no context distance for this authority"
    every = distances.loc[t, [c for c in control if c in distances.columns]].dropna()
    if every.empty:
        return "no comparator shares enough context variables with it"
    if every.min() > caliper:
        return (f"no comparator within the caliper {caliper:g} (nearest: "
                f"{every.idxmin()} at {every.min():.2f})")
    return f"every comparator within the caliper {caliper:g} was already taken"


def smd(a: pd.Series, b: pd.Series) -> float:
    """Standardised mean difference (a - b) / sqrt((var a + var b) / 2), sample variances
    (n - 1); NaN when either group has fewer than two values or neither varies."""
    a, b = a.dropna().astype(float), b.dropna().astype(float)
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    return float((a.mean() - b.mean()) / pooled) if pooled > 0 else float("nan")


def balance(context: pd.DataFrame, treated: list[str], control: list[str],
            stage: str = "matched") -> pd.DataFrame:
    """Balance of the context variables between two groups.

    Parameters
    ----------
    context : variables per authority (index la_code): numbers on the scale they are
        matched on (e.g. the log of the child population), categories as text.
    treated, control : la_codes of the two groups.
    stage : a label for the rows (``all`` before matching, ``matched`` after).

    Returns
    -------
    DataFrame with stage, variable, level (a category's level, each as a 0/1 share;
    None for a number), n_treated, n_control (authorities with a value), mean_treated,
    mean_control (the share for a level) and smd (:func:`smd`; for a level, the
    difference in shares over sqrt((p_t(1 - p_t) + p_c(1 - p_c)) / 2)). |smd| below 0.1
    is the usual mark of good balance, below 0.25 of acceptable balance.
    """
    t, c = context.reindex(treated), context.reindex(control)
    rows = []
    for v in context.columns:
        if is_category(context[v]):
            for level in sorted(context[v].dropna().unique()):
                pt, pc = (t[v].dropna() == level).mean(), (c[v].dropna() == level).mean()
                sd = np.sqrt((pt * (1 - pt) + pc * (1 - pc)) / 2)
                rows.append((stage, v, level, int(t[v].notna().sum()),
                             int(c[v].notna().sum()), pt, pc,
                             (pt - pc) / sd if sd > 0 else np.nan))
        else:
            rows.append((stage, v, None, int(t[v].notna().sum()), int(c[v].notna().sum()),
                         t[v].mean(), c[v].mean(), smd(t[v], c[v])))
    return pd.DataFrame(rows, columns=BALANCE_COLUMNS)


def allocate(sizes: pd.Series, n: int) -> pd.Series:
    """Proportional allocation of ``n`` across strata by largest remainder: each stratum
    gets floor(n x size / total), and the rest go one each to the largest fractional
    parts (ties: the stratum listed first). Never more than a stratum holds.

    >>> allocate(pd.Series({"a": 5, "b": 3, "c": 2}), 4).to_dict()
    {'a': 2, 'b': 1, 'c': 1}
    """
    total = int(sizes.sum())
    if not 1 <= n <= total:
        raise ValueError(f"n must be between 1 and the {total} authorities available, not {n}")
    quota = sizes * n / total
    out = np.floor(quota).astype(int)
    rest = (quota - out).sort_values(ascending=False, kind="stable")
    for s in rest.index[: n - int(out.sum())]:
        out[s] += 1
    return out.clip(upper=sizes)


def stratified(frame: pd.DataFrame, strata: list[str], n: int, *,
               seed: int = 2016) -> pd.DataFrame:
    """A stratified random sample, proportional to stratum size.

    Parameters
    ----------
    frame : one row per authority (index la_code) with the stratum columns; a row
        missing any of them cannot be placed and is not sampled.
    strata : columns whose combinations are the strata (e.g. ``["type", "region"]``).
    n : authorities wanted.
    seed : random seed.

    Returns
    -------
    DataFrame with la_code, stratum (the values joined by `` | ``), stratum_size,
    allocated (the stratum's share of n, :func:`allocate`) and draw (order of the draw
    within its stratum), one row per authority chosen, strata in sorted order.
    """
    missing = [s for s in strata if s not in frame.columns]
    if missing or not strata:
        raise ValueError(f"strata must be columns of the frame; {missing or 'none given'}")
    placed = frame.dropna(subset=strata)
    key = placed[strata].astype(str).agg(" | ".join, axis=1)
    sizes = key.value_counts().sort_index()
    quota = allocate(sizes, n)
    rng = np.random.default_rng(seed)
    rows = []
    for stratum, size in sizes.items():
        members = np.array(sorted(key.index[key == stratum]), dtype=object)
        chosen = rng.permutation(members)[: quota[stratum]]
        rows += [(la, stratum, int(size), int(quota[stratum]), i)
                 for i, la in enumerate(chosen, start=1)]
    return pd.DataFrame(rows, columns=STRATIFIED_COLUMNS)
