"""What the server adds to the static pages: search by any name or code of an authority
(or an indicator's id or title), and a comparison of chosen authorities on chosen
indicators and years.

Everything here works on the report's frames in memory: a query never reaches the
database, and every choice is checked against the register and the definitions before
it is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data.register import normalise_name
from .charts import Chart, chart, compare_template, wrap
from .context import ENGLAND, ReportData
from .indicator_page import UNIT_AXIS
from .pages import Page, authority_href, indicator_href, nearest
from .tables import Column, Table, fmt_number

#: the most authorities and indicators one comparison shows (a chart stays readable)
MAX_CHOSEN = 12


def find_authorities(data: ReportData, query: str) -> list[dict]:
    """Authorities (of any year) any of whose codes or names contains ``query``: exact
    code or name matches first. Each: la_code, name, matched (the variant that matched),
    href (None for an authority that no longer exists) and successors."""
    q = query.strip()
    if not q:
        return []
    key, upper = normalise_name(q), q.upper()
    names = data.names
    hit = names.normalised.str.contains(key, regex=False) | \
        names.name.str.upper().str.contains(upper, regex=False)
    codes = data.register.index[(data.register.level == "la")
                                & data.register.index.str.startswith(upper)]
    found: dict[str, str] = {c: c for c in codes}
    for code, name, norm in zip(names.la_code[hit], names.name[hit], names.normalised[hit]):
        found.setdefault(code, name)
    exact = {c for c, m in found.items()
             if m.upper() == upper or normalise_name(m) == key or c == upper}
    out = []
    for code, matched in found.items():
        if code not in data.register.index or data.register.level.get(code) != "la":
            continue
        current = code in data.authorities.index
        successors = [] if current else [
            (data.name(s), authority_href(s)) for s in _successors(data, code)]
        out.append({"la_code": code, "name": data.name(code), "matched": matched,
                    "href": authority_href(code) if current else None,
                    "successors": successors, "exact": code in exact})
    return sorted(out, key=lambda r: (not r["exact"], r["href"] is None, r["name"]))


def _successors(data: ReportData, code: str) -> list[str]:
    found = data.register.successors.get(code)
    if found is None or (isinstance(found, float) and found != found):
        return []
    return [s for s in found if s in data.authorities.index]


def find_indicators(data: ReportData, query: str) -> list[dict]:
    q = query.strip().lower()
    if not q:
        return []
    return [{"id": i, "title": data.registry.get(i).title, "href": indicator_href(i)}
            for i in data.indicator_order
            if q in i or q in data.registry.get(i).title.lower()]


def search_page(data: ReportData, query: str) -> Page:
    """Results for ``query``, or the nearest names when nothing contains it."""
    query = query.strip()[:100]
    authorities = find_authorities(data, query)
    indicators = find_indicators(data, query)
    near = []
    if query and not authorities and not indicators:
        choices = dict(zip(data.authorities.name, data.authorities.index))
        near = [(authority_href(choices[label]), f"{label} ({choices[label]})")
                for label, _ in nearest(query, {k: k for k in choices})]
    return Page("search", f"Search: {query}" if query else "Search", "search.html",
                {"query": query, "authorities": authorities, "indicators": indicators,
                 "near": near})


@dataclass
class Choice:
    """A comparison asked for, checked: codes, indicator ids and years that exist, and
    a sentence for each thing asked for that does not."""

    authorities: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    england: bool = True
    problems: list[str] = field(default_factory=list)


def resolve_authority(data: ReportData, wanted: str) -> str | None:
    """The code of the current authority ``wanted`` names (its code, DfE code or any
    name variant), or None."""
    w = wanted.strip()
    if w.upper() in data.authorities.index:
        return w.upper()
    key = normalise_name(w)
    names = data.names[data.names.la_code.isin(data.authorities.index)]
    match = names.la_code[(names.normalised == key) | (names.name == w)]
    return match.iloc[0] if len(match) else None


def choose(data: ReportData, authorities: list[str], indicators: list[str],
           years: list[str], england: bool = True) -> Choice:
    """Check a comparison's choices (as typed in a form or an address)."""
    out = Choice(england=england)
    for wanted in authorities:
        code = resolve_authority(data, wanted) if wanted.strip() else None
        if code:
            out.authorities.append(code)
        elif wanted.strip():
            near = ", ".join(label for _, label in nearest(
                wanted, {c: n for c, n in data.authorities.name.items()}, n=3))
            out.problems.append(f"No authority {wanted.strip()[:60]!r} in {data.year}"
                                + (f"; nearest: {near}." if near else "."))
    for wanted in indicators:
        if wanted in data.registry.indicators:
            out.indicators.append(wanted)
        elif wanted.strip():
            near = ", ".join(k for k, _ in nearest(
                wanted, {i: i for i in data.registry.indicators}, n=3))
            out.problems.append(f"No indicator {wanted.strip()[:60]!r}"
                                + (f"; nearest: {near}." if near else "."))
    for wanted in years:
        if wanted.strip().isdigit() and int(wanted) in data.years:
            out.years.append(int(wanted))
        elif wanted.strip():
            out.problems.append(f"No year {wanted.strip()[:10]!r}: the data cover "
                                f"{data.years[0]}-{data.years[-1]}.")
    out.authorities = list(dict.fromkeys(out.authorities))[:MAX_CHOSEN]
    out.indicators = list(dict.fromkeys(out.indicators))[:MAX_CHOSEN]
    out.years = sorted(set(out.years))
    if len(authorities) > MAX_CHOSEN or len(indicators) > MAX_CHOSEN:
        out.problems.append(f"A comparison shows at most {MAX_CHOSEN} authorities and "
                            f"{MAX_CHOSEN} indicators; the first {MAX_CHOSEN} are shown.")
    return out


