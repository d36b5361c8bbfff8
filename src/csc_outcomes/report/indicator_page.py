"""One page per indicator: its definition, polarity and evidence, its versions, the
year's distribution across authorities, England's and the regions' trends, and how many
authorities report it each year."""

from __future__ import annotations

import pandas as pd

from ..indicators.model import DIMENSIONS, Indicator
from ..indicators.registry import framework
from .charts import Chart, chart, ranked_template, reporting_template, trend_template
from .context import ENGLAND, ReportData
from .pages import (
    POLARITY_WORDS,
    Page,
    authority_href,
    sources_of,
    status_words,
)
from .sections import sections_for
from .tables import Column, Table, fmt_number

UNIT_AXIS = {"percent": "%", "GBP": "£", "GBP per child": "£ per child"}


def axis_title(ind: Indicator) -> str:
    return f"{ind.title} ({UNIT_AXIS.get(ind.unit, ind.unit)})"


def indicator_page(data: ReportData, ind_id: str) -> Page:
    """The page of one indicator (raises KeyError for an unknown id)."""
    ind = data.registry.indicators[ind_id]
    mine = data.authorities_by_indicator.get(ind_id)
    years = [] if mine is None else sorted(
        int(y) for y in mine.period[mine.status == "value"].unique())
    charts = [c for c in (distribution(data, ind), trends(data, ind, years),
                          reporting(data, ind)) if c is not None]
    sources, versions = sources_of(data, [ind_id], years or [data.year])
    features = {f["id"]: f["title"] for d in framework()["dimensions"] for f in d["features"]}
    context = {
        "ind": ind, "dimension": DIMENSIONS[ind.framework.dimension],
        "features": [(f, features.get(f, "")) for f in ind.framework.features],
        "polarity": POLARITY_WORDS[ind.polarity],
        "polarity_reason": " ".join((ind.polarity_reason or "").split()),
        "definition": " ".join(ind.definition.split()), "years": years,
        "charts": {c.id: c for c in charts},
        "summary": summary_line(data, ind, years),
        "sections": sections_for(data, "indicator", ind_id),
        "replication": replication_row(data, ind_id),
    }
    return Page(f"indicators/{ind_id}.html", ind.title, "indicator.html", context,
                tables=[versions_table(ind)], charts=charts, sources=sources,
                versions=versions).adopt(context["sections"])


def versions_table(ind: Indicator) -> Table:
    rows = []
    for v in ind.versions:
        how = (f"published value {v.measure.measure}" if v.measure and not v.numerator else
               " + ".join(t.measure for t in v.numerator or []) + " / "
               + " + ".join(t.measure for t in v.denominator or [])
               + (f" x {v.scale:g}" if v.scale != 1 else ""))
        rows.append({"version": v.version, "variant": v.variant or "default",
                     "years": str(v.first_year) if v.last_year == v.first_year else
                     f"{v.first_year}-{v.last_year or 'onwards'}", "how": how,
                     "sources": "; ".join(f"{s.publisher}, {s.dataset}" for s in v.sources),
                     "notes": " ".join((v.notes or "").split())})
    return Table("versions", f"Definition versions of {ind.id}: a change of definition is a "
                 "new version", pd.DataFrame(rows), [
                     Column("version", "Version", numeric=True, decimals=0),
                     Column("variant", "Variant"), Column("years", "Years"),
                     Column("how", "Computed from", code=True), Column("sources", "Sources"),
                     Column("notes", "Notes")])


def summary_line(data: ReportData, ind: Indicator, years: list[int]) -> str:
    """The page's first words: polarity, the year's spread and England, the years held,
    and England's figure if it was set aside."""
    return _summary(data, ind, years) + set_aside_words(data, ind)


def _summary(data: ReportData, ind: Indicator, years: list[int]) -> str:
    ok = data.local[(data.local.indicator == ind.id) & (data.local.status == "value")]
    head = POLARITY_WORDS[ind.polarity] + "."
    if not years:
        return f"{head} The releases in the store hold no value of this indicator for any year."
    span = (f"Values exist for {years[0]}-{years[-1]}" if len(years) > 1
            else f"Values exist for {years[0]} only")
    n_versions = len({data.version_of(ind.id, y) for y in years} - {None})
    span += f" under {n_versions} definition version{'s' if n_versions > 1 else ''}."
    if ok.empty:
        return f"{head} No authority has a value for {data.year}. {span}"
    england = data.area_value.get((ENGLAND, ind.id, data.year))
    eng = (f"England's figure was {fmt_number(england, ind.unit)}, and "
           if england is not None else "")
    return (f"{head} In {data.year} {eng}{len(ok)} authorities ranged from "
            f"{fmt_number(ok.value.min(), ind.unit)} to {fmt_number(ok.value.max(), ind.unit)} "
            f"(median {fmt_number(ok.value.median(), ind.unit)}). {span}")


