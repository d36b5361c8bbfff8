"""Can the data tell? The three analyses run from the store: what each CLI command calls.

Each function reads the indicator values and judgements it needs, keeps only the
authorities that existed in each year (``Store.authorities``), and hands tidy frames to
the pure functions in :mod:`.consistency`, :mod:`.funnel` and :mod:`.ofsted`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import resolve_store_path
from ..data.store import opened
from ..errors import AnalysisError
from ..indicators import load_registry, values
from ..indicators.registry import Registry
from .consistency import consistency
from .findings import Findings, combine, directions
from .funnel import funnel
from .ofsted import ofsted

#: context adjusted for by default: deprivation and size (held for every year 2013-2025)
DEFAULT_CONTEXT = ("imd-average-score", "child-population")
STUDY_YEAR = 2015


def chosen_indicators(registry: Registry, ids=None, set_name: str | None = "study-2016",
                      kinds: tuple | None = None) -> list[str]:
    """Indicator ids named, or a set's members (of the given kinds only, if ``kinds``)."""
    if ids:
        return [i.id for i in registry.resolve(list(ids))]
    members = registry.resolve(None, set_name)
    chosen = [i.id for i in members if not kinds or i.kind in kinds]
    if not chosen:
        raise AnalysisError(f"set {set_name!r} has no indicators of kind "
                            f"{', '.join(kinds or ())}; name indicator ids instead.")
    return chosen


def existing_values(ids: list[str], years: list[int] | None, store: Path,
                    registry: Registry) -> pd.DataFrame:
    """``indicators.values()`` restricted, year by year, to authorities that existed."""
    vals = values(ids, years, store=store, registry=registry)
    with opened(store) as st:
        alive = {int(y): set(st.authorities(int(y)).index) for y in vals.period.unique()}
    keep = np.array([la in alive[int(p)] for la, p in zip(vals.la_code, vals.period)], bool)
    return vals[keep].reset_index(drop=True)


def _per_year(run, years, ids, store, registry) -> Findings:
    store = resolve_store_path(store)
    vals = existing_values(ids, list(years), store, registry)
    parts, skipped = [], []
    for year in years:
        part = vals[vals.period == year]
        if (part.status == "value").sum() == 0:
            skipped.append(f"{year}: no indicator has a value; the year is left out.")
            continue
        with opened(store) as st:
            alive = st.authorities(year).index
        parts.append(run(part, alive))
    if not parts:
        raise AnalysisError("no year asked for has values for these indicators: "
                            + " ".join(skipped))
    out = combine(parts)
    out.notes = skipped + out.notes
    return out


def consistency_report(years=(STUDY_YEAR,), ids=None, set_name: str = "study-2016", *,
                       kinds: tuple | None = ("child-outcome",), contested: str = "study",
                       share: float = 0.10, k_rule: str = "round", base: str = "universe",
                       ties: str = "include",
                       method: str = "rank", draws: int = 10_000, seed: int = 2016,
                       store: str | Path | None = None,
                       registry: Registry | None = None) -> Findings:
    """:func:`consistency.consistency` for each year (default the study's 2015 and its
    11 child-outcome indicators). Returns the combined Findings."""
    registry = registry or load_registry()
    ids = chosen_indicators(registry, ids, set_name, kinds)
    dirs = directions(registry, ids, contested)
    return _per_year(lambda v, alive: consistency(
        v, dirs, authorities=alive, share=share, k_rule=k_rule, base=base, ties=ties,
        method=method,
        draws=draws, seed=seed), years, ids, store, registry)


def funnel_report(years=(STUDY_YEAR,), ids=None, set_name: str = "study-2016", *,
                  contested: str = "study", overdispersion: str = "auto",
                  share: float = 0.10, draws: int = 1000, seed: int = 2016,
                  store: str | Path | None = None,
                  registry: Registry | None = None) -> Findings:
    """:func:`funnel.funnel` for each year over a set's (or the named) indicators."""
    registry = registry or load_registry()
    ids = chosen_indicators(registry, ids, set_name)
    dirs = directions(registry, ids, contested)
    units = {i: registry.get(i).unit for i in ids}
    return _per_year(lambda v, alive: funnel(
        v, dirs, units, authorities=alive, overdispersion_rule=overdispersion, share=share,
        draws=draws, seed=seed), years, ids, store, registry)


def ofsted_report(ids=None, set_name: str = "study-2016", *, years=None,
                  context=DEFAULT_CONTEXT, selection: str = "all",
                  published_from: date | None = None, published_to: date | None = None,
                  coding: str = "outstanding-1", pairing: str = "before", min_n: int = 30,
                  store: str | Path | None = None,
                  registry: Registry | None = None) -> Findings:
    """:func:`ofsted.ofsted` over every SIF and ILACS judgement (or those selected), each
    paired with the indicator values of the last data year before publication."""
    registry = registry or load_registry()
    store = resolve_store_path(store)
    ids = chosen_indicators(registry, ids, set_name)
    context = [c for c in dict.fromkeys(context or ()) if c not in ids]
    for c in context:
        registry.get(c)
    vals = existing_values([*ids, *context], None, store, registry)
    with opened(store) as st:
        judged = st.judgements(("SIF", "ILACS"))
    meta = {i: registry.get(i) for i in [*ids, *context]}
    return ofsted(vals, judged, indicators=ids, context=context,
                  period_kinds={i: m.period for i, m in meta.items()},
                  units={i: m.unit for i, m in meta.items()}, selection=selection,
                  published_from=published_from, published_to=published_to, coding=coding,
                  pairing=pairing, years=list(years) if years else None, min_n=min_n)
