"""Forensic replication: which reading of the study's open choices reproduces its tables.

Three searches, each ranked by fit to the published tables:

- ``samples``: every cut-off date over the window (grouped into the runs of days that give
  the same sample) crossed with every data choice (source, workforce basis, suppression
  rule), scored on Table A2a. All candidates' regressions run at once
  (``regression.batch_regression``).
- ``changes``: at the best sample, under every data choice, every single-authority change:
  one authority dropped, one added (with its official first-SIF rating), one rating recoded.
- ``phase1``: every tie rule, k rule, base, method and direction of the contested
  indicators, crossed with the data choices, scored on Tables 1-4.

A2a candidates rank by rows reproduced (|dR| < 1e-6 with the implied n), then rows whose n
is the implied n, then the sum of |dR|; phase-one candidates by the L1 distance of Tables 1
and 3, then the printed names also named. Deterministic: ties keep a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import resolve_store_path
from ..data.store import opened
from ..indicators import load_registry
from ..indicators.registry import Registry
from .compare import EXACT_R, json_value, printed_codes
from .published import Published, published
from .ranking import K_RULES, distribution, extremes, named, recurrence
from .ratings import CODINGS, GRADES, judgements, ratings
from .regression import batch_regression
from .replicate import (
    BASES_WORKFORCE,
    CONTESTED,
    SOURCES,
    STUDY_WINDOW,
    SUPPRESSED,
    Choices,
    indicator_directions,
    indicator_values,
    study_ids,
    table_order,
)
from .search_findings import DATA_CHOICES, conclude, describe_change

A2A_KEY = ["rows_exact", "rows_n_match", "sum_abs_dr"]
A2A_ASCENDING = [False, False, True]


@dataclass(frozen=True)
class SearchResult:
    """The ranked candidates and what they imply.

    Attributes
    ----------
    samples : one row per (cut-off run, source, workforce_basis, suppressed): rank,
        cutoff_from and cutoff_to (every cut-off day in between gives this sample), n_rated,
        the A2a fit (rows_exact, rows_n_match, sum_abs_dr, max_abs_dr, significant_equal),
        what it implies (``implies``, in words) and the margin over the next-ranked candidate
        (ahead_exact, ahead_n_match, ahead_sum_abs_dr).
    changes : one row per single-authority change to the best sample under each data
        choice (change = none, drop, add or recode; la_code, la_name, official_grade, grade,
        published; source, workforce_basis, suppressed), with the same fit and margin
        columns.
    phase1 : one row per phase-one rule (source, suppressed, ties, k_rule, base, method,
        contested) with l1_table1, l1_table3, l1, named_table2, named_table4, named and the
        margin (ahead_l1, ahead_named).
    conclusions : [{"finding", "evidence"}], in plain words.
    best : the best-supported choices (field: value), without any recode.
    """

    samples: pd.DataFrame
    changes: pd.DataFrame
    phase1: pd.DataFrame
    conclusions: list[dict] = field(default_factory=list)
    best: dict = field(default_factory=dict)

    def to_dict(self, top: int | None = None) -> dict:
        def records(frame):
            frame = frame if top is None else frame.head(top)
            return [{k: json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]

        return {"samples": records(self.samples), "changes": records(self.changes),
                "phase1": records(self.phase1), "conclusions": self.conclusions,
                "best": {k: json_value(v) for k, v in self.best.items()}}


def a2a_fit(stats: dict[str, np.ndarray], printed: pd.DataFrame) -> pd.DataFrame:
    """Score candidates (rows of ``batch_regression`` output over ``printed.indicator``)
    against the printed A2a rows (columns multiple_r, significance_f, implied_n)."""
    pub_r = printed.multiple_r.to_numpy(float)
    pub_n = printed.implied_n.to_numpy(float)
    pub_sig = printed.significance_f.to_numpy(float) < 0.05
    d = np.abs(stats["multiple_r"] - pub_r)
    d = np.where(np.isnan(d), pub_r, d)  # no estimate: as far off as the printed R
    n_match = stats["n"] == pub_n
    with np.errstate(invalid="ignore"):
        sig = stats["p"] < 0.05
    return pd.DataFrame({"rows_exact": ((d < EXACT_R) & n_match).sum(axis=1),
                         "rows_n_match": n_match.sum(axis=1), "sum_abs_dr": d.sum(axis=1),
                         "max_abs_dr": d.max(axis=1),
                         "significant_equal": (sig == pub_sig).all(axis=1)})


def _rank(frame: pd.DataFrame, key: list[str], ascending: list[bool]) -> pd.DataFrame:
    """Sort by key (stable), number the ranks and add each row's margin over the next."""
    frame = frame.sort_values(key, ascending=ascending, kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    for col, asc in zip(key, ascending):
        nxt = frame[col].shift(-1)
        frame[f"ahead_{col.removeprefix('rows_')}"] = (nxt - frame[col]) if asc else \
            (frame[col] - nxt)
    return frame


def _unranked(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame if c != "rank" and not c.startswith("ahead_")]]


