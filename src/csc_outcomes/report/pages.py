"""What every page shares (:class:`Page`, links, the footer's facts) and the smaller
pages: the indicator and authority lists, the framework coverage map, the sources and
the page for an address that does not exist."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from ..indicators.model import DIMENSIONS
from .charts import Chart
from .context import ReportData
from .tables import Column, Table

STATUS_WORDS = {"value": "value", "suppressed": "suppressed", "not_available": "not available",
                "missing": "not in the releases", "not_applicable": "not applicable",
                "low_reliability": "low reliability", "rounds_to_zero": "rounds to zero",
                "nil": "nil"}
#: the coverage map's feature statuses, counted in words
STATUS_PLURALS = {"measured": "measured", "defined, no data": "defined without data",
                  "gap: no national indicator": "gaps with no national indicator"}
POLARITY_WORDS = {"higher-is-better": "Higher is better", "lower-is-better": "Lower is better",
                  "contested": "Contested"}


@dataclass
class Page:
    """One page: its path in the site (``indicators/cla-missing.html``), the template
    that shows it, what the template needs, and every table and chart on it."""

    path: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    #: footer facts: (publisher, dataset) behind the page, and definition versions used
    sources: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    status: int = 200

    @property
    def root(self) -> str:
        """The relative path from this page back to the site's root."""
        return "../" * self.path.count("/")

    @property
    def stem(self) -> str:
        return self.path.removesuffix(".html")

    def csv_path(self, table: Table) -> str:
        return f"csv/{self.stem}/{table.id}.csv"

    def all_tables(self) -> list[Table]:
        return [*self.tables, *(c.table for c in self.charts)]

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.all_tables() if t.id == table_id), None)

    def adopt(self, sections: list[dict]) -> Page:
        """Take in the tables and charts of the page's analysis sections (for the CSV
        downloads and the chart script)."""
        for view in sections:
            self.tables += view["tables"]
            self.charts += view["charts"]
        return self


def indicator_href(ind_id: str) -> str:
    return f"indicators/{ind_id}.html"


def authority_href(la_code: str) -> str:
    return f"authorities/{la_code}.html"


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))


def sources_of(data: ReportData, indicators: list[str], years: list[int] | None = None
               ) -> tuple[list[str], list[str]]:
    """The datasets and definition versions behind some indicators' values (the year's, or
    those of ``years``), for the footer."""
    sources, versions = {}, []
    for ind_id in indicators:
        ind = data.registry.get(ind_id)
        used = sorted({n for y in (years or [data.year])
                       if (n := data.version_of(ind_id, y)) is not None})
        for number in used:
            version = next(v for v in ind.versions if v.version == number)
            variant = f" ({version.variant})" if version.variant else ""
            versions.append(f"{ind_id} v{number}{variant}")
            for s in version.sources:
                sources.setdefault(f"{s.publisher}: {s.dataset}", None)
    return list(sources), versions


def nearest(wanted: str, choices: dict[str, str], n: int = 5) -> list[tuple[str, str]]:
    """The (key, label) pairs whose key or label is nearest to ``wanted``."""
    lowered = {label.lower(): key for key, label in choices.items()}
    by_label = difflib.get_close_matches(wanted.lower(), list(lowered), n=n, cutoff=0.5)
    by_key = difflib.get_close_matches(wanted, list(choices), n=n, cutoff=0.5)
    keys = list(dict.fromkeys([lowered[x] for x in by_label] + by_key))[:n]
    return [(k, choices[k]) for k in keys]


# -- lists --------------------------------------------------------------------------------

