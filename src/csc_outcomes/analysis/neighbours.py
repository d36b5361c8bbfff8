"""Statistical neighbours: which authorities are alike on context, and how far
csc-outcomes' neighbours agree with DfE's published groupings.

Plain functions over tidy frames. A *context* frame has one row per authority (index
``la_code``) and one column per variable: numbers (indicator values such as
``imd-average-score``) or categories (``region``, ``authority_type``).

The distance between authorities i and j is a weighted root mean square difference in
standard deviations,

    d(i, j) = sqrt( sum_k w_k delta_k^2 / sum_k w_k ),

summed over the variables both authorities have. For a number, delta_k = (x_ik - x_jk) /
s_k after the variable's transform (``log`` for counts such as the child population),
s_k being its standard deviation (n - 1) across the authorities of the year; for a
category, delta_k is 1 where the two differ and 0 where they match (a different region
counts as much as one standard deviation). A distance of 0.5 means the two differ by half
a standard deviation per variable on average. A pair that shares less than ``min_shared``
of the total weight gets no distance: a missing value is never filled in.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

#: variables and weights used unless the caller says otherwise
DEFAULT_WEIGHTS = {"child-population": 1.0, "imd-average-score": 1.0,
                   "pupils-fsm-primary": 1.0, "pupils-eal-primary": 1.0,
                   "authority_type": 1.0, "region": 0.5}
#: transforms applied before standardising (``log``: natural log, for sizes)
DEFAULT_TRANSFORMS = {"child-population": "log"}
#: category variables and the register column each comes from
CATEGORIES = {"region": "region_name", "authority_type": "la_type"}
TRANSFORMS = ("none", "log")
NEIGHBOUR_COLUMNS = ["la_code", "rank", "neighbour_code", "distance", "largest_difference"]
GROUPING_COLUMNS = ["grouping", "grouping_date", "reporting_year", "la_code", "rank",
                    "neighbour_code", "closeness", "current", "source_file"]
OVERLAP_COLUMNS = ["la_code", "n_published", "n_ours", "overlap", "published_only",
                   "ours_only"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def context_frame(values: pd.DataFrame, authorities: pd.DataFrame,
                  variables: list[str] | None = None) -> pd.DataFrame:
    """One row per authority, one column per context variable.

    Parameters
    ----------
    values : frame from :func:`csc_outcomes.indicators.values` for one year; only
        published values (status ``value``) are used, the rest stay missing.
    authorities : :meth:`Store.authorities` for the year (index la_code; region_name,
        la_type): the rows of the result, and the ``region`` and ``authority_type``
        categories.
    variables : columns to return (default: the indicators in ``values`` and both
        categories).

    Returns
    -------
    DataFrame indexed by la_code (sorted), numbers as floats (NaN where missing),
    categories as strings.
    """
    got = values[values["status"] == "value"].pivot_table(
        index="la_code", columns="indicator", values="value", aggfunc="first")
    out = got.reindex(authorities.index.sort_values())
    out.columns.name = None
    for name, column in CATEGORIES.items():
        out[name] = authorities[column].reindex(out.index).astype(object)
    out.index.name = "la_code"
    return out if variables is None else out.reindex(columns=variables)


def _check(context: pd.DataFrame, weights: dict, transforms: dict) -> None:
    missing = [v for v in weights if v not in context.columns]
    if missing:
        raise ValueError(f"no column for variable(s) {missing} in the context frame "
                         f"(it has {list(context.columns)})")
    bad = {v: w for v, w in weights.items() if not (np.isfinite(w) and w >= 0)}
    if bad or not any(w > 0 for w in weights.values()):
        raise ValueError(f"weights must be finite, zero or more, and not all zero: {weights}")
    for v, t in transforms.items():
        if t not in TRANSFORMS:
            raise ValueError(f"transform of {v!r} must be one of {TRANSFORMS}, not {t!r}")


def is_category(column: pd.Series) -> bool:
    """Whether a context column is a category (compared as equal or not)."""
    return not pd.api.types.is_numeric_dtype(column)


def standardised(context: pd.DataFrame, transforms: dict | None = None) -> pd.DataFrame:
    """Numeric columns transformed and turned into z-scores (SD with n - 1); category
    columns unchanged. A column without spread becomes 0 where it has a value."""
    transforms = DEFAULT_TRANSFORMS if transforms is None else transforms
    out = context.copy()
    for v in context.columns:
        if is_category(context[v]):
            continue
        x = context[v].astype(float)
        if transforms.get(v, "none") == "log":
            x = np.log(x.where(x > 0))
        sd = x.std(ddof=1)
        out[v] = (x - x.mean()) / sd if sd > 0 else x * 0.0
    return out


def differences(context: pd.DataFrame, transforms: dict | None = None) -> dict:
    """Per variable, the n x n matrix of delta (signed z difference row - column for a
    number, 1/0 for differing/matching categories; NaN where either is missing)."""
    z = standardised(context, transforms)
    out = {}
    for v in z.columns:
        if is_category(z[v]):
            vals = z[v].to_numpy(object)
            have = z[v].notna().to_numpy()
            d = (vals[:, None] != vals[None, :]).astype(float)
        else:
            x = z[v].to_numpy(float)
            have = ~np.isnan(x)
            d = x[:, None] - x[None, :]
        out[v] = np.where(have[:, None] & have[None, :], d, np.nan)
    return out


def distance_matrix(context: pd.DataFrame, weights: dict | None = None,
                    transforms: dict | None = None, min_shared: float = 0.5) -> pd.DataFrame:
    """Distances between every pair of authorities (see the module notes).

    Parameters
    ----------
    context : frame from :func:`context_frame`.
    weights : variable -> weight (default :data:`DEFAULT_WEIGHTS`); 0 leaves a variable
        out. Only the variables named are used.
    transforms : variable -> ``log`` or ``none`` (default :data:`DEFAULT_TRANSFORMS`).
    min_shared : the share of the total weight a pair must both have values for.

    Returns
    -------
    Square DataFrame (la_code x la_code), symmetric, 0 on the diagonal, NaN for a pair
    sharing too little.
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    transforms = DEFAULT_TRANSFORMS if transforms is None else transforms
    _check(context, weights, transforms)
    if not 0 < min_shared <= 1:
        raise ValueError(f"min_shared must be in (0, 1], not {min_shared}")
    used = [v for v, w in weights.items() if w > 0]
    deltas = differences(context[used], transforms)
    n = len(context)
    num, den = np.zeros((n, n)), np.zeros((n, n))
    for v in used:
        both = ~np.isnan(deltas[v])
        num += np.where(both, weights[v] * np.nan_to_num(deltas[v]) ** 2, 0.0)
        den += np.where(both, weights[v], 0.0)
    total = sum(weights[v] for v in used)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(num / den)
    d[den < min_shared * total - 1e-12] = np.nan
    np.fill_diagonal(d, 0.0)
    return pd.DataFrame(d, index=context.index, columns=context.index)