def rank_samples(x_by_data: dict[tuple, pd.DataFrame], first: pd.DataFrame,
                 printed: pd.DataFrame, window: tuple[date, date]) -> pd.DataFrame:
    """Rank every cut-off over ``window`` crossed with every data choice.

    Parameters
    ----------
    x_by_data : {(source, workforce_basis, suppressed): values with one row per authority
        and one column per printed indicator}.
    first : the official first-SIF judgements (index la_code; published, rating).
    printed : the printed A2a rows (indicator, multiple_r, significance_f, implied_n).
    window : (first, last) cut-off day searched.
    """
    days = sorted(d for d in first.published.unique() if window[0] <= d <= window[1])
    authorities = next(iter(x_by_data.values())).index
    rating = first.rating.reindex(authorities).to_numpy(float)
    when = first.published.reindex(authorities)
    weights = np.array([(when <= d).to_numpy(bool) for d in days], dtype=float)
    y = np.where(weights > 0, rating[None, :], np.nan)
    rows = []
    for (source, basis, suppressed), x in x_by_data.items():
        fit = a2a_fit(batch_regression(x[printed.indicator].to_numpy(float), weights, y),
                      printed)
        ends = [d - timedelta(days=1) for d in days[1:]] + [window[1]]
        rows.append(fit.assign(cutoff_from=days, cutoff_to=ends,
                               n_rated=weights.sum(axis=1).astype(int), source=source,
                               workforce_basis=basis, suppressed=suppressed))
    frame = pd.concat(rows, ignore_index=True)
    frame["implies"] = [f"the sample is the {r.n_rated} authorities whose first SIF was "
                        f"published on or before {r.cutoff_from} (to {r.cutoff_to})"
                        for r in frame.itertuples()]
    frame = frame[["cutoff_from", "cutoff_to", "n_rated", "source", "workforce_basis",
                   "suppressed", *A2A_KEY, "max_abs_dr", "significant_equal", "implies"]]
    return _rank(frame, A2A_KEY, A2A_ASCENDING)


def rank_changes(x: pd.DataFrame, sample: pd.Series, pool: pd.DataFrame,
                 printed: pd.DataFrame, names: pd.Series | None = None,
                 coding: str = "outstanding-1") -> pd.DataFrame:
    """Rank every single-authority change to a sample.

    Parameters
    ----------
    x : values, one row per authority, one column per printed indicator.
    sample : the sample's official grades (index la_code).
    pool : authorities that could be added (index la_code; grade, published).
    printed : the printed A2a rows.
    names : authority names for the output.
    """
    code = CODINGS[coding]
    authorities = x.index
    base = sample.reindex(authorities).map(code).to_numpy(float)
    pos = {la: i for i, la in enumerate(authorities)}
    rows = [{"change": "none", "la_code": None, "official_grade": None, "grade": None}]
    ys = [base.copy()]
    for la, grade in sample.items():
        y = base.copy()
        y[pos[la]] = np.nan
        rows.append({"change": "drop", "la_code": la, "official_grade": grade, "grade": None})
        ys.append(y)
        for other in GRADES:
            if other != grade:
                y = base.copy()
                y[pos[la]] = code[other]
                rows.append({"change": "recode", "la_code": la, "official_grade": grade,
                             "grade": other})
                ys.append(y)
    for la, r in pool[~pool.index.isin(sample.index) & pool.index.isin(authorities)].iterrows():
        y = base.copy()
        y[pos[la]] = code[r.grade]
        rows.append({"change": "add", "la_code": la, "official_grade": r.grade,
                     "grade": r.grade})
        ys.append(y)
    y = np.array(ys)
    fit = a2a_fit(batch_regression(x[printed.indicator].to_numpy(float),
                                   (~np.isnan(y)).astype(float), y), printed)
    frame = pd.concat([pd.DataFrame(rows), fit], axis=1)
    frame["la_name"] = frame.la_code.map(names) if names is not None else None
    frame["published"] = frame.la_code.map(pool.published) if "published" in pool else None
    frame["implies"] = [describe_change(r) for r in frame.itertuples()]
    frame = frame[["change", "la_code", "la_name", "official_grade", "grade", "published",
                   *A2A_KEY, "max_abs_dr", "significant_equal", "implies"]]
    return _rank(frame, A2A_KEY, A2A_ASCENDING)


PHASE1_RULES = [dict(ties=t, k_rule=k, base=b, method="rank") for t, k, b in
                product(("order", "include", "exclude"), K_RULES, ("universe", "with-data"))]
PHASE1_RULES.append(dict(ties="include", k_rule="round", base="with-data", method="percentile"))


