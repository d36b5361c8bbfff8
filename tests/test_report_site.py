"""The static site, built once from the real store: every page there, figures equal to the
library's, every table with its CSV, every chart with its text and table, the footer's facts
on every page, nothing fetched from elsewhere, and the output folder kept safe."""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from pagetext import number, parse

from csc_outcomes import ATTRIBUTION, __version__
from csc_outcomes.analysis.compare import against_published
from csc_outcomes.analysis.replicate import replicate
from csc_outcomes.data.store import Store
from csc_outcomes.indicators import values
from csc_outcomes.indicators.coverage import coverage
from csc_outcomes.report import build_site
from csc_outcomes.report.context import default_year
from csc_outcomes.report.sections import ANALYSES
from csc_outcomes.report.site import MARKER, ReportError, _inside

ENGLAND = "E92000001"


def pages(site) -> list[Path]:
    return sorted(site.index.parent.rglob("*.html"))


@cache
def parsed(path: Path):
    """Each page parsed once for the whole module."""
    return parse(path)


def test_a_page_for_every_indicator_and_authority(site, report_data, store_path):
    root = site.index.parent
    with Store(store_path, read_only=True) as st:
        authorities = set(st.authorities(report_data.year).index)
    assert {p.stem for p in (root / "authorities").glob("*.html")} == authorities | {"index"}
    assert {p.stem for p in (root / "indicators").glob("*.html")} == \
        set(report_data.registry.indicators) | {"index"}
    for name in ("index.html", "coverage.html", "sources.html", "404.html", MARKER):
        assert (root / name).exists()
    assert site.pages == len(pages(site)) == len(authorities) + len(
        report_data.registry.indicators) + 6


def test_the_year_is_the_latest_most_indicators_have(report_data):
    ok = report_data.values[report_data.values.status == "value"]
    per_year = ok.groupby("period").indicator.nunique()
    assert report_data.year == max(y for y, n in per_year.items() if n >= 0.9 * per_year.max())
    assert default_year(report_data.values) == report_data.year
    assert per_year[report_data.year + 1] < 0.9 * per_year.max()  # a year still partly out


def test_every_page_has_the_footer_facts(site, report_data):
    run = report_data.run_date.isoformat()
    for path in pages(site):
        html = path.read_text(encoding="utf-8")
        start = html.find('<footer class="site-footer">')
        assert start >= 0 and html.count('<footer class="site-footer">') == 1, path
        text = parse(html[start:html.index("</footer>", start) + len("</footer>")]).text
        assert ATTRIBUTION in text, path
        assert f"csc-outcomes {__version__} on {run}" in text, path
        assert "release files, loaded into the store" in text, path


def test_indicator_pages_name_their_definition_versions_and_sources(site, report_data):
    for ind_id in ("cla-missing", "csww-agency-rate"):
        ind = report_data.registry.get(ind_id)
        page = parsed(site.index.parent / "indicators" / f"{ind_id}.html")
        assert page.h1() == ind.title
        versions = page.tables["versions"]
        assert [int(v) for v in versions.column("Version")] == [v.version for v in ind.versions]
        used = {report_data.version_of(ind_id, y) for y in report_data.years} - {None}
        for number_ in used:
            assert f"{ind_id} v{number_}" in page.text
        assert ind.versions[0].sources[0].dataset in page.text


def test_indicator_distribution_equals_the_library(site, report_data, store_path):
    year = report_data.year
    for ind_id in ("cla-missing", "cin-rereferrals-12m", "csww-cin-per-sw"):
        lib = values([ind_id], [year], store=store_path, areas=True)
        england = lib[(lib.la_code == ENGLAND)].value.iloc[0]
        lib = lib[lib.status == "value"].set_index("la_code").value
        page = parsed(site.index.parent / "indicators" / f"{ind_id}.html")
        table = page.tables["distribution"]
        shown = {r["ONS code"]: number(r[next(h for h in table.headers if h.startswith("Value"))])
                 for r in table.records()}
        with Store(store_path, read_only=True) as st:
            alive = set(st.authorities(year).index)
        assert set(shown) == alive
        for code, v in shown.items():
            if code in lib.index:
                assert v == pytest.approx(lib[code], abs=0.051), (ind_id, code)
            else:
                assert v is None
        ranks = [int(r) for r in table.column("Rank (1 = highest)") if r]
        assert ranks == list(range(1, len(ranks) + 1))
        assert f"England: {england:,.1f}" in page.text


