"""The overview: what the study would conclude from the releases, set beside what it
published; whether the data can tell authorities apart and whether they improve (the
analyses, as they land); what the framework covers. Plain words first, figures second."""

from __future__ import annotations

import pandas as pd

from .charts import Chart, a2a_template, chart, published_bins_template
from .context import ReportData
from .pages import Page, authority_href, indicator_href, sources_of
from .sections import IMPROVING, TELL, sections_for
from .tables import Column, Table

PUBLISHED, OURS = "Published (2016)", "This replication"


def overview_page(data: ReportData) -> Page:
    charts, words = [], []
    if data.comparison is not None:
        words = replication_words(data)
        charts = [a2a_chart(data), bins_chart(data)]
    sections = sections_for(data, "overview")
    study = data.registry.sets.get("study-2016")
    sources, versions = sources_of(data, list(study.indicators) if study else [],
                                   [data.replication["year"]] if data.replication else None)
    s = data.coverage["summary"]
    context = {
        "words": words, "notes": data.notes, "charts": {c.id: c for c in charts},
        "named": named_table(data) if data.comparison is not None else None,
        "tell": [x for x in sections if x["question"] == TELL],
        "improving": [x for x in sections if x["question"] == IMPROVING],
        "coverage": s, "n_indicators": len(data.registry.indicators),
        "n_authorities": len(data.authorities),
        "study_year": data.replication["year"] if data.replication else None,
        "inspected": data.replication["inspected"] if data.replication else None,
    }
    tables = [context["named"]] if context["named"] is not None else []
    return Page("index.html", "Children's social care in England: what the national data "
                "can tell", "overview.html", context, tables=tables, charts=charts,
                sources=sources, versions=versions).adopt(sections)


def _titles(data: ReportData, ids: list[str]) -> str:
    names = [data.registry.get(i).title.lower() for i in ids]
    if not names:
        return "none"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def replication_words(data: ReportData) -> list[str]:
    """The replication against the published tables, in sentences."""
    s = data.comparison.summary
    res = data.replication
    same = s["significant_equal"]
    return [
        f"We reran the 2016 study on the releases: its {sum(i['phase1'] for i in res['indicators'])} "
        f"child-outcome indicators for {res['year']}, the {res['universe']} authorities, and "
        f"the {res['inspected']} whose first Ofsted inspection under the Single Inspection "
        "Framework was published by the study's cut-off.",
        (f"As in the study, only {len(s['significant'])} of the indicators go with the Ofsted "
         f"rating at the 5% level: {_titles(data, s['significant'])}. The others do not."
         if same else
         f"The replication finds {_titles(data, s['significant'])} going with the Ofsted "
         f"rating at the 5% level; the study found {_titles(data, s['significant_published'])}."),
        f"Its regression table (A2a) is reproduced closely: on {s['rows_n_match']} of the "
        f"{s['a2a_rows']} printed rows our number of authorities is the one the printed "
        f"figures imply, {s['rows_exact']} rows match the printed Multiple R to six decimal "
        f"places, and the largest difference is {s['max_abs_dr']:.3f} "
        f"({data.registry.get(s['max_abs_dr_indicator']).title.lower()}).",
        f"The best and worst 10% counts (Tables 1 and 3) differ from the printed ones by "
        f"{s['l1_table1']} and {s['l1_table3']} authorities in all; of the authorities the "
        f"study names (Tables 2 and 4) we name {s['named_table2']} of {s['printed_table2']} "
        f"and {s['named_table4']} of {s['printed_table4']}.",
    ]


def a2a_chart(data: ReportData) -> Chart:
    a2a = data.comparison.a2a.copy()
    a2a["label"] = [f"#{n} {data.registry.get(i).title}" for n, i in
                    zip(a2a.number, a2a.indicator)]
    a2a["href"] = a2a.indicator.map(indicator_href)
    long = pd.concat([
        a2a.assign(source=PUBLISHED, multiple_r=a2a.published_r, p=a2a.published_p),
        a2a.assign(source=OURS)])[["number", "label", "source", "multiple_r", "p"]]
    spec = chart(a2a_template(), long)
    table = Table("a2a", "Table A2a: the Ofsted rating regressed on each indicator, as "
                  "printed and as replicated", a2a, [
                      Column("label", "Indicator", href="href"),
                      Column("published_r", "Multiple R, printed", numeric=True, decimals=4),
                      Column("multiple_r", "Multiple R, ours", numeric=True, decimals=4),
                      Column("d_r", "Difference", numeric=True, decimals=4),
                      Column("published_p", "Significance F, printed", numeric=True,
                             decimals=4),
                      Column("p", "Significance F, ours", numeric=True, decimals=4),
                      Column("published_n", "n implied by the printed figures", numeric=True,
                             decimals=0),
                      Column("n", "n, ours", numeric=True, decimals=0)], row_header="label")
    blank = a2a.published_r.isna().sum()
    words = (f"For each of the {len(a2a)} indicators, the Multiple R of the rating on the "
             "indicator: printed (open circles) and ours (filled diamonds). Where the two "
             "marks overlap the replication reproduces the printed figure."
             + (f" {blank} row{'s are' if blank > 1 else ' is'} printed blank." if blank else ""))
    return Chart("a2a-chart", "Table A2a: printed and replicated Multiple R", words, spec, table)


def bins_chart(data: ReportData) -> Chart:
    bins = data.comparison.bins.copy()
    bins["group"] = bins.side.map({"best": "Best 10% (Table 1)", "worst": "Worst 10% (Table 3)"})
    long = pd.concat([bins.assign(source=PUBLISHED, authorities=bins.published),
                      bins.assign(source=OURS, authorities=bins.ours)])
    spec = chart(published_bins_template(), long.rename(columns={"group": "side_label"}).assign(
        side=lambda d: d.side_label)[["side", "source", "indicators", "authorities"]])
    table = Table("tables-1-and-3", "Tables 1 and 3: authorities by the number of indicators "
                  "placing them in the best or worst 10%, printed and replicated", bins, [
                      Column("group", "Group"),
                      Column("indicators", "Indicators", numeric=True, decimals=0),
                      Column("published", "Authorities, printed", numeric=True, decimals=0),
                      Column("ours", "Authorities, ours", numeric=True, decimals=0),
                      Column("difference", "Difference", numeric=True, decimals=0)])
    words = ("How many authorities are in the best (left) and worst (right) 10% on 0, 1, 2 "
             "... of the study's indicators: printed (open circles) and ours (filled "
             "diamonds). Most authorities are in the group for none or one indicator; few "
             "recur.")
    return Chart("bins-chart", "Tables 1 and 3: printed and replicated", words, spec, table)


def named_table(data: ReportData) -> Table:
    """Tables 2 and 4: the authorities the study names, its rating and date, and ours."""
    named = data.comparison.named.copy()
    named["href"] = named.la_code.map(
        lambda c: authority_href(c) if c in data.authorities.index else None)
    named["group"] = named.side.map({"best": "Best (Table 2)", "worst": "Worst (Table 4)"})
    return Table("tables-2-and-4", "Tables 2 and 4: the authorities the study names, with its "
                 "Ofsted rating and date and ours", named, [
                     Column("la", "Authority (as printed)", href="href"),
                     Column("group", "Table"),
                     Column("published_rating", "Rating, printed"),
                     Column("published_date", "Date, printed"),
                     Column("named", "We name it too"),
                     Column("count", "Indicators placing it in the group, ours", numeric=True,
                            decimals=0),
                     Column("rating", "Rating, ours"), Column("date", "Date, ours")],
                 row_header="la")
