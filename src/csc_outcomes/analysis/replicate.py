"""Replicate the 2016 feasibility study (STUDY.md section 5) from the store.

Phase one: for each child-outcome indicator, the best and worst 10% of authorities, and
how often the same authorities recur. Phase two: for each indicator, a one-predictor
linear regression against the Ofsted overall rating. Every choice the study left open
is a field of :class:`Choices`, shown in the output. The defaults are the reading the
study's published figures support (``search.search`` finds it; docs/methods.md gives the
evidence), always with Ofsted's official ratings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd

from .. import ATTRIBUTION
from ..config import resolve_store_path
from ..data.register import reference
from ..data.store import opened
from ..errors import AnalysisError, InputError
from ..indicators import load_registry, values
from ..indicators.registry import Registry
from .ranking import BASES, K_RULES, METHODS, TIES, distribution, extremes, named, recurrence
from .ratings import CODINGS, DATE_BASES, GRADES, SELECTIONS, judgements, ratings
from .regression import simple_regression

STUDY_YEAR = 2015
#: the study's inspection window as the report states it: SIF started in November 2013;
#: the report says its inspections "were carried out between November 2013 and March 2016"
STUDY_WINDOW = (date(2013, 11, 1), date(2016, 3, 31))
#: the cut-off the published figures support: the 83 authorities whose first SIF was
#: published by 11 March 2016 (any cut-off from then to 28 March gives the same sample)
STUDY_CUTOFF = date(2016, 3, 11)
SOURCES = ("la-tables", "underlying")
BASES_WORKFORCE = ("headcount", "fte")
SUPPRESSED = ("missing", "zero")
CONTESTED = ("study", "flip", "exclude")


@dataclass(frozen=True)
class Choices:
    """Every ambiguous choice of the replication; the defaults are the best-supported reading."""

    year: int = STUDY_YEAR
    indicator_set: str = "study-2016"
    phase1_kinds: tuple[str, ...] = ("child-outcome",)  # the study's 11 in phase one
    share: float = 0.10
    k_rule: str = "round"  # 10% of n rounded half up
    base: str = "universe"  # 10% of all authorities (15 of 152), not of those with data
    ties: str = "order"  # exactly k; ties in the order the LA tables list authorities
    method: str = "rank"  # or "percentile"
    contested: str = "study"  # contested indicators: "study" direction, "flip" or "exclude"
    directions: tuple[tuple[str, str], ...] = ()  # explicit (indicator, higher|lower) overrides
    coding: str = "outstanding-1"  # 1 = Outstanding ... 4 = Inadequate
    selection: str = "first-sif"  # or "latest" (SIF or ILACS)
    published_from: date | None = STUDY_WINDOW[0]
    published_to: date | None = STUDY_CUTOFF
    ofsted_date: str = "published"  # the window applies to the publication date
    source: str = "la-tables"  # DfE's published LA tables, as first published
    workforce_basis: str = "headcount"  # #12-14 on a headcount basis
    suppressed: str = "zero"  # a suppressed part of a ratio counts as zero
    recodes: tuple[tuple[str, str], ...] = ()  # (la_code, grade): ratings not Ofsted's
    universe: str = "all"  # phase one over all authorities existing at 31 March of the year
    named_top: int = 10

    def __post_init__(self):
        allowed = {"k_rule": K_RULES, "base": BASES, "ties": TIES, "method": METHODS,
                   "contested": CONTESTED, "coding": tuple(CODINGS), "selection": SELECTIONS,
                   "ofsted_date": DATE_BASES, "source": SOURCES,
                   "workforce_basis": BASES_WORKFORCE, "suppressed": SUPPRESSED,
                   "universe": ("all", "inspected")}
        for name, options in allowed.items():
            if getattr(self, name) not in options:
                raise ValueError(f"{name} must be one of {options}, not {getattr(self, name)!r}")
        for la, grade in self.recodes:
            if grade not in GRADES:
                raise ValueError(f"recode {la}: {grade!r} is not one of {GRADES}")

    @classmethod
    def for_year(cls, year: int, **overrides) -> Choices:
        """The study's choices for 2015; for other years each authority's latest SIF or
        ILACS judgement published by 31 March of the following year."""
        if year == STUDY_YEAR:
            return cls(**overrides)
        base = cls(year=year, selection="latest", published_from=None,
                   published_to=date(year + 1, 3, 31))
        return replace(base, **overrides)

    def variants(self) -> tuple[str, ...]:
        """The indicator version variants these choices compute with."""
        return (("la-tables",) if self.source == "la-tables" else ()) + (self.workforce_basis,)

    def describe(self) -> dict:
        d = asdict(self)
        d["directions"] = dict(self.directions)
        d["recodes"] = dict(self.recodes)
        for k in ("published_from", "published_to"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def indicator_directions(registry: Registry, ids: list[str],
                         choices: Choices) -> dict[str, str | None]:
    """Which end is best for each indicator ("higher", "lower", or None: not ranked): the
    study's direction, the contested rule, then explicit overrides."""
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