def test_authority_comparison_equals_the_library(site, report_data, store_path):
    year = report_data.year
    ids = ["cla-missing", "csww-agency-rate", "cpp-second-subsequent"]
    lib = values(ids, [year], store=store_path, areas=True)
    with Store(store_path, read_only=True) as st:
        neighbours = st.table("stat_neighbour")
        la = st.table("la").set_index("la_code")
    for code in ("E06000001", "E09000022", "E10000016"):
        page = parsed(site.index.parent / "authorities" / f"{code}.html")
        assert page.h1() == la.loc[code, "name"]
        rows = {r["Indicator"]: r for r in page.tables["comparison"].records()}
        mine = lib[lib.la_code == code].set_index("indicator")
        nbs = neighbours[neighbours.la_code == code].neighbour_code
        for ind_id in ids:
            row = rows[report_data.registry.get(ind_id).title]
            assert number(row["This authority"]) == pytest.approx(mine.value[ind_id], abs=0.051)
            assert number(row["England"]) == pytest.approx(_value(lib, ENGLAND, ind_id), abs=0.051)
            assert number(row["Region"]) == pytest.approx(
                _value(lib, la.loc[code, "region_code"], ind_id), abs=0.051)
            nb = lib[lib.la_code.isin(nbs) & (lib.indicator == ind_id)].value.dropna()
            assert number(row["Neighbours' mean"]) == pytest.approx(nb.mean(), abs=0.051)
            assert int(row["Neighbours with a value"]) == len(nb)


def _value(lib: pd.DataFrame, code: str, ind_id: str) -> float:
    return lib[(lib.la_code == code) & (lib.indicator == ind_id)].value.iloc[0]


def test_the_overview_sets_the_replication_beside_the_published_tables(site, store_path):
    comparison = against_published(replicate(store=store_path))
    page = parsed(site.index)
    a2a = page.tables["a2a"]
    ours = dict(zip(comparison.a2a.label, comparison.a2a.multiple_r))
    assert len(a2a.rows) == len(comparison.a2a)
    for row, (_, lib) in zip(a2a.records(), comparison.a2a.iterrows()):
        if pd.notna(lib.multiple_r):
            assert number(row["Multiple R, ours"]) == pytest.approx(lib.multiple_r, abs=5e-5)
        if pd.notna(lib.published_r):
            assert number(row["Multiple R, printed"]) == pytest.approx(lib.published_r,
                                                                       abs=5e-5)
    assert ours
    s = comparison.summary
    assert (f"on {s['rows_n_match']} of the {s['a2a_rows']} printed rows our number of "
            "authorities is the one the printed figures imply") in page.text
    bins = page.tables["tables-1-and-3"]
    assert [int(x) for x in bins.column("Authorities, ours")] == list(comparison.bins.ours)


def test_every_table_has_a_caption_headers_and_a_csv_that_reads_back(site):
    checked = 0
    for path in pages(site):
        page = parsed(path)
        for table in page.tables.values():
            assert table.caption, (path, table.id)
            assert table.headers and set(table.header_scopes) == {"col"}, (path, table.id)
            assert table.csv, (path, table.id)
            target = (path.parent / table.csv).resolve()
            assert target.is_relative_to(site.index.parent.resolve())
            rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
            assert rows[0] == table.headers, (path, table.id)
            assert len(rows) - 1 == len(table.rows), (path, table.id)
            checked += 1
    assert checked == site.tables


def test_csv_holds_the_unrounded_values_of_the_page(site, store_path, report_data):
    path = site.index.parent / "csv" / "indicators" / "cla-missing" / "distribution.csv"
    frame = pd.read_csv(path)
    lib = values(["cla-missing"], [report_data.year], store=store_path)
    lib = lib[lib.status == "value"].set_index("la_code").value
    got = frame.set_index("ONS code")["Value (percent)"].dropna()
    assert len(got) == len(lib)
    assert (got - lib.reindex(got.index)).abs().max() < 1e-9


def test_every_chart_has_a_text_alternative_and_its_table(site):
    seen = 0
    for path in pages(site):
        page = parsed(path)
        for fig in page.figures:
            assert fig.label, (path, fig.id)
            assert len(page.ids.get(fig.described_by, "")) > 40, (path, fig.id)
            assert fig.table in page.tables, (path, fig.id)
            seen += 1
    assert seen > 2 * 153  # two or more on every authority's page


