"""Which authorities are alike: statistical neighbours from the store (what
``csc-outcomes neighbours`` calls), and the helpers the typology and the sample share.

Each report opens the store once, fetches tidy frames, runs the pure functions of
:mod:`.neighbours` and returns :class:`~.findings.Findings`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import resolve_store_path
from ..data.store import Store
from ..errors import AnalysisError
from ..indicators import load_registry, values
from . import neighbours as nb
from .findings import Findings

#: share of existing authorities a variable must cover for its year to be the default
YEAR_COVERAGE = 0.9


def find_authority(register: pd.DataFrame, text: str) -> str:
    """The la_code of an authority named by ONS code, DfE number or name (any case).

    Raises ValueError naming the closest names when nothing matches.
    """
    la = register[register["level"] == "la"]
    wanted = str(text).strip()
    for column in ("la_code", "dfe_code"):
        hit = la[la[column].astype(str).str.upper() == wanted.upper()]
        if len(hit) == 1:
            return str(hit["la_code"].iloc[0])
    hit = la[la["name"].str.casefold() == wanted.casefold()]
    if len(hit) == 1:
        return str(hit["la_code"].iloc[0])
    close = difflib.get_close_matches(wanted, la["name"].tolist(), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"{wanted!r} is not an authority's ONS code (E09000007), DfE number "
                     f"(202) or name (Camden).{hint}")


def authority_code(text: str, store: str | Path | None = None) -> str:
    """:func:`find_authority` against the store's register."""
    with Store(resolve_store_path(store), read_only=True) as st:
        return find_authority(st.table("la"), text)


def numeric_variables(weights: dict, registry) -> list[str]:
    """The indicator variables among ``weights`` (checked against the registry)."""
    ids = [v for v in weights if v not in nb.CATEGORIES]
    unknown = [v for v in ids if v not in registry.indicators]
    if unknown:
        ctx = sorted(i.id for i in registry.indicators.values() if i.kind == "context")
        raise ValueError(f"unknown context variable(s) {unknown}: use region, authority_type "
                         f"or an indicator id such as {', '.join(ctx)}")
    return ids


def default_year(store: Path, ids: list[str], registry) -> int:
    """The latest year in which every variable covers at least :data:`YEAR_COVERAGE` of
    the authorities that existed."""
    if not ids:
        return int(store_years(store)[-1])
    v = values(ids, store=store, registry=registry)
    got = (v[v["status"] == "value"].groupby(["period", "indicator"])["la_code"].nunique()
           .unstack(fill_value=0).reindex(columns=ids, fill_value=0))
    with Store(store, read_only=True) as st:
        for year in sorted(got.index, reverse=True):
            if (got.loc[year] >= YEAR_COVERAGE * len(st.authorities(int(year)))).all():
                return int(year)
    raise AnalysisError(f"no year in which {', '.join(ids)} all cover "
                        f"{YEAR_COVERAGE:.0%} of authorities")


def store_years(store: Path) -> list[int]:
    with Store(store, read_only=True) as st:
        first, end = st.year_span()
    return list(range(first, end))


def context_for(store: Path, year: int, weights: dict, registry) -> pd.DataFrame:
    """The context frame (:func:`.neighbours.context_frame`) of the authorities that
    existed on 31 March of ``year``, with a ``la_name`` attribute map in ``attrs``."""
    ids = numeric_variables(weights, registry)
    vals = values(ids, [year], store=store, registry=registry) if ids else \
        pd.DataFrame(columns=["la_code", "indicator", "value", "status"])
    with Store(store, read_only=True) as st:
        auth = st.authorities(year)
    if auth.empty:
        raise AnalysisError(f"no authorities existed on 31 March {year}")
    ctx = nb.context_frame(vals, auth, list(weights))
    ctx.attrs["names"] = auth["name"].to_dict()
    return ctx


def names_of(store: Path) -> dict[str, str]:
    with Store(store, read_only=True) as st:
        return st.table("la").set_index("la_code")["name"].to_dict()


def empty_variables(ctx: pd.DataFrame, weights: dict) -> list[str]:
    """Variables with weight but no value for any authority."""
    return [v for v, w in weights.items() if w > 0 and ctx[v].notna().sum() == 0]


def check_variables(ctx: pd.DataFrame, weights: dict, year: int) -> None:
    """Refuse a year in which a weighted variable has no value at all."""
    empty = empty_variables(ctx, weights)
    if empty:
        raise AnalysisError(
            f"{', '.join(empty)} {'has' if len(empty) == 1 else 'have'} no value for any "
            f"authority in {year}: choose another --year, or leave "
            f"{'it' if len(empty) == 1 else 'them'} out with "
            + " ".join(f"--weight {v}=0" for v in empty) + ".")


