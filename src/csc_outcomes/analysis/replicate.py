"""Replicate the 2016 feasibility study (STUDY.md section 5) from the store.

Phase one: for each child-outcome indicator, the best and worst 10% of authorities, and
how often the same authorities recur. Phase two: for each indicator, a one-predictor
linear regression against the Ofsted overall rating. Every choice the study left open
is a field of :class:`Choices`, shown in the output; :func:`sensitivity` reruns both
phases under each alternative.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd

from .. import ATTRIBUTION
from ..config import resolve_store_path
from ..data.store import Store
from ..errors import AnalysisError
from ..indicators import load_registry, values
from ..indicators.registry import Registry
from .ranking import distribution, extremes, named, recurrence
from .ratings import ratings
from .regression import simple_regression

STUDY_YEAR = 2015
#: the study's inspection window: SIF started in November 2013; its analysis used
#: judgements up to March 2016 (STUDY.md section 5)
STUDY_WINDOW = (date(2013, 11, 1), date(2016, 3, 31))


@dataclass(frozen=True)
class Choices:
    """Every ambiguous choice of the replication, with the study's default."""

    year: int = STUDY_YEAR
    indicator_set: str = "study-2016"
    phase1_kinds: tuple[str, ...] = ("child-outcome",)  # the study's 11 in phase one
    share: float = 0.10
    k_rule: str = "round"  # 10% of n rounded half up
    base: str = "with-data"  # 10% of authorities with a value, not of all 152
    ties: str = "include"  # ties at the cut-off are all in
    method: str = "rank"  # or "percentile"
    contested: str = "study"  # contested indicators: "study" direction, "flip" or "exclude"
    directions: tuple[tuple[str, str], ...] = ()  # explicit (indicator, higher|lower) overrides
    coding: str = "outstanding-1"  # 1 = Outstanding ... 4 = Inadequate
    selection: str = "first-sif"  # or "latest" (SIF or ILACS)
    published_from: date | None = STUDY_WINDOW[0]
    published_to: date | None = STUDY_WINDOW[1]
    universe: str = "all"  # phase one over all authorities existing at 31 March of the year
    named_top: int = 10

    @classmethod
    def for_year(cls, year: int, **overrides) -> Choices:
        """The study's choices for 2015; for other years each authority's latest SIF or
        ILACS judgement published by 31 March of the following year."""
        if year == STUDY_YEAR:
            return cls(**overrides)
        base = cls(year=year, selection="latest", published_from=None,
                   published_to=date(year + 1, 3, 31))
        return replace(base, **overrides)

    def describe(self) -> dict:
        d = asdict(self)
        d["directions"] = dict(self.directions)
        for k in ("published_from", "published_to"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def _directions(registry: Registry, ids: list[str], choices: Choices) -> dict[str, str | None]:
    out = {}
    overrides = dict(choices.directions)
    for ind_id in ids:
        ind = registry.get(ind_id)
        direction = ind.study.direction if ind.study else (
            "higher" if ind.polarity == "higher-is-better" else
            "lower" if ind.polarity == "lower-is-better" else None)
        if ind.polarity == "contested" and choices.contested != "study":
            direction = None if choices.contested == "exclude" else (
                {"higher": "lower", "lower": "higher"}.get(direction))
        out[ind_id] = overrides.get(ind_id, direction)
    return out


def replicate(choices: Choices | None = None, *, store: str | Path | None = None,
              registry: Registry | None = None, _cache: dict | None = None) -> dict:
    """Run phases one and two.

    Returns
    -------
    dict with ``choices``, ``year``, ``universe`` (authorities), ``inspected``,
    ``indicators`` (id, title, direction, n with a value, phase one or not),
    ``phase1`` ({"best"/"worst": {"distribution": {count: authorities}, "table": rows,
    "named": [{la_code, la_name, count, ofsted_rating, ofsted_date}], "members":
    {indicator: [la_code]}}}), ``phase2`` ([{indicator, n, r, multiple_r, f, p, slope,
    intercept, reason}]), ``notes`` and ``attribution``.
    """
    choices = choices or Choices()
    store_path = resolve_store_path(store)
    registry = registry or load_registry()
    cache = _cache if _cache is not None else {}
    ids = registry.sets[choices.indicator_set].indicators if choices.indicator_set in \
        registry.sets else [i.id for i in registry.resolve(set_name=choices.indicator_set)]
    key = ("values", choices.year, choices.indicator_set)
    if key not in cache:
        cache[key] = values(ids, [choices.year], store=store_path, registry=registry)
    vals = cache[key]
    with Store(store_path, read_only=True) as st:
        universe = st.authorities(choices.year)
    rkey = ("ratings", choices.selection, choices.published_from, choices.published_to,
            choices.coding)
    if rkey not in cache:
        cache[rkey] = ratings(store_path, selection=choices.selection,
                              published_from=choices.published_from,
                              published_to=choices.published_to, coding=choices.coding)
    rated = cache[rkey]
    rated = rated[rated.index.isin(universe.index)]
    if vals.empty or (vals.status == "value").sum() == 0:
        raise AnalysisError(f"no indicator of set {choices.indicator_set!r} has any value for "
                            f"{choices.year}; the national data cannot support this year.")
    wide = vals[vals.status == "value"].pivot_table(index="la_code", columns="indicator",
                                                    values="value", aggfunc="first")
    wide = wide.reindex(columns=ids)
    directions = _directions(registry, ids, choices)
    phase1_ids = [i for i in ids if registry.get(i).kind in choices.phase1_kinds
                  and directions[i] is not None]
    members_universe = universe.index if choices.universe == "all" else rated.index
    result = {"choices": choices.describe(), "year": choices.year,
              "universe": int(len(members_universe)), "inspected": int(len(rated)),
              "indicators": [], "phase1": {}, "phase2": [], "notes": [],
              "attribution": ATTRIBUTION}
    groups = {"best": {}, "worst": {}}
    for ind_id in ids:
        col = wide[ind_id].reindex(members_universe) if ind_id in wide else pd.Series(dtype=float)
        n = int(col.notna().sum())
        in_phase1 = ind_id in phase1_ids
        result["indicators"].append({"indicator": ind_id, "title": registry.get(ind_id).title,
                                     "direction": directions[ind_id], "n": n,
                                     "phase1": in_phase1})
        if in_phase1 and n:
            best, worst = extremes(col, directions[ind_id], share=choices.share,
                                   k_rule=choices.k_rule, ties=choices.ties,
                                   method=choices.method,
                                   base_n=len(members_universe) if choices.base == "universe" else None)
            groups["best"][ind_id], groups["worst"][ind_id] = best, worst
        elif in_phase1:
            result["notes"].append(f"{ind_id}: no values for {choices.year}; left out of phase one")
    for side in ("best", "worst"):
        counts = recurrence(groups[side], list(members_universe))
        result["phase1"][side] = _phase1_side(counts, groups[side], universe, rated,
                                              choices.named_top)
    for ind_id in ids:
        x = wide[ind_id] if ind_id in wide else pd.Series(dtype=float)
        stats = simple_regression(x.reindex(rated.index), rated.rating)
        result["phase2"].append({"indicator": ind_id, **stats})
    return result


def _phase1_side(counts, members, universe, rated, top) -> dict:
    dist = distribution(counts)
    picked = named(counts, top=top, minimum=1)
    named_rows = []
    for la, count in picked.items():
        r = rated.loc[la] if la in rated.index else None
        named_rows.append({"la_code": la, "la_name": universe.loc[la, "name"], "count": int(count),
                           "ofsted_rating": r.grade if r is not None else "not yet completed",
                           "ofsted_date": r.published.isoformat() if r is not None else None})
    return {"distribution": {str(int(k)): int(v) for k, v in
                             zip(dist.indicators, dist.authorities)},
            "table": dist.to_dict(orient="records"), "named": named_rows,
            "members": {k: sorted(v) for k, v in members.items()}}


#: The alternatives --sensitivity tries, one at a time: (name, what changes, overrides).
ALTERNATIVES = [
    ("k-ceil", "10% rounded up", {"k_rule": "ceil"}),
    ("k-floor", "10% rounded down", {"k_rule": "floor"}),
    ("base-universe", "10% of all authorities, not of those with data", {"base": "universe"}),
    ("ties-exclude", "ties at the cut-off left out", {"ties": "exclude"}),
    ("percentile", "cut at the 10th/90th percentile instead of by rank", {"method": "percentile"}),
    ("contested-flip", "missing, away and other contested indicators ranked the other way",
     {"contested": "flip"}),
    ("contested-exclude", "contested indicators left out of phase one", {"contested": "exclude"}),
    ("with-workforce", "the 3 workforce indicators in phase one too",
     {"phase1_kinds": ("child-outcome", "workforce")}),
    ("coding-reversed", "rating coded 1 = Inadequate ... 4 = Outstanding", {"coding": "inadequate-1"}),
    ("window-feb-2016", "first SIF published by 15 Feb 2016", {"published_to": date(2016, 2, 15)}),
    ("window-dec-2016", "first SIF published by 31 Dec 2016", {"published_to": date(2016, 12, 31)}),
    ("all-first-sif", "every first SIF (to Dec 2017)", {"published_to": None}),
    ("inspected-only", "phase one over inspected authorities only", {"universe": "inspected"}),
]


def sensitivity(choices: Choices | None = None, *, store: str | Path | None = None,
                registry: Registry | None = None) -> dict:
    """Rerun both phases under each alternative choice; summarise how the answers move.

    Returns
    -------
    dict with ``default`` (the replicate() result), ``variants`` (one summary row per
    alternative: what changed, phase-one maxima and overlap of the named authorities with
    the default's, phase-two count of p < 0.05 and largest |r|) and ``phase2_r``
    ({variant: {indicator: r}}) and ``phase2_n``.
    """
    choices = choices or Choices()
    registry = registry or load_registry()
    cache: dict = {}
    base = replicate(choices, store=store, registry=registry, _cache=cache)
    rows, r_table, n_table = [_summary("default", "the defaults above", base, base)], {}, {}
    r_table["default"] = {p["indicator"]: p["r"] for p in base["phase2"]}
    n_table["default"] = {p["indicator"]: p["n"] for p in base["phase2"]}
    for name, what, overrides in ALTERNATIVES:
        if choices.year != STUDY_YEAR and name.startswith(("window", "all-first")):
            continue
        variant = replicate(replace(choices, **overrides), store=store, registry=registry,
                            _cache=cache)
        rows.append(_summary(name, what, variant, base))
        r_table[name] = {p["indicator"]: p["r"] for p in variant["phase2"]}
        n_table[name] = {p["indicator"]: p["n"] for p in variant["phase2"]}
    return {"default": base, "variants": rows, "phase2_r": r_table, "phase2_n": n_table}


def _summary(name: str, what: str, result: dict, base: dict) -> dict:
    out = {"variant": name, "change": what, "inspected": result["inspected"]}
    for side in ("best", "worst"):
        dist = {int(k): v for k, v in result["phase1"][side]["distribution"].items()}
        named_now = {r["la_code"] for r in result["phase1"][side]["named"]}
        named_base = {r["la_code"] for r in base["phase1"][side]["named"]}
        union = named_now | named_base
        out[f"{side}_max"] = max(dist)
        out[f"{side}_any"] = sum(v for k, v in dist.items() if k >= 1)
        out[f"{side}_named_overlap"] = round(len(named_now & named_base) / len(union), 2) \
            if union else 1.0
    ps = [p for p in result["phase2"] if p["p"] is not None]
    out["phase2_significant"] = sum(p["p"] < 0.05 for p in ps)
    out["phase2_max_abs_r"] = round(max((abs(p["r"]) for p in ps), default=0), 3)
    return out