def test_nothing_is_fetched_from_elsewhere(site):
    for path in pages(site):
        page = parsed(path)
        for ref in page.scripts + page.stylesheets:
            assert not re.match(r"^[a-z]+:|^//", ref), (path, ref)
            assert (path.parent / ref).resolve().is_file(), (path, ref)
        for link in page.links:
            if link.startswith(("http://", "https://")):
                assert link.startswith("https://www.nationalarchives.gov.uk/doc/open-government")
            elif not link.startswith("#"):
                target = (path.parent / link.split("#")[0]).resolve()
                assert target.exists(), (path, link)
    text = "\n".join(p.read_text() for p in (site.index.parent / "static").glob("*.*"))
    assert "http" not in re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def test_analysis_sections_say_plainly_whether_they_are_available(site):
    overview = parsed(site.index).text
    indicator = parsed(site.index.parent / "indicators" / "cla-missing.html").text
    for analysis in ANALYSES:
        pending = f"Not yet available: this analysis ({analysis.command}"
        pages_ = ([overview] if analysis.overview else []) + (
            [indicator] if analysis.indicator else [])
        for text in pages_:
            assert analysis.title in text
            assert (pending in text) == (analysis.run is None), analysis.key


def test_coverage_reuses_computed_values_with_the_same_result(report_data, store_path):
    assert report_data.coverage == coverage(store_path, report_data.registry)


def test_coverage_page_lists_every_feature(site, report_data):
    page = parsed(site.index.parent / "coverage.html")
    for dim in report_data.coverage["dimensions"]:
        table = page.tables[f"dimension-{dim['id']}"]
        assert table.column("Row") == [f["id"] for f in dim["features"]]
        assert table.column("Status") == [f["status"] for f in dim["features"]]
    s = report_data.coverage["summary"]
    assert f"{s['gaps']} are gaps" in page.text


def test_a_non_empty_folder_that_is_not_a_report_is_refused(tmp_path, report_data):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ReportError, match="not empty"):
        build_site(tmp_path, report_data)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(ReportError, match="is a file"):
        build_site(tmp_path / "notes.txt", report_data)


def test_paths_never_leave_the_output_folder(tmp_path):
    with pytest.raises(ReportError, match="outside"):
        _inside(tmp_path, "../escape.html")
    with pytest.raises(ReportError, match="outside"):
        _inside(tmp_path, "/etc/passwd")
    assert _inside(tmp_path, "a/b.html") == (tmp_path / "a" / "b.html").resolve()


def test_pages_written_by_the_workers_equal_those_written_here(site, report_data, tmp_path):
    """The session's site came from the report command, its analyses and pages made in
    forked workers; writing a sample of its pages again in this process, one after
    another, gives the same bytes, pages and CSVs alike, so the workers neither lose nor
    change anything."""
    from csc_outcomes.report.sections import run_analyses
    from csc_outcomes.report.site import _write_pages, page_makers

    run_analyses(report_data, workers=1)
    makers = page_makers(report_data)
    sample = [makers[0], makers[2], makers[-5], makers[-3]]  # overview, indicator, authority, ...
    written = list(_write_pages(tmp_path, report_data, sample, workers=1))
    assert [p for p, _ in written] == ["index.html", written[1][0], written[2][0],
                                       "coverage.html"]
    root = site.index.parent
    csvs = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    assert len(csvs) == sum(n for _, n in written) > 0
    for path in [p for p, _ in written] + csvs:
        assert (tmp_path / path).read_bytes() == (root / path).read_bytes(), path


def test_the_comparison_says_which_values_the_source_withholds(report_data):
    """A gap in the comparison is explained: DfE gives Birmingham's 2024 agency rate as
    low reliability (no value), and the chart's text names it."""
    from csc_outcomes.report.explore import Choice, compare_page

    v = report_data.values
    row = v[(v.la_code == "E08000025") & (v.indicator == "csww-agency-rate") & (v.period == 2024)]
    assert row.status.tolist() == ["low_reliability"]
    page = compare_page(report_data, Choice(["E08000025", "E08000026"], ["csww-agency-rate"],
                                            [2023, 2024]))
    words = page.charts[0].description
    assert ("Not shown, as the source gives no value: Birmingham, Agency children's social "
            "worker rate, 2024 (low reliability).") in words
    every = compare_page(report_data, Choice(["E08000026"], ["csww-agency-rate"], [2024]))
    assert "Not shown" not in every.charts[0].description  # Coventry's 2024 rate is published


