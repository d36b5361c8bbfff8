"""The framework coverage map: every dimension and evidence-map feature of the 2016
study, the indicators that measure it, and how much national data there is, or a gap.

This is the study's key qualitative output (Appendix 1 against the available data)
made live: it changes as definitions are added and releases loaded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .compute import values
from .registry import Registry, framework, load_registry


def indicator_coverage(registry: Registry, store: str | Path | None = None,
                       computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per indicator: years with any value, and authorities with a value in each year.

    ``computed`` is the frame ``values(list(registry.indicators))`` returns (without
    England and the regions), if already at hand: it is used instead of computing it again.

    Returns
    -------
    DataFrame with columns indicator, years (list of years with at least one value),
    first_year, last_year, n_years, min_las, max_las (authorities with a value, over those
    years), las_by_year (dict year -> authorities with a value).
    """
    vals = computed if computed is not None else values(list(registry.indicators),
                                                        registry=registry, store=store)
    ok = vals[vals.status == "value"]
    per_year = ok.groupby(["indicator", "period"]).la_code.nunique()
    rows = []
    for ind in sorted(registry.indicators):
        counts = per_year.get(ind, pd.Series(dtype=int))
        by_year = {int(y): int(n) for y, n in counts.items()} if len(counts) else {}
        rows.append({"indicator": ind, "years": sorted(by_year), "n_years": len(by_year),
                     "first_year": min(by_year) if by_year else None,
                     "last_year": max(by_year) if by_year else None,
                     "min_las": min(by_year.values()) if by_year else 0,
                     "max_las": max(by_year.values()) if by_year else 0,
                     "las_by_year": by_year})
    return pd.DataFrame(rows)


def coverage(store: str | Path | None = None, registry: Registry | None = None,
             set_name: str | None = None, computed: pd.DataFrame | None = None) -> dict:
    """The coverage map, of every indicator or of one indicator set.

    Parameters
    ----------
    store : the store file.
    registry : the definitions (default: the built-ins and ``CSC_OUTCOMES_INDICATORS``).
    set_name : map only the indicators of this set: which features the set measures and
        which it leaves as gaps.
    computed : the registry's values, if already computed (see :func:`indicator_coverage`).

    Returns
    -------
    dict with ``source`` (the study), ``dimensions`` (each with id, title, need, found and
    ``features``: id, title, evidence type, AF domain, indicators [{id, title, n_years,
    first_year, last_year, min_las, max_las}] and ``status`` "measured", "defined, no data"
    or "gap: no national indicator"), ``outside_map`` (indicators tied to no feature, such
    as context measures), ``summary`` counts and ``set`` (the set mapped, or None). With a
    set, a feature that only indicators outside the set measure has status "not in the
    set" and lists those indicators as ``outside_set``.
    """
    registry = registry or load_registry()
    elsewhere = _by_feature(registry) if set_name else {}
    if set_name:
        registry = Registry({i.id: i for i in registry.resolve(None, set_name)},
                            {set_name: registry.sets[set_name]}, registry.origin)
    if computed is not None and set_name:
        computed = computed[computed.indicator.isin(registry.indicators)]
    cov = indicator_coverage(registry, store, computed).set_index("indicator")
    fw = framework()
    by_feature = _by_feature(registry)
    dims, counts = [], {"features": 0, "measured": 0, "no_data": 0, "gaps": 0}
    if set_name:
        counts["not_in_set"] = 0
    key = {"measured": "measured", "defined, no data": "no_data", "not in the set": "not_in_set"}
    for dim in fw["dimensions"]:
        feats = [_feature(f, registry, cov, by_feature.get(f["id"], []),
                          elsewhere.get(f["id"], []), bool(set_name)) for f in dim["features"]]
        for f in feats:
            counts["features"] += 1
            counts[key.get(f["status"], "gaps")] += 1
        dims.append({"id": dim["id"], "title": dim["title"], "need": dim["need"],
                     "found": dim["found"], "features": feats})
    known = {f["id"] for d in fw["dimensions"] for f in d["features"]}
    outside = [_ind(registry, cov, i.id) for i in registry.indicators.values()
               if not set(i.framework.features) & known]
    unknown = sorted({f for i in registry.indicators.values() for f in i.framework.features} - known)
    return {"source": fw["source"], "set": set_name, "dimensions": dims,
            "outside_map": outside, "unknown_features": unknown, "summary": counts}


def _by_feature(registry: Registry) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ind in registry.indicators.values():
        for feature in ind.framework.features:
            out.setdefault(feature, []).append(ind.id)
    return out


def _feature(f: dict, registry: Registry, cov: pd.DataFrame, ids: list[str],
             all_ids: list[str], in_set: bool) -> dict:
    inds = [_ind(registry, cov, i) for i in sorted(ids)]
    others = sorted(set(all_ids) - set(ids))
    status = ("measured" if any(i["n_years"] for i in inds) else "defined, no data" if inds
              else "not in the set" if others else "gap: no national indicator")
    out = {"id": f["id"], "title": f["title"], "evidence": f["type"], "af": f.get("af"),
           "measures_in_literature": f.get("measures"), "indicators": inds, "status": status}
    return out | ({"outside_set": others} if in_set else {})


def _ind(registry: Registry, cov: pd.DataFrame, ind_id: str) -> dict:
    ind = registry.get(ind_id)
    c = cov.loc[ind_id]
    return {"id": ind_id, "title": ind.title, "dimension": ind.framework.dimension,
            "n_years": int(c.n_years),
            "first_year": None if pd.isna(c.first_year) else int(c.first_year),
            "last_year": None if pd.isna(c.last_year) else int(c.last_year),
            "min_las": int(c.min_las), "max_las": int(c.max_las)}