def neighbours(distances: pd.DataFrame, k: int = 10,
               deltas: dict | None = None, weights: dict | None = None) -> pd.DataFrame:
    """Each authority's ``k`` nearest other authorities.

    Parameters
    ----------
    distances : frame from :func:`distance_matrix`.
    k : neighbours per authority.
    deltas, weights : from :func:`differences` and the weights used; when given, each
        pair's ``largest_difference`` names the variable contributing most to its distance.

    Returns
    -------
    DataFrame with la_code, rank (1 = nearest), neighbour_code, distance and
    largest_difference. Ties are broken by code; an authority is never its own neighbour,
    and a pair without a distance is never a neighbour.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    codes = distances.index.to_numpy()
    order = np.argsort(codes, kind="stable")
    rows = []
    for i, code in enumerate(codes):
        d = distances.iloc[i].to_numpy(float)
        keep = [j for j in order if j != i and not np.isnan(d[j])]
        keep.sort(key=lambda j: d[j])  # stable: equal distances stay in code order
        for rank, j in enumerate(keep[:k], start=1):
            rows.append((code, rank, codes[j], d[j], _largest(deltas, weights, i, j)))
    return pd.DataFrame(rows, columns=NEIGHBOUR_COLUMNS)


def _largest(deltas, weights, i, j):
    if not deltas:
        return None
    parts = {v: (weights or {}).get(v, 1.0) * m[i, j] ** 2 for v, m in deltas.items()
             if not np.isnan(m[i, j])}
    best = max(parts, key=parts.get, default=None)
    return best if best is not None and parts[best] > 0 else None


def ranks(distances: pd.DataFrame) -> pd.DataFrame:
    """Where each authority stands among another's neighbours: rank 1 is the nearest
    (the authority itself excluded; pairs without a distance are NaN)."""
    d = distances.to_numpy(float, copy=True)
    np.fill_diagonal(d, np.nan)
    return pd.DataFrame(d, index=distances.index, columns=distances.columns).rank(
        axis=1, method="min")


def grouping_date(source_file: str) -> tuple[str, date | None]:
    """The grouping's label and date read from its file name
    (``..._April_2021.csv`` -> ("April 2021", 2021-04-01)); the file name if it has none.

    >>> grouping_date("lookups/New_Statistical_Neighbour_Groupings_April_2021.csv")
    ('April 2021', datetime.date(2021, 4, 1))
    """
    found = re.search(rf"({'|'.join(_MONTHS)})[_ -]?(\d{{4}})", source_file)
    if not found:
        return source_file.rsplit("/", 1)[-1], None
    month, year = found.group(1), int(found.group(2))
    return f"{month} {year}", date(year, _MONTHS.index(month) + 1, 1)


def published_groupings(stat_neighbour: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """DfE's published statistical neighbours as loaded, with the grouping's date.

    Parameters
    ----------
    stat_neighbour : the store's ``stat_neighbour`` table (la_code, neighbour_code, rank,
        closeness, source_file).
    register : the store's ``la`` table (la_code, valid_from, valid_to).

    Returns
    -------
    DataFrame with grouping (e.g. ``April 2021``), grouping_date, reporting_year (the year
    to 31 March that contains the date), la_code, rank, neighbour_code, closeness (DfE's
    band, as published), current (the authority existed on the grouping date; the file's
    block of neighbours of authorities abolished earlier is kept with ``False``) and
    source_file.
    """
    out = stat_neighbour.copy()
    dates = {f: grouping_date(f) for f in out["source_file"].unique()}
    out["grouping"] = out["source_file"].map(lambda f: dates[f][0])
    out["grouping_date"] = out["source_file"].map(lambda f: dates[f][1])
    out["reporting_year"] = out["grouping_date"].map(
        lambda d: None if d is None else d.year + (d.month >= 4)).astype("Int64")
    reg = register.set_index("la_code")
    start = pd.to_datetime(out["la_code"].map(reg["valid_from"]))
    end = pd.to_datetime(out["la_code"].map(reg["valid_to"]))
    when = pd.to_datetime(out["grouping_date"])
    out["current"] = ((start.isna() | (start <= when)) & (end.isna() | (end >= when))
                      & when.notna())
    out = out.sort_values(["grouping", "la_code", "rank"], kind="stable")
    return out[GROUPING_COLUMNS].reset_index(drop=True)


def overlap(ours: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """How many of each authority's published neighbours are among its own.

    Parameters
    ----------
    ours : frame from :func:`neighbours`.
    published : rows of :func:`published_groupings` for one grouping (current ones).

    Returns
    -------
    DataFrame with la_code, n_published, n_ours, overlap (in both lists),
    published_only and ours_only (codes, ``;`` separated), for authorities in both.
    """
    a = ours.groupby("la_code")["neighbour_code"].agg(set)
    b = published.groupby("la_code")["neighbour_code"].agg(set)
    codes = sorted(set(a.index) & set(b.index))
    rows = [(c, len(b[c]), len(a[c]), len(a[c] & b[c]), ";".join(sorted(b[c] - a[c])),
             ";".join(sorted(a[c] - b[c]))) for c in codes]
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


def drivers(context: pd.DataFrame, ours: pd.DataFrame, published: pd.DataFrame,
            weights: dict | None = None, transforms: dict | None = None, k: int = 10,
            min_shared: float = 0.5) -> pd.DataFrame:
    """Which variables make csc-outcomes' neighbours differ from the published ones.

    Returns
    -------
    DataFrame, one row per variable used, with weight; gap_published_only,
    gap_ours_only and gap_shared (mean absolute difference, in SDs, between an authority
    and its neighbours that only the published list has, only ours has, or both have; for
    a category the share that differ); n_pairs_published_only, n_pairs_ours_only;
    mean_overlap (out of k, with every variable), mean_overlap_without (this variable
    left out, others as given) and change (without minus with). A large gap on
    published-only neighbours marks a variable the published grouping gives less weight
    to (or measures differently); a rise in overlap when a variable is left out marks one
    that pulls the two apart.
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    used = [v for v, w in weights.items() if w > 0]
    index = {c: i for i, c in enumerate(context.index)}
    deltas = differences(context[used], transforms)
    base = overlap(ours, published)["overlap"].mean()
    pairs = _pair_sets(ours, published, index)
    rows = []
    for v in used:
        gap = {name: [abs(deltas[v][i, j]) for i, j in ij if not np.isnan(deltas[v][i, j])]
               for name, ij in pairs.items()}
        without = {u: w for u, w in weights.items() if u != v}
        if any(w > 0 for w in without.values()):
            dist = distance_matrix(context, without, transforms, min_shared)
            after = overlap(neighbours(dist, k), published)["overlap"].mean()
        else:
            after = np.nan
        rows.append({"variable": v, "weight": weights[v],
                     "gap_published_only": _mean(gap["published_only"]),
                     "gap_ours_only": _mean(gap["ours_only"]),
                     "gap_shared": _mean(gap["shared"]),
                     "n_pairs_published_only": len(gap["published_only"]),
                     "n_pairs_ours_only": len(gap["ours_only"]),
                     "mean_overlap": base, "mean_overlap_without": after,
                     "change": after - base})
    return pd.DataFrame(rows)