def test_spending_is_on_the_overview_and_each_authority_page_as_the_library_computes_it(
        site, store_path):
    """`analyse spending` in the report: the overview ranks the highest and lowest per
    child in need; an authority's page lists its own years, and a reorganised authority's
    the area added up to the same boundaries in every year."""
    from csc_outcomes.analysis.improving_data import spending_report

    lib = spending_report(store_path).tables
    root = site.index.parent
    ranked = parsed(root / "index.html").tables["spending-ranked"].records()
    top = lib["ranked"][(lib["ranked"]["end"] == "highest") & (lib["ranked"]["rank"] == 1)]
    last = top[top["period"] == top["period"].max()].iloc[0]
    shown = next(r for r in ranked if r["End"] == "highest" and r["Rank"] == "1"
                 and r["Financial year"] == f"{last.period - 1}-{last.period % 100:02d}")
    assert shown["Area name"] == last.area_name
    assert number(shown["Per child in need"]) == round(last.per_child_in_need)
    for la, area in (("E06000001", "E06000001"),
                     ("E06000061", "E06000061+E06000062+E10000021")):
        rows = parsed(root / "authorities" / f"{la}.html").tables["spending-spending"].records()
        mine = lib["spending"][lib["spending"]["area_code"] == area].sort_values("period")
        assert len(rows) == len(mine) > 5
        assert [r["ONS code"] for r in rows] == [la] * len(rows)
        assert [number(r["Per child in need"]) for r in rows] == \
            [round(v) if v == v else None for v in mine["per_child_in_need"]]
        assert [number(r["Children in need"]) for r in rows] == \
            [round(v) if v == v else None for v in mine["children_in_need"]]


def _areas(england: float, regions: list[float], unit_id: str = "rate") -> pd.DataFrame:
    rows = [{"la_code": ENGLAND, "level": "national", "value": england}]
    rows += [{"la_code": f"E1200000{i}", "level": "region", "value": v}
             for i, v in enumerate(regions, 1)]
    return pd.DataFrame(rows).assign(indicator=unit_id, period=2024, status="value")


def test_an_england_figure_outside_every_region_is_set_aside_by_hand():
    """Synthetic: England must lie within its nine regions' range (it is their weighted
    mean), give or take a rounding step; a total, or a year with regions missing, is not
    judged."""
    from csc_outcomes.report.context import national_outside_regions

    regions = [10.0, 11, 12, 13, 14, 15, 16, 17, 18]
    units = {"rate": "percent", "total": "count"}
    assert national_outside_regions(_areas(14.0, regions), units).empty
    assert national_outside_regions(_areas(18.9, regions), units).empty  # a rounding step
    out = national_outside_regions(_areas(40.0, regions), units)
    assert out.to_dict("records") == [{"indicator": "rate", "period": 2024, "england": 40.0,
                                       "region_low": 10.0, "region_high": 18.0,
                                       "regions": 9}]
    assert not national_outside_regions(_areas(9.0 - 1.01, regions), units).empty
    assert national_outside_regions(_areas(40.0, regions[:3]), units).empty
    assert national_outside_regions(_areas(140.0, regions, "total"), units).empty


def test_lait_england_first_time_entrants_are_set_aside_and_said_so(site, report_data,
                                                                    raw_dir):
    """LAIT's England row of first-time entrants (3,071 per 100,000 in 2016, read here
    straight from the parquet) is about ten times every region's; no other indicator's
    England figure is outside its regions'. The page says so and compares without it."""
    lait = pd.read_parquet(raw_dir / "dfe_lait" / "bds_long_0.parquet")
    row = lait[(lait["Short Desc"] == "FirstYJS") & (lait["LA and Regions"] == "England")
               & (lait["Years"] == "2016")]
    aside = report_data.england_set_aside
    assert set(aside.indicator) == {"yjs-first-time-entrants"}
    assert sorted(aside.period) == list(range(2016, 2025))
    first = aside[aside.period == 2016].iloc[0]
    assert first.england == float(row["Values"].iloc[0]) == 3071
    assert first.region_high < first.england / 5
    root = site.index.parent
    page = parsed(root / "indicators" / "yjs-first-time-entrants.html")
    assert "England's published figure is left out of every comparison for 2016-2024" in \
        page.text
    assert "the dashed line" not in page.text  # no England line on the distribution
    rows = {r["Indicator"]: r for r in parsed(
        root / "authorities" / "E06000001.html").tables["comparison"].records()}
    yjs = rows[report_data.registry.get("yjs-first-time-entrants").title]
    assert yjs["England"] == "" and number(yjs["This authority"]) is not None
    assert number(rows[report_data.registry.get("cla-missing").title]["England"]) is not None


def test_the_comparison_leaves_out_a_set_aside_england_figure_and_says_why(report_data):
    from csc_outcomes.report.explore import Choice, compare_page, comparison_frame

    choice = Choice(["E06000001"], ["yjs-first-time-entrants", "cla-missing"], [2023, 2024])
    long = comparison_frame(report_data, choice)
    england = long[long.la_code == ENGLAND]
    assert set(england.indicator) == {"cla-missing"} and len(england) == 2
    assert choice.problems == ["England's published figure of First-time entrants to the "
                               "youth justice system is left out: it lies outside the range "
                               "of every region's (see the indicator's page)."]
    page = compare_page(report_data, Choice(["E06000001"], ["yjs-first-time-entrants"],
                                            [2024]))
    assert page.charts and len(page.context["choice"].problems) == 1
