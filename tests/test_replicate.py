"""The replication on the real releases: shapes the study reported, and the CLI."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from csc_outcomes.analysis.replicate import ALTERNATIVES, Choices, replicate, sensitivity
from csc_outcomes.cli import cli


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


def test_study_window_counts_87_first_sif_judgements(default):
    # PROVENANCE.md: 87 first SIF reports were published by 31 March 2016
    assert default["inspected"] == 87
    assert max(p["n"] for p in default["phase2"]) <= 87


def test_ten_percent_groups_match_the_rule(default, store_path):
    from csc_outcomes.indicators import values

    vals = values(["cla-missing"], [2015], store=store_path)
    have = vals[vals.status == "value"].set_index("la_code").value
    k = int(len(have) * 0.1 + 0.5)
    best = set(default["phase1"]["best"]["members"]["cla-missing"])
    assert len(best) >= k
    assert have[list(best)].max() <= have.drop(list(best)).min()  # lower is better here


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
    assert by["window-feb-2016"]["inspected"] < 87 < by["window-dec-2016"]["inspected"]
    assert by["all-first-sif"]["inspected"] == 152


def test_cli_json_equals_api_and_csv_files(store_path, tmp_path, default):
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
