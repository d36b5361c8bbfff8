"""Is it improving? The completeness and spending analyses run on a store (the functions
``analyse completeness`` and ``analyse spending`` call)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import resolve_store_path
from ..data.store import opened
from ..errors import AnalysisError
from ..indicators import load_registry, values
from . import completeness as comp
from . import spending as sp
from .improving import Report, _names, _only


def completeness_report(store: str | Path | None = None, *, years: list[int] | None = None,
                        authorities: list[str] | None = None,
                        threshold: float = comp.DEFAULT_THRESHOLD, ids: list[str] | None = None,
                        set_name: str | None = None, least: int = 5,
                        registry=None) -> Report:
    """Coverage of the eligible population, flags and cell completeness.

    Returns a Report with tables ``coverage`` (per authority, year and measure),
    ``flagged`` (coverage below ``threshold``), ``least_complete`` (per measure, the
    ``least`` authorities with the lowest mean coverage) and, with indicators, ``cells``
    (published, suppressed and missing values per authority and year).
    """
    registry = registry or load_registry()
    path = resolve_store_path(store)
    v = values(years=years, set_name="completeness", store=path, registry=registry)
    cover = comp.coverage(v, threshold=threshold)
    with opened(path) as st:
        names = _names(st.table("la"))
    cover.insert(1, "la_name", cover["la_code"].map(names))
    least_rows = [comp.least_complete(cover, m, n=least).assign(measure=m)
                  for m in comp.COVERAGE]
    least_df = pd.concat(least_rows, ignore_index=True)
    least_df.insert(1, "la_name", least_df["la_code"].map(names))
    flagged = cover[cover["low"]]
    report = Report(choices={"threshold": threshold})
    report.tables.update(coverage=_only(cover, authorities), flagged=_only(flagged, authorities),
                         least_complete=least_df)
    if ids or set_name:
        cells = comp.cells(values(ids, years, set_name=set_name, store=path, variants=(),
                                  registry=registry))
        report.tables["cells"] = _only(cells, authorities)
    report.notes += [
        f"Coverage below {threshold:g}% of the eligible children is flagged as too low to "
        "trust: the published rate then describes fewer than half of them, who may differ "
        "from the rest.",
        f"{len(flagged)} authority-years are flagged across {flagged['la_code'].nunique()} "
        "authorities: " + ", ".join(f"{m} {n}" for m, n in
                                    flagged.groupby("measure").size().items()) + ".",
        "A suppressed 'not known' count is 1 to 5 children: coverage is then high but not "
        "published, and the authority is not flagged."]
    return report


def spending_report(store: str | Path | None = None, *, years: list[int] | None = None,
                    authorities: list[str] | None = None, deflator: str | Path | None = None,
                    base_year: int | None = None, rank_years: list[int] | None = None,
                    top: int = 5, registry=None) -> Report:
    """Children's social care spending per child in need and per child (``analyse
    spending``), aligned across reorganisations, in cash and, given a deflator, real terms.

    Returns a Report with tables ``spending`` (per area and year) and ``ranked`` (the
    ``top`` highest and lowest areas per child in need in each of ``rank_years``).
    """
    registry = registry or load_registry()
    path = resolve_store_path(store)
    v = values([sp.PER_CIN, sp.PER_CHILD], years, store=path, registry=registry)
    every = values([sp.PER_CHILD], years, store=path, registry=registry, all_authorities=True)
    population = every.rename(columns={"denominator": "children"})[
        ["la_code", "period", "children"]]
    with opened(path) as st:
        register, changes = st.table("la"), st.table("la_change")
        # the year after the last is asked for too: the test of a reorganisation year
        # compares an area's estimates with the authorities of the year after
        alive = pd.concat([st.authorities(int(y)).reset_index()[["la_code"]].assign(period=int(y))
                           for y in range(int(v["period"].min()), int(v["period"].max()) + 2)],
                          ignore_index=True)
    out = sp.spending(v, sp.geography_groups(register, changes), alive, population)
    report = Report(choices={"base_year": base_year, "deflator": str(deflator or "shipped")})
    report.notes.append("Spending is gross Section 251 outturn on children looked after, "
                        "safeguarding, family support and other children's and families "
                        "services; year Y is the financial year ending 31 March Y. Areas "
                        "that were reorganised are added up to the same boundaries in "
                        "every year.")
    out = _real_terms(out, deflator, base_year, report)
    if authorities:
        groups = sp.geography_groups(register, changes)
        keep = set(groups[groups["la_code"].isin(authorities)]["area_code"])
        out = out[out["area_code"].isin(keep)]
    report.tables["spending"] = out
    have = sorted(out.loc[out["per_child_in_need"].notna(), "period"].unique())
    ranks = []
    for y in rank_years or ([have[0], have[-1]] if have else []):
        if y not in have:
            report.notes.append(f"No spending data for {y}: the releases hold the outturn "
                                f"for {', '.join(map(str, have))}.")
            continue
        ranks.append(sp.ranked(out, "per_child_in_need", int(y), n=top))
    if ranks:
        report.tables["ranked"] = pd.concat(ranks, ignore_index=True)
    return report


def _real_terms(out: pd.DataFrame, deflator, base_year, report: Report) -> pd.DataFrame:
    try:
        d = sp.load_deflator(deflator)
    except AnalysisError as exc:
        report.notes.append(f"Cash terms only: {exc}")
        return out
    out = sp.deflate(out, d, columns=["expenditure", "per_child_in_need", "per_child"],
                     base_year=base_year)
    report.choices["base_year"] = out.attrs["price_base"]
    report.notes.append(f"Real terms in {out.attrs['price_base'] - 1}-"
                        f"{str(out.attrs['price_base'])[2:]} prices, deflated by "
                        f"{d.attrs.get('title')} ({d.attrs.get('edition') or 'edition not stated'}).")
    return out