def rank_phase1(values_by_data: dict[tuple, pd.DataFrame], directions: dict[tuple, dict],
                order: pd.Series, pub: Published, names: dict[str, str],
                share: float = 0.10, top: int = 10) -> pd.DataFrame:
    """Rank every phase-one rule against Tables 1-4.

    Parameters
    ----------
    values_by_data : {(source, suppressed): child-outcome values, one row per authority of
        the universe, one column per ranked indicator}.
    directions : {(contested rule,): {indicator: "higher" | "lower" | None}}.
    order : table-order sort keys (``replicate.table_order``).
    """
    codes = printed_codes(names, pub)
    printed = {s: dict(zip(pub.distribution[s].indicators, pub.distribution[s].authorities))
               for s in ("best", "worst")}
    swap = {"best": "worst", "worst": "best"}
    rows = []
    for (source, suppressed), frame in values_by_data.items():
        for rule in PHASE1_RULES:
            # each indicator's groups once, ranked "higher is better"; a direction then
            # picks the ends (the rules are symmetric, so "lower" swaps best and worst)
            ends = {}
            for ind in frame:
                best, worst = extremes(
                    frame[ind], "higher", share=share, k_rule=rule["k_rule"],
                    ties=rule["ties"], method=rule["method"], order=order,
                    base_n=len(frame) if rule["base"] == "universe" else None)
                ends[ind] = {"best": best, "worst": worst}
            for (contested,), dirs in directions.items():
                row = {"source": source, "suppressed": suppressed, **rule, "contested": contested}
                for side, (t_dist, t_named) in {"best": ("1", "2"), "worst": ("3", "4")}.items():
                    groups = {ind: ends[ind][side if d == "higher" else swap[side]]
                              for ind, d in dirs.items() if d is not None and ind in ends}
                    counts = recurrence(groups, list(frame.index))
                    dist = distribution(counts)
                    ours = dict(zip(dist.indicators, dist.authorities))
                    row[f"l1_table{t_dist}"] = int(sum(
                        abs(ours.get(k, 0) - printed[side].get(k, 0))
                        for k in set(ours) | set(printed[side])))
                    row[f"named_table{t_named}"] = len(
                        set(named(counts, top=top).index) & set(codes[side]))
                rows.append(row)
    frame = pd.DataFrame(rows)
    frame["l1"] = frame.l1_table1 + frame.l1_table3
    frame["named"] = frame.named_table2 + frame.named_table4
    return _rank(frame, ["l1", "named"], [True, False])


def _values_by_data(base: Choices, store_path: Path, registry: Registry, ids: list[str],
                    authorities: pd.Index) -> dict[tuple, pd.DataFrame]:
    """{(source, workforce_basis, suppressed): values, one row per authority} for every
    data choice."""
    cache: dict = {}
    wide = {}
    for data in product(SOURCES, BASES_WORKFORCE, SUPPRESSED):
        choices = replace(base, **dict(zip(DATA_CHOICES, data)))
        vals = indicator_values(choices, store_path, registry, ids, cache)
        wide[data] = vals[vals.status == "value"].pivot_table(
            index="la_code", columns="indicator", values="value", aggfunc="first").reindex(
            index=authorities, columns=ids)
    return wide


def search(store: str | Path | None = None, *, registry: Registry | None = None,
           window: tuple[date, date] = STUDY_WINDOW, pub: Published | None = None) -> SearchResult:
    """Search the study's open choices and single-authority changes on the real store.

    The single-authority changes are searched at the best sample under every data choice,
    and ranked together, so that a data choice is judged with and without a change.
    Ofsted's official ratings are the default throughout: a recoded rating is a candidate
    in ``changes``, never part of ``best``.
    """
    store_path = resolve_store_path(store)
    registry = registry or load_registry()
    pub = pub or published()
    base = Choices()
    ids = study_ids(registry, base)
    printed = pub.a2a[pub.a2a.multiple_r.notna()].reset_index(drop=True)
    with opened(store_path) as st:
        universe = st.authorities(base.year)
    judged = judgements(store_path)
    first = ratings(store_path, judged=judged)
    first = first[first.index.isin(universe.index)]
    wide = _values_by_data(base, store_path, registry, ids, universe.index)
    samples = rank_samples(wide, first, printed, window)
    cutoff = samples.iloc[0].cutoff_from
    in_sample = first[first.published <= cutoff]
    changes = _rank(pd.concat([
        _unranked(rank_changes(x, in_sample.grade, first, printed, universe.name, base.coding))
        .assign(**dict(zip(DATA_CHOICES, data))) for data, x in wide.items()],
        ignore_index=True), A2A_KEY, A2A_ASCENDING)
    top = changes.iloc[0]
    data = tuple(top[c] for c in DATA_CHOICES)
    kinds = [i for i in ids if registry.get(i).kind in base.phase1_kinds]
    child = {(s, sup): wide[(s, top.workforce_basis, sup)][kinds]
             for s, sup in product(SOURCES, SUPPRESSED)}
    directions = {(c,): indicator_directions(registry, kinds, replace(base, contested=c))
                  for c in CONTESTED}
    phase1 = rank_phase1(child, directions, table_order(universe), pub,
                         universe.name.to_dict(), share=base.share, top=base.named_top)
    p1 = phase1.iloc[0]
    best = {"published_to": cutoff, **dict(zip(DATA_CHOICES, data)),
            **{k: p1[k] for k in ("ties", "k_rule", "base", "method", "contested")}}
    conclusions = conclude(samples, changes, phase1, judged, printed, wide[data], in_sample,
                           first)
    return SearchResult(samples, changes, phase1, conclusions, best)