def missing_note(ctx: pd.DataFrame, names: dict) -> list[str]:
    """Which authorities lack which variables (named when few, counted when many)."""
    year = ctx.attrs.get("year", "the year")
    gaps = ctx.isna()
    notes = []
    for v in ctx.columns[gaps.any()]:
        codes = list(ctx.index[gaps[v]])
        who = (", ".join(f"{names.get(c, c)} ({c})" for c in codes) if len(codes) <= 10
               else f"{len(codes)} of the {len(ctx)} authorities")
        notes.append(f"{v}: no value in {year} for {who}; their distances use the other "
                     "variables (pairs sharing too little weight get none).")
    return notes


def neighbours_report(store: str | Path | None = None, la: str | None = None, *,
                      year: int | None = None, k: int = 10, weights: dict | None = None,
                      transforms: dict | None = None, min_shared: float = 0.5,
                      registry=None) -> Findings:
    """Statistical neighbours for a year, and how far they agree with DfE's.

    Parameters
    ----------
    store : the store file.
    la : an authority (ONS code, DfE number or name) to report on; None for all.
    year : reporting year of the context (default: the latest in which every numeric
        variable covers 90% of authorities). Only authorities that existed on 31 March
        of the year are neighbours, so an authority created in a reorganisation has
        neighbours in its own years only.
    k : neighbours per authority.
    weights, transforms, min_shared : see :func:`.neighbours.distance_matrix`.

    Returns
    -------
    Findings ``neighbours`` with tables ``neighbours`` (la_code, la_name, source
    ``csc-outcomes`` or the published grouping, year, rank, neighbour_code,
    neighbour_name, distance (ours, for either list), our_rank, closeness (DfE's band),
    in_other (also in the other list), largest_difference), ``overlap`` (per authority,
    in the published grouping's own year: n_published, n_ours, overlap,
    published_only, ours_only), ``drivers`` (:func:`.neighbours.drivers`),
    ``variables`` (:func:`.neighbours.variable_table`), ``context`` (the values
    behind the distances) and ``published`` (DfE's groupings as loaded,
    :func:`.neighbours.published_groupings`, with names; the authority's only when
    ``la`` is given).
    """
    registry = registry or load_registry()
    path = resolve_store_path(store)
    weights = dict(nb.DEFAULT_WEIGHTS if weights is None else weights)
    transforms = dict(nb.DEFAULT_TRANSFORMS if transforms is None else transforms)
    ids = numeric_variables(weights, registry)
    year = int(year) if year is not None else default_year(path, ids, registry)
    with Store(path, read_only=True) as st:
        register, sn = st.table("la"), st.table("stat_neighbour")
    code = find_authority(register, la) if la is not None else None
    names = register.set_index("la_code")["name"].to_dict()
    ctx = context_for(path, year, weights, registry)
    ctx.attrs["year"] = year
    check_variables(ctx, weights, year)
    if code is not None and code not in ctx.index:
        raise AnalysisError(f"{names.get(code, code)} did not exist on 31 March {year}; "
                            "choose a year in which it did.")
    dist = nb.distance_matrix(ctx, weights, transforms, min_shared)
    used = {v: w for v, w in weights.items() if w > 0}
    ours = nb.neighbours(dist, k, nb.differences(ctx[list(used)], transforms), used)
    published = nb.published_groupings(sn, register)
    findings = Findings("neighbours", [], {}, notes=missing_note(ctx, names), parameters={
        "year": year, "k": k, "weights": weights, "transforms": transforms,
        "min_shared": min_shared, "la": code})
    _compare(findings, path, published, weights, transforms, min_shared, k, registry, names)
    findings.tables["neighbours"] = _lists(ours, published, dist, code, year, names)
    shown_pub = published if code is None else published[published["la_code"] == code]
    findings.tables["published"] = shown_pub.assign(
        la_name=shown_pub["la_code"].map(names),
        neighbour_name=shown_pub["neighbour_code"].map(names))
    shown = ctx.index if code is None else [code, *ours.loc[ours["la_code"] == code,
                                                            "neighbour_code"]]
    findings.tables["context"] = ctx.loc[shown].reset_index().assign(
        year=year, la_name=lambda d: d["la_code"].map(names))
    findings.tables["variables"] = nb.variable_table(ctx, weights, transforms)
    findings.verdict = _verdict(findings, code, year, names, k)
    findings.notes.append("No measure of population density or rurality is held in the "
                          "store (no area, sparsity or rural-urban classification); the "
                          "authority type (London borough, metropolitan district, unitary, "
                          "shire county) stands in for it.")
    return findings


