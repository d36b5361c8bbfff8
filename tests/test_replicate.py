"""The replication on the real releases: shapes the study reported, and the CLI."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from csc_outcomes.analysis.replicate import Choices, replicate, table_order
from csc_outcomes.analysis.sensitivity import ALTERNATIVES, STUDY_RATINGS, sensitivity
from csc_outcomes.cli import cli
from csc_outcomes.data.store import Store


@pytest.fixture(scope="module")
def default(store_path):
    return replicate(store=store_path)


def test_json_shape_and_totals(default):
    assert default["universe"] == 152
    for side in ("best", "worst"):
        part = default["phase1"][side]
        dist = {int(k): v for k, v in part["distribution"].items()}
        assert sum(dist.values()) == 152
        assert list(dist) == list(range(max(dist) + 1))  # every count from 0 to the max
        assert len(part["members"]) == 11  # the 11 child-outcome indicators
        for row in part["named"]:
            assert set(row) == {"la_code", "la_name", "count", "ofsted_rating", "ofsted_date"}
            assert row["count"] >= 1
            assert (row["ofsted_date"] is None) == (row["ofsted_rating"] == "not yet completed")
    assert [p["indicator"] for p in default["phase2"]][:2] == ["cla-return-home-planned",
                                                               "care-leavers-21-eet"]
    assert len(default["phase2"]) == 14
    for p in default["phase2"]:
        assert {"indicator", "n", "r", "multiple_r", "f", "p"} <= set(p)
        assert p["multiple_r"] == pytest.approx(abs(p["r"]))


def test_default_sample_is_the_83_first_sif_judgements_published_by_11_march_2016(default,
                                                                                store_path):
    from csc_outcomes.analysis.ratings import ratings

    every = ratings(store_path)  # every first SIF, any date
    by_cutoff = every[every.published <= pd.Timestamp("2016-03-11").date()]
    assert default["inspected"] == len(by_cutoff) == 83
    assert {s["la_code"] for s in default["sample"]} == set(by_cutoff.index)
    # the next first SIF was published on 29 March 2016: any cut-off to the 28th is the same
    assert every[every.published > pd.Timestamp("2016-03-11").date()].published.min() == \
        pd.Timestamp("2016-03-29").date()
    assert max(p["n"] for p in default["phase2"]) <= 83
    window = replicate(Choices(published_to=pd.Timestamp("2016-03-31").date()), store=store_path)
    assert window["inspected"] == 87  # PROVENANCE.md: 87 first SIFs published by 31 March 2016


def test_ten_percent_groups_match_the_rule(default, store_path):
    from csc_outcomes.indicators import values

    # the default: 10% of all 152 authorities (15), exactly 15, ties in the LA tables' order
    vals = values(["cla-missing"], [2015], store=store_path, variants=["la-tables"])
    have = vals[vals.status == "value"].set_index("la_code").value
    best = set(default["phase1"]["best"]["members"]["cla-missing"])
    assert len(best) == 15 == int(152 * 0.1 + 0.5)
    assert have[list(best)].max() <= have.drop(list(best)).min()  # lower is better here
    # whole-number percentages tie at the cut: those in come first in the tables' order
    with Store(store_path, read_only=True) as st:
        order = table_order(st.authorities(2015))
    cut = have[list(best)].max()
    tied_in = [la for la in best if have[la] == cut]
    tied_out = [la for la in have.index if have[la] == cut and la not in best]
    assert tied_out and max(order[tied_in]) < min(order[tied_out])


def test_choices_change_the_answer(store_path, default):
    flipped = replicate(Choices(contested="flip"), store=store_path)
    assert flipped["phase1"]["best"]["members"]["cla-missing"] == \
        default["phase1"]["worst"]["members"]["cla-missing"]
    reversed_coding = replicate(Choices(coding="inadequate-1"), store=store_path)
    for a, b in zip(default["phase2"], reversed_coding["phase2"]):
        if a["r"] is not None:
            assert b["r"] == pytest.approx(-a["r"]) and b["p"] == pytest.approx(a["p"])


def test_other_years_use_latest_judgements(store_path):
    result = replicate(Choices.for_year(2022), store=store_path)
    assert result["choices"]["selection"] == "latest"
    assert result["choices"]["published_to"] == "2023-03-31"
    assert result["inspected"] >= 140


def test_sensitivity_runs_every_alternative(store_path):
    out = sensitivity(store=store_path)
    names = [v["variant"] for v in out["variants"]]
    assert names == ["default"] + [a[0] for a in ALTERNATIVES]
    by = {v["variant"]: v for v in out["variants"]}
    assert by["default"]["best_named_overlap"] == 1.0
    assert by["window-feb-2016"]["inspected"] < 83 < by["window-mar-2016"]["inspected"] == 87
    assert by["all-first-sif"]["inspected"] == 152
    # SIF records carry no inspection date: the variant says so instead of running
    assert "no inspection dates" in by["ofsted-inspected"]["error"]
    assert by["default"]["error"] is None
    # the named variant is the only one that reproduces 10 printed rows
    assert by["study-ratings"]["fit_rows_exact"] == 10
    assert max(v.get("fit_rows_exact") or 0 for n, v in by.items() if n != "study-ratings") == 3
    assert json.loads(json.dumps(out, default=str), parse_constant=_no_nan)


def _no_nan(token):
    raise ValueError(f"not strict JSON: {token}")


def test_recodes_change_only_that_rating(store_path, default):
    recoded = replicate(Choices(recodes=STUDY_RATINGS), store=store_path)
    mine = {s["la_code"]: s for s in recoded["sample"]}
    assert mine["E09000021"]["grade"] == "Inadequate"
    assert mine["E09000021"]["official_grade"] == "Good"
    assert sum(s["grade"] != s["official_grade"] for s in recoded["sample"]) == 1
    assert any("recode" in n for n in recoded["notes"])
    assert recoded["phase1"] == default["phase1"]  # phase one does not use ratings
    assert all(s["grade"] == s["official_grade"] for s in default["sample"])  # never a default
    with pytest.raises(ValueError, match="Inadequate"):
        Choices(recodes=(("E09000021", "Bad"),))


def test_choices_are_validated():
    for bad in ({"source": "lait"}, {"workforce_basis": "both"}, {"suppressed": "drop"},
                {"ties": "random"}, {"ofsted_date": "visited"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Choices(**bad)


def test_source_basis_and_suppression_reach_the_values(store_path, default):
    by_ind = {i["indicator"]: i for i in default["indicators"]}
    assert by_ind["cla-missing"]["variant"] == "la-tables"
    assert by_ind["csww-agency-rate"]["variant"] == "headcount"
    assert by_ind["csww-cin-per-sw"]["variant"] is None  # headcount is its default
    other = replicate(Choices(source="underlying", workforce_basis="fte", suppressed="missing"),
                      store=store_path)
    by_other = {i["indicator"]: i for i in other["indicators"]}
    assert by_other["cla-missing"]["variant"] is None
    assert by_other["csww-cin-per-sw"]["variant"] == "fte"
    n = {p["indicator"]: p["n"] for p in other["phase2"]}
    n_default = {p["indicator"]: p["n"] for p in default["phase2"]}
    # suppressed parts as zero keep every sampled authority's planned-returns value
    assert n_default["cla-return-home-planned"] == 83 > n["cla-return-home-planned"]


def test_cli_json_equals_api_and_csv_files(store_path, tmp_path, default):
    # CliRunner, then the API result: the same phase one
    result = CliRunner().invoke(cli, ["replicate", "--json", "--store", str(store_path),
                                      "--csv", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["phase1"] == json.loads(json.dumps(default["phase1"]))
    phase2 = pd.read_csv(tmp_path / "out" / "phase2.csv")
    assert len(phase2) == 14 and set(phase2.columns) >= {"indicator", "n", "multiple_r", "r", "f", "p"}
    assert (tmp_path / "out" / "phase1_best_distribution.csv").exists()


def test_cli_rejects_a_bad_direction(store_path):
    result = CliRunner().invoke(cli, ["replicate", "--direction", "cla-missing=up",
                                      "--store", str(store_path)])
    assert result.exit_code != 0 and "ID=higher" in result.output


def test_a_recode_can_add_an_uninspected_authority(store_path):
    croydon = "E09000008"  # first SIF published 4 September 2017
    result = replicate(Choices(recodes=((croydon, "Good"),)), store=store_path)
    assert result["inspected"] == 84
    row = next(s for s in result["sample"] if s["la_code"] == croydon)
    assert row == {"la_code": croydon, "la_name": "Croydon", "grade": "Good",
                   "official_grade": None, "rating": 2, "published": None}
    assert any("no counted judgement" in n for n in result["notes"])
    json.dumps(result, allow_nan=False)


def test_cli_new_choices_and_their_errors(store_path):
    def run(*args):
        return CliRunner().invoke(cli, ["replicate", *args, "--store", str(store_path)])

    bad = run("--recode", "E09000021=Bad")
    assert bad.exit_code != 0 and "LA_CODE=GRADE" in bad.output
    both = run("--search", "--sensitivity")
    assert both.exit_code != 0 and "--search runs on its own" in both.output
    inspected = run("--ofsted-date", "inspected")
    assert inspected.exit_code == 1
    assert "Error: the releases give no inspection dates" in inspected.output
    study = run("--study-ratings", "--json")
    assert study.exit_code == 0, study.output
    out = json.loads(study.output)
    assert out["choices"]["recodes"] == {"E09000021": "Inadequate"}
    assert any("Kingston upon Thames (E09000021) is rated Inadequate, not Ofsted's Good" in n
               for n in out["notes"])
    fte = json.loads(run("--workforce-basis", "fte", "--source", "underlying", "--json").output)
    assert fte["choices"]["workforce_basis"] == "fte" and fte["choices"]["source"] == "underlying"
