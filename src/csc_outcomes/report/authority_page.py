"""One page per authority: every indicator against England, its region and its
statistical neighbours, its trends, its inspections and where it sits in each analysis."""

from __future__ import annotations

import pandas as pd

from .charts import (
    SERIES,
    Chart,
    authority_trends_template,
    chart,
    inspections_template,
    multiples_template,
    wrap,
)
from .context import ENGLAND, ReportData
from .indicator_page import UNIT_AXIS
from .pages import Page, authority_href, indicator_href, sources_of, status_words
from .sections import sections_for
from .tables import Column, Table, fmt_number

JUDGEMENTS = [("overall", "Overall"), ("help_and_protection", "Help and protection"),
              ("children_in_care", "Children in care"), ("care_leavers", "Care leavers"),
              ("adoption", "Adoption"), ("leadership", "Leadership"), ("lscb", "LSCB")]


def authority_page(data: ReportData, la_code: str) -> Page:
    """The page of one authority (raises KeyError for a code not in the year's list)."""
    row = data.authorities.loc[la_code]
    name = row["name"]
    frame = comparison_frame(data, la_code)
    charts = [c for c in (comparison(data, la_code, frame), trends(data, la_code),
                          inspections(data, la_code)) if c is not None]
    sources, versions = sources_of(data, list(frame.indicator))
    context = {
        "la": {"code": la_code, "name": name, "dfe_code": row["dfe_code"],
               "region": row["region_name"], "type": row["la_type"],
               "other_names": other_names(data, la_code, name)},
        "neighbours": neighbours(data, la_code), "summary": summary(data, name, frame),
        "charts": {c.id: c for c in charts}, "replication": replication_place(data, la_code),
        "sections": sections_for(data, "authority", la_code),
        "no_inspections": not (data.inspections.la_code == la_code).any(),
    }
    return Page(authority_href(la_code), name, "authority.html", context, charts=charts,
                sources=sources, versions=versions).adopt(context["sections"])


def other_names(data: ReportData, la_code: str, name: str) -> list[str]:
    """Every other name the releases use for the authority (codes left out)."""
    names = data.names.name[data.names.la_code == la_code]
    return sorted({n for n in names if n != name and not n.isdigit()})


def neighbours(data: ReportData, la_code: str) -> list[dict]:
    nb = data.neighbours[data.neighbours.la_code == la_code].sort_values("rank")
    return [{"rank": int(r["rank"]), "name": data.name(r.neighbour_code),
             "href": authority_href(r.neighbour_code)
             if r.neighbour_code in data.authorities.index else None,
             "closeness": r.closeness} for _, r in nb.iterrows()]


def comparison_frame(data: ReportData, la_code: str) -> pd.DataFrame:
    """One row per indicator with values in the year: the authority's value (or status),
    England, its region, its neighbours' mean, its rank and its side of England."""
    mine = data.local[data.local.la_code == la_code]
    values = dict(zip(mine.indicator, mine.value))
    statuses = dict(zip(mine.indicator, mine.status))
    region = data.authorities.at[la_code, "region_code"]
    ranks = data.ranks.loc[la_code].to_dict() if la_code in data.ranks.index else {}
    counts = data.year_wide.notna().sum().to_dict()
    rows = []
    for order, ind_id in enumerate(data.with_values):
        ind = data.registry.get(ind_id)
        value = values.get(ind_id, float("nan"))
        england = data.area_value.get((ENGLAND, ind_id, data.year))
        nb_mean, nb_n = data.neighbour_means.get((la_code, ind_id), (None, 0))
        rows.append({
            "order": order, "indicator": ind_id, "title": ind.title,
            "href": indicator_href(ind_id), "unit": ind.unit, "value": value,
            "status": status_words(statuses.get(ind_id, "missing")), "england": england,
            "region": data.area_value.get((region, ind_id, data.year)),
            "neighbours": nb_mean, "neighbours_n": nb_n, "rank": ranks.get(ind_id),
            "ranked": int(counts.get(ind_id, 0)), "polarity": ind.polarity,
            "side": side(value, england, ind.unit, ind.polarity)})
    frame = pd.DataFrame(rows)
    frame["rank"] = pd.to_numeric(frame["rank"]).astype("Int64")
    return frame