def _lists(ours, published, dist, code, year, names) -> pd.DataFrame:
    pub = published[published["current"]]
    if code is not None:
        ours, pub = ours[ours["la_code"] == code], pub[pub["la_code"] == code]
    rk = nb.ranks(dist)
    a = ours.assign(source="csc-outcomes", year=year, closeness=None,
                    our_rank=ours["rank"].astype(float))
    b = pub.assign(source="DfE " + pub["grouping"], year=pub["reporting_year"],
                   largest_difference=None)
    b["distance"] = [_at(dist, x, y) for x, y in zip(b["la_code"], b["neighbour_code"])]
    b["our_rank"] = [_at(rk, x, y) for x, y in zip(b["la_code"], b["neighbour_code"])]
    mine = set(zip(a["la_code"], a["neighbour_code"]))
    theirs = set(zip(b["la_code"], b["neighbour_code"]))
    a["in_other"] = [p in theirs for p in zip(a["la_code"], a["neighbour_code"])]
    b["in_other"] = [p in mine for p in zip(b["la_code"], b["neighbour_code"])]
    out = pd.concat([a, b], ignore_index=True)
    out["la_name"] = out["la_code"].map(names)
    out["neighbour_name"] = out["neighbour_code"].map(names)
    cols = ["la_code", "la_name", "source", "year", "rank", "neighbour_code",
            "neighbour_name", "distance", "our_rank", "closeness", "in_other",
            "largest_difference"]
    return out[cols]


def _at(frame: pd.DataFrame, row: str, col: str) -> float:
    if row in frame.index and col in frame.columns:
        return float(frame.at[row, col])
    return np.nan


def _compare(findings, path, published, weights, transforms, min_shared, k, registry,
             names) -> None:
    current = published[published["current"]]
    if current.empty:
        findings.notes.append("No published statistical neighbour grouping is loaded, so "
                              "there is nothing to compare with.")
        return
    grouping = current["grouping"].max()
    pub = current[current["grouping"] == grouping]
    year = int(pub["reporting_year"].iloc[0])
    ctx = context_for(path, year, weights, registry)
    empty = empty_variables(ctx, weights)
    if empty:
        findings.notes.append(f"No comparison with DfE's groupings ({grouping}): "
                              f"{', '.join(empty)} has no value in their year ({year}).")
        return
    dist = nb.distance_matrix(ctx, weights, transforms, min_shared)
    ours = nb.neighbours(dist, k)
    ov = nb.overlap(ours, pub)
    ov.insert(1, "la_name", ov["la_code"].map(names))
    ov.insert(2, "year", year)
    findings.tables["overlap"] = ov
    findings.tables["drivers"] = nb.drivers(ctx, ours, pub, weights, transforms, k,
                                            min_shared)
    old = published[~published["current"]]["la_code"].nunique()
    findings.parameters.update(compare_year=year, grouping=grouping)
    findings.notes.append(
        f"DfE's groupings ({grouping}) are compared with csc-outcomes' neighbours in the "
        f"reporting year that contains their date ({year}), for the {len(ov)} authorities "
        f"in both." + (f" The file's {old} neighbour lists of authorities abolished before "
                       "then are loaded but not compared." if old else ""))


def _verdict(findings, code, year, names, k) -> list[str]:
    lines = []
    if code is not None:
        mine = findings.tables["neighbours"]
        ours = mine[mine["source"] == "csc-outcomes"]
        if ours.empty:
            lines.append(f"{names.get(code, code)} has no neighbours in {year}: it shares "
                         "too little of the weighted context with any other authority.")
        else:
            lines.append(f"{names.get(code, code)}'s {len(ours)} nearest authorities on "
                         f"context in {year}: " + ", ".join(
                             f"{n} ({d:.2f})" for n, d in zip(ours["neighbour_name"],
                                                              ours["distance"])) + ".")
        ov = findings.tables.get("overlap")
        if ov is not None and code in set(ov["la_code"]):
            r = ov[ov["la_code"] == code].iloc[0]
            lines.append(f"In {r['year']}, the year of DfE's {findings.parameters['grouping']} "
                         f"grouping, {r['overlap']} of csc-outcomes' {r['n_ours']} are among "
                         f"DfE's {r['n_published']} statistical neighbours.")
    ov = findings.tables.get("overlap")
    if ov is not None and len(ov):
        q = ov["overlap"].quantile([0.25, 0.5, 0.75])
        lines.append(f"Across the {len(ov)} authorities in both, csc-outcomes' {k} nearest "
                     f"share a median of {q[0.5]:g} of DfE's {k} (quartiles {q[0.25]:g} to "
                     f"{q[0.75]:g}; {int((ov['overlap'] == 0).sum())} share none).")
        dr = findings.tables["drivers"]
        top = dr.assign(excess=dr["gap_published_only"] - dr["gap_ours_only"]).sort_values(
            "excess", ascending=False).iloc[0]
        lines.append(f"DfE's neighbours that csc-outcomes does not pick differ most on "
                     f"{top['variable']} (mean gap {top['gap_published_only']:.2f} against "
                     f"{top['gap_ours_only']:.2f} for ours only): DfE's grouping gives it "
                     "less weight, or measures something it stands for differently.")
    return lines
