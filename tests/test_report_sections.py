"""The analysis sections (report/sections.py): a section shows its analysis's rows for the
page's indicator or authority, says plainly when the data cannot support it, and says "not
yet available" while its function is not part of the package.

The analyses of issues 10 and 11 are not on this branch, so the machinery is checked here
with the replication's own tables (real figures from the real store) standing in as the
result of an analysis."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
from pagetext import parse

from csc_outcomes.analysis.replicate import Choices, replicate
from csc_outcomes.report.sections import ANALYSES, TELL, Analysis, sections_for
from csc_outcomes.report.site import environment


def _stand_in(report_data):
    rep = report_data.replication
    best = pd.DataFrame([(ind, la) for ind, members in rep["phase1"]["best"]["members"].items()
                         for la in members], columns=["indicator", "la_code"])
    return SimpleNamespace(tables={"phase2": pd.DataFrame(rep["phase2"]), "best": best},
                           notes=["A note."], verdict=["The verdict, in words."])


def _analysis(run, key):
    return Analysis(key, f"Section {key}", TELL, 0, "csc-outcomes replicate", run,
                    overview=("phase2",), indicator=("phase2",), authority=("best",))


def test_a_section_shows_the_rows_of_its_page(report_data):
    found = _stand_in(report_data)
    analysis = _analysis(lambda data: found, "stand-in")
    [overview] = sections_for(report_data, "overview", analyses=(analysis,))
    assert overview["available"] and overview["sentences"] == ["The verdict, in words."]
    assert len(overview["tables"][0].frame) == len(found.tables["phase2"])
    [view] = sections_for(report_data, "indicator", "cla-missing", analyses=(analysis,))
    table = view["tables"][0]
    assert list(table.frame.indicator) == ["cla-missing"]
    ours = next(p for p in report_data.replication["phase2"] if p["indicator"] == "cla-missing")
    assert table.frame.r.iloc[0] == ours["r"]
    members = found.tables["best"]
    la = members.la_code.iloc[0]
    [view] = sections_for(report_data, "authority", la, analyses=(analysis,))
    assert sorted(view["tables"][0].frame.indicator) == sorted(
        members.indicator[members.la_code == la])
    [view] = sections_for(report_data, "indicator", "child-population", analyses=(analysis,))
    assert view["tables"] == [] and view["sentences"] == ["This analysis has no rows for this page."]


def test_a_section_renders_its_table_with_a_csv_link(report_data):
    analysis = _analysis(lambda data: _stand_in(report_data), "stand-in-render")
    [view] = sections_for(report_data, "indicator", "cla-missing", analyses=(analysis,))
    view["tables"][0].csv_href = "x.csv"
    html = environment().get_template("_section.html").render(section=view, root="")
    page = parse(html)
    table = page.tables["stand-in-render-phase2"]
    assert table.caption and "R" in table.headers and table.csv == "x.csv"
    assert "Not yet available" not in page.text


def test_a_section_says_when_the_data_cannot_support_it(report_data):
    analysis = _analysis(lambda data: replicate(Choices.for_year(1990),
                                                store=data.store_path), "too-early")
    [view] = sections_for(report_data, "overview", analyses=(analysis,))
    assert not view["available"]
    assert view["message"].startswith("The data cannot support this analysis: ")
    assert "1990" in view["message"]


def test_sections_not_on_this_branch_say_not_yet_available(report_data):
    for analysis in ANALYSES:
        for page, key in (("overview", None), ("indicator", "cla-missing"),
                          ("authority", "E06000001")):
            if not getattr(analysis, page):
                continue
            [view] = sections_for(report_data, page, key, analyses=(analysis,))
            if analysis.run is None:
                assert view["message"].startswith("Not yet available"), analysis.key
                assert view["tables"] == [] and view["charts"] == []
            else:
                assert view["available"] or view["message"].startswith("The data cannot")
