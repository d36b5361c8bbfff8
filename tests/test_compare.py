"""The published tables as package data, and the replication set beside them."""

import json

import pytest
from click.testing import CliRunner

from csc_outcomes.analysis.compare import against_published
from csc_outcomes.analysis.published import published
from csc_outcomes.analysis.replicate import Choices, replicate
from csc_outcomes.analysis.sensitivity import STUDY_RATINGS
from csc_outcomes.cli import cli
from csc_outcomes.errors import AnalysisError


def test_published_tables_as_printed():
    pub = published()
    assert "La Valle" in pub.reference and pub.universe == 152
    for side in ("best", "worst"):
        assert pub.distribution[side].authorities.sum() == 152
        assert len(pub.named[side]) == 6
    # Table 1: 93 authorities in some best group, none in more than five
    best = pub.distribution["best"]
    assert best[best.indicators >= 1].authorities.sum() == 93 and best.indicators.max() == 5
    a2a = pub.a2a.set_index("indicator")
    assert a2a.loc["cla-away"].isna()[["multiple_r", "significance_f", "implied_n"]].all()
    assert "cla-sdq-normal" not in a2a.index  # no row for #8
    assert pub.named["best"].set_index("la").loc["Sandwell", "date"] == "05/06/2016"
    assert pub.named["worst"].date.isna().sum() == 3  # "Not yet completed"
    # the n each printed (R, p) pair implies: the two significant rows are 79 and 80, the
    # largest 83, and rows with suppressed values fewer
    assert a2a.implied_n.dropna().astype(int).to_dict() == {
        "cla-return-home-planned": 83, "care-leavers-21-eet": 81,
        "care-leavers-21-accommodation": 82, "cla-missing": 79, "cla-offending": 64,
        "cla-substance-misuse": 52, "cla-sdq-concern": 74, "cin-rereferrals-12m": 83,
        "cpp-second-subsequent": 82, "csww-cin-per-sw": 83, "csww-turnover-rate": 83,
        "csww-agency-rate": 80}


@pytest.fixture(scope="module")
def default_fit(store_path):
    return against_published(replicate(store=store_path))


def test_default_run_reproduces_the_study_s_findings(default_fit):
    rows = default_fit.a2a.set_index("indicator")
    sig = rows[rows.significant.fillna(False).astype(bool)].index.tolist()
    assert sig == ["cla-missing", "csww-agency-rate"]  # the study's significant set
    assert rows.loc["csww-agency-rate", "r"] > 0  # lower agency rate, better rating
    assert rows.loc["csww-agency-rate", "sign_matches"]
    for ind in ("cla-missing", "csww-agency-rate"):
        assert abs(rows.loc[ind, "d_r"]) < 0.03
    assert rows.n_matches.dropna().all()  # n = the implied n on every printed row
    bins = default_fit.bins
    assert bins.difference.abs().max() <= 3


def test_default_run_numbers_are_pinned(default_fit):
    rows = default_fit.a2a.set_index("indicator")
    assert rows.n.to_dict() == {
        "cla-return-home-planned": 83, "care-leavers-21-eet": 81,
        "care-leavers-21-accommodation": 82, "cla-missing": 79, "cla-away": 70,
        "cla-offending": 64, "cla-substance-misuse": 52, "cla-sdq-concern": 74,
        "cin-rereferrals-12m": 83, "cpp-second-subsequent": 82, "csww-cin-per-sw": 83,
        "csww-turnover-rate": 83, "csww-agency-rate": 80}
    assert rows.loc["cla-missing", "r"] == pytest.approx(-0.373622, abs=1e-6)
    assert rows.loc["csww-agency-rate", "r"] == pytest.approx(0.437763, abs=1e-6)
    # three rows equal the printed R to 1e-6 with Ofsted's ratings: they hold no authority
    # whose rating the study's table differs on
    assert set(rows.index[rows.exact.fillna(False).astype(bool)]) == {
        "cla-offending", "cla-substance-misuse", "cla-sdq-concern"}
    assert default_fit.bins.ours.tolist() == [60, 47, 26, 13, 3, 3, 60, 45, 26, 16, 5]
    s = default_fit.summary
    assert (s["rows_n_match"], s["rows_exact"], s["l1_table1"], s["l1_table3"],
            s["named_table2"], s["named_table4"]) == (12, 3, 2, 10, 4, 3)
    assert s["sum_abs_dr"] == pytest.approx(0.177636, abs=1e-6)
    assert s["max_abs_dr"] == pytest.approx(0.040479, abs=1e-6)
    assert default_fit.line.startswith("A2a: sum |dR| 0.1776, max |dR| 0.0405 "
                                       "(cpp-second-subsequent); n = implied n on 12/12")


