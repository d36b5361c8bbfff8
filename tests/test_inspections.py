"""Linking inspection records across sources into one row per inspection."""

from datetime import date

import pandas as pd

from csc_outcomes.data.inspections import consolidate

BASE = {"inspection_type": "first", "start_date": None, "end_date": None, "overall": "Good",
        "help_and_protection": None, "children_in_care": None, "care_leavers": None,
        "adoption": None, "leadership": None, "lscb": None}


def _records(*rows):
    out = []
    for i, r in enumerate(rows):
        out.append({**BASE, "source_file": r.pop("file", "a.ods"), "source_row": i + 1, **r})
    return pd.DataFrame(out)


def test_synthetic_cases_link_by_date_window_and_framework():
    # Synthetic records: the real sources contain each pattern once (see the module docstring).
    recs = _records(
        # official SIF, and the scrape's copy three days later with no grade: one inspection
        dict(la_code="E1", framework="SIF", published=date(2014, 2, 11), source_rank=2),
        dict(la_code="E1", framework="unknown", published=date(2014, 2, 14), overall=None,
             inspection_type=None, source_rank=5, file="scrape.csv"),
        # SLAC safeguarding and looked-after re-inspections on the same day: two inspections
        dict(la_code="E1", framework="SLAC", inspection_type="safeguarding re-inspection",
             published=date(2011, 2, 25), overall=None, source_rank=2),
        dict(la_code="E1", framework="SLAC", inspection_type="CLA re-inspection",
             published=date(2011, 2, 25), overall=None, source_rank=2),
        # a mistyped month with identical grades links; a visit near an inspection does not
        dict(la_code="E2", framework="ILACS", inspection_type="standard",
             published=date(2022, 9, 5), start_date=date(2022, 7, 18), source_rank=1),
        dict(la_code="E2", framework="ILACS", inspection_type="standard",
             published=date(2022, 11, 5), source_rank=2),
        dict(la_code="E2", framework="ILACS", inspection_type="focused visit",
             published=date(2022, 9, 10), overall=None, source_rank=3),
        # same authority, genuinely later inspection: separate
        dict(la_code="E2", framework="ILACS", inspection_type="short",
             published=date(2025, 1, 10), overall="Outstanding", source_rank=1),
    )
    out = consolidate(recs)
    e1 = out[out.la_code == "E1"]
    assert sorted(e1.framework) == ["SIF", "SLAC", "SLAC"]
    sif = e1[e1.framework == "SIF"].iloc[0]
    assert sif.published == date(2014, 2, 11) and sif.overall == "Good"
    assert len(sif.sources) == 2 and "2014-02-14" in sif.note
    e2 = out[out.la_code == "E2"].sort_values("published")
    assert list(e2.inspection_type) == ["standard", "focused visit", "short"]
    first = e2.iloc[0]
    assert first.published == date(2022, 9, 5) and first.start_date == date(2022, 7, 18)
    assert "2022-11-05" in first.note


def test_graded_records_that_disagree_keep_the_best_ranked_and_say_so():
    recs = _records(
        dict(la_code="E3", framework="ILACS", inspection_type="standard", published=date(2018, 3, 12),
             children_in_care="Good", source_rank=1),
        dict(la_code="E3", framework="ILACS", inspection_type="standard", published=date(2018, 3, 12),
             children_in_care="Requires improvement", source_rank=2),
    )
    [row] = consolidate(recs).to_dict(orient="records")
    assert row["children_in_care"] == "Good"
    assert "children_in_care: sources say Good / Requires improvement" in row["note"]