def comparison_frame(data: ReportData, choice: Choice) -> pd.DataFrame:
    """Long rows: la_code, name, indicator, period, value, status (England last)."""
    codes = choice.authorities + ([ENGLAND] if choice.england else [])
    years = choice.years or data.years
    v = data.values[data.values.la_code.isin(codes) & data.values.indicator.isin(
        choice.indicators) & data.values.period.isin(years)].copy()
    aside = data.england_set_aside
    if choice.england and not aside.empty:
        drop = pd.MultiIndex.from_frame(aside[["indicator", "period"]])
        out = (v.la_code == ENGLAND) & pd.MultiIndex.from_arrays(
            [v.indicator, v.period]).isin(drop)
        for ind in sorted(set(v.indicator[out])):
            note = (f"England's published figure of {data.registry.get(ind).title} is left "
                    "out: it lies outside the range of every region's (see the indicator's "
                    "page).")
            if note not in choice.problems:
                choice.problems.append(note)
        v = v[~out]
    v["name"] = v.la_code.map(data.name)
    rank = {c: i for i, c in enumerate(codes)}
    order = {i: n for n, i in enumerate(choice.indicators)}
    v = v.assign(_a=v.la_code.map(rank), _i=v.indicator.map(order))
    return v.sort_values(["_i", "_a", "period"]).drop(columns=["_a", "_i"])


def compare_page(data: ReportData, choice: Choice) -> Page:
    """The comparison: a chart (one panel per indicator) and its table, or the form
    alone until authorities and indicators are chosen."""
    context = {"choice": choice, "options": _options(data), "chart": None, "empty": False}
    page = Page("compare", "Compare authorities", "compare.html", context)
    if not (choice.authorities and choice.indicators):
        return page
    long = comparison_frame(data, choice)
    ok = long[long.status == "value"]
    if ok.empty:
        context["empty"] = True
        return page
    context["chart"] = compare_chart(data, choice, long)
    page.charts.append(context["chart"])
    return page


def compare_chart(data: ReportData, choice: Choice, long: pd.DataFrame) -> Chart:
    ok = long[long.status == "value"]
    order = {i: n for n, i in enumerate(choice.indicators)}
    units = {i: data.registry.get(i).unit for i in choice.indicators}
    points = ok.assign(order=ok.indicator.map(order),
                       label=[fmt_number(v, units[i]) for v, i in zip(ok.value, ok.indicator)])
    panels = [wrap(f"{data.registry.get(i).title} ({UNIT_AXIS.get(units[i], units[i])})", 40)
              for i in choice.indicators]
    single = points.period.nunique() == 1
    spec = chart(compare_template(single), points[["order", "name", "period", "value",
                                                   "label"]], panels=panels)
    wide = long.pivot(index=["indicator", "la_code"], columns="period", values="value")
    years = [int(y) for y in wide.columns]
    wide.columns = [f"y{y}" for y in years]
    wide = wide.reset_index()
    codes = choice.authorities + ([ENGLAND] if choice.england else [])
    wide = wide.assign(_i=wide.indicator.map(order), _a=wide.la_code.map(codes.index)).sort_values(
        ["_i", "_a"]).drop(columns=["_i", "_a"])
    wide["name"] = wide.la_code.map(data.name)
    wide["title"] = wide.indicator.map(lambda i: data.registry.get(i).title)
    wide["unit"] = wide.indicator.map(units)
    wide["href"] = wide.la_code.map(lambda c: authority_href(c)
                                    if c in data.authorities.index else None)
    table = Table("comparison", "The chosen authorities on the chosen indicators, by year", wide,
                  [Column("name", "Authority", href="href"), Column("la_code", "ONS code"),
                   Column("title", "Indicator")] +
                  [Column(f"y{y}", str(y), numeric=True, unit_from="unit") for y in years] +
                  [Column("unit", "Unit")], row_header="name")
    names = ", ".join(data.name(c) for c in choice.authorities)
    words = (f"One panel per indicator ({len(choice.indicators)}); in each, one "
             f"{'dot' if single else 'line'} per area ({names}"
             f"{' and England' if choice.england else ''}), told apart by colour and shape. "
             f"{len(ok)} values; gaps are years without a published value."
             + _withheld(data, long))
    return Chart("comparison-chart", "The chosen authorities compared", words, spec, table)


def _withheld(data: ReportData, long: pd.DataFrame, most: int = 6) -> str:
    """' Not shown: Birmingham, Agency ... 2024 (low reliability); ...': the values the
    store holds as withheld rather than published, so that a gap is explained."""
    gone = long[long.status != "value"]
    if gone.empty:
        return ""
    items = [f"{data.name(r.la_code)}, {data.registry.get(r.indicator).title}, {r.period} "
             f"({str(r.status).replace('_', ' ')})" for r in gone.head(most).itertuples()]
    more = f"; and {len(gone) - most} more" if len(gone) > most else ""
    return " Not shown, as the source gives no value: " + "; ".join(items) + more + "."


def _options(data: ReportData) -> dict:
    return {"authorities": [(c, n) for c, n in data.authorities.name.sort_values().items()],
            "indicators": [(i, data.registry.get(i).title) for i in data.indicator_order],
            "years": list(reversed(data.years))}