def set_aside_words(data: ReportData, ind: Indicator) -> str:
    """What the page says when England's published figure was set aside, else ""."""
    rows = data.england_set_aside[data.england_set_aside.indicator == ind.id]
    if rows.empty:
        return ""
    years = sorted(int(y) for y in rows.period)
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    first, last = rows.iloc[0], rows.iloc[-1]
    return (f" England's published figure is left out of every comparison for {span}: it "
            f"({fmt_number(first.england, ind.unit)} in {int(first.period)}, "
            f"{fmt_number(last.england, ind.unit)} in {int(last.period)}) lies outside the "
            f"range of all {int(first.regions)} regions' figures "
            f"({fmt_number(first.region_low, ind.unit)} to "
            f"{fmt_number(first.region_high, ind.unit)} in {int(first.period)}), which a "
            "figure for all of England cannot do, so it is not the same measure; the "
            "regions are shown.")


def distribution(data: ReportData, ind: Indicator) -> Chart | None:
    """The year's value of every authority, highest first, with England as a line."""
    part = data.local[data.local.indicator == ind.id]
    ok = part[part.status == "value"].sort_values(["value", "name"], ascending=[False, True])
    if ok.empty:
        return None
    ok = ok.assign(position=range(1, len(ok) + 1))
    england = data.area_value.get((ENGLAND, ind.id, data.year))
    reference = pd.DataFrame([{"value": england,
                               "label": f"England {fmt_number(england, ind.unit)}"}]
                             if england is not None else [], columns=["value", "label"])
    spec = chart(ranked_template(), ok[["name", "value", "position"]], reference,
                 y_title=axis_title(ind))
    rest = part[part.status != "value"].sort_values("name")
    frame = pd.concat([ok, rest.assign(position=pd.NA)], ignore_index=True)
    frame["href"] = frame.la_code.map(authority_href)
    frame["status"] = frame.status.map(status_words)
    frame["position"] = frame.position.astype("Int64")
    table = Table("distribution", f"{ind.title}, {data.year}: every authority, highest "
                  "value first", frame, [
                      Column("position", "Rank (1 = highest)", numeric=True, decimals=0),
                      Column("name", "Authority", href="href"), Column("la_code", "ONS code"),
                      Column("region_name", "Region"),
                      Column("value", f"Value ({ind.unit})", numeric=True, unit=ind.unit),
                      Column("numerator", "Numerator", numeric=True, decimals=0),
                      Column("denominator", "Denominator", numeric=True, decimals=0),
                      Column("status", "Status")], row_header="name")
    lo, hi = ok.iloc[-1], ok.iloc[0]
    missing = rest.status.map(status_words).value_counts()
    words = (f"{len(ok)} of {len(part)} authorities have a value for {data.year}, from "
             f"{fmt_number(lo.value, ind.unit)} ({lo['name']}) to "
             f"{fmt_number(hi.value, ind.unit)} ({hi['name']}); the median is "
             f"{fmt_number(ok.value.median(), ind.unit)}.")
    if england is not None:
        words += f" England: {fmt_number(england, ind.unit)} (the dashed line)."
    if len(missing):
        words += " No value: " + ", ".join(f"{n} {s}" for s, n in missing.items()) + "."
    return Chart("distribution-chart", f"{ind.title} by authority, {data.year}", words, spec,
                 table)


def _version_breaks(data: ReportData, ind_id: str, years: list[int]) -> pd.DataFrame:
    rows, previous = [], None
    for y in years:
        number = data.version_of(ind_id, y)
        if previous is not None and number != previous:
            rows.append({"period": y, "label": f"v{number}"})
        previous = number
    return pd.DataFrame(rows, columns=["period", "label"])