def indicators_index(data: ReportData) -> Page:
    """Every indicator: what it measures, its years and the year's England figure."""
    ok = data.values[data.values.status == "value"]
    spans = ok.groupby("indicator").period.agg(["min", "max"])
    counts = data.local[data.local.status == "value"].groupby("indicator").la_code.nunique()
    rows = []
    for ind_id in data.indicator_order:
        ind = data.registry.get(ind_id)
        span = spans.loc[ind_id] if ind_id in spans.index else None
        rows.append({"title": ind.title, "href": indicator_href(ind_id), "id": ind_id,
                     "dimension": DIMENSIONS[ind.framework.dimension].split(" (")[0],
                     "kind": ind.kind, "unit": ind.unit,
                     "polarity": POLARITY_WORDS[ind.polarity],
                     "study": ind.study.number if ind.study else None,
                     "years": f"{int(span['min'])}-{int(span['max'])}" if span is not None
                     else "no data",
                     "authorities": int(counts.get(ind_id, 0)),
                     "england": data.area_value.get(("E92000001", ind_id, data.year))})
    frame = pd.DataFrame(rows)
    frame["study"] = frame["study"].astype("Int64")
    table = Table("indicators", f"Every indicator, with the authorities that have a value "
                  f"in {data.year} and England's figure", frame, [
                      Column("title", "Indicator", href="href"), Column("id", "Id"),
                      Column("study", "Study #", numeric=True, decimals=0),
                      Column("dimension", "Framework dimension"), Column("kind", "Kind"),
                      Column("unit", "Unit"), Column("polarity", "Polarity"),
                      Column("years", "Years with data"),
                      Column("authorities", f"Authorities with a value, {data.year}",
                             numeric=True, decimals=0),
                      Column("england", f"England, {data.year}", numeric=True,
                             unit_from="unit")], row_header="title")
    return Page("indicators/index.html", "Indicators", "list.html",
                {"intro": f"{len(rows)} indicators: the 2016 study's 14 first, then the "
                          "others by framework dimension. Each links to its definition, "
                          "distribution, trends and completeness."},
                tables=[table], sources=["DfE, Ofsted, ONS, DHSC and MHCLG releases "
                                         "(see each indicator's page)"])


def latest_judgements(data: ReportData) -> pd.DataFrame:
    """Each authority's most recent overall judgement (SIF or ILACS or earlier)."""
    judged = data.inspections[data.inspections.overall.notna()]
    return judged.groupby("la_code").tail(1).set_index("la_code")


def authorities_index(data: ReportData) -> Page:
    """Every authority that existed on 31 March of the year, A to Z."""
    latest = latest_judgements(data)
    frame = data.authorities.reset_index().sort_values("name")
    frame["href"] = frame.la_code.map(authority_href)
    frame["grade"] = frame.la_code.map(latest.overall)
    frame["framework"] = frame.la_code.map(latest.framework)
    frame["published"] = frame.la_code.map(latest.published)
    table = Table("authorities", f"Local authorities on 31 March {data.year}, with their "
                  "latest Ofsted overall judgement", frame, [
                      Column("name", "Authority", href="href"), Column("la_code", "ONS code"),
                      Column("dfe_code", "DfE code"), Column("region_name", "Region"),
                      Column("la_type", "Type"), Column("grade", "Latest Ofsted judgement"),
                      Column("framework", "Framework"), Column("published", "Published")],
                  row_header="name")
    return Page("authorities/index.html", "Local authorities", "list.html",
                {"intro": f"{len(frame)} authorities existed on 31 March {data.year}. Each "
                          "links to its indicators against England, its region and its "
                          "statistical neighbours, its trends and its inspections.",
                 "filter": True},
                tables=[table], sources=["Ofsted: local authority inspection outcomes",
                                         "ONS and DfE: local authority codes"])


# -- the framework coverage map ------------------------------------------------------------