def table_order(universe: pd.DataFrame) -> pd.Series:
    """Sort keys putting authorities in the order DfE's LA tables list them: by region (in
    the register's order: North East ... Inner and Outer London ... South West), then by
    name. Matches the SFR34/2015 tables' row order for 148 of 152 authorities (two pairs
    swap: the tables list "Durham" after Darlington, and Central Bedfordshire after Bedford).
    """
    regions = {r["name"]: i for i, r in enumerate(reference()["regions"])}
    keys = universe.region_name.map(regions).fillna(len(regions))
    ranked = pd.DataFrame({"r": keys, "n": universe.name.str.lower()}).sort_values(["r", "n"])
    return pd.Series(range(len(ranked)), index=ranked.index)


def study_ids(registry: Registry, choices: Choices) -> list[str]:
    """The indicator ids of the choices' set, in its order."""
    if choices.indicator_set in registry.sets:
        return registry.sets[choices.indicator_set].indicators
    return [i.id for i in registry.resolve(set_name=choices.indicator_set)]


def indicator_values(choices: Choices, store_path: Path, registry: Registry, ids: list[str],
                     cache: dict) -> pd.DataFrame:
    """The long values() frame for the choices' year, variants and suppression rule (cached)."""
    key = ("values", choices.year, tuple(ids), choices.variants(), choices.suppressed)
    if key not in cache:
        cache[key] = values(ids, [choices.year], store=store_path, registry=registry,
                            variants=choices.variants(), suppressed=choices.suppressed)
    return cache[key]


def rated_sample(choices: Choices, store_path: Path, universe: pd.DataFrame,
                 cache: dict) -> pd.DataFrame:
    """The ratings the choices count (``ratings.ratings``), with any recodes applied; a
    recoded authority keeps its official grade in ``official_grade``."""
    if ("judgements",) not in cache:
        cache[("judgements",)] = judgements(store_path)
    rkey = ("ratings", choices.selection, choices.published_from, choices.published_to,
            choices.coding, choices.ofsted_date)
    if rkey not in cache:
        cache[rkey] = ratings(store_path, selection=choices.selection,
                              published_from=choices.published_from,
                              published_to=choices.published_to, coding=choices.coding,
                              date_basis=choices.ofsted_date, judged=cache[("judgements",)])
    rated = cache[rkey]
    rated = rated[rated.index.isin(universe.index)].copy()
    rated["official_grade"] = rated.grade
    for la, grade in choices.recodes:
        if la not in universe.index:
            raise AnalysisError(f"recode {la}: not an authority in {choices.year}")
        if la not in rated.index:
            rated.loc[la, ["official_grade", "framework"]] = [None, None]
        rated.loc[la, "grade"] = grade
    rated["rating"] = rated.grade.map(CODINGS[choices.coding])
    return rated


def replicate(choices: Choices | None = None, *, store: str | Path | None = None,
              registry: Registry | None = None, cache: dict | None = None) -> dict:
    """Run phases one and two.

    Returns
    -------
    dict with ``choices``, ``year``, ``universe`` (authorities), ``inspected``,
    ``indicators`` (id, title, direction, n with a value, phase one or not, version and
    variant used), ``phase1`` ({"best"/"worst": {"distribution": {count: authorities},
    "table": rows, "named": [{la_code, la_name, count, ofsted_rating, ofsted_date}],
    "members": {indicator: [la_code]}, "counts": {la_code: count >= 1}}}), ``phase2``
    ([{indicator, n, r, multiple_r, f, p, slope, intercept, reason}]), ``sample`` (the rated
    authorities: la_code, la_name, grade, official_grade, rating, published), ``names``
    ({la_code: name} for the universe), ``notes`` and ``attribution``.

    ``store`` is a path or an open store (``csc_outcomes.open()`` passes its own); ``cache``
    is a dict to share the computed values between runs with different rules (the
    sensitivity analysis and ``Csc.replicate`` pass one).
    """
    choices = choices or Choices()
    store_path = resolve_store_path(store)
    registry = registry or load_registry()
    cache = cache if cache is not None else {}
    ids = study_ids(registry, choices)
    vals = indicator_values(choices, store_path, registry, ids, cache)
    if ("universe", choices.year) not in cache:
        with opened(store_path) as st:
            cache[("universe", choices.year)] = st.authorities(choices.year)
    universe = cache[("universe", choices.year)]
    rated = rated_sample(choices, store_path, universe, cache)
    if vals.empty or (vals.status == "value").sum() == 0:
        raise InputError(f"no indicator of set {choices.indicator_set!r} has any value for "
                            f"{choices.year}; the national data cannot support this year.")
    wide = vals[vals.status == "value"].pivot_table(index="la_code", columns="indicator",
                                                    values="value", aggfunc="first")
    wide = wide.reindex(columns=ids)
    directions = indicator_directions(registry, ids, choices)
    members_universe = universe.index if choices.universe == "all" else rated.index
    result = {"choices": choices.describe(), "year": choices.year,
              "universe": int(len(members_universe)), "inspected": int(len(rated)),
              "indicators": [], "phase1": {}, "phase2": [], "notes": [],
              "attribution": ATTRIBUTION}
    groups = _phase1_groups(result, choices, registry, ids, wide, members_universe,
                            directions, vals.attrs.get("versions", {}), table_order(universe))
    for side in ("best", "worst"):
        counts = recurrence(groups[side], list(members_universe))
        result["phase1"][side] = _phase1_side(counts, groups[side], universe, rated,
                                              choices.named_top)
    for ind_id in ids:
        x = wide[ind_id] if ind_id in wide else pd.Series(dtype=float)
        stats = simple_regression(x.reindex(rated.index), rated.rating)
        result["phase2"].append({"indicator": ind_id, **stats})
    result["sample"] = [{"la_code": la, "la_name": universe.loc[la, "name"], "grade": r.grade,
                         "official_grade": r.official_grade if pd.notna(r.official_grade)
                         else None, "rating": int(r.rating),
                         "published": r.published.isoformat() if pd.notna(r.published) else None}
                        for la, r in rated.sort_values("published").iterrows()]
    result["names"] = universe.name.to_dict()
    for la, grade in choices.recodes:
        result["notes"].append(_recode_note(universe.loc[la, "name"], la, grade,
                                            rated.loc[la, "official_grade"]))
    return result