def side(value, england, unit: str, polarity: str) -> str:
    """Where the authority's value sits against England's, in words."""
    if pd.isna(value) or england is None:
        return ""
    if fmt_number(value, unit) == fmt_number(england, unit):
        return "level with England"
    above = value > england
    where = "above England" if above else "below England"
    if polarity == "contested":
        return where
    better = above == (polarity == "higher-is-better")
    return f"{where} (better)" if better else f"{where} (worse)"


def summary(data: ReportData, name: str, frame: pd.DataFrame) -> str:
    have = frame[frame.status == "value"]
    clear = have[have.polarity != "contested"]
    better = int(clear.side.str.endswith("(better)").sum())
    worse = int(clear.side.str.endswith("(worse)").sum())
    return (f"{name} has a value for {len(have)} of the {len(frame)} indicators with data for "
            f"{data.year}. On the {len(clear)} whose better direction is not contested, its "
            f"figure is on England's better side for {better} and on its worse side for "
            f"{worse}. A difference from England is not by itself a real difference: the "
            "funnel plots say which are more than chance.")


def comparison(data: ReportData, la_code: str, frame: pd.DataFrame) -> Chart:
    """The small multiples: each indicator's four bars, and the table behind them."""
    name = data.authorities.at[la_code, "name"]
    have = frame[frame.status == "value"]
    rows = []
    for r in have.itertuples():
        for key, label in (("value", SERIES[0]), ("neighbours", SERIES[1]),
                           ("region", SERIES[2]), ("england", SERIES[3])):
            v = getattr(r, key)
            if r.indicator in data.totals and key in ("region", "england"):
                continue
            if v is not None and v == v:
                rows.append((r.order, label, float(v), fmt_number(v, r.unit)))
    long = pd.DataFrame(rows, columns=["order", "series", "value", "label"])
    panels = {r.order: wrap(f"{r.title} ({UNIT_AXIS.get(r.unit, r.unit)})")
              for r in have.itertuples()}
    spec = chart(multiples_template(), long,
                 panels=[panels.get(i, "") for i in range(int(frame.order.max()) + 1)])
    table = Table("comparison", f"{name} against England, its region and its statistical "
                  f"neighbours, {data.year}", frame, [
                      Column("title", "Indicator", href="href"),
                      Column("value", "This authority", numeric=True, unit_from="unit"),
                      Column("status", "Status"),
                      Column("neighbours", "Neighbours' mean", numeric=True, unit_from="unit"),
                      Column("neighbours_n", "Neighbours with a value", numeric=True,
                             decimals=0),
                      Column("region", "Region", numeric=True, unit_from="unit"),
                      Column("england", "England", numeric=True, unit_from="unit"),
                      Column("rank", "Rank (1 = highest)", numeric=True, decimals=0),
                      Column("ranked", "Authorities ranked", numeric=True, decimals=0),
                      Column("side", "Against England"), Column("unit", "Unit")],
                  row_header="title")
    words = (f"One small panel per indicator ({len(have)} with a value for {name} in "
             f"{data.year}). In each, the blue bar is {name}'s figure; the grey bars are "
             "the mean of its statistical neighbours, its region and England, in that "
             "order, each labelled with its value. For totals (such as the child population "
             "or gross spending) England and the region are sums, so only the neighbours "
             "are shown.")
    return Chart("comparison-chart", f"{name} against England, region and neighbours", words,
                 spec, table)