def _pair_sets(ours, published, index) -> dict[str, list[tuple[int, int]]]:
    a = set(zip(ours["la_code"], ours["neighbour_code"]))
    b = set(zip(published["la_code"], published["neighbour_code"]))
    both_authorities = set(ours["la_code"]) & set(published["la_code"])

    def ij(pairs):
        return [(index[x], index[y]) for x, y in sorted(pairs)
                if x in both_authorities and x in index and y in index]

    return {"published_only": ij(b - a), "ours_only": ij(a - b), "shared": ij(a & b)}


def _mean(xs) -> float:
    return float(np.mean(xs)) if len(xs) else float("nan")


def variable_table(context: pd.DataFrame, weights: dict, transforms: dict) -> pd.DataFrame:
    """The variables used: kind, weight, transform, n (authorities with a value) and, for
    numbers, mean and SD on the scale they are compared on (after the transform)."""
    rows = []
    for v, w in weights.items():
        col = context[v]
        row = {"variable": v, "kind": "category" if is_category(col) else "number",
               "weight": w, "transform": transforms.get(v, "none"),
               "n": int(col.notna().sum()), "mean": np.nan, "sd": np.nan}
        if row["kind"] == "number":
            x = col.astype(float)
            x = np.log(x.where(x > 0)) if row["transform"] == "log" else x
            row.update(mean=x.mean(), sd=x.std(ddof=1))
        rows.append(row)
    return pd.DataFrame(rows)
