"""Coverage against hand counts from one real file; eligible() for --min-completeness."""

from pathlib import Path

import pandas as pd
import pytest

from csc_outcomes.analysis import completeness as C
from csc_outcomes.indicators import values


@pytest.fixture(scope="module")
def cover(store_path):
    return C.coverage(values(set_name="completeness", store=store_path))


def test_sdq_coverage_matches_hand_counts_from_the_2015_file(raw_dir: Path, cover):
    raw = pd.read_csv(raw_dir / "dfe_cla_underlying/2015/SFR34_OC22015.csv", dtype=str,
                      encoding="cp1252")
    raw = raw[raw.geog_l == "LA"]
    num = pd.to_numeric(raw.CLA_SDQ, errors="coerce")
    den = pd.to_numeric(raw.CLA_5to16, errors="coerce")
    hand = (100 * num / den).set_axis(raw.New_geog_code).dropna()
    got = cover[(cover.measure == "sdq-returns") & (cover.period == 2015)].set_index("la_code")
    common = hand.index.intersection(got.index)
    assert len(common) >= 140
    assert (got.loc[common, "coverage"] - hand[common]).abs().max() < 1e-9
    suppressed = raw.loc[raw.CLA_SDQ == "x", "New_geog_code"]
    assert (got.reindex(suppressed).status == "suppressed").all()


def test_care_leaver_coverage_is_the_complement_of_not_known(cover):
    c = cover[(cover.measure == "care-leaver-activity-known") & cover.coverage.notna()]
    assert ((c.covered / c.eligible * 100 - c.coverage).abs() < 1e-9).all()
    assert c.coverage.between(0, 100).all()


def test_eligible_leaves_out_governed_rows_below_the_threshold(store_path, cover):
    v = values(["cla-sdq-concern", "cpp-second-subsequent"], store=store_path)
    kept, out = C.eligible(v, cover, 60)
    low = cover[(cover.measure == "sdq-returns") & (cover.coverage < 60)]
    expected = v[(v.indicator == "cla-sdq-concern")
                 & v.set_index(["la_code", "period"]).index.isin(
                     low.set_index(["la_code", "period"]).index)]
    assert len(out) == len(expected) > 0
    assert len(kept) == len(v) - len(expected)
    assert (kept.indicator == "cpp-second-subsequent").sum() == (
        v.indicator == "cpp-second-subsequent").sum()  # nothing governs it
    same, none = C.eligible(v, cover, None)
    assert len(same) == len(v) and none.empty


def test_least_complete_and_cells(store_path, cover):
    least = C.least_complete(cover, "sdq-returns", n=5)
    assert len(least) == 5 and least.mean_coverage.is_monotonic_increasing
    cells = C.cells(values(set_name="study-2016", years=[2015], store=store_path))
    assert (cells.published + cells.suppressed + cells.missing + cells.other
            == cells.indicators).all()