def trends(data: ReportData, ind: Indicator, years: list[int]) -> Chart | None:
    """England and every region over the years, with the definition versions marked."""
    part = data.areas_by_indicator.get(ind.id)
    if part is None:
        return None
    breaks = _version_breaks(data, ind.id, years)
    spec = chart(trend_template(), part[["name", "level", "period", "value"]], breaks,
                 y_title=axis_title(ind))
    order = [c for c in data.register.index[data.register.level.isin(["national", "region"])]
             if c in set(part.la_code)]
    wide = part.pivot(index="period", columns="la_code", values="value").reindex(
        columns=order).sort_index()
    wide.columns = [f"a{i}" for i in range(len(order))]
    wide = wide.reset_index()
    wide["version"] = [data.version_of(ind.id, int(y)) for y in wide.period]
    columns = [Column("period", "Year")] + [
        Column(f"a{i}", data.name(code), numeric=True, unit=ind.unit)
        for i, code in enumerate(order)] + [Column("version", "Definition version",
                                                   numeric=True, decimals=0)]
    table = Table("area-trends", f"{ind.title}: England and the regions by year", wide,
                  columns, row_header="period")
    eng = part[part.la_code == ENGLAND].sort_values("period")
    words = ""
    if len(eng):
        first, last = eng.iloc[0], eng.iloc[-1]
        words = (f"England (the thick black line): {fmt_number(first.value, ind.unit)} in "
                 f"{int(first.period)}, {fmt_number(last.value, ind.unit)} in "
                 f"{int(last.period)}. ")
    latest = part[(part.level == "region") & (part.period == part.period.max())]
    if len(latest) > 1:
        lo, hi = latest.loc[latest.value.idxmin()], latest.loc[latest.value.idxmax()]
        words += (f"In {int(latest.period.iloc[0])} the regions (grey lines) ranged from "
                  f"{fmt_number(lo.value, ind.unit)} ({lo['name']}) to "
                  f"{fmt_number(hi.value, ind.unit)} ({hi['name']}). ")
    if len(breaks):
        words += ("The definition changes in " + ", ".join(str(y) for y in breaks.period)
                  + " (dotted lines): a step there may be the definition, not the service.")
    return Chart("trends-chart", f"{ind.title}: England and regional trends", words.strip(),
                 spec, table)


def reporting(data: ReportData, ind: Indicator) -> Chart | None:
    """How many authorities have a value each year, and why the others do not."""
    part = data.authorities_by_indicator.get(ind.id)
    if part is None:
        return None
    counts = part.pivot_table(index="period", columns="status", values="la_code",
                              aggfunc="count", fill_value=0)
    frame = pd.DataFrame({"period": counts.index.astype(int),
                          "authorities": counts.sum(axis=1).to_numpy()})
    shown = ["value", "suppressed", "not_available", "missing"]
    for status in shown:
        frame[status] = (counts[status] if status in counts else pd.Series(0, counts.index)
                         ).to_numpy()
    frame["other"] = frame.authorities - frame[shown].sum(axis=1)
    long = pd.concat([frame.assign(series="With a value", count=frame.value),
                      frame.assign(series="Authorities", count=frame.authorities)])
    spec = chart(reporting_template(), long[["period", "series", "count"]])
    table = Table("reporting", f"{ind.title}: the authorities that existed each year, those "
                  "with a value, and why the others have none", frame, [Column("period", "Year")] + [
                      Column(k, label, numeric=True, decimals=0) for k, label in (
                          ("authorities", "Authorities"), ("value", "With a value"),
                          ("suppressed", "Suppressed"), ("not_available", "Not available"),
                          ("missing", "Not in the releases"), ("other", "Other"))],
                  row_header="period")
    worst = frame.loc[frame.value.idxmin()]
    latest = frame.iloc[-1]
    words = (f"In {int(latest.period)}, {int(latest.value)} of the {int(latest.authorities)} "
             "authorities that existed have a value (bars; diamonds mark all authorities). "
             "The fewest: "
             f"{int(worst.value)} of {int(worst.authorities)} in {int(worst.period)}.")
    return Chart("reporting-chart", f"{ind.title}: authorities reporting, by year", words,
                 spec, table)


def replication_row(data: ReportData, ind_id: str) -> dict | None:
    """The study's phase-two regression for this indicator, printed and ours."""
    if data.comparison is None:
        return None
    rows = data.comparison.a2a[data.comparison.a2a.indicator == ind_id]
    ours = next((p for p in data.replication["phase2"] if p["indicator"] == ind_id), None)
    if ours is None:
        return None
    printed = rows.iloc[0].to_dict() if len(rows) else {}
    return {"n": ours.get("n"), "r": ours.get("r"), "p": ours.get("p"),
            "published_r": printed.get("published_r"), "published_p": printed.get("published_p"),
            "published_n": printed.get("published_n"), "reason": ours.get("reason")}