def trends(data: ReportData, la_code: str) -> Chart | None:
    """The authority's value of each indicator over the years, against England's."""
    name = data.authorities.at[la_code, "name"]
    mine = data.by_authority.get(la_code)
    if mine is None:
        return None
    mine = mine.loc[(mine.status == "value") & mine.indicator.isin(data.with_values),
                    ["indicator", "period", "value"]]
    enough = mine.groupby("indicator").period.nunique()
    ids = [i for i in data.with_values if enough.get(i, 0) >= 2]
    if not ids:
        return None
    order = {i: n for n, i in enumerate(ids)}
    long = pd.concat([mine[mine.indicator.isin(order)].assign(series="This authority"),
                      data.england[data.england.indicator.isin(
                          [i for i in ids if i not in data.totals])].assign(
                          series="England")], ignore_index=True)
    long["order"] = long.indicator.map(order)
    long = long.sort_values(["order", "series", "period"], ignore_index=True)
    meta = {i: (data.registry.get(i).title, data.registry.get(i).unit) for i in ids}
    panels = [wrap(f"{t} ({UNIT_AXIS.get(u, u)})") for t, u in meta.values()]
    spec = chart(authority_trends_template(), long[["order", "period", "series", "value"]],
                 panels=panels)
    wide = long.pivot(index=["order", "indicator", "series"], columns="period",
                      values="value")
    years = [int(y) for y in wide.columns]
    wide.columns = [f"y{y}" for y in years]
    wide = wide.reset_index()
    wide["title"] = wide.indicator.map(lambda i: meta[i][0])
    wide["unit"] = wide.indicator.map(lambda i: meta[i][1])
    wide["href"] = wide.indicator.map(indicator_href)
    table = Table("trends", f"{name} and England by year, every indicator with two or more "
                  "years of values", wide, [
                      Column("title", "Indicator", href="href"), Column("series", "Series")] + [
                      Column(f"y{y}", str(y), numeric=True, unit_from="unit") for y in years],
                  row_header="title")
    words = (f"One panel per indicator with two or more years of values for {name} "
             f"({len(ids)}): {name} is the solid blue line with dots, England the dashed "
             "black line with squares (left out for totals, where England's is a sum).")
    return Chart("trends-chart", f"{name}: trends against England", words, spec, table)


def inspections(data: ReportData, la_code: str) -> Chart | None:
    """The authority's Ofsted inspections (its own code only), newest last."""
    name = data.authorities.at[la_code, "name"]
    part = data.inspections[data.inspections.la_code == la_code].copy()
    if part.empty:
        return None
    judged = part[part.overall.notna()]
    spec = chart(inspections_template(), judged.assign(published=judged.published.astype(str))[
        ["framework", "inspection_type", "published", "overall"]])
    table = Table("inspections", f"{name}: Ofsted inspections and their judgements", part, [
        Column("published", "Published"), Column("framework", "Framework"),
        Column("inspection_type", "Type"), *[Column(k, label) for k, label in JUDGEMENTS]],
        row_header="published")
    if judged.empty:
        words = (f"{len(part)} inspections of {name} are recorded, none with an overall "
                 "judgement.")
    else:
        last = judged.iloc[-1]
        words = (f"{len(judged)} inspections of {name} with an overall judgement, placed by "
                 "publication date and grade (Outstanding at the top); shape and colour give "
                 f"the framework. The latest: {last.overall} ({last.framework}, published "
                 f"{last.published:%d %B %Y}).")
    return Chart("inspections-chart", f"{name}: Ofsted judgements over time", words, spec,
                 table)


def replication_place(data: ReportData, la_code: str) -> dict | None:
    """Where the authority sits in the replication of the 2016 study."""
    res = data.replication
    if res is None:
        return None
    if la_code not in res["names"]:
        return {"year": res["year"], "existed": False}
    groups = {side: [(data.registry.get(i).title, indicator_href(i))
                     for i, members in res["phase1"][side]["members"].items() if la_code in members]
              for side in ("best", "worst")}
    rated = next((s for s in res["sample"] if s["la_code"] == la_code), None)
    return {"year": res["year"], "existed": True, **groups, "rated": rated,
            "n_indicators": sum(1 for i in res["indicators"] if i["phase1"])}