def test_named_authorities_carry_our_count_rating_and_date(default_fit):
    named = default_fit.named.set_index("la")
    assert named.loc["Salford", "named"] and named.loc["Salford", "count"] == 5
    assert named.loc["Croydon", "rating"] == "not yet completed"  # first SIF in 2017
    assert named.rating_matches.all()  # every printed rating is Ofsted's
    # Sandwell's printed "05/06/2016" is a year after its report (5 June 2015)
    assert not named.loc["Sandwell", "date_matches"]
    assert named.drop("Sandwell").date_matches.all()


def test_study_ratings_variant_reproduces_ten_rows(store_path):
    fit = against_published(replicate(Choices(recodes=STUDY_RATINGS), store=store_path))
    assert fit.summary["rows_exact"] == 10
    left = fit.a2a[fit.a2a.exact == False]  # noqa: E712 (None is the blank row)
    assert set(left.indicator) == {"cla-return-home-planned", "cin-rereferrals-12m"}


def test_only_the_study_year(store_path):
    with pytest.raises(AnalysisError, match="2015"):
        against_published(replicate(Choices.for_year(2022), store=store_path))


def test_cli_against_published_json_equals_api(store_path, default_fit):
    result = CliRunner().invoke(cli, ["replicate", "--against-published", "--json",
                                      "--store", str(store_path)])
    assert result.exit_code == 0, result.output

    def no_nan(token):
        raise ValueError(f"not strict JSON: {token}")

    out = json.loads(result.output, parse_constant=no_nan)
    assert out["comparison"] == json.loads(json.dumps(default_fit.to_dict()))
    away = next(r for r in out["comparison"]["a2a"] if r["indicator"] == "cla-away")
    assert away["published_r"] is None and away["n"] == 70
    table = CliRunner().invoke(cli, ["replicate", "--against-published",
                                     "--store", str(store_path)])
    assert "Fit: A2a: sum |dR| 0.1776" in table.output
    assert "Open Government Licence" in table.output


def test_comparison_and_search_tables_are_written_as_named_csvs(tmp_path):
    """Hand-made frames (the writers only name and write them)."""
    from types import SimpleNamespace

    import pandas as pd

    from csc_outcomes.analysis.tables import write_comparison_csv, write_search_csv

    frame = pd.DataFrame({"indicator": ["cla-missing"], "r": [0.352]})
    comp = SimpleNamespace(a2a=frame, bins=frame.assign(bin=1), named=frame.head(0))
    found = SimpleNamespace(samples=frame, changes=frame, phase1=frame)
    written = write_comparison_csv(comp, tmp_path / "out") + write_search_csv(found,
                                                                              tmp_path / "out")
    assert [p.name for p in written] == [
        "published_a2a.csv", "published_bins.csv", "published_named.csv",
        "search_samples.csv", "search_changes.csv", "search_phase1.csv"]
    assert pd.read_csv(written[1]).to_dict("records") == [
        {"indicator": "cla-missing", "r": 0.352, "bin": 1}]
    assert pd.read_csv(written[2]).empty
