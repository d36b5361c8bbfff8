"""Children's social care spending as context: per child in need and per child, in cash
and in real terms, on geographies that stay the same across reorganisations.

Spending comes from the ``csc-expenditure-per-child-in-need`` and
``csc-expenditure-per-child`` indicators (their numerator is the gross expenditure, their
denominators the children in need at 31 March and the ONS 0-17 population). Reporting year
``Y`` is the financial year ending 31 March ``Y``.
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import AnalysisError

PER_CIN, PER_CHILD = "csc-expenditure-per-child-in-need", "csc-expenditure-per-child"
COLUMNS = ["area_code", "area_name", "members", "period", "expenditure", "children_in_need",
           "children", "per_child_in_need", "per_child", "complete"]
_FY = re.compile(r"^\s*(\d{4})\s*[-–/]\s*(\d{2,4})\b")


def shipped_deflator() -> Path:
    """The deflator file shipped with the package (see its comments)."""
    return Path(str(resources.files("csc_outcomes.analysis").joinpath(
        "reference/gdp_deflator.yaml")))


def load_deflator(path: str | Path | None = None) -> pd.DataFrame:
    """A financial-year price index: one row per reporting year (the year the financial
    year ends in) with its ``index``.

    Parameters
    ----------
    path : the shipped YAML file (default), a YAML file of the same form, or HM Treasury's
        published CSV ("GDP deflators at market prices, and money GDP"), whose
        financial-year rows (``2016-17``, index, ...) are read.

    Returns
    -------
    DataFrame with year and index; ``attrs`` holds the reference (source, title, edition,
    url, base). Raises AnalysisError when the file holds no values.
    """
    path = Path(path) if path else shipped_deflator()
    if path.suffix.lower() in (".yaml", ".yml"):
        meta = yaml.safe_load(path.read_text()) or {}
        values = meta.pop("values", None) or {}
    else:
        meta, values = _read_hmt_csv(path)
    rows = [(_fy_end(k), float(v)) for k, v in values.items() if _fy_end(k) is not None]
    if not rows:
        raise AnalysisError(
            f"{path.name} holds no deflator values, so real terms cannot be computed. Pass "
            "HM Treasury's published CSV with --deflator (see docs/methods.md).")
    out = pd.DataFrame(rows, columns=["year", "index"]).sort_values("year")
    out.attrs = {k: meta.get(k) for k in ("source", "title", "series", "edition", "url", "base")}
    out.attrs["file"] = str(path)
    return out.reset_index(drop=True)


def _fy_end(label) -> int | None:
    m = _FY.match(str(label))
    if not m:
        return None
    start, end = int(m.group(1)), m.group(2)
    return start + 1 if len(end) == 2 and (start + 1) % 100 == int(end) else (
        int(end) if len(end) == 4 else None)


def _read_hmt_csv(path: Path) -> tuple[dict, dict]:
    values, base = {}, None
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
        for row in csv.reader(f):
            cells = [c.strip() for c in row]
            for c in cells:
                m = re.match(r"^(\d{4}-\d{2}) = 100$", c)
                if m and base is None:
                    base = m.group(1)
            if len(cells) > 1 and _FY.match(cells[0]) and re.match(r"^\d+(\.\d+)?$",
                                                                    cells[1].replace(",", "")):
                values[cells[0]] = float(cells[1].replace(",", ""))
    meta = {"source": "HM Treasury", "title": "GDP deflators at market prices, and money GDP",
            "edition": path.name, "base": base}
    return meta, values


def deflate(frame: pd.DataFrame, deflator: pd.DataFrame, *, columns: list[str],
            base_year: int | None = None) -> pd.DataFrame:
    """Add ``<column>_real`` for each of ``columns``: cash values in year ``period``
    restated in the prices of ``base_year`` (default the deflator's latest year):
    real = cash * index[base_year] / index[period]. Years the deflator lacks get NaN."""
    idx = deflator.set_index("year")["index"]
    base_year = int(base_year if base_year is not None else idx.index.max())
    if base_year not in idx.index:
        raise AnalysisError(f"the deflator has no value for {base_year}")
    factor = idx[base_year] / frame["period"].map(idx)
    out = frame.copy()
    for c in columns:
        out[f"{c}_real"] = out[c] * factor
    out.attrs = {**frame.attrs, "price_base": base_year}
    return out


def geography_groups(register: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Authorities that must be added together to compare years across a reorganisation.

    Returns
    -------
    DataFrame with la_code, area_code and area_name. A reorganisation's predecessors and
    successors form one area (codes joined with ``+``; names with ``/``); a recode maps the
    old code to the new. Every other authority is its own area.
    """
    names = register.set_index("la_code")["name"].to_dict()
    parent = {}

    def find(c):
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for r in changes.itertuples():
        codes = list(r.from_codes) + list(r.to_codes)
        for c in codes:
            parent.setdefault(c, c)
        for c in codes[1:]:
            parent[find(c)] = find(codes[0])
    groups: dict[str, list[str]] = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    recoded = {c for r in changes.itertuples() if r.kind != "reorganisation" for c in r.to_codes}
    rows = []
    for members in groups.values():
        members = sorted(set(members))
        newest = [c for c in members if c in recoded]
        if newest and all(k != "reorganisation" for k in _kinds(changes, members)):
            code = newest[-1]
            name = names.get(code) or next((names[c] for c in members if c in names), code)
        else:
            code, name = "+".join(members), " / ".join(names.get(c, c) for c in members)
        rows += [(m, code, name) for m in members]
    out = pd.DataFrame(rows, columns=["la_code", "area_code", "area_name"])
    rest = register[register["level"].eq("la") & ~register["la_code"].isin(out["la_code"])]
    rest = pd.DataFrame({"la_code": rest["la_code"], "area_code": rest["la_code"],
                         "area_name": rest["name"]})
    return pd.concat([out, rest], ignore_index=True)


def _kinds(changes: pd.DataFrame, members: list[str]) -> list[str]:
    return [r.kind for r in changes.itertuples()
            if set(r.from_codes) & set(members) or set(r.to_codes) & set(members)]


def spending(values: pd.DataFrame, groups: pd.DataFrame, alive: pd.DataFrame,
             population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spending per child in need and per child, on comparable areas.

    Parameters
    ----------
    values : values of the ``csc-expenditure-per-child-in-need`` and
        ``csc-expenditure-per-child`` indicators.
    groups : frame from :func:`geography_groups`.
    alive : la_code and period for every authority that existed in each year (the
        authorities whose parts must all be present for an area's sum to be complete).
    population : la_code, period and children (aged 0-17) for every code with an
        estimate, whether or not it has spending that year (``csc-expenditure-per-child``
        computed with ``all_authorities=True``, its denominator). ONS estimates a year on
        the boundaries in force at mid-year, so a year in which authorities were
        reorganised on 1 April has spending on the old authorities and children on the
        new ones: an area's children count when its codes with an estimate are all the
        authorities that existed on 31 March of the year or all those of the year
        after. Default: the children of the authorities with spending, which leaves
        such years empty.

    Returns
    -------
    DataFrame with area_code, area_name, members (authorities summed that year), period,
    expenditure (GBP, gross, cash), children_in_need (at 31 March), children (aged 0-17),
    per_child_in_need, per_child and complete (every authority of the area that existed
    that year has a value; otherwise the sums are left empty).
    """
    cin = values[values["indicator"] == PER_CIN]
    pop = values[values["indicator"] == PER_CHILD]
    ok_cin = cin["status"].eq("value")
    d = pd.DataFrame({"la_code": cin["la_code"], "period": cin["period"],
                      "expenditure": cin["numerator"].where(ok_cin),
                      "children_in_need": cin["denominator"].where(ok_cin)})
    p = pd.DataFrame({"la_code": pop["la_code"], "period": pop["period"],
                      "children": pop["denominator"].where(pop["status"].eq("value"))})
    d = d.merge(p, on=["la_code", "period"], how="outer").merge(groups, on="la_code")
    need = alive.merge(groups, on="la_code").groupby(["area_code", "period"]).size()
    g = d[d["expenditure"].notna()].groupby(["area_code", "area_name", "period"])
    out = g.agg(members=("la_code", lambda s: ";".join(sorted(s))),
                n=("la_code", "size"), expenditure=("expenditure", "sum"),
                children_in_need=("children_in_need", "sum"),
                children=("children", lambda s: s.sum(min_count=len(s)))).reset_index()
    out["complete"] = out.set_index(["area_code", "period"]).index.map(need).to_numpy() \
        == out["n"].to_numpy()
    for c in ("expenditure", "children_in_need", "children"):
        out[c] = out[c].where(out["complete"])
    if population is not None:
        children = _area_children(population, groups, alive)
        out["children"] = pd.Series(out.set_index(["area_code", "period"]).index.map(
            children).to_numpy(dtype=float), index=out.index).where(out["complete"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["per_child_in_need"] = out["expenditure"] / out["children_in_need"]
        out["per_child"] = out["expenditure"] / out["children"]
    return out[COLUMNS].sort_values(["area_code", "period"]).reset_index(drop=True)


def _area_children(population: pd.DataFrame, groups: pd.DataFrame,
                   alive: pd.DataFrame) -> pd.Series:
    """Children per (area_code, period): the sum over the area's codes with an estimate,
    when those codes are all the area's authorities of 31 March of the year or all those
    of the year after (see :func:`spending`); otherwise missing."""
    pop = population.dropna(subset=["children"]).merge(groups, on="la_code")
    by_area = pop.groupby(["area_code", "period"])
    codes, total = by_area["la_code"].agg(frozenset), by_area["children"].sum()
    existed = alive.merge(groups, on="la_code").groupby(["area_code", "period"])[
        "la_code"].agg(frozenset)
    after = existed.rename(lambda y: y - 1, level="period")
    same = [codes[k] in (existed.get(k), after.get(k)) for k in codes.index]
    return total[same]


def ranked(frame: pd.DataFrame, column: str, year: int, *, n: int = 5) -> pd.DataFrame:
    """The ``n`` highest and ``n`` lowest areas on ``column`` in ``year``: the rows of
    :func:`spending` with ``end`` (``highest`` or ``lowest``) and ``rank``."""
    y = frame[(frame["period"] == year) & frame[column].notna()]
    hi = y.nlargest(n, column).assign(end="highest")
    lo = y.nsmallest(n, column).assign(end="lowest")
    out = pd.concat([hi, lo], ignore_index=True)
    out["rank"] = out.groupby("end").cumcount() + 1
    return out