def coverage_page(data: ReportData) -> Page:
    """The four dimensions, their evidence-map features, the indicators that measure each
    and the gaps."""
    cov = data.coverage
    tables, dims = [], []
    for dim in cov["dimensions"]:
        rows = [{"id": f["id"], "feature": f["title"], "evidence": f["evidence"],
                 "af": f["af"] or "", "status": f["status"],
                 "indicators": [(i["id"], indicator_href(i["id"])) for i in f["indicators"]],
                 "years": "; ".join(f"{i['first_year']}-{i['last_year']}" for i in
                                    f["indicators"] if i["n_years"]),
                 "literature": f["measures_in_literature"] or ""} for f in dim["features"]]
        frame = pd.DataFrame(rows)
        tables.append(Table(f"dimension-{dim['id']}", f"{dim['title']}: evidence-map features "
                            "and the national indicators that measure them", frame, [
                                Column("id", "Row"), Column("feature", "Feature"),
                                Column("evidence", "Evidence type"), Column("af", "AF domain"),
                                Column("status", "Status"),
                                Column("indicators", "Indicators", links=True),
                                Column("years", "Years with data"),
                                Column("literature", "Measures in the literature")],
                            row_header="feature", row_id="id", row_id_prefix="feature-"))
        counts = {STATUS_PLURALS.get(k, k): n for k, n in
                  frame.status.value_counts().sort_index(ascending=False).items()}
        dims.append({"id": dim["id"], "title": dim["title"], "need": dim["need"],
                     "found": " ".join(dim["found"].split()), "table": tables[-1],
                     "counts": counts})
    outside = pd.DataFrame([{"id": i["id"], "title": i["title"],
                             "href": indicator_href(i["id"]),
                             "years": f"{i['first_year']}-{i['last_year']}" if i["n_years"]
                             else "no data"} for i in cov["outside_map"]])
    if not outside.empty:
        tables.append(Table("outside-the-map", "Indicators tied to no evidence-map feature "
                            "(context: need, population, deprivation, spending)", outside, [
                                Column("title", "Indicator", href="href"), Column("id", "Id"),
                                Column("years", "Years with data")], row_header="title"))
    s = cov["summary"]
    summary = (f"Of the {s['features']} features in the 2016 study's evidence map, "
               f"{s['measured']} are measured by at least one national indicator with data, "
               f"{s['no_data']} have an indicator defined but no data in the releases, and "
               f"{s['gaps']} are gaps: no national indicator measures them.")
    return Page("coverage.html", "What the national data cover: the framework coverage map",
                "coverage.html", {"dims": dims, "summary": summary, "source": cov["source"],
                                  "outside": tables[-1] if not outside.empty else None},
                tables=tables, sources=[" ".join(cov["source"].split())])


# -- sources and licences -------------------------------------------------------------------

def sources_page(data: ReportData) -> Page:
    """Every file in the store: when it was loaded, what it held."""
    files = data.files.copy()
    files = files[files.loader_key.notna()]
    files["source"] = files.source_file.str.split("/").str[0]
    files["sha"] = files.sha256.str[:12]
    table = Table("files", "The release files in the store, as the last load read them", files, [
        Column("source_file", "File"), Column("source", "Folder"),
        Column("loaded_at", "Loaded"), Column("rows_read", "Rows read", numeric=True,
                                              decimals=0),
        Column("values_stored", "Values stored", numeric=True, decimals=0),
        Column("special_stored", "Special values stored", numeric=True, decimals=0),
        Column("problems", "Cells in problems", numeric=True, decimals=0),
        Column("sha", "SHA-256 (first 12)")], row_header="source_file")
    return Page("sources.html", "Sources, licences and versions", "sources.html",
                {"n_files": len(files)}, tables=[table],
                sources=sorted(files.source.unique()))


def not_found_page(data: ReportData, kind: str, wanted: str) -> Page:
    """The page for an unknown authority or indicator: what was asked, the nearest names."""
    if kind == "authority":
        choices = {code: f"{row['name']} ({code})" for code, row in data.authorities.iterrows()}
        by_name = data.names[data.names.la_code.isin(data.authorities.index)]
        variants = dict(zip(by_name.name, by_name.la_code))
        hits = nearest(wanted, {**{k: v for k, v in variants.items()}, **choices})
        near = [(authority_href(variants.get(k, k)),
                 choices.get(variants.get(k, k), k)) for k, _ in hits]
    elif kind == "indicator":
        choices = {i: f"{data.registry.get(i).title} ({i})" for i in data.registry.indicators}
        near = [(indicator_href(k), label) for k, label in nearest(wanted, choices)]
    else:
        near = []
    near = list(dict.fromkeys(near))
    return Page("404.html", "Page not found", "not_found.html",
                {"kind": kind, "wanted": wanted, "near": near}, status=404)