def _phase1_groups(result: dict, choices: Choices, registry: Registry, ids: list[str],
                   wide: pd.DataFrame, members_universe: pd.Index, directions: dict,
                   versions: dict, order: pd.Series) -> dict[str, dict[str, set]]:
    """Each phase-one indicator's best and worst groups; fills result["indicators"] and
    notes on the way."""
    groups = {"best": {}, "worst": {}}
    for ind_id in ids:
        col = wide[ind_id].reindex(members_universe) if ind_id in wide else pd.Series(dtype=float)
        n = int(col.notna().sum())
        in_phase1 = registry.get(ind_id).kind in choices.phase1_kinds and \
            directions[ind_id] is not None
        number = versions.get(f"{ind_id}:{choices.year}")
        version = next((v for v in registry.get(ind_id).versions if v.version == number), None)
        result["indicators"].append({"indicator": ind_id, "title": registry.get(ind_id).title,
                                     "direction": directions[ind_id], "n": n,
                                     "phase1": in_phase1, "version": number,
                                     "variant": version.variant if version else None})
        if in_phase1 and n:
            best, worst = extremes(col, directions[ind_id], share=choices.share,
                                   k_rule=choices.k_rule, ties=choices.ties,
                                   method=choices.method, order=order,
                                   base_n=len(members_universe) if choices.base == "universe" else None)
            groups["best"][ind_id], groups["worst"][ind_id] = best, worst
        elif in_phase1:
            result["notes"].append(f"{ind_id}: no values for {choices.year}; left out of phase one")
    for variant in choices.variants():
        missing = [i["indicator"] for i in result["indicators"] if i["version"]
                   and i["variant"] is None and variant in registry.get(i["indicator"]).variants()]
        if missing:
            result["notes"].append(f"no {variant} version for {', '.join(missing)} in "
                                   f"{choices.year}: their default versions are used")
    return groups


def _phase1_side(counts, members, universe, rated, top) -> dict:
    dist = distribution(counts)
    picked = named(counts, top=top, minimum=1)
    named_rows = []
    for la, count in picked.items():
        r = rated.loc[la] if la in rated.index else None
        named_rows.append({"la_code": la, "la_name": universe.loc[la, "name"], "count": int(count),
                           "ofsted_rating": r.grade if r is not None else "not yet completed",
                           "ofsted_date": r.published.isoformat() if r is not None and
                           pd.notna(r.published) else None})
    return {"distribution": {str(int(k)): int(v) for k, v in
                             zip(dist.indicators, dist.authorities)},
            "table": dist.to_dict(orient="records"), "named": named_rows,
            "members": {k: sorted(v) for k, v in members.items()},
            "counts": {la: int(c) for la, c in counts.items() if c >= 1}}


def _recode_note(name: str, la: str, grade: str, official) -> str:
    if pd.notna(official):
        return f"{name} ({la}) is rated {grade}, not Ofsted's {official}: a recode"
    return (f"{name} ({la}) is counted as {grade}, though Ofsted published no counted judgement "
            "of it in the window: a recode")
